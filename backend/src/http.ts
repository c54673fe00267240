import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Context } from 'koa';
import { z } from 'zod';
import { fieldIssues, type FieldIssue } from '@fleetlens/protocol';

const gunzipAsync = promisify(gunzip);

/** An error that becomes an HTTP reply `{ error, issues? }` with the given status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }
}

/** Reads the request body, at most `max` bytes before and after gunzip (413 beyond that). */
export async function readBody(ctx: Context, max: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > max) throw new HttpError(413, `body is larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `body is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (ctx.get('content-encoding') || 'identity').toLowerCase();
  if (encoding === 'identity') return raw;
  if (encoding !== 'gzip') throw new HttpError(415, `unsupported content-encoding "${encoding}" (use gzip or none)`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new HttpError(413, `body is larger than ${max} bytes once decompressed`);
    throw new HttpError(400, 'body is not valid gzip');
  }
}

/** Deepest nesting a request body may have (an ingest batch needs 6). */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses a JSON request body, answering 400 when it is not JSON, nests deeper than
 * MAX_JSON_DEPTH (checked before parsing: JSON.parse and validation both recurse, and a
 * 1M-deep body would exhaust them), or names a key `__proto__` (JSON.parse keeps it as a plain
 * property that later object spreads would turn into a prototype).
 */
export function parseJson(buf: Buffer): unknown {
  const deep = nestingBeyond(buf, MAX_JSON_DEPTH);
  if (deep) throw new HttpError(400, `body nests deeper than ${MAX_JSON_DEPTH} levels (at byte ${deep})`);
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  // The walk over every object is the slow part for a big batch; only a body that spells
  // `__proto__` (or could, through a \u escape) can have such a key.
  const proto = buf.includes('__proto__') || buf.includes('\\u') ? protoPath(value) : null;
  if (proto)
    throw new HttpError(400, 'invalid body', [{ path: proto, message: '"__proto__" is not allowed as a name' }]);
  return value;
}

/** The byte offset where `json` nests deeper than `max` arrays/objects, or 0: one pass, strings skipped. */
function nestingBeyond(json: Buffer, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return 0;
}

/** The path of the first own `__proto__` key, or null. */
function protoPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '__proto__'))
      return path ? `${path}.__proto__` : '__proto__';
    for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object') stack.push([x, path ? `${path}.${k}` : k]);
  }
  return null;
}

/** Validates input against a schema, answering 400 with every bad field by path. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new HttpError(400, `invalid ${what}`, fieldIssues(r.error));
  return r.data;
}

/** Items of an array validated at once by validateSliced before it lets other work run. */
export const VALIDATION_SLICE = 1000;

/** The array schema inside a field's schema (`.default([])`, `.optional()`), or null. */
function arrayOf(field: z.ZodType): z.ZodArray | null {
  let s: z.ZodType = field;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodArray ? s : null;
}

/**
 * validate() for an object whose array fields may be long (an ingest batch of 48,000 rows took
 * ~0.5 s of CPU to validate in one go, with /healthz waiting): the object without its long arrays
 * first, then each long array's length limits, then its items slice by slice, yielding to the
 * event loop between slices. Same result, and the same issues by path, as validate() (an array
 * over its length limit is refused with that issue alone, its items unread).
 */
export async function validateSliced<S extends z.ZodObject>(
  schema: S,
  input: unknown,
  what = 'input'
): Promise<z.infer<S>> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return validate(schema, input, what);
  const obj = input as Record<string, unknown>;
  const shape = schema.shape as Record<string, z.ZodType>;
  const long = Object.keys(shape).filter(
    (k) => Array.isArray(obj[k]) && (obj[k] as unknown[]).length > VALIDATION_SLICE && arrayOf(shape[k])
  );
  if (!long.length) return validate(schema, input, what);
  const issues: FieldIssue[] = [];
  const shell: Record<string, unknown> = { ...obj };
  for (const k of long) shell[k] = [];
  const head = schema.safeParse(shell);
  if (!head.success) issues.push(...fieldIssues(head.error));
  const out = (head.success ? head.data : {}) as Record<string, unknown>;
  for (const k of long) {
    const items = obj[k] as unknown[];
    const array = arrayOf(shape[k])!;
    const length = z
      .array(z.unknown())
      .check(...((array._zod.def.checks ?? []) as z.core.$ZodCheck<unknown[]>[]))
      .safeParse(items);
    if (!length.success) {
      // Too many items: refused as such, without walking them all.
      issues.push(...fieldIssues(length.error).map((i) => ({ ...i, path: k })));
      continue;
    }
    const slice = z.array(array.element as z.ZodType);
    const parsed: unknown[] = [];
    for (let i = 0; i < items.length; i += VALIDATION_SLICE) {
      await yieldToLoop();
      const r = slice.safeParse(items.slice(i, i + VALIDATION_SLICE));
      if (r.success) parsed.push(...r.data);
      else
        for (const e of r.error.issues) {
          const [index, ...rest] = e.path;
          issues.push({ path: [k, i + Number(index), ...rest].map(String).join('.'), message: e.message });
        }
    }
    out[k] = parsed;
  }
  if (issues.length) throw new HttpError(400, `invalid ${what}`, issues);
  return out as z.infer<S>;
}

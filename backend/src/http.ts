import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Context } from 'koa';
import type { z } from 'zod';
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

/** Parses JSON text, answering 400 when it is not JSON. */
export function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/** Validates input against a schema, answering 400 with every bad field by path. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new HttpError(400, `invalid ${what}`, fieldIssues(r.error));
  return r.data;
}

/** True for errors that mean "the database cannot be reached now" (answered 503, agents retry). */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; errno?: number };
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'PROTOCOL_CONNECTION_LOST',
    'ER_CON_COUNT_ERROR',
    'ER_SERVER_SHUTDOWN',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_LOCK_DEADLOCK',
    'SQLITE_BUSY',
    'SQLITE_LOCKED',
    'SQLITE_IOERR',
    'SQLITE_FULL',
  ];
  return (
    (!!e?.code && codes.includes(e.code)) ||
    e?.name === 'KnexTimeoutError' ||
    /connect ECONNREFUSED|Connection lost|Pool is closed|acquiring a connection/i.test(e?.message ?? '')
  );
}

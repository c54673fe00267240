import Router from '@koa/router';
import { IngestBatch } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { HttpError, parseJson, readBody, validate } from '../http';
import { batchRows, ForbiddenClusterError, timestampIssues } from '../services/ingest';

/** POST /api/v1/ingest: agents push batches here with their agent token. */
export function ingestRoutes(deps: AppDeps) {
  const r = new Router();
  r.post('/api/v1/ingest', async (ctx) => {
    const token = (ctx.get('authorization').match(/^Bearer\s+(.+)$/i) ?? [])[1] ?? '';
    const grant = await deps.agentAuth.verify(token.trim());
    if (!grant) throw new HttpError(401, 'missing or invalid agent token');
    if (!ctx.is('application/json'))
      throw new HttpError(415, `ingest bodies must be application/json (got "${ctx.get('content-type') || 'none'}")`);
    const body = await readBody(ctx, deps.config.maxBodyBytes);
    const deep = nestingBeyond(body, MAX_DEPTH);
    if (deep) throw new HttpError(400, `body nests deeper than ${MAX_DEPTH} levels (at byte ${deep})`);
    const parsed = parseJson(body);
    const proto = protoPath(parsed);
    if (proto)
      throw new HttpError(400, 'invalid ingest batch', [
        { path: proto, message: '"__proto__" is not allowed as a name' },
      ]);
    const batch = validate(IngestBatch, parsed, 'ingest batch');
    // A batch this large would not be stored within an agent's request timeout: the agent splits
    // a batch answered 413 in halves and sends those (agent/src/transport/sender.ts).
    const rows = batchRows(batch);
    if (rows > deps.config.ingestMaxRows)
      throw new HttpError(
        413,
        `batch writes ${rows} rows, more than the ${deps.config.ingestMaxRows} one request may store (INGEST_MAX_ROWS); split it into smaller batches`
      );
    const now = Math.floor(Date.now() / 1000);
    const c = deps.config;
    const bad = timestampIssues(batch, now, {
      maxSampleAgeSeconds: c.retentionDays.raw * 86_400,
      maxEventAgeSeconds: c.retentionDays.m1 * 86_400,
      maxLogAgeSeconds: c.logs.retentionDays * 86_400,
      maxFutureSeconds: c.ingestMaxFutureSeconds,
    });
    if (bad.length) throw new HttpError(400, 'timestamps outside the accepted window; nothing was stored', bad);
    try {
      const accepted = await deps.ingest.ingest(batch, grant.cluster);
      deps.telemetry.ingestSamples.inc({ family: 'node' }, accepted.nodeSamples);
      deps.telemetry.ingestSamples.inc({ family: 'container' }, accepted.containerSamples);
      ctx.status = 202;
      // The server clock, so that the agent can tell (and report) how far its own is off.
      ctx.body = { batchId: batch.batchId, accepted, serverTime: now };
    } catch (err) {
      if (err instanceof ForbiddenClusterError) throw new HttpError(403, err.message);
      throw err;
    }
  });
  return r;
}

/** Deepest nesting an ingest body may have (a batch needs 6). */
export const MAX_DEPTH = 32;

/**
 * The byte offset where `json` nests deeper than `max` arrays/objects, or 0. One pass over the
 * bytes, strings skipped, before JSON.parse and validation (both recurse over a 1M-deep body).
 */
export function nestingBeyond(json: Buffer, max: number): number {
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

/** The path of the first own `__proto__` key (JSON.parse makes it a plain property), or null. */
export function protoPath(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '__proto__'))
      return path ? `${path}.__proto__` : '__proto__';
    for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object') stack.push([x, path ? `${path}.${k}` : k]);
  }
  return null;
}

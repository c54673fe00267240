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
    const batch = validate(IngestBatch, parseJson(await readBody(ctx, deps.config.maxBodyBytes)), 'ingest batch');
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

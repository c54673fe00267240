import Router from '@koa/router';
import type { AppDeps } from '../app';

/** Liveness, readiness (database reachable) and Prometheus metrics; no authentication. */
export function healthRoutes(deps: AppDeps) {
  const r = new Router();
  /** The process is up. */
  r.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  /** The database answers. */
  r.get('/readyz', async (ctx) => {
    try {
      await deps.db.knex.raw('SELECT 1');
      ctx.body = { status: 'ready', database: deps.db.dialect };
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { status: 'unavailable', error: 'database unreachable' };
    }
  });
  /** Prometheus text format: ingest rate, request latency, DB pool, job runs, process metrics. */
  r.get('/metrics', async (ctx) => {
    const pool = (
      deps.db.knex.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }
    ).pool;
    if (pool) {
      deps.telemetry.dbPool.set({ state: 'used' }, pool.numUsed());
      deps.telemetry.dbPool.set({ state: 'free' }, pool.numFree());
      deps.telemetry.dbPool.set({ state: 'pending' }, pool.numPendingAcquires());
    }
    ctx.type = deps.telemetry.registry.contentType;
    ctx.body = await deps.telemetry.registry.metrics();
  });
  return r;
}

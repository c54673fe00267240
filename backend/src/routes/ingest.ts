import Router from '@koa/router';
import { IngestBatch, type ContainerAction, type ProbeDefinition } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { silentAfterSeconds } from '../config';
import { HttpError, parseJson, readBody, validateSliced } from '../http';
import { isLivePush } from '../services/live-push';
import { BatchRefusedError, ForbiddenClusterError } from '../services/ingest';
import { CombinerBusyError } from '../services/write-combiner';

/** POST /api/v1/ingest: agents push batches here with their agent token. */
export function ingestRoutes(deps: AppDeps) {
  const r = new Router();
  r.post('/api/v1/ingest', async (ctx) => {
    const token = (ctx.get('authorization').match(/^Bearer\s+(.+)$/i) ?? [])[1] ?? '';
    const grant = await deps.agentAuth.verify(token.trim());
    if (!grant) throw new HttpError(401, 'missing or invalid agent token');
    if (!ctx.is('application/json'))
      throw new HttpError(415, `ingest bodies must be application/json (got "${ctx.get('content-type') || 'none'}")`);
    const body = parseJson(await readBody(ctx, deps.config.maxBodyBytes));
    // In slices: a big batch must not hold the event loop (and /healthz) while it is checked.
    const batch = await validateSliced(IngestBatch, body, 'ingest batch');
    const now = Math.floor(Date.now() / 1000);
    try {
      const accepted = await deps.ingest.ingest(batch, grant.cluster, now);
      deps.telemetry.ingestSamples.inc({ family: 'node' }, accepted.nodeSamples);
      deps.telemetry.ingestSamples.inc({ family: 'container' }, accepted.containerSamples);
      ctx.status = 202;
      // The server clock, so that the agent can tell (and report) how far its own is off.
      ctx.body = {
        batchId: batch.batchId,
        accepted,
        serverTime: now,
        ...(await probesFor(deps, batch, now)),
        ...(await actionsFor(deps, batch, now)),
      };
    } catch (err) {
      if (err instanceof ForbiddenClusterError) throw new HttpError(403, err.message);
      if (err instanceof BatchRefusedError) throw new HttpError(err.status, err.message, err.issues);
      if (err instanceof CombinerBusyError)
        throw new HttpError(503, `ingest is busy (${err.message}); retry later`, undefined, { 'Retry-After': '5' });
      throw err;
    }
  });
  return r;
}

/**
 * The defined probes this agent is to run, only on a live push (live-push.ts). A failure here
 * does not fail the stored batch: the agent keeps its set until a later reply carries one.
 */
async function probesFor(deps: AppDeps, batch: IngestBatch, now: number): Promise<{ probes?: ProbeDefinition[] }> {
  if (!isLivePush(batch, now, silentAfterSeconds(deps.config))) return {};
  try {
    return { probes: await deps.probes.forAgent(batch.agent.id, batch.cluster.name) };
  } catch (err) {
    deps.log.warn('reading the defined probes failed', { error: String(err) });
    return {};
  }
}

/**
 * The container actions for this agent's reply, each handed out once (services/actions.ts). A
 * failure here does not fail the stored batch: the actions stay queued for the next push.
 */
async function actionsFor(deps: AppDeps, batch: IngestBatch, now: number): Promise<{ actions?: ContainerAction[] }> {
  try {
    const actions = await deps.actions.forAgent(batch, now);
    return actions.length ? { actions } : {};
  } catch (err) {
    deps.log.warn('handing out container actions failed', { error: String(err) });
    return {};
  }
}

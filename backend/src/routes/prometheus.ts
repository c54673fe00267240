import Router from '@koa/router';
import { prometheus } from '@fleetlens/protocol';
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { HttpError, isDbUnavailable, readBody, validate } from '../http';
import { AccessError } from '../services/access';
import { PromqlError } from '../services/promql';
import type { Scope } from '../services/scope';

export const PROMETHEUS_PREFIX = '/prometheus/api/v1';

/**
 * Errors on the Prometheus API in Prometheus' shape `{ status, errorType, error }`, which is what
 * Grafana's Prometheus datasource shows to the user; field errors name the parameter.
 */
export async function prometheusErrors(ctx: Context, next: Next) {
  if (!ctx.path.startsWith('/prometheus/')) return next();
  try {
    await next();
  } catch (err) {
    const reply = (status: number, errorType: string, error: string) => {
      ctx.status = status;
      ctx.body = { status: 'error', errorType, error };
    };
    if (err instanceof PromqlError) return reply(400, 'bad_data', `invalid parameter "query": ${err.message}`);
    if (err instanceof HttpError) {
      const fields = err.issues?.map((i) => `invalid parameter "${i.path}": ${i.message}`).join('; ');
      ctx.set(err.headers);
      return reply(err.status, err.status === 400 ? 'bad_data' : 'client_error', fields || err.message);
    }
    if (err instanceof AccessError) return reply(err.status, 'client_error', err.message);
    if (isDbUnavailable(err)) {
      ctx.set('Retry-After', '5');
      return reply(503, 'unavailable', 'database unavailable, retry later');
    }
    throw err;
  }
}

/** Query string or, for POST, the form body (Grafana's Prometheus datasource POSTs by default). */
async function params(ctx: Context): Promise<Record<string, string | string[]>> {
  if (ctx.method !== 'POST') return ctx.query as Record<string, string | string[]>;
  if (!ctx.is('application/x-www-form-urlencoded'))
    throw new HttpError(415, 'POST bodies must be application/x-www-form-urlencoded');
  const form = new URLSearchParams((await readBody(ctx, 1024 * 1024)).toString('utf8'));
  const out: Record<string, string | string[]> = { ...(ctx.query as Record<string, string | string[]>) };
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key);
    out[key] = all.length > 1 ? all : all[0];
  }
  return out;
}

type Handler<S extends z.ZodType> = (
  deps: AppDeps,
  scope: Scope,
  q: z.infer<S>,
  ctx: Context
) => Promise<unknown> | unknown;

/** Prometheus HTTP API routes over Fleetlens data; identity and scope come from the app's middleware. */
export function prometheusRoutes(deps: AppDeps) {
  const r = new Router({ prefix: PROMETHEUS_PREFIX });
  const q = deps.queries.prometheus;
  const route = <S extends z.ZodType>(path: string, schema: S, handle: Handler<S>) => {
    const run = async (ctx: Context) => {
      const input = validate(schema, await params(ctx), 'parameters');
      ctx.body = { status: 'success', data: await handle(deps, ctx.state.scope as Scope, input, ctx) };
    };
    r.get(path, run);
    r.post(path, run);
  };
  route('/query', prometheus.InstantQuery, (_d, s, p) => q.instant(s, p));
  route('/query_range', prometheus.RangeQuery, (_d, s, p) => q.range(s, p));
  route('/series', prometheus.SeriesQuery, (_d, s, p) => q.series(s, p));
  route('/labels', prometheus.LabelsQuery, (_d, s, p) => q.labelNames(s, p));
  route('/label/:name/values', prometheus.LabelsQuery, (_d, s, p, ctx) => q.labelValues(s, String(ctx.params.name), p));
  route('/metadata', prometheus.MetadataQuery, (_d, _s, p) => q.metadata(p.metric));
  return r;
}

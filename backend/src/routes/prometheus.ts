import Router from '@koa/router';
import { prometheus } from '@fleetlens/protocol';
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { HttpError, readBody, validate } from '../http';
import { isDbUnavailable } from '../db/connection';
import { AccessError } from '../services/access';
import { QueryLimitError, QueryTimeoutError } from '../services/limits';
import { PromqlError, type PrometheusQueries } from '../services/promql';
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
    if (err instanceof QueryLimitError) return reply(400, 'bad_data', err.prometheusMessage);
    if (err instanceof QueryTimeoutError)
      return reply(503, 'timeout', `query timed out in expression evaluation: ${err.message}`);
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

/** One endpoint of the Prometheus API; the router and the OpenAPI document both come from this list. */
export interface PrometheusEndpoint {
  path: string;
  summary: string;
  query: z.ZodType;
  reply: z.ZodType;
  handle(q: PrometheusQueries, scope: Scope, input: any, params: Record<string, string>): Promise<unknown> | unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const PROMETHEUS_ENDPOINTS: PrometheusEndpoint[] = [
  {
    path: '/query',
    summary: 'PromQL instant query (the subset in docs/prometheus.md)',
    query: prometheus.InstantQuery,
    reply: prometheus.QueryReply,
    handle: (q, s, p) => q.instant(s, p),
  },
  {
    path: '/query_range',
    summary: 'PromQL range query',
    query: prometheus.RangeQuery,
    reply: prometheus.QueryReply,
    handle: (q, s, p) => q.range(s, p),
  },
  {
    path: '/series',
    summary: 'Label sets of the series matching match[] selectors',
    query: prometheus.SeriesQuery,
    reply: prometheus.SeriesReply,
    handle: (q, s, p) => q.series(s, p),
  },
  {
    path: '/labels',
    summary: 'Label names',
    query: prometheus.LabelsQuery,
    reply: prometheus.LabelsReply,
    handle: (q, s, p) => q.labelNames(s, p),
  },
  {
    path: '/label/:name/values',
    summary: 'Values of one label',
    query: prometheus.LabelsQuery,
    reply: prometheus.LabelsReply,
    handle: (q, s, p, params) => q.labelValues(s, params.name, p),
  },
  {
    path: '/metadata',
    summary: 'Type, help and unit of each metric',
    query: prometheus.MetadataQuery,
    reply: prometheus.MetadataReply,
    handle: (q, _s, p) => q.metadata(p.metric),
  },
];

/** Prometheus HTTP API routes (GET and POST) over Fleetlens data; identity and scope come from the app's middleware. */
export function prometheusRoutes(deps: AppDeps) {
  const r = new Router({ prefix: PROMETHEUS_PREFIX });
  for (const e of PROMETHEUS_ENDPOINTS) {
    const run = async (ctx: Context) => {
      const input = validate(e.query, await params(ctx), 'parameters');
      const data = await e.handle(
        deps.queries.prometheus,
        ctx.state.scope as Scope,
        input,
        ctx.params as Record<string, string>
      );
      ctx.body = { status: 'success', data };
    };
    r.get(e.path, run);
    r.post(e.path, run);
  }
  return r;
}

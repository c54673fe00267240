import Router from '@koa/router';
import { ErrorReply, IngestBatch, IngestReply, prometheus } from '@fleetlens/protocol';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { ENDPOINTS } from './query';
import { PROMETHEUS_ENDPOINTS, PROMETHEUS_PREFIX } from './prometheus';
import { ALERTING_WRITES } from './alerting';
import { ACCESS_ROUTES } from './auth';
import { PROBE_WRITES } from './probes';
import { ACTION_WRITES } from './actions';
import { SCALING_WRITES } from './scaling';
import { AUTOSCALING_WRITES } from './autoscaling';
import { NETWORK_WRITES } from './networks';
import type { RouteSpec } from './mount';

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;

const errors = {
  '400': {
    description: 'Invalid input; `issues` names each bad field',
    content: { 'application/json': { schema: schema(ErrorReply, 'output') } },
  },
  '401': { description: 'Missing or invalid credentials' },
  '503': { description: 'Database unavailable; retry after `Retry-After` seconds' },
};

/** Any caller (docs/access.md): the service key (optionally with a Grafana user), a login token, or an API key. */
const CALLER = [{ serviceKey: [] }, { bearerToken: [] }, { apiKey: [] }];

/** OpenAPI parameters: the `:name` segments of a route path, then the fields of its query schema. */
function parametersOf(path: string, query?: z.ZodObject) {
  return [
    ...[...path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...Object.entries(query?.shape ?? {}).map(([name, s]) => ({
      name,
      in: 'query',
      required: !(s as z.ZodType).safeParse(undefined).success,
      schema: schema(s as z.ZodType, 'input'),
    })),
  ];
}

function accessOperation(r: RouteSpec) {
  const params = parametersOf(r.path, r.query);
  const status = String(r.status ?? (r.reply ? 200 : 204));
  return {
    summary: r.summary,
    security: r.access === 'public' ? [] : CALLER,
    parameters: params,
    ...(r.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } }
      : {}),
    responses: {
      [status]: r.reply
        ? { description: 'OK', content: { 'application/json': { schema: schema(r.reply, 'output') } } }
        : { description: 'Done' },
      ...errors,
      ...(r.access === 'admin' || r.access === 'editor'
        ? { '403': { description: `Needs the ${r.access} role` } }
        : {}),
      ...(r.path.includes(':') ? { '404': { description: 'Not found' } } : {}),
      ...Object.fromEntries(Object.entries(r.responses ?? {}).map(([k, v]) => [k, { description: v }])),
    },
  };
}

/** Builds the OpenAPI 3 document from the same zod schemas the routes validate with. */
export function buildOpenApi(version: string) {
  const paths: Record<string, unknown> = {};
  for (const e of ENDPOINTS) {
    const path = `/api/v1${e.path.replace(/:(\w+)/g, '{$1}')}`;
    const params = parametersOf(e.path, e.query);
    paths[path] = {
      get: {
        summary: e.summary,
        security: CALLER,
        parameters: params,
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: schema(e.reply, 'output') } } },
          ...errors,
          '404': { description: 'Not found or outside your scope' },
        },
      },
    };
  }
  // Alerting writes (rules, silences, channels, test-send) and probe definitions: merged into the paths of their reads.
  for (const w of [...ALERTING_WRITES, ...PROBE_WRITES]) {
    const path = `/api/v1${w.path.replace(/:(\w+)/g, '{$1}')}`;
    const ok = w.reply
      ? {
          [String(w.status ?? 200)]: {
            description: 'OK',
            content: { 'application/json': { schema: schema(w.reply, 'output') } },
          },
        }
      : { '204': { description: 'Done' } };
    paths[path] = {
      ...((paths[path] as Record<string, unknown>) ?? {}),
      [w.method]: {
        summary: w.summary,
        security: CALLER,
        parameters: [...w.path.matchAll(/:(\w+)/g)].map((m) => ({
          name: m[1],
          in: 'path',
          required: true,
          schema: { type: 'string' },
        })),
        ...(w.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: schema(w.body, 'input') } } } }
          : {}),
        responses: {
          ...ok,
          ...errors,
          '403': { description: `Needs the ${w.access} role` },
          '404': { description: 'Not found' },
        },
      },
    };
  }
  for (const r of [...ACCESS_ROUTES, ...ACTION_WRITES, ...SCALING_WRITES, ...AUTOSCALING_WRITES, ...NETWORK_WRITES]) {
    const path = `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] = { ...((paths[path] as Record<string, unknown>) ?? {}), [r.method]: accessOperation(r) };
  }
  paths['/api/v1/ingest'] = {
    post: {
      summary: 'Agents push a batch (JSON, optionally gzip); stored atomically and idempotently',
      security: [{ agentToken: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: schema(IngestBatch, 'input') } } },
      responses: {
        '202': { description: 'Stored', content: { 'application/json': { schema: schema(IngestReply, 'output') } } },
        ...errors,
        '403': { description: 'The token is bound to another cluster' },
        '413': { description: 'Body too large' },
      },
    },
  };
  for (const p of ['/healthz', '/readyz', '/metrics'])
    paths[p] = {
      get: {
        summary: {
          '/healthz': 'Liveness',
          '/readyz': 'Readiness: the database answers',
          '/metrics': 'Prometheus metrics',
        }[p],
        responses: { '200': { description: 'OK' } },
      },
    };
  // The Prometheus-compatible API (docs/prometheus.md): GET with a query string, or POST with the same fields as a form.
  for (const e of PROMETHEUS_ENDPOINTS) {
    const parameters = parametersOf(e.path, e.query as z.ZodObject);
    const operation = {
      summary: e.summary,
      security: CALLER,
      parameters,
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: schema(e.reply, 'output') } } },
        '400': {
          description: 'Bad parameter or unsupported PromQL (errorType bad_data)',
          content: { 'application/json': { schema: schema(prometheus.ErrorReply, 'output') } },
        },
        '401': errors['401'],
        '503': errors['503'],
      },
    };
    paths[`${PROMETHEUS_PREFIX}${e.path.replace(/:(\w+)/g, '{$1}')}`] = { get: operation, post: operation };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Fleetlens backend API', version },
    components: {
      securitySchemes: {
        serviceKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Fleetlens-Key',
          description:
            "Injected by Grafana's plugin proxy, which also names the signed-in user in X-Grafana-Context / X-Grafana-User (only honoured with this key)",
        },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'Login token from POST /api/v1/auth/login' },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'API key for scripts; acts as its owner',
        },
        agentToken: { type: 'http', scheme: 'bearer', description: 'Agent token (ingest only)' },
      },
    },
    paths,
  };
}

/** GET /api/v1/openapi.json */
export function openApiRoutes(deps: AppDeps) {
  const r = new Router();
  const doc = buildOpenApi(deps.version);
  r.get('/api/v1/openapi.json', (ctx) => {
    ctx.body = doc;
  });
  return r;
}

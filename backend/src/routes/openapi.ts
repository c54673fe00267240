import Router from '@koa/router';
import { ErrorReply, IngestBatch, IngestReply } from '@fleetlens/protocol';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { ENDPOINTS } from './query';
import { ALERTING_WRITES } from './alerting';

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;

const errors = {
  '400': { description: 'Invalid input; `issues` names each bad field', content: { 'application/json': { schema: schema(ErrorReply, 'output') } } },
  '401': { description: 'Missing or invalid credentials' },
  '503': { description: 'Database unavailable; retry after `Retry-After` seconds' },
};

/** Builds the OpenAPI 3 document from the same zod schemas the routes validate with. */
export function buildOpenApi(version: string) {
  const paths: Record<string, unknown> = {};
  for (const e of ENDPOINTS) {
    const path = `/api/v1${e.path.replace(/:(\w+)/g, '{$1}')}`;
    const params = [
      ...[...e.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(e.query?.shape ?? {}).map(([name, s]) => ({
        name,
        in: 'query',
        required: !(s as z.ZodType).safeParse(undefined).success,
        schema: schema(s as z.ZodType, 'input'),
      })),
    ];
    paths[path] = {
      get: {
        summary: e.summary,
        security: [{ serviceKey: [] }],
        parameters: params,
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: schema(e.reply, 'output') } } }, ...errors, '404': { description: 'Not found or outside your scope' } },
      },
    };
  }
  // Alerting writes (rules, silences, channels, test-send): merged into the paths of their reads.
  for (const w of ALERTING_WRITES) {
    const path = `/api/v1${w.path.replace(/:(\w+)/g, '{$1}')}`;
    const ok = w.reply
      ? { [String(w.status ?? 200)]: { description: 'OK', content: { 'application/json': { schema: schema(w.reply, 'output') } } } }
      : { '204': { description: 'Done' } };
    paths[path] = {
      ...((paths[path] as Record<string, unknown>) ?? {}),
      [w.method]: {
        summary: w.summary,
        security: [{ serviceKey: [] }],
        parameters: [...w.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...(w.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(w.body, 'input') } } } } : {}),
        responses: { ...ok, ...errors, '403': { description: `Needs the ${w.minRole} role` }, '404': { description: 'Not found' } },
      },
    };
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
    paths[p] = { get: { summary: { '/healthz': 'Liveness', '/readyz': 'Readiness: the database answers', '/metrics': 'Prometheus metrics' }[p], responses: { '200': { description: 'OK' } } } };
  return {
    openapi: '3.0.3',
    info: { title: 'Fleetlens backend API', version },
    components: {
      securitySchemes: {
        serviceKey: { type: 'apiKey', in: 'header', name: 'X-Fleetlens-Key' },
        agentToken: { type: 'http', scheme: 'bearer' },
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

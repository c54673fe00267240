import { buildOpenApi } from '../src/routes/openapi';
import { ENDPOINTS } from '../src/routes/query';
import { loadConfig, ConfigError } from '../src/config';
import { liveBackend } from './helpers/backend';

describe('OpenAPI document', () => {
  it('documents every read endpoint with its query parameters, plus ingest', () => {
    const doc = buildOpenApi('test');
    const paths = Object.keys(doc.paths);
    for (const e of ENDPOINTS) expect(paths).toContain(`/api/v1${e.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(paths).toContain('/api/v1/ingest');
    const containers = (doc.paths['/api/v1/containers'] as any).get; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(containers.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['cluster', 'state', 'sort', 'page', 'pageSize'])
    );
    const series = (doc.paths['/api/v1/series'] as any).get; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(series.parameters.find((p: { name: string }) => p.name === 'kind').required).toBe(true);
  });

  it('is served by the backend without a key', async () => {
    const live = await liveBackend('sqlite');
    try {
      const res = await fetch(`${live.backend.url}/api/v1/openapi.json`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      const metrics = await (await fetch(`${live.backend.url}/metrics`)).text();
      expect(metrics).toContain('fleetlens_http_request_duration_seconds');
    } finally {
      await live.close();
    }
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8480,
      databaseUrl: './data/monitor.db',
      retentionDays: { raw: 2, m1: 30, h1: 400 },
    });
  });

  it('names every bad variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', RETENTION_RAW_DAYS: '0', SERVICE_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = String((err as Error).message);
    for (const v of ['PORT', 'RETENTION_RAW_DAYS', 'SERVICE_KEY']) expect(msg).toContain(v);
    expect(msg).not.toContain('short'); // never echo a secret's value
  });
});

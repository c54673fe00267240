import { gzipSync } from 'node:zlib';
import type { IngestBatchInput } from '@fleetlens/protocol';
import { startBackend, type RunningBackend } from '../../src/server';
import { adminApiKeyViaApp } from '../../src/testing/credentials';
import { createTestDatabase, type TestDatabase } from './databases';

export const SERVICE_KEY = 'test-service-key-0123456789';
export const AGENT_TOKEN = 'test-agent-token-0123456789';

type StartOptions = Parameters<typeof startBackend>[0];

/** The settings every test backend starts with: a free port on loopback, the test secrets, jobs off. */
export function testBackendOptions(databaseUrl: string, extra: Partial<StartOptions> = {}): StartOptions {
  return {
    databaseUrl,
    port: 0,
    host: '127.0.0.1',
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    jobsEnabled: false,
    dataDir: '/tmp/fleetlens-test-data',
    // Tests push samples stamped a little before they read; a node is silent after 300 s here.
    agentIntervalSeconds: 10,
    silentAfterIntervals: 30,
    ...extra,
  };
}

/** A live backend on a fresh database of the dialect, jobs off unless asked, with `extra` settings. */
export async function liveBackend(dialect: 'sqlite' | 'mysql', jobsEnabled = false, extra: Partial<StartOptions> = {}) {
  const database: TestDatabase = await createTestDatabase(dialect);
  const backend: RunningBackend = await startBackend(testBackendOptions(database.url, { jobsEnabled, ...extra }));
  // An admin API key as an operator gets one: a Grafana org Admin through the app route
  // (the bare service key is no one: SERVICE_KEY_ANONYMOUS_ROLE defaults to none).
  const admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
  return {
    backend,
    database,
    /** Headers of an admin API key (`X-Api-Key`). */
    admin,
    async close() {
      await backend.stop();
      await database.drop();
    },
    /** POSTs a batch; returns status and parsed body. */
    async ingest(batch: unknown, opts: { token?: string; gzip?: boolean; raw?: string } = {}) {
      const body = opts.raw ?? JSON.stringify(batch);
      const res = await fetch(`${backend.url}/api/v1/ingest`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${opts.token ?? AGENT_TOKEN}`,
          'content-type': 'application/json',
          ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        body: opts.gzip ? gzipSync(body) : body,
      });
      return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
    },
    /** GETs a read endpoint with the admin API key; returns the parsed body (throws on non-200). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async get<T = any>(path: string): Promise<T> {
      const res = await fetch(`${backend.url}${path}`, { headers: admin });
      if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async getRaw(path: string, headers: Record<string, string> = admin) {
      const res = await fetch(`${backend.url}${path}`, { headers });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
  };
}

export type Live = Awaited<ReturnType<typeof liveBackend>>;

/** The `issues` of a 400 reply body (the raw helpers leave bodies `unknown`). */
export const issuesOf = (body: unknown) => (body as { issues: { path: string }[] }).issues;

/** Row counts of every data table, to prove a rejected request changed nothing. */
export async function tableCounts(live: Live): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [
    'clusters',
    'nodes',
    'containers',
    'node_samples',
    'container_samples',
    'node_latest',
    'container_latest',
    'events',
    'logs',
    'workloads',
    'agents',
  ]) {
    const [{ n }] = await live.backend.db(t).count({ n: '*' });
    out[t] = Number(n);
  }
  return out;
}

export type { IngestBatchInput };

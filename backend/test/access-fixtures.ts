/**
 * Shared fixtures of the access tests: a small hand-written fleet (three clusters, Kubernetes
 * namespaces, five nodes, eight containers), the visibility each scope should give computed
 * straight from that spec (never from the code under test), and HTTP helpers.
 */
import type { Server } from 'node:http';
import { buildApp, createDeps, type AppDeps } from '../src/app';
import { loadConfig, type AccessConfig, type Config } from '../src/config';
import { openDb } from '../src/db/connection';
import { migrate } from '../src/db/migrations';
import { silentLogger, type Logger } from '../src/logger';
import { createTelemetry } from '../src/telemetry';
import { AGENT_TOKEN, SERVICE_KEY } from './helpers/backend';
import { createTestDatabase, type TestDatabase } from './helpers/databases';

export { AGENT_TOKEN, SERVICE_KEY };

export const NOW = Math.floor(Date.now() / 1000);
/** The newest sample time, on a 10 s bucket boundary; a second sample is 10 s older. */
export const T = NOW - 20 - (NOW % 10);

export interface SeedNode {
  cluster: string;
  name: string;
  cores: number;
  cpu: number;
}
export interface SeedContainer {
  cluster: string;
  node: string;
  name: string;
  namespace: string | null;
  pod: string | null;
  workload: string | null;
  cpu: number;
}
export interface SeedWorkload {
  cluster: string;
  namespace: string;
  name: string;
}

export const CLUSTERS = [
  { name: 'cl-east', kind: 'kubernetes' as const, environment: 'on-prem' as const },
  { name: 'cl-west', kind: 'kubernetes' as const, environment: 'public-cloud' as const },
  { name: 'cl-dock', kind: 'docker' as const, environment: 'private-cloud' as const },
];

// CPU values are distinct powers of two (in 1/64 cores), so every sum identifies its members.
export const NODES: SeedNode[] = [
  { cluster: 'cl-east', name: 'node-e1', cores: 4, cpu: 1 },
  { cluster: 'cl-east', name: 'node-e2', cores: 8, cpu: 2 },
  { cluster: 'cl-west', name: 'node-w1', cores: 4, cpu: 0.5 },
  { cluster: 'cl-west', name: 'node-w2', cores: 16, cpu: 0.25 },
  { cluster: 'cl-dock', name: 'node-d1', cores: 2, cpu: 0.125 },
];

const c = (
  cluster: string,
  node: string,
  code: string,
  namespace: string | null,
  workload: string | null,
  cpu: number
): SeedContainer => ({
  cluster,
  node,
  name: `ctr-${code}`,
  namespace,
  pod: namespace ? `pod-${code}` : null,
  workload,
  cpu,
});

export const CONTAINERS: SeedContainer[] = [
  c('cl-east', 'node-e1', 'ea', 'shop', 'wl-api', 1 / 64),
  c('cl-east', 'node-e1', 'eb', 'ops', 'wl-mon', 2 / 64),
  c('cl-east', 'node-e2', 'ec', 'shop', 'wl-api', 4 / 64),
  c('cl-west', 'node-w1', 'wa', 'shop', 'wl-web', 8 / 64),
  c('cl-west', 'node-w1', 'wb', 'data', 'wl-db', 16 / 64),
  c('cl-west', 'node-w2', 'wc', 'data', 'wl-db', 32 / 64),
  c('cl-dock', 'node-d1', 'da', null, null, 64 / 64),
  c('cl-dock', 'node-d1', 'db', null, null, 128 / 64),
];

/** Workloads the cluster agents report (wl-idle has no pods at all). */
export const WORKLOADS: SeedWorkload[] = [
  { cluster: 'cl-east', namespace: 'shop', name: 'wl-api' },
  { cluster: 'cl-east', namespace: 'ops', name: 'wl-mon' },
  { cluster: 'cl-east', namespace: 'ops', name: 'wl-idle' },
  { cluster: 'cl-west', namespace: 'shop', name: 'wl-web' },
  { cluster: 'cl-west', namespace: 'data', name: 'wl-db' },
];

/** Ingest batches for the seed: one per node (samples at T-10 and T, an event and a log line per container) plus one per cluster agent. */
export function seedBatches() {
  const batches: Record<string, unknown>[] = [];
  let n = 0;
  for (const cl of CLUSTERS) {
    for (const node of NODES.filter((x) => x.cluster === cl.name)) {
      const cs = CONTAINERS.filter((x) => x.node === node.name);
      batches.push({
        version: 'v1',
        batchId: `seed-${n++}`,
        sentAt: T,
        agent: { id: `agent-${node.name}`, version: '1', mode: 'node', hostname: node.name },
        cluster: cl,
        nodes: [
          {
            name: node.name,
            cores: node.cores,
            memoryBytes: node.cores * 2 ** 30,
            samples: [T - 10, T].map((ts) => ({
              ts,
              cpuCores: node.cpu,
              memUsedBytes: 2 ** 30,
              memTotalBytes: node.cores * 2 ** 30,
              fsUsedBytes: 10,
              fsTotalBytes: 100,
            })),
          },
        ],
        containers: cs.map((x) => ({
          id: `rt-${x.name}`,
          nodeName: x.node,
          name: x.name,
          image: 'img:1',
          state: 'running',
          kubernetes: x.namespace
            ? {
                namespace: x.namespace,
                pod: x.pod,
                podUid: `uid-${x.pod}`,
                workloadKind: 'Deployment',
                workloadName: x.workload,
              }
            : null,
          samples: [T - 10, T].map((ts) => ({ ts, cpuCores: x.cpu, memBytes: 1000 })),
        })),
        inventories: [{ nodeName: node.name, ts: T, containerIds: cs.map((x) => `rt-${x.name}`) }],
        events: [
          ...cs.map((x) => ({
            ts: T,
            source: x.namespace ? 'kubernetes' : 'docker',
            type: 'warning',
            reason: 'BackOff',
            message: `event about ${x.name}`,
            objectKind: x.pod ? 'Pod' : 'Container',
            objectName: x.pod ?? x.name,
            namespace: x.namespace,
            nodeName: x.node,
            containerId: `rt-${x.name}`,
          })),
          {
            ts: T,
            source: cl.kind === 'kubernetes' ? 'kubernetes' : 'docker',
            type: 'normal',
            reason: 'NodeReady',
            message: `event about ${node.name}`,
            objectKind: 'Node',
            objectName: node.name,
            namespace: null,
            nodeName: node.name,
          },
        ],
        logs: cs.map((x) => ({
          ts: T,
          containerId: `rt-${x.name}`,
          stream: 'stdout',
          level: 'error',
          message: `log line of ${x.name}`,
        })),
      });
    }
    const wls = WORKLOADS.filter((w) => w.cluster === cl.name);
    if (wls.length)
      batches.push({
        version: 'v1',
        batchId: `seed-${n++}`,
        sentAt: T,
        agent: { id: `agent-${cl.name}-cluster`, version: '1', mode: 'cluster', hostname: `${cl.name}-agent` },
        cluster: cl,
        workloads: wls.map((w) => ({
          kind: 'Deployment',
          namespace: w.namespace,
          name: w.name,
          desiredReplicas: 1,
          readyReplicas: 1,
          ts: T,
        })),
      });
  }
  return batches;
}

/** A scope as stored on a user: null = unrestricted, a list = only these names. */
export interface ScopeSpec {
  clusters: string[] | null;
  namespaces: string[] | null;
  nodes: string[] | null;
}

const allows = (list: string[] | null, v: string | null) => list === null || (v !== null && list.includes(v));

/**
 * What a scope may see, by the rules in docs/access.md, computed from the seed alone:
 * containers match every restricted dimension; nodes need an unrestricted namespace dimension;
 * clusters must be allowed and hold something visible on the restricted dimensions; pods,
 * workloads and namespaces follow their containers (reported workloads also by cluster and
 * namespace, unless nodes are restricted).
 */
export function visibleTo(s: ScopeSpec) {
  const containers = CONTAINERS.filter(
    (x) => allows(s.clusters, x.cluster) && allows(s.namespaces, x.namespace) && allows(s.nodes, x.node)
  );
  const nodes =
    s.namespaces !== null ? [] : NODES.filter((x) => allows(s.clusters, x.cluster) && allows(s.nodes, x.name));
  const clusters = CLUSTERS.map((x) => x.name).filter(
    (cl) =>
      allows(s.clusters, cl) &&
      (s.namespaces !== null
        ? containers.some((x) => x.cluster === cl)
        : s.nodes !== null
          ? NODES.some((x) => x.cluster === cl && s.nodes!.includes(x.name))
          : true)
  );
  const pods = containers.filter((x) => x.pod);
  const workloadKey = (cl: string, ns: string, name: string) => `${cl}/${ns}/${name}`;
  const workloads = new Set<string>();
  for (const p of pods) workloads.add(workloadKey(p.cluster, p.namespace!, p.workload!));
  if (s.nodes === null)
    for (const w of WORKLOADS)
      if (allows(s.clusters, w.cluster) && allows(s.namespaces, w.namespace))
        workloads.add(workloadKey(w.cluster, w.namespace, w.name));
  const namespaces = new Set<string>();
  for (const p of pods) namespaces.add(`${p.cluster}/${p.namespace}`);
  for (const w of workloads) namespaces.add(w.split('/').slice(0, 2).join('/'));
  return { containers, nodes, clusters, pods, workloads, namespaces };
}

/** Every name that identifies one seed entity and must not appear in a reply to a caller who may not see it. */
export function forbiddenMarkers(s: ScopeSpec): string[] {
  const v = visibleTo(s);
  const seeNode = new Set([...v.nodes.map((n) => n.name), ...v.containers.map((x) => x.node)]);
  const seeWorkload = new Set([...v.workloads].map((w) => w.split('/')[2]));
  return [
    ...CLUSTERS.map((x) => x.name).filter((x) => !v.clusters.includes(x)),
    ...NODES.map((x) => x.name).filter((x) => !seeNode.has(x)),
    ...CONTAINERS.filter((x) => !v.containers.includes(x)).flatMap((x) => [x.name, ...(x.pod ? [x.pod] : [])]),
    ...WORKLOADS.map((w) => w.name).filter((w) => !seeWorkload.has(w)),
  ];
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A request against a base URL with the given headers; answers status and parsed body. */
export async function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * The bare service key, which acts as admin only where a test opts in with `SEED_AS_SERVICE_KEY`
 * (SERVICE_KEY_ANONYMOUS_ROLE=admin): tests that seed users, keys and rules with it and are not
 * about the default, which is `none` (401; access-identity.test.ts shows it).
 */
export const ADMIN_KEY = { 'x-fleetlens-key': SERVICE_KEY };
export const SEED_AS_SERVICE_KEY: Partial<AccessConfig> = { serviceKeyAnonymousRole: 'admin' };

/**
 * A backend built in-process on a fresh database, with a clock the test moves and access
 * settings it chooses (the shared helper starts one with the real clock and defaults).
 */
export async function clockedBackend(
  dialect: 'sqlite' | 'mysql',
  access: Partial<AccessConfig> = {},
  extra: Partial<Config> = {},
  log: Logger = silentLogger
) {
  const database: TestDatabase = await createTestDatabase(dialect);
  const base = loadConfig({});
  const config: Config = {
    ...base,
    databaseUrl: database.url,
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    jobsEnabled: false,
    // The seed is stamped once, when this module loads: its nodes must not turn silent (30 s by
    // default) while a slow run reaches the second dialect. A day, as the seeded test backends.
    agentIntervalSeconds: 10,
    silentAfterIntervals: 8_640,
    ...extra,
    access: { ...base.access, ...access },
  };
  const db = openDb(config.databaseUrl, 4);
  await migrate(db.knex);
  const clock = { now: Math.floor(Date.now() / 1000) };
  const deps: AppDeps = createDeps(config, db, log, createTelemetry(), 'test', () => clock.now);
  const server: Server = await new Promise((ok) => {
    const s = buildApp(deps).listen(0, '127.0.0.1', () => ok(s));
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    clock,
    deps,
    db: db.knex,
    call: (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      call(url, method, path, headers, body),
    async close() {
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await db.knex.destroy();
      await database.drop();
    },
  };
}

export type Clocked = Awaited<ReturnType<typeof clockedBackend>>;

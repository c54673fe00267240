import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestBatch } from '@fleetlens/protocol';
import {
  KubeClient,
  inClusterConnection,
  kubeconfigConnection,
  parseQuantity,
} from '../src/collectors/kubernetes/client';
import { KubeClusterCollector } from '../src/collectors/kubernetes/cluster';
import { KubeNodeCollector, type NodeMeta } from '../src/collectors/kubernetes/node';

// No API server can run here: these tests use a local HTTP server that serves Kubernetes-shaped
// list, get and watch responses on the standard paths (a fake API server), and a fake kubelet.

const TOKEN = 'sa-token-abc';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const owner = (kind: string, name: string) => [{ kind, name, controller: true }];
const running = (name: string, id: string, extra: object = {}) => ({
  name,
  containerID: `containerd://${id}`,
  image: `img/${name}:1`,
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
  ...extra,
});
const pod = (ns: string, name: string, owners: unknown, statuses: unknown[], spec: object = {}) => ({
  metadata: {
    name,
    namespace: ns,
    uid: `uid-${name}`,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { app: name },
    ownerReferences: owners,
  },
  spec: {
    nodeName: 'node-1',
    containers: statuses.map((s) => ({
      name: (s as { name: string }).name,
      resources: { limits: { memory: '256Mi' } },
    })),
    ...spec,
  },
  status: { phase: 'Running', containerStatuses: statuses },
});

const PODS = [
  pod('shop', 'web-7d9f-abc', owner('ReplicaSet', 'web-7d9f'), [running('web', 'c-web')]),
  pod('shop', 'db-0', owner('StatefulSet', 'db'), [running('db', 'c-db'), running('exporter', 'c-exp')]),
  pod('kube-system', 'agent-x1', owner('DaemonSet', 'agent'), [running('agent', 'c-agent')], { hostNetwork: true }),
  pod('ops', 'backup-123-q', owner('Job', 'backup-123'), [
    {
      name: 'backup',
      containerID: 'containerd://c-backup',
      restartCount: 2,
      ready: false,
      state: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:01:00Z',
        },
      },
    },
  ]),
  pod('shop', 'crash-1', null, [
    {
      name: 'crash',
      containerID: 'containerd://c-crash',
      restartCount: 7,
      ready: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { reason: 'OOMKilled' } },
    },
  ]),
];

/** Summary counters: usageCoreNanoSeconds grows by `cpuPerCall` ns per call. */
function summary(call: number) {
  const podStats = (ns: string, name: string, containers: Array<[string, number, number]>, net: [number, number]) => ({
    podRef: { name, namespace: ns, uid: `uid-${name}` },
    network: { rxBytes: net[0] * call, txBytes: net[1] * call },
    containers: containers.map(([c, cpu, mem]) => ({
      name: c,
      cpu: { usageCoreNanoSeconds: cpu * call },
      memory: { workingSetBytes: mem },
    })),
  });
  return {
    pods: [
      podStats('shop', 'web-7d9f-abc', [['web', 1e9, 100 * 2 ** 20]], [4000, 2000]),
      podStats(
        'shop',
        'db-0',
        [
          ['db', 5e8, 300 * 2 ** 20],
          ['exporter', 1e7, 10 * 2 ** 20],
        ],
        [1000, 1000]
      ),
      podStats('kube-system', 'agent-x1', [['agent', 2e7, 30 * 2 ** 20]], [9e6, 9e6]),
    ],
  };
}

interface Fake {
  url: string;
  requests: string[];
  auth: Array<string | undefined>;
  close(): Promise<void>;
  watchResponses: Array<(res: ServerResponse) => void>;
}

async function fakeApiServer(): Promise<Fake> {
  const requests: string[] = [];
  const auth: Array<string | undefined> = [];
  let summaryCalls = 0;
  const watchResponses: Array<(res: ServerResponse) => void> = [];
  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    requests.push(`${url.pathname}${url.search}`);
    auth.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, { kind: 'Status', code: 401 }, 401);
    const p = url.pathname;
    if (p === '/api/v1/pods') {
      const sel = url.searchParams.get('fieldSelector');
      return json(res, { kind: 'PodList', items: sel === 'spec.nodeName=node-1' ? PODS : [] });
    }
    if (p === '/api/v1/nodes/node-1') return json(res, NODES[0]);
    if (p === '/api/v1/nodes') return json(res, { kind: 'NodeList', items: NODES });
    if (p === '/stats/summary' || p === '/api/v1/nodes/node-1/proxy/stats/summary')
      return json(res, summary(++summaryCalls));
    if (p === '/apis/apps/v1/namespaces/shop/replicasets/web-7d9f')
      return json(res, {
        metadata: { name: 'web-7d9f', namespace: 'shop', ownerReferences: owner('Deployment', 'web') },
      });
    if (p === '/apis/batch/v1/namespaces/ops/jobs/backup-123')
      return json(res, {
        metadata: { name: 'backup-123', namespace: 'ops', ownerReferences: owner('CronJob', 'backup') },
      });
    if (p === '/apis/apps/v1/deployments')
      return json(res, {
        items: [{ metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 }, status: { readyReplicas: 2 } }],
      });
    if (p === '/apis/apps/v1/statefulsets')
      return json(res, {
        items: [{ metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } }],
      });
    if (p === '/apis/apps/v1/daemonsets')
      return json(res, {
        items: [
          {
            metadata: { name: 'agent', namespace: 'kube-system' },
            status: { desiredNumberScheduled: 2, numberReady: 1 },
          },
        ],
      });
    if (p === '/apis/batch/v1/jobs')
      return json(res, {
        items: [
          { metadata: { name: 'backup-123', namespace: 'ops' }, spec: { parallelism: 1 }, status: { active: 1 } },
        ],
      });
    if (p === '/apis/batch/v1/cronjobs')
      return json(res, {
        items: [{ metadata: { name: 'backup', namespace: 'ops' }, status: { active: [{ name: 'backup-123' }] } }],
      });
    if (p === '/api/v1/events' && url.searchParams.get('watch') === '1') {
      const next = watchResponses.shift();
      if (!next) return json(res, { kind: 'Status', code: 500 }, 500);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders(); // as the API server does: headers first, events as they happen
      return next(res);
    }
    if (p === '/api/v1/events')
      return json(res, { kind: 'EventList', metadata: { resourceVersion: '100' }, items: [kevent('old', '99')] });
    return json(res, { kind: 'Status', code: 404 }, 404);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    auth,
    watchResponses,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

const NODES = [
  {
    metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' } },
    status: {
      capacity: { cpu: '4', memory: '16374256Ki' },
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
      nodeInfo: { osImage: 'Ubuntu 24.04', kernelVersion: '6.8.0', architecture: 'amd64' },
    },
  },
  {
    metadata: { name: 'node-2', labels: {} },
    status: {
      capacity: { cpu: '2500m', memory: '8Gi' },
      conditions: [{ type: 'Ready', status: 'False' }],
      nodeInfo: {},
    },
  },
];

function kevent(name: string, rv: string, extra: object = {}) {
  return {
    metadata: { name, namespace: 'shop', resourceVersion: rv },
    involvedObject: { kind: 'Pod', name: 'web-7d9f-abc', namespace: 'shop' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    type: 'Warning',
    count: 3,
    lastTimestamp: '2026-01-02T03:04:05Z',
    source: { host: 'node-1' },
    ...extra,
  };
}

describe('kubernetes collectors against a fake API server (local HTTP, Kubernetes-shaped responses)', () => {
  let fake: Fake;
  let dir: string;
  let api: KubeClient;
  beforeAll(async () => {
    fake = await fakeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'fl-kube-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        'contexts:',
        '- name: other',
        '  context: {cluster: nowhere, user: nobody}',
        '- name: test',
        '  context: {cluster: fake, user: agent}',
        'clusters:',
        '- name: fake',
        `  cluster: {server: "${fake.url}"}`,
        'users:',
        '- name: agent',
        `  user: {token: ${TOKEN}}`,
      ].join('\n')
    );
    api = new KubeClient(kubeconfigConnection(kubeconfig), 5000);
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('node mode (fake API server + fake kubelet): own pods only, owners resolved, usage rates from the summary', async () => {
    const meta: NodeMeta = {};
    const col = new KubeNodeCollector({ nodeName: 'node-1', api, kubelet: api, nodeMeta: meta });
    const t0 = Date.now();
    await col.start(t0);
    const parts = await col.collect(t0 + 2000);
    expect(fake.requests).toContain('/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1');
    expect(fake.auth.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
    const byId = new Map(parts.containers!.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['c-agent', 'c-backup', 'c-crash', 'c-db', 'c-exp', 'c-web']);
    const web = byId.get('c-web')!;
    expect(web.kubernetes).toEqual({
      namespace: 'shop',
      pod: 'web-7d9f-abc',
      podUid: 'uid-web-7d9f-abc',
      workloadKind: 'Deployment',
      workloadName: 'web',
    });
    expect(byId.get('c-db')!.kubernetes!.workloadKind).toBe('StatefulSet');
    expect(byId.get('c-agent')!.kubernetes!.workloadKind).toBe('DaemonSet');
    expect(byId.get('c-backup')!.kubernetes).toMatchObject({ workloadKind: 'CronJob', workloadName: 'backup' });
    expect(byId.get('c-crash')!.kubernetes!.workloadKind).toBeNull();
    // 1e9 ns of CPU per summary call over 2 s = 0.5 cores; working set as the kubelet reports.
    const s = web.samples[0];
    expect(s.cpuCores).toBeCloseTo(0.5, 6);
    expect(s.memBytes).toBe(100 * 2 ** 20);
    expect(s.memLimitBytes).toBe(256 * 2 ** 20);
    expect(s.netRxBps).toBe(2000); // 4000 B per call over 2 s
    // Two containers share db-0's network: not attributable to either. Host network: flagged, no numbers.
    expect(byId.get('c-db')!.samples[0].netRxBps).toBeNull();
    expect(byId.get('c-agent')!.hostNetwork).toBe(true);
    expect(byId.get('c-agent')!.samples[0].netRxBps).toBeNull();
    // Terminated and crash-looping containers: state, exit code, restarts, OOM; no samples.
    expect(byId.get('c-backup')).toMatchObject({ state: 'exited', exitCode: 1, restartCount: 2, samples: [] });
    expect(byId.get('c-crash')).toMatchObject({ state: 'restarting', oomKilled: true, restartCount: 7, samples: [] });
    expect(parts.inventories![0].containerIds.sort()).toEqual([...byId.keys()].sort());
    // The Node object gives the host its role and readiness.
    expect(meta).toMatchObject({ role: 'control-plane', status: 'ready' });
    expect(IngestBatch.safeParse({ ...header(), ...parts }).success).toBe(true);
  });

  it('cluster mode (fake API server): node conditions, roles, capacity, workloads with desired and ready replicas', async () => {
    const col = new KubeClusterCollector(api, 50);
    fake.watchResponses.push(() => undefined); // a watch that stays open and quiet
    await col.start();
    try {
      const parts = await col.collect(Date.now());
      expect(parts.nodes!.map((n) => [n.name, n.status, n.role, n.cores, n.memoryBytes])).toEqual([
        ['node-1', 'ready', 'control-plane', 4, 16374256 * 1024],
        ['node-2', 'not_ready', 'worker', 2.5, 8 * 2 ** 30],
      ]);
      const w = Object.fromEntries(
        parts.workloads!.map((x) => [`${x.kind}/${x.name}`, [x.desiredReplicas, x.readyReplicas]])
      );
      expect(w).toEqual({
        'Deployment/web': [3, 2],
        'StatefulSet/db': [1, 1],
        'DaemonSet/agent': [2, 1],
        'Job/backup-123': [1, 1],
        'CronJob/backup': [null, 1],
      });
      expect(IngestBatch.safeParse({ ...header(), ...parts }).success).toBe(true);
    } finally {
      await col.stop();
    }
  });

  it('cluster mode (fake API server): events arrive by WATCH, resume from the last resourceVersion, relist on 410', async () => {
    fake.requests.length = 0;
    const col = new KubeClusterCollector(api, 50);
    // 1st watch: two events then the server ends the stream (as real watches time out).
    fake.watchResponses.push((res) => {
      res.write(JSON.stringify({ type: 'ADDED', object: kevent('e1', '101') }) + '\n');
      res.write(JSON.stringify({ type: 'MODIFIED', object: kevent('e1', '102', { count: 4 }) }) + '\n');
      setTimeout(() => res.end(), 50);
    });
    // 2nd watch: the resourceVersion is too old.
    fake.watchResponses.push((res) => {
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n');
    });
    // 3rd watch (after a fresh list): one more event, then stays open.
    fake.watchResponses.push((res) => {
      res.write(
        JSON.stringify({
          type: 'ADDED',
          object: kevent('e2', '205', {
            type: 'Normal',
            reason: 'Pulled',
            involvedObject: { kind: 'Node', name: 'node-2' },
          }),
        }) + '\n'
      );
    });
    await col.start();
    try {
      for (let i = 0; i < 60 && col.watchConnects < 3; i++) await sleep(50);
      await sleep(100);
      const parts = await col.collect(Date.now());
      expect(parts.events!.map((e) => [e.reason, e.type, e.count, e.objectKind, e.objectName, e.nodeName])).toEqual([
        ['BackOff', 'warning', 3, 'Pod', 'web-7d9f-abc', 'node-1'],
        ['BackOff', 'warning', 4, 'Pod', 'web-7d9f-abc', 'node-1'],
        ['Pulled', 'normal', 3, 'Node', 'node-2', 'node-2'],
      ]);
      expect(parts.events![0].ts).toBe(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
      const watches = fake.requests.filter((r) => r.includes('watch=1'));
      expect(watches[0]).toContain('resourceVersion=100'); // from the initial list, old events not replayed
      expect(watches[1]).toContain('resourceVersion=102'); // resumed after the last event seen
      const lists = fake.requests.filter((r) => r.startsWith('/api/v1/events?limit=1'));
      expect(lists).toHaveLength(2); // the 410 made it list again
      expect((await col.collect(Date.now())).events).toEqual([]); // taken once
    } finally {
      await col.stop();
    }
  });

  it('the RBAC manifests allow every call the collectors made against the fake API server, and nothing unused', async () => {
    const roles = rbacRoles();
    const node = new KubeNodeCollector({ nodeName: 'node-1', api, kubelet: api, nodeMeta: {} });
    fake.requests.length = 0;
    await node.start(Date.now());
    await node.collect(Date.now() + 1000);
    const nodeCalls = new Set(fake.requests.map(toPermission));
    const cluster = new KubeClusterCollector(api, 50);
    fake.watchResponses.push(() => undefined);
    fake.requests.length = 0;
    await cluster.start();
    await cluster.collect(Date.now());
    for (let i = 0; i < 40 && !fake.requests.some((r) => r.includes('watch=1')); i++) await sleep(25);
    await cluster.stop();
    const clusterCalls = new Set(fake.requests.map(toPermission));
    expect([...nodeCalls].filter((c) => !roles['fleetlens-agent'].has(c))).toEqual([]);
    expect([...clusterCalls].filter((c) => !roles['fleetlens-cluster-agent'].has(c))).toEqual([]);
    // Least privilege: every granted permission is one the collectors use.
    expect([...roles['fleetlens-agent']].filter((p) => !nodeCalls.has(p))).toEqual([]);
    expect([...roles['fleetlens-cluster-agent']].filter((p) => !clusterCalls.has(p))).toEqual([]);
  });

  it('in-cluster config: service-account token and CA, API server from KUBERNETES_SERVICE_*', () => {
    writeFileSync(join(dir, 'token'), 'projected-token\n');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
    const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(c.server).toBe('https://10.96.0.1:443');
    expect(c.token!()).toBe('projected-token');
    expect(c.ca!.toString()).toContain('BEGIN CERTIFICATE');
    expect(() => inClusterConnection({}, dir)).toThrow('KUBERNETES_SERVICE_HOST');
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('16374256Ki')).toBe(16374256 * 1024);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('bogus')).toBeNull();
  });
});

/** "group/resource:verb" for a request path, as the API server's authorizer sees it. */
function toPermission(reqPath: string): string {
  const u = new URL(reqPath, 'http://x');
  const parts = u.pathname.split('/').filter(Boolean);
  if (u.pathname === '/stats/summary') return '/nodes/stats:get'; // kubelet authorizes as nodes/stats
  const group = parts[0] === 'api' ? '' : parts[1];
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const resource = rest[0];
  const named = rest.length > 1;
  const verb = u.searchParams.get('watch') === '1' ? 'watch' : named ? 'get' : 'list';
  return `${group}/${resource}:${verb}`;
}

/** ClusterRole name → set of "group/resource:verb" granted, read from the shipped manifest. */
function rbacRoles(): Record<string, Set<string>> {
  const text = readFileSync(join(__dirname, '../../deploy/kubernetes/agent-rbac.yaml'), 'utf8');
  const out: Record<string, Set<string>> = {};
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJSON() as {
      kind: string;
      metadata: { name: string };
      rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    if (o.kind !== 'ClusterRole') continue;
    const set = new Set<string>();
    for (const r of o.rules ?? [])
      for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) set.add(`${g}/${res}:${v}`);
    out[o.metadata.name] = set;
  }
  return out;
}

function header() {
  return {
    version: 'v1',
    batchId: 'b',
    sentAt: 1,
    agent: { id: 'a', version: '0', mode: 'node', hostname: 'h' },
    cluster: { name: 'c', kind: 'kubernetes', environment: 'on-prem' },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestBatch } from '@fleetlens/protocol';
import { validateConfig } from '../src/config';
import { KubeClient } from '../src/collectors/kubernetes/client';
import { KubeNodeCollector, type NodeMeta } from '../src/collectors/kubernetes/node';
import { KubeClusterCollector } from '../src/collectors/kubernetes/cluster';
import { withKubeletFilesystems } from '../src/collectors/kubernetes';
import { HostCollector } from '../src/collectors/host';
import { PodLogTailer, type PodLogCursors } from '../src/collectors/kubernetes/podlogs';
import { JsonState } from '../src/state';
import { CriLogDir } from './helpers/cri-logs';
import {
  EventStore,
  type ContainerUsage,
  type FsFixture,
  type KubeletUser,
  type StandinServer,
  startApiStandin,
  startKubeletStandin,
  summaryOf,
} from './helpers/kube-standin';
import { TestPki } from './helpers/tls';
import { liveBackend, type Live } from '../../backend/test/helpers/backend';
import { DIALECTS } from '../../backend/test/helpers/databases';
import type { EventListReply } from '../../protocol/src/api/alerts';

// No API server or kubelet can run here: these tests run the node collector against stand-ins
// (helpers/kube-standin.ts, helpers/cri-logs.ts) built from Kubernetes' source, each rule naming
// the file it follows, and check first that the stand-ins refuse what Kubernetes refuses.

const TOKEN = 'agent-token';
const NO_STATS = 'token-without-nodes-stats';
const USERS = {
  [TOKEN]: { user: 'system:serviceaccount:fleetlens:fleetlens-agent', subresources: ['stats' as const] },
  [NO_STATS]: { user: 'system:serviceaccount:default:other', subresources: ['metrics' as const] },
};
const NODE = {
  metadata: { name: 'node-1', labels: { 'kubernetes.io/os': 'linux' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const conn = (server: string, token = TOKEN) => ({ server, token: () => token });
const get = async (url: string, token?: string) => {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text() };
};

const pod = (name: string, status: object, spec: object = {}) => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', resources: { limits: { memory: '128Mi' } } }], ...spec },
  status: { phase: 'Running', ...status },
});
const running = (name: string, id: string, restartCount = 0) => ({
  name,
  containerID: `containerd://${id}`,
  image: `img/${name}:1`,
  ready: true,
  restartCount,
  state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
});

describe('the stand-ins refuse what Kubernetes refuses (kubelet auth filter, API server authentication and field selectors)', () => {
  let kubelet: StandinServer;
  let api: StandinServer;
  beforeAll(async () => {
    kubelet = await startKubeletStandin({ users: USERS, summary: () => summaryOf('node-1', []) });
    api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE] });
  });
  afterAll(async () => {
    await kubelet.close();
    await api.close();
  });

  it('kubelet: no token 401; a token without nodes/stats 403 naming the attributes auth.go builds; nodes/stats reads the summary only', async () => {
    expect(await get(`${kubelet.url}/stats/summary`)).toEqual({ status: 401, body: 'Unauthorized\n' });
    expect(await get(`${kubelet.url}/stats/summary`, 'forged')).toMatchObject({ status: 401 });
    expect(await get(`${kubelet.url}/stats/summary`, NO_STATS)).toEqual({
      status: 403,
      body: 'Forbidden (user=system:serviceaccount:default:other, verb=get, resource=nodes, subresource=stats)\n',
    });
    expect((await get(`${kubelet.url}/stats/summary`, TOKEN)).status).toBe(200);
    // nodes/stats is not nodes/metrics nor nodes/proxy.
    expect((await get(`${kubelet.url}/metrics/cadvisor`, TOKEN)).body).toContain('subresource=metrics');
    expect((await get(`${kubelet.url}/pods`, TOKEN)).body).toContain('subresource=proxy');
    // The agent's own client reports the refusal with its status.
    await expect(new KubeClient(conn(kubelet.url, NO_STATS)).get('/stats/summary')).rejects.toMatchObject({
      status: 403,
    });
  });

  it('API server: 401 Status without the token; a field label pods cannot be selected by is a 400 BadRequest', async () => {
    const r = await get(`${api.url}/api/v1/pods`);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    const bad = await get(`${api.url}/api/v1/pods?fieldSelector=${encodeURIComponent('spec.node=node-1')}`, TOKEN);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({
      reason: 'BadRequest',
      message: 'field label not supported: spec.node',
    });
    const ok = await get(`${api.url}/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-1')}`, TOKEN);
    expect(ok.status).toBe(200);
  });
});

describe('node collector against a stand-in API server and kubelet (local HTTP, Kubernetes-shaped)', () => {
  let kubelet: StandinServer;
  let api: StandinServer;
  let pods: unknown[] = [];
  let usage: ContainerUsage[] = [];
  let root: string;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'fl-k8s-standin-'));
    kubelet = await startKubeletStandin({
      users: USERS,
      summary: () => summaryOf('node-1', [{ namespace: 'shop', name: 'web', uid: 'uid-web', containers: usage }]),
    });
    api = await startApiStandin({
      token: TOKEN,
      pods: () => pods as Array<{ spec: { nodeName?: string } }>,
      nodes: [NODE],
    });
  });
  afterEach(async () => {
    await kubelet.close();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });
  const collector = (logs: PodLogTailer | null = null) =>
    new KubeNodeCollector({
      nodeName: 'node-1',
      api: new KubeClient(conn(api.url)),
      kubelet: new KubeClient(conn(kubelet.url)),
      logs,
      log: () => undefined,
    });

  it('item 6: zero placeholders for a container without stats yet are no data: no memory 0 sample, and no CPU spike once real stats arrive', async () => {
    pods = [pod('web', { containerStatuses: [running('app', 'c-app')] })];
    const start = '2026-01-01T00:00:00Z';
    usage = [{ name: 'app', startTime: start, stats: null }];
    const col = collector();
    const t0 = Date.now();
    await col.start(t0);
    const s1 = (await col.collect(t0 + 10_000)).containers![0].samples;
    expect(s1.filter((s) => s.memBytes === 0)).toEqual([]);
    expect(s1.filter((s) => s.cpuCores !== null && s.cpuCores !== undefined)).toEqual([]);
    // The runtime's first reading: 30 s of CPU since the container started, 50 MiB.
    usage = [{ name: 'app', startTime: start, stats: { cpuNs: 30e9, workingSet: 50 * 2 ** 20 } }];
    const s2 = (await col.collect(t0 + 20_000)).containers![0].samples;
    expect(s2).toHaveLength(1);
    expect(s2[0].memBytes).toBe(50 * 2 ** 20);
    expect(s2[0].cpuCores).toBeNull(); // not 3 cores (30 s of CPU over a 10 s interval)
    usage = [{ name: 'app', startTime: start, stats: { cpuNs: 32e9, workingSet: 51 * 2 ** 20 } }];
    const s3 = (await col.collect(t0 + 30_000)).containers![0].samples;
    expect(s3[0].cpuCores).toBeCloseTo(0.2, 6);
    // Another instance (restart: a new startTime) starts its counter again: no rate across it.
    usage = [{ name: 'app', startTime: '2026-01-01T01:00:00Z', stats: { cpuNs: 40e9, workingSet: 10 * 2 ** 20 } }];
    expect((await col.collect(t0 + 40_000)).containers![0].samples[0].cpuCores).toBeNull();
  });

  it('item 7: native sidecars (init containers with restartPolicy Always) and ephemeral containers are in the container list; completed init containers are not', async () => {
    pods = [
      pod(
        'web',
        {
          containerStatuses: [running('app', 'c-app')],
          initContainerStatuses: [
            {
              name: 'migrate',
              containerID: 'containerd://c-migrate',
              restartCount: 0,
              ready: true,
              state: { terminated: { exitCode: 0, reason: 'Completed' } },
            },
            { ...running('proxy', 'c-proxy'), started: true },
          ],
          ephemeralContainerStatuses: [{ ...running('debugger-x7', 'c-debug'), ready: false, restartCount: 0 }],
        },
        {
          initContainers: [
            { name: 'migrate', image: 'img/migrate:1' },
            { name: 'proxy', image: 'img/proxy:1', restartPolicy: 'Always', resources: { limits: { memory: '64Mi' } } },
          ],
          ephemeralContainers: [{ name: 'debugger-x7', image: 'busybox', targetContainerName: 'app' }],
        }
      ),
    ];
    usage = [
      { name: 'app', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e9, workingSet: 100 } },
      { name: 'proxy', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e9, workingSet: 200 } },
      { name: 'debugger-x7', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e9, workingSet: 300 } },
    ];
    const col = collector();
    await col.start(Date.now());
    const parts = await col.collect(Date.now() + 1000);
    const byId = new Map(parts.containers!.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['c-app', 'c-debug', 'c-proxy']);
    expect(byId.get('c-app')!.kubernetes!.containerKind).toBeUndefined();
    expect(byId.get('c-proxy')).toMatchObject({ name: 'web/proxy', state: 'running', image: 'img/proxy:1' });
    expect(byId.get('c-proxy')!.kubernetes!.containerKind).toBe('sidecar');
    expect(byId.get('c-proxy')!.samples[0]).toMatchObject({ memBytes: 200, memLimitBytes: 64 * 2 ** 20 });
    expect(byId.get('c-debug')!.kubernetes!.containerKind).toBe('ephemeral');
    expect(byId.get('c-debug')!.samples[0].memBytes).toBe(300);
    expect(parts.inventories![0].containerIds.sort()).toEqual(['c-app', 'c-debug', 'c-proxy']);
    expect(IngestBatch.safeParse({ ...header(), ...parts }).success).toBe(true);
  });

  it("item 4 (collector): a container that crashed and restarted within one interval: its last lines under the old container's id, then the new instance's", async () => {
    const logs = new CriLogDir(join(root, 'pods'), {
      namespace: 'shop',
      pod: 'web',
      podUid: 'uid-web',
      container: 'app',
    });
    const tailer = new PodLogTailer(
      join(root, 'pods'),
      await JsonState.open<PodLogCursors>(join(root, 'state', 'c.json'), {}),
      1000
    );
    const status = () => ({ ...running('app', logs.id, logs.restartCount), lastState: logs.status().lastState });
    pods = [pod('web', { containerStatuses: [status()] })];
    usage = [];
    const col = collector(tailer);
    await col.start(Date.now());
    logs.write('stdout', 'serving');
    expect((await col.collect(Date.now())).logs!.map((l) => l.message)).toEqual([]); // pre-existing: from the end
    logs.write('stdout', 'request 1');
    logs.write('stderr', 'fatal: disk full');
    logs.exit();
    logs.restart();
    logs.write('stdout', 'serving again');
    pods = [pod('web', { containerStatuses: [status()] })];
    const parts = await col.collect(Date.now());
    expect(parts.logs!.map((l) => [l.containerId, l.message])).toEqual([
      ['app-c0', 'request 1'],
      ['app-c0', 'fatal: disk full'],
      ['app-c1', 'serving again'],
    ]);
    expect(IngestBatch.safeParse({ ...header(), ...parts }).success).toBe(true);
  });
});

describe('cluster collector against a stand-in API server: event watch with bookmarks, 410 Expired and relist', () => {
  const ev = (name: string) => ({
    kind: 'Event',
    metadata: { name, namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'shop' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    type: 'Warning',
    count: 1,
    lastTimestamp: '2026-01-02T03:04:05Z',
    source: { host: 'node-1' },
  });
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('the stand-in refuses what the API server refuses: no BOOKMARK to a watch that did not ask, 410 ERROR for a compacted resourceVersion', async () => {
    const store = new EventStore();
    const api = await startApiStandin({ token: TOKEN, pods: () => [], events: store });
    try {
      const lines: string[] = [];
      const ac = new AbortController();
      const c = new KubeClient(conn(api.url));
      const w = c.watch('/api/v1/events?watch=1&resourceVersion=100', (e) => void lines.push(e.type), ac.signal);
      await until(() => api.requests.some((r) => r.path.includes('watch=1')));
      await new Promise((r) => setTimeout(r, 50));
      store.add(ev('a'));
      store.bookmark();
      await until(() => lines.length > 0);
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await w;
      expect(lines).toEqual(['ADDED']);
      store.compact(150);
      const errs: unknown[] = [];
      await c.watch(
        '/api/v1/events?watch=1&resourceVersion=120',
        (e) => void errs.push(e),
        new AbortController().signal
      );
      expect(errs).toEqual([
        {
          type: 'ERROR',
          object: expect.objectContaining({
            code: 410,
            reason: 'Expired',
            message: 'too old resource version: 120 (150)',
          }),
        },
      ]);
    } finally {
      await api.close();
    }
  });

  it('events arrive once; a BOOKMARK moves the resume point without an event; after 410 the collector lists again and watches from the new resourceVersion', async () => {
    const store = new EventStore();
    const api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE], events: store });
    const col = new KubeClusterCollector(new KubeClient(conn(api.url)), 20);
    const watches = () =>
      api.requests.filter((r) => r.path.includes('watch=1')).map((r) => new URL(r.path, 'http://x'));
    try {
      await col.start();
      await until(() => watches().length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(watches()[0].searchParams.get('allowWatchBookmarks')).toBe('true');
      expect(watches()[0].searchParams.get('resourceVersion')).toBe('100');
      store.add(ev('e1'));
      store.rv = 150; // other objects changed meanwhile
      store.bookmark();
      await new Promise((r) => setTimeout(r, 100));
      store.closeWatches(); // the watch's timeout
      await until(() => watches().length === 2);
      expect(watches()[1].searchParams.get('resourceVersion')).toBe('150'); // from the bookmark
      store.compact(300);
      store.rv = 300;
      store.closeWatches();
      await until(() => watches().length === 4);
      expect(watches()[2].searchParams.get('resourceVersion')).toBe('150'); // refused with 410
      expect(watches()[3].searchParams.get('resourceVersion')).toBe('300'); // after a fresh list
      store.add(ev('e2'));
      await new Promise((r) => setTimeout(r, 100));
      const got = (await col.collect(Date.now())).events!;
      expect(got.map((e) => e.objectName)).toEqual(['web', 'web']);
      expect(got).toHaveLength(2);
    } finally {
      await col.stop();
      await api.close();
    }
  });
});

describe('item 8: the node agent mounts no host root; its filesystem figures come from the kubelet (stand-in)', () => {
  it('nodefs alone when imagefs is the same filesystem, both when apart; unknown while the summary is unreadable', async () => {
    let fs: { nodefs: FsFixture; imagefs?: FsFixture } = { nodefs: { capacity: 100e9, used: 40e9 } };
    let users: Record<string, KubeletUser> = USERS;
    const kubelet = await startKubeletStandin({
      users: new Proxy({}, { get: (_t, k: string) => users[k] }) as Record<string, KubeletUser>,
      summary: () => summaryOf('node-1', [], new Date(), fs),
    });
    const api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE] });
    const root = mkdtempSync(join(tmpdir(), 'fl-k8s-hostroot-'));
    try {
      const meta: NodeMeta = {};
      const col = new KubeNodeCollector({
        nodeName: 'node-1',
        api: new KubeClient(conn(api.url)),
        kubelet: new KubeClient(conn(kubelet.url)),
        nodeMeta: meta,
        log: () => undefined,
      });
      const host = withKubeletFilesystems(
        new HostCollector({ nodeName: 'node-1', hostProc: '/proc', hostSys: '/sys', hostRoot: root, meta }),
        meta
      );
      const t0 = Date.now();
      await col.start(t0);
      await host.start(t0);
      const fsOf = async (at: number) => {
        await col.collect(at);
        const s = (await host.collect(at)).nodes![0].samples.at(-1)!;
        return [s.fsUsedBytes, s.fsTotalBytes, s.fsAvailBytes];
      };
      expect(await fsOf(t0 + 1000)).toEqual([40e9, 100e9, 60e9]);
      fs = { nodefs: { capacity: 100e9, used: 40e9 }, imagefs: { capacity: 500e9, used: 100e9 } };
      expect(await fsOf(t0 + 2000)).toEqual([140e9, 600e9, 460e9]);
      users = {}; // the kubelet refuses the token now
      expect(await fsOf(t0 + 3000)).toEqual([null, null, null]);
    } finally {
      await kubelet.close();
      await api.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('item 2: IPv6-only cluster — the kubelet URL from https://$(NODE_IP):10250 with an IPv6 NODE_IP', () => {
  it('the config check brackets the address; IPv4, names and bracketed forms are unchanged; junk is still refused', () => {
    const cfg = (kubeletUrl: string) =>
      validateConfig({ backendUrl: 'http://b:8480', agentToken: 't', kubeletUrl }).kubeletUrl;
    expect(cfg('https://fd00:10:244::5:10250')).toBe('https://[fd00:10:244::5]:10250');
    expect(cfg('https://2001:db8:0:0:0:0:0:1:10250')).toBe('https://[2001:db8:0:0:0:0:0:1]:10250');
    expect(cfg('https://[fd00::5]:10250')).toBe('https://[fd00::5]:10250');
    expect(cfg('https://10.0.0.5:10250')).toBe('https://10.0.0.5:10250');
    expect(cfg('https://node-1.internal:10250')).toBe('https://node-1.internal:10250');
    expect(() => cfg('https://fd00::zz:10250')).toThrow('kubeletUrl');
    expect(validateConfig({ backendUrl: 'http://b:8480', agentToken: 't' }).kubeletUrl).toBeUndefined();
  });

  it('the node collector reads the summary from a stand-in kubelet listening on [::1] over HTTPS', async () => {
    const pki = new TestPki();
    const cert = pki.selfSigned('kubelet', 'node-1', ['subjectAltName=IP:::1']);
    const kubelet = await startKubeletStandin({
      users: USERS,
      host: '::1',
      tls: { cert: cert.cert, key: cert.key },
      summary: () =>
        summaryOf('node-1', [
          {
            namespace: 'shop',
            name: 'web',
            uid: 'uid-web',
            containers: [{ name: 'app', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 5e9, workingSet: 42 } }],
          },
        ]),
    });
    const api = await startApiStandin({
      token: TOKEN,
      pods: () => [pod('web', { containerStatuses: [running('app', 'c-app')] })],
      nodes: [NODE],
    });
    try {
      const url = validateConfig({
        backendUrl: 'http://b:8480',
        agentToken: 't',
        kubeletUrl: `https://::1:${kubelet.port}`, // what $(NODE_IP) substitution gives
      }).kubeletUrl!;
      const col = new KubeNodeCollector({
        nodeName: 'node-1',
        api: new KubeClient(conn(api.url)),
        kubelet: new KubeClient({ ...conn(url), insecure: true }),
        log: (m) => {
          throw new Error(m);
        },
      });
      await col.start(Date.now());
      const parts = await col.collect(Date.now() + 1000);
      expect(parts.containers![0].samples[0].memBytes).toBe(42);
      expect(kubelet.requests.map((r) => r.path)).toContain('/stats/summary');
    } finally {
      await kubelet.close();
      await api.close();
      pki.cleanup();
    }
  });
});

describe.each(DIALECTS)(
  'security events from Kubernetes: cluster collector against a stand-in API server, into a real backend (%s)',
  (dialect) => {
    let live: Live;
    beforeAll(async () => {
      live = await liveBackend(dialect);
    });
    afterAll(async () => {
      await live?.close();
    });

    it('a Warning BackOff crash loop arrives with category security; a Normal BackOff (image pull) does not', async () => {
      const at = new Date(Date.now() - 60_000).toISOString();
      const ev = (name: string, type: string, reason: string, message: string) => ({
        kind: 'Event',
        metadata: { name, namespace: 'shop' },
        involvedObject: { kind: 'Pod', name: 'web-7d9f', namespace: 'shop' },
        reason,
        message,
        type,
        count: 1,
        lastTimestamp: at,
        source: { component: 'kubelet', host: 'node-1' },
      });
      // The kubelet's own wording (pkg/kubelet/kuberuntime/kuberuntime_manager.go, pkg/kubelet/images/image_manager.go).
      const crash =
        'Back-off restarting failed container app in pod web-7d9f_shop(3f1c0b6e-8a61-4f0e-9d0e-1b2c3d4e5f60)';
      const pull = 'Back-off pulling image "registry.example/web:1.4"';
      const store = new EventStore();
      const api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE], events: store });
      const col = new KubeClusterCollector(new KubeClient(conn(api.url)), 20);
      try {
        await col.start();
        for (let i = 0; i < 100 && !api.requests.some((r) => r.path.includes('watch=1')); i++)
          await new Promise((r) => setTimeout(r, 20));
        store.add(ev('web-7d9f.1', 'Warning', 'BackOff', crash));
        store.add(ev('web-7d9f.2', 'Normal', 'BackOff', pull));
        let parts = await col.collect(Date.now());
        for (let i = 0; i < 100 && (parts.events?.length ?? 0) < 2; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const more = await col.collect(Date.now());
          parts = { ...more, events: [...(parts.events ?? []), ...(more.events ?? [])] };
        }
        expect(parts.events).toHaveLength(2);
        const sent = await live.ingest(
          IngestBatch.parse({
            version: 'v1',
            batchId: `k8s-security-${dialect}`,
            sentAt: Math.floor(Date.now() / 1000),
            agent: { id: 'cluster-agent', version: 'test', mode: 'cluster', hostname: 'cluster-agent-0' },
            cluster: { name: 'k8s-sec', kind: 'kubernetes', environment: 'private-cloud' },
            nodes: parts.nodes,
            workloads: parts.workloads,
            events: parts.events,
          })
        );
        expect(sent.status).toBe(202);
        const security = await live.get<EventListReply>('/api/v1/events?cluster=k8s-sec&category=security');
        expect(security.items.map((e) => [e.type, e.reason, e.message, e.category])).toEqual([
          ['warning', 'BackOff', crash, 'security'],
        ]);
        const all = await live.get<EventListReply>('/api/v1/events?cluster=k8s-sec&reason=BackOff');
        expect(all.total).toBe(2);
        expect(all.items.find((e) => e.type === 'normal')).toMatchObject({ message: pull, category: null });
      } finally {
        await col.stop();
        await api.close();
      }
    });
  }
);

function header() {
  return {
    version: 'v1',
    batchId: 'b',
    sentAt: 1,
    agent: { id: 'a', version: '0', mode: 'node', hostname: 'h' },
    cluster: { name: 'c', kind: 'kubernetes', environment: 'on-prem' },
  };
}

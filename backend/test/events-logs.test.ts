import { alerts as wire } from '@fleetlens/protocol';
import { EventQueries } from '../src/services/events';
import { defaultJobs } from '../src/jobs';
import { capLogsPerContainer, deleteLogsBefore, LogQueries } from '../src/services/logs';
import type { Scope } from '../src/services/scope';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

const T = Math.floor(Date.now() / 1000 / 3600) * 3600 - 7200;
const rid = (s: string) => s.padEnd(64, '0');
interface Ev {
  ts: number;
  source: 'docker' | 'kubernetes';
  type: 'normal' | 'warning';
  reason: string;
  message: string;
  objectKind: string;
  objectName: string;
  namespace?: string | null;
  nodeName?: string | null;
  containerId?: string | null;
}

const K1_EVENTS: Ev[] = [
  {
    ts: T,
    source: 'kubernetes',
    type: 'warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    objectKind: 'Pod',
    objectName: 'pay-1',
    namespace: 'payments',
    nodeName: 'k1-n1',
  },
  {
    ts: T + 10,
    source: 'kubernetes',
    type: 'normal',
    reason: 'Scheduled',
    message: 'Successfully assigned web/web-1',
    objectKind: 'Pod',
    objectName: 'web-1',
    namespace: 'web',
    nodeName: null,
  },
  {
    ts: T + 20,
    source: 'kubernetes',
    type: 'normal',
    reason: 'Pulled',
    message: 'Pulled image "a%b_c!d"',
    objectKind: 'Pod',
    objectName: 'pay-1',
    namespace: 'payments',
    nodeName: 'k1-n1',
  },
  {
    ts: T + 70,
    source: 'kubernetes',
    type: 'warning',
    reason: 'FailedMount',
    message: 'MountVolume.SetUp failed',
    objectKind: 'Pod',
    objectName: 'web-1',
    namespace: 'web',
    nodeName: 'k1-n1',
  },
];
const D1_EVENTS: Ev[] = [
  {
    ts: T + 5,
    source: 'docker',
    type: 'warning',
    reason: 'die',
    message: 'container died, exit 1',
    objectKind: 'container',
    objectName: 'da',
    nodeName: 'd1-h1',
    containerId: rid('da'),
  },
  {
    ts: T + 100,
    source: 'docker',
    type: 'normal',
    reason: 'start',
    message: 'container started',
    objectKind: 'container',
    objectName: 'da',
    nodeName: 'd1-h1',
    containerId: rid('da'),
  },
  ...Array.from({ length: 30 }, (_, i): Ev => ({
    ts: T + 200 + i,
    source: 'docker',
    type: 'normal',
    reason: 'tick',
    message: `tick ${i}`,
    objectKind: 'container',
    objectName: 'db',
    nodeName: 'd1-h1',
  })),
];

/** ka's lines: i at T + floor(i/10) s, nanos (i % 10) × 1000; every 5th is an error; a few carry wildcard characters. */
const SPECIAL: Record<number, string> = {
  7: 'cost 100% done',
  8: 'cost 100x done',
  9: 'snake_case here',
  11: 'wild!card',
};
const kaMessage = (i: number) => SPECIAL[i] ?? `line ${i}`;

function batches() {
  const k1 = {
    version: 'v1',
    batchId: 'k1',
    sentAt: T + 300,
    agent: { id: 'a-k1', version: '1', mode: 'node', hostname: 'k1-n1' },
    cluster: { name: 'k1', kind: 'kubernetes', environment: 'public-cloud' },
    nodes: [{ name: 'k1-n1', cores: 4, memoryBytes: 8e9, samples: [{ ts: T + 300, cpuCores: 1 }] }],
    containers: [
      {
        id: rid('ka'),
        nodeName: 'k1-n1',
        name: 'ka',
        state: 'running',
        kubernetes: { namespace: 'payments', pod: 'pay-1', podUid: 'uid-pay-1' },
      },
      {
        id: rid('kb'),
        nodeName: 'k1-n1',
        name: 'kb',
        state: 'running',
        kubernetes: { namespace: 'web', pod: 'web-1', podUid: 'uid-web-1' },
      },
    ],
    events: K1_EVENTS,
    logs: [
      ...Array.from({ length: 250 }, (_, i) => ({
        ts: T + Math.floor(i / 10),
        nanos: (i % 10) * 1000,
        containerId: rid('ka'),
        stream: i % 2 ? 'stderr' : 'stdout',
        level: i % 5 === 0 ? 'error' : 'info',
        message: kaMessage(i),
      })),
      ...Array.from({ length: 20 }, (_, i) => ({
        ts: T + i,
        containerId: rid('kb'),
        stream: 'stdout',
        level: 'warning',
        message: `web line ${i}`,
      })),
    ],
  };
  const d1 = {
    version: 'v1',
    batchId: 'd1',
    sentAt: T + 300,
    agent: { id: 'a-d1', version: '1', mode: 'node', hostname: 'd1-h1' },
    cluster: { name: 'd1', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'd1-h1', cores: 2, memoryBytes: 4e9, samples: [{ ts: T + 300, cpuCores: 1 }] }],
    containers: [{ id: rid('da'), nodeName: 'd1-h1', name: 'da', state: 'running' }],
    events: D1_EVENTS,
    logs: Array.from({ length: 20 }, (_, i) => ({
      ts: T + i,
      containerId: rid('da'),
      stream: 'stdout',
      level: 'debug',
      message: `docker line ${i}`,
    })),
  };
  return [k1, d1];
}

const ALL: Ev[] = [...K1_EVENTS, ...D1_EVENTS];
const cluster = (e: Ev) => (K1_EVENTS.includes(e) ? 'k1' : 'd1');
const newestFirst = (es: Ev[]) => [...es].sort((a, b) => b.ts - a.ts);
const key = (e: { ts: number; reason: string; message: string }) => `${e.ts}|${e.reason}|${e.message}`;

describe.each(DIALECTS)('events and logs (%s)', (dialect) => {
  let live: Live;
  let ids: Record<string, string>;
  let events: EventQueries;
  let logs: LogQueries;

  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of batches()) expect((await live.ingest(b)).status).toBe(202);
    const list = await live.get<{ items: { id: string; name: string }[] }>('/api/v1/containers?pageSize=100');
    ids = Object.fromEntries(list.items.map((c) => [c.name, c.id]));
    const ctx = { db: live.backend.deps.db, now: () => T + 300, staleAfter: 300 };
    events = new EventQueries(ctx);
    logs = new LogQueries(ctx);
  });
  afterAll(async () => {
    await live?.close();
  });

  const ev = (q: string) => live.get<wire.EventListReply>(`/api/v1/events?pageSize=500${q ? `&${q}` : ''}`);

  describe('events', () => {
    it('lists newest first with the total, and pages without gaps or overlaps', async () => {
      const all = await ev('');
      expect(wire.EventListReply.safeParse(all).success).toBe(true);
      expect(all.total).toBe(ALL.length);
      expect(all.items.map(key)).toEqual(newestFirst(ALL).map(key));
      const pages: string[] = [];
      for (let p = 1; p <= 4; p++) {
        const r = await live.get<wire.EventListReply>(`/api/v1/events?pageSize=10&page=${p}`);
        expect(r.total).toBe(ALL.length);
        pages.push(...r.items.map(key));
      }
      expect(pages).toEqual(newestFirst(ALL).map(key));
      const one = all.items.find((e) => e.reason === 'die')!;
      expect(one).toMatchObject({
        clusterName: 'd1',
        source: 'docker',
        objectKind: 'container',
        objectName: 'da',
        nodeName: 'd1-h1',
        containerId: ids.da,
        count: 1,
      });
    });

    it('filters by cluster, namespace, object, type, reason, time and keyword (wildcards match themselves)', async () => {
      const expectKeys = async (q: string, want: Ev[]) => {
        const r = await ev(q);
        expect(r.items.map(key)).toEqual(newestFirst(want).map(key));
        expect(r.total).toBe(want.length);
      };
      await expectKeys('cluster=k1', K1_EVENTS);
      await expectKeys(
        'namespace=payments',
        ALL.filter((e) => e.namespace === 'payments')
      );
      await expectKeys(
        'object=pay-1',
        ALL.filter((e) => e.objectName === 'pay-1')
      );
      await expectKeys(
        'objectKind=container&object=da',
        ALL.filter((e) => e.objectName === 'da')
      );
      await expectKeys(
        'type=warning',
        ALL.filter((e) => e.type === 'warning')
      );
      await expectKeys(
        'reason=BackOff,die',
        ALL.filter((e) => ['BackOff', 'die'].includes(e.reason))
      );
      await expectKeys(
        `from=${T + 5}&to=${T + 70}`,
        ALL.filter((e) => e.ts >= T + 5 && e.ts <= T + 70)
      );
      await expectKeys(
        'cluster=d1&type=normal&from=' + (T + 210),
        ALL.filter((e) => cluster(e) === 'd1' && e.type === 'normal' && e.ts >= T + 210)
      );
      await expectKeys(`q=${encodeURIComponent('a%b_c!d')}`, [K1_EVENTS[2]]);
      await expectKeys(`q=${encodeURIComponent('%')}`, [K1_EVENTS[2]]);
      await expectKeys(`q=${encodeURIComponent('_')}`, [K1_EVENTS[2]]);
      await expectKeys(`q=${encodeURIComponent('BACK-OFF')}`, [K1_EVENTS[0]]);
      const bad = await live.getRaw('/api/v1/events?type=fatal');
      expect(bad.status).toBe(400);
      expect(issuesOf(bad.body)[0].path).toBe('type.0');
    });

    it('counts events over time by type in aligned buckets', async () => {
      const r = await live.get<wire.EventCountsReply>(`/api/v1/events/counts?from=${T}&to=${T + 119}&step=60`);
      expect(wire.EventCountsReply.safeParse(r).success).toBe(true);
      expect(r.step).toBe(60);
      expect(r.buckets).toEqual([
        { ts: T, normal: 2, warning: 2 }, // Scheduled, Pulled | BackOff, die
        { ts: T + 60, normal: 1, warning: 1 }, // start | FailedMount
      ]);
      expect(r.totals).toEqual({ normal: 3, warning: 3 });
      const k1 = await live.get<wire.EventCountsReply>(
        `/api/v1/events/counts?from=${T}&to=${T + 299}&step=100&cluster=k1`
      );
      expect(k1.buckets.map((b) => [b.normal, b.warning])).toEqual([
        [2, 2],
        [0, 0],
        [0, 0],
      ]);
      const all = await live.get<wire.EventCountsReply>(`/api/v1/events/counts?from=${T}&to=${T + 299}`);
      expect(all.totals.normal + all.totals.warning).toBe(ALL.length);
      const tooMany = await live.getRaw(`/api/v1/events/counts?from=0&to=${T}&step=10`);
      expect(tooMany.status).toBe(400);
      expect(issuesOf(tooMany.body)[0].path).toBe('step');
      expect(issuesOf((await live.getRaw(`/api/v1/events/counts?from=${T}&to=${T - 1}`)).body)[0].path).toBe('to');
    });

    it('never returns events outside the caller scope (service level, scope built directly)', async () => {
      const payments: Scope = { clusters: ['k1'], namespaces: ['payments'], nodes: null };
      const r = await events.list(payments, { page: 1, pageSize: 500 });
      expect(r.items.map(key)).toEqual(newestFirst(K1_EVENTS.filter((e) => e.namespace === 'payments')).map(key));
      expect(r.total).toBe(2);
      // Filters cannot widen it.
      expect((await events.list(payments, { cluster: ['d1'], page: 1, pageSize: 500 })).total).toBe(0);
      expect((await events.list(payments, { namespace: ['web'], page: 1, pageSize: 500 })).total).toBe(0);
      const c = await events.counts(payments, { from: T, to: T + 299, step: 300 });
      expect(c.totals).toEqual({ normal: 1, warning: 1 });
      // A node scope sees events on its node only (events without a node are outside it).
      const node: Scope = { clusters: null, namespaces: null, nodes: ['k1-n1'] };
      const n = await events.list(node, { page: 1, pageSize: 500 });
      expect(n.items.map(key).sort()).toEqual(
        K1_EVENTS.filter((e) => e.nodeName === 'k1-n1')
          .map(key)
          .sort()
      );
      const none: Scope = { clusters: [], namespaces: [], nodes: [] };
      expect((await events.list(none, { page: 1, pageSize: 500 })).total).toBe(0);
    });
  });

  describe('logs', () => {
    const kaOrder = Array.from({ length: 250 }, (_, i) => 249 - i).map(kaMessage);
    const lg = (q: string) => live.get<wire.LogReply>(`/api/v1/logs?${q}`);

    it('returns a container’s lines newest first, with cursor paging that covers every line once', async () => {
      const first = await lg(`container=${ids.ka}&limit=50`);
      expect(wire.LogReply.safeParse(first).success).toBe(true);
      expect(first.items.map((l) => l.message)).toEqual(kaOrder.slice(0, 50));
      expect(first.items[0]).toMatchObject({
        containerId: ids.ka,
        containerName: 'ka',
        pod: 'pay-1',
        namespace: 'payments',
        nodeName: 'k1-n1',
        clusterName: 'k1',
        ts: T + 24,
        nanos: 9000,
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: wire.LogReply = await lg(`container=${ids.ka}&limit=37${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...r.items.map((l) => l.message));
        cursor = r.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(250 / 37));
      expect(seen).toEqual(kaOrder);
      // Page paging as an alternative.
      expect((await lg(`container=${ids.ka}&limit=50&page=2`)).items.map((l) => l.message)).toEqual(
        kaOrder.slice(50, 100)
      );
      expect((await live.getRaw(`/api/v1/logs?cursor=nonsense`)).status).toBe(400);
    });

    it('filters by pod, level, stream, time and keyword (case-insensitive, wildcards literal)', async () => {
      const msgs = async (q: string) => (await lg(`limit=1000&${q}`)).items.map((l) => l.message);
      expect(await msgs('pod=web-1')).toEqual(Array.from({ length: 20 }, (_, i) => `web line ${19 - i}`));
      expect((await msgs('pod=uid-pay-1')).length).toBe(250);
      expect(await msgs(`container=${ids.ka}&level=error`)).toEqual(kaOrder.filter((_, j) => (249 - j) % 5 === 0));
      expect((await msgs(`container=${ids.ka}&stream=stderr`)).length).toBe(125);
      expect(await msgs(`container=${ids.ka}&from=${T + 24}`)).toEqual(kaOrder.slice(0, 10));
      expect(await msgs(`container=${ids.ka}&to=${T}`)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map(kaMessage));
      expect(await msgs(`q=${encodeURIComponent('100%')}`)).toEqual(['cost 100% done']);
      expect(await msgs(`q=${encodeURIComponent('_')}`)).toEqual(['snake_case here']);
      expect(await msgs(`q=${encodeURIComponent('!')}`)).toEqual(['wild!card']);
      expect(await msgs(`q=${encodeURIComponent('LINE 249')}`)).toEqual(['line 249']);
      expect(await msgs(`q=docker&level=debug,warning`)).toEqual(
        Array.from({ length: 20 }, (_, i) => `docker line ${19 - i}`)
      );
      expect((await live.getRaw('/api/v1/logs?level=loud')).status).toBe(400);
    });

    it('follows new lines after a head cursor (live tail)', async () => {
      const head = await lg(`container=${ids.kb}&limit=5`);
      expect(head.items.map((l) => l.message)).toEqual([
        'web line 19',
        'web line 18',
        'web line 17',
        'web line 16',
        'web line 15',
      ]);
      const none = await lg(`container=${ids.kb}&after=${head.headCursor}`);
      expect(none.items).toEqual([]);
      expect(none.headCursor).toBe(head.headCursor);
      const more = {
        ...batches()[0],
        batchId: 'k1-more',
        events: [],
        logs: [
          {
            ts: T + 19,
            nanos: 5,
            containerId: rid('kb'),
            stream: 'stdout',
            level: 'info',
            message: 'same second, later',
          },
          { ts: T + 30, containerId: rid('kb'), stream: 'stdout', level: 'info', message: 'newest' },
        ],
      };
      expect((await live.ingest(more)).status).toBe(202);
      const tail = await lg(`container=${ids.kb}&after=${head.headCursor}`);
      expect(tail.items.map((l) => l.message)).toEqual(['newest', 'same second, later']);
      expect((await lg(`container=${ids.kb}&after=${tail.headCursor}`)).items).toEqual([]);
      await live.backend.db('logs').whereIn('message', ['newest', 'same second, later']).delete();
    });

    it('never returns lines outside the caller scope (service level)', async () => {
      const web: Scope = { clusters: null, namespaces: ['web'], nodes: null };
      const r = await logs.query(web, { limit: 1000 });
      expect(r.items.map((l) => l.containerName)).toEqual(Array(20).fill('kb'));
      expect((await logs.query(web, { limit: 1000, container: [ids.ka, ids.da] })).items).toEqual([]);
      const docker: Scope = { clusters: ['d1'], namespaces: null, nodes: null };
      expect(new Set((await logs.query(docker, { limit: 1000 })).items.map((l) => l.containerName))).toEqual(
        new Set(['da'])
      );
      expect((await logs.query(docker, { limit: 1000, cluster: ['k1'] })).items).toEqual([]);
    });

    it('keeps at most N lines per container (the newest), and drops lines past retention', async () => {
      const count = async (c: string) =>
        Number((await live.backend.db('logs').where('container_id', c).count({ n: '*' }))[0].n);
      // Through the leader job, configured by LOG_MAX_LINES_PER_CONTAINER / LOG_RETENTION_DAYS.
      const deps = live.backend.deps;
      expect(defaultJobs(deps).map((j) => j.name)).toEqual(
        expect.arrayContaining(['alert-evaluation', 'alert-notifications', 'log-limits', 'alert-history'])
      );
      const config = { ...deps.config, logs: { retentionDays: 3650, maxLinesPerContainer: 100 } };
      const job = defaultJobs({ ...deps, config }).find((j) => j.name === 'log-limits')!;
      expect(await job.run(T + 300)).toBe(150);
      expect(await count(ids.ka)).toBe(100);
      expect(await count(ids.kb)).toBe(20);
      expect(await count(ids.da)).toBe(20);
      const kept = (await lg(`container=${ids.ka}&limit=1000`)).items.map((l) => l.message);
      expect(kept).toEqual(kaOrder.slice(0, 100));
      expect(await capLogsPerContainer(live.backend.deps.db, 100)).toBe(0);
      // Retention by time: lines before T+10 go (kb and da have one line per second from T).
      expect(await deleteLogsBefore(live.backend.deps.db, T + 10)).toBe(20);
      expect(await count(ids.kb)).toBe(10);
    });
  });
});

import { alerts as wire } from '@fleetlens/protocol';
import { LogQueries, volumeStep } from '../src/services/logs';
import type { Scope } from '../src/services/scope';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

/**
 * The Logs page's reads (issue 14, point 5): several levels at once, node and cluster on every
 * line, oldest-first order with cursors, the volume per time bucket and level, and a container
 * listing that reaches every container by search. Expected values are computed here from what
 * the test seeds.
 */

const T = Math.floor(Date.now() / 1000 / 3600) * 3600 - 7200;
const rid = (s: string) => s.padEnd(64, '0');
const LEVELS = ['error', 'warning', 'info', 'debug', 'unknown'] as const;
type Level = (typeof LEVELS)[number];

interface Seeded {
  container: string;
  node: string;
  cluster: string;
  ts: number;
  nanos: number;
  level: Level;
  message: string;
}

// 520 containers on two Kubernetes nodes (more than one page of 500), and one Docker container.
const K_CONTAINERS = Array.from({ length: 520 }, (_, i) => ({
  name: `c${String(i).padStart(3, '0')}`,
  node: i % 2 ? 'lv-n2' : 'lv-n1',
}));
const LINES: Seeded[] = [
  // (ts, nanos) is unique across all lines, so the expected order is exact.
  // c000 (lv-n1): 90 lines 7 s apart, levels cycling through all five; two share a second.
  ...Array.from({ length: 90 }, (_, i): Seeded => ({
    container: 'c000',
    node: 'lv-n1',
    cluster: 'lv-k',
    ts: T + i * 7 - (i === 41 ? 7 : 0),
    nanos: i * 10,
    level: LEVELS[i % 5],
    message: `c000 line ${i}`,
  })),
  // c519 (lv-n2): 30 lines 13 s apart, error / info / debug.
  ...Array.from({ length: 30 }, (_, i): Seeded => ({
    container: 'c519',
    node: 'lv-n2',
    cluster: 'lv-k',
    ts: T + i * 13,
    nanos: 5,
    level: (['error', 'info', 'debug'] as const)[i % 3],
    message: `c519 line ${i}`,
  })),
  // dz (docker host lv-h1): 20 lines 31 s apart, warnings.
  ...Array.from({ length: 20 }, (_, i): Seeded => ({
    container: 'dz',
    node: 'lv-h1',
    cluster: 'lv-d',
    ts: T + i * 31,
    nanos: 7,
    level: 'warning',
    message: `dz line ${i}`,
  })),
];

const byNewest = (a: Seeded, b: Seeded) => b.ts - a.ts || b.nanos - a.nanos;
const byOldest = (a: Seeded, b: Seeded) => -byNewest(a, b);

function batches() {
  const logsOf = (cluster: string) =>
    LINES.filter((l) => l.cluster === cluster).map((l) => ({
      ts: l.ts,
      nanos: l.nanos,
      containerId: rid(l.container),
      stream: 'stdout',
      level: l.level,
      message: l.message,
    }));
  return [
    {
      version: 'v1',
      batchId: 'lv-k',
      sentAt: T + 1200,
      agent: { id: 'a-lv-k', version: '1', mode: 'node', hostname: 'lv-n1' },
      cluster: { name: 'lv-k', kind: 'kubernetes', environment: 'public-cloud' },
      nodes: ['lv-n1', 'lv-n2'].map((name) => ({ name, cores: 4, memoryBytes: 8e9, samples: [] })),
      containers: K_CONTAINERS.map((c) => ({
        id: rid(c.name),
        nodeName: c.node,
        name: c.name,
        state: 'running',
        kubernetes: { namespace: 'lv', pod: `pod-${c.name}`, podUid: `uid-${c.name}` },
      })),
      logs: logsOf('lv-k'),
    },
    {
      version: 'v1',
      batchId: 'lv-d',
      sentAt: T + 1200,
      agent: { id: 'a-lv-d', version: '1', mode: 'node', hostname: 'lv-h1' },
      cluster: { name: 'lv-d', kind: 'docker', environment: 'on-prem' },
      nodes: [{ name: 'lv-h1', cores: 2, memoryBytes: 4e9, samples: [] }],
      containers: [{ id: rid('dz'), nodeName: 'lv-h1', name: 'dz', state: 'running' }],
      logs: logsOf('lv-d'),
    },
  ];
}

/** The volume the seeded lines make: counted here bucket by bucket. */
function expectedVolume(lines: Seeded[], from: number, to: number, step: number) {
  const first = from - (from % step);
  const out: Array<Record<Level | 'total', number> & { ts: number }> = [];
  for (let t = first; t <= to; t += step) {
    const inside = lines.filter((l) => l.ts >= Math.max(t, from) && l.ts < t + step && l.ts <= to);
    const row = { ts: t, error: 0, warning: 0, info: 0, debug: 0, unknown: 0, total: inside.length };
    for (const l of inside) row[l.level]++;
    out.push(row);
  }
  return out;
}

describe.each(DIALECTS)('logs page reads (%s)', (dialect) => {
  let live: Live;
  let ids: Record<string, string>;
  let logs: LogQueries;
  const lg = (q: string) => live.get<wire.LogReply>(`/api/v1/logs?${q}`);
  const vol = (q: string) => live.get<wire.LogVolumeReply>(`/api/v1/logs/volume?${q}`);

  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of batches()) expect((await live.ingest(b)).status).toBe(202);
    ids = {};
    for (const name of ['c000', 'c519', 'dz']) {
      const r = await live.get<{ items: { id: string; name: string }[] }>(`/api/v1/containers?q=${name}`);
      ids[name] = r.items.find((c) => c.name === name)!.id;
    }
    logs = new LogQueries({ db: live.backend.deps.db, now: () => T + 1200, staleAfter: 300 });
  });
  afterAll(async () => {
    await live?.close();
  });

  it('the container listing reaches every one of 521 containers by search, not only the first page of 500', async () => {
    const page = await live.get<{ total: number; items: { name: string }[] }>('/api/v1/containers?pageSize=500');
    expect(page.total).toBe(521);
    expect(page.items).toHaveLength(500);
    expect(page.items.map((c) => c.name)).not.toContain('c519');
    const found = await live.get<{ total: number; items: { name: string; nodeName: string; clusterName: string }[] }>(
      '/api/v1/containers?q=c519&pageSize=20'
    );
    expect(found.total).toBe(1);
    expect(found.items[0]).toMatchObject({ name: 'c519', nodeName: 'lv-n2', clusterName: 'lv-k' });
    // Typing narrows: "c51" matches c051 and c510–c519.
    const prefix = await live.get<{ total: number; items: { name: string }[] }>('/api/v1/containers?q=c51&pageSize=50');
    expect(prefix.items.map((c) => c.name).sort()).toEqual(
      K_CONTAINERS.map((c) => c.name)
        .filter((n) => n.includes('c51'))
        .sort()
    );
  });

  it('every line of the all-containers view carries its node and cluster; several levels at once', async () => {
    const all = await lg('limit=1000');
    expect(all.items).toHaveLength(LINES.length);
    const seeded = new Map(LINES.map((l) => [l.message, l]));
    for (const line of all.items) {
      const s = seeded.get(line.message)!;
      expect([line.containerName, line.nodeName, line.clusterName]).toEqual([s.container, s.node, s.cluster]);
    }
    const two = await lg('limit=1000&level=error,warning');
    const want = LINES.filter((l) => l.level === 'error' || l.level === 'warning').sort(byNewest);
    expect(two.items.map((l) => l.message)).toEqual(want.map((l) => l.message));
    expect(new Set(two.items.map((l) => l.level))).toEqual(new Set(['error', 'warning']));
    const three = await lg(`limit=1000&level=debug,unknown,info&container=${ids.c000}`);
    expect(three.items).toHaveLength(
      LINES.filter((l) => l.container === 'c000' && l.level !== 'error' && l.level !== 'warning').length
    );
    const bad = await live.getRaw('/api/v1/logs?level=error,loud');
    expect(bad.status).toBe(400);
    expect(issuesOf(bad.body)[0].path).toBe('level.1');
    expect(issuesOf((await live.getRaw('/api/v1/logs?order=up')).body)[0].path).toBe('order');
  });

  it('oldest first: the range from its start forward, with cursors covering every line once, then new lines', async () => {
    const mine = LINES.filter((l) => l.container === 'c000').sort(byOldest);
    const first = await lg(`container=${ids.c000}&order=asc&limit=25&from=${T}`);
    expect(first.items.map((l) => l.message)).toEqual(mine.slice(0, 25).map((l) => l.message));
    // Line 41 shares its second with line 40 (nanos decide).
    expect(mine.findIndex((l) => l.message === 'c000 line 41')).toBe(
      mine.findIndex((l) => l.message === 'c000 line 40') + 1
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: wire.LogReply = await lg(`container=${ids.c000}&order=asc&limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.items.map((l) => l.message));
      cursor = r.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(90 / 25));
    expect(seen).toEqual(mine.map((l) => l.message));
    // Within a range: from–to, oldest first.
    const mid = await lg(`container=${ids.c000}&order=asc&limit=1000&from=${T + 100}&to=${T + 200}`);
    expect(mid.items.map((l) => l.message)).toEqual(
      mine.filter((l) => l.ts >= T + 100 && l.ts <= T + 200).map((l) => l.message)
    );
    // Tail: the head of the last page is the newest line; `after` it brings only what arrives later, in order.
    const last = await lg(`container=${ids.c000}&order=asc&limit=1000`);
    expect(last.nextCursor).toBeNull();
    expect(last.items[last.items.length - 1].message).toBe(mine[mine.length - 1].message);
    expect((await lg(`container=${ids.c000}&order=asc&after=${last.headCursor}`)).items).toEqual([]);
    const more = {
      ...batches()[0],
      batchId: 'lv-k-more',
      containers: [],
      logs: [
        { ts: T + 900, containerId: rid('c000'), stream: 'stdout', level: 'info', message: 'later one' },
        { ts: T + 901, containerId: rid('c000'), stream: 'stdout', level: 'info', message: 'later two' },
      ],
    };
    expect((await live.ingest(more)).status).toBe(202);
    const tail = await lg(`container=${ids.c000}&order=asc&after=${last.headCursor}`);
    expect(tail.items.map((l) => l.message)).toEqual(['later one', 'later two']);
    expect((await lg(`container=${ids.c000}&order=asc&after=${tail.headCursor}`)).items).toEqual([]);
    await live.backend.db('logs').whereIn('message', ['later one', 'later two']).delete();
  });

  it('counts lines per bucket and level, as counted from the seeded lines', async () => {
    const r = await vol(`from=${T}&to=${T + 659}&step=60`);
    expect(wire.LogVolumeReply.safeParse(r).success).toBe(true);
    expect(r.step).toBe(60);
    expect(r.buckets).toEqual(expectedVolume(LINES, T, T + 659, 60));
    expect(r.totals.total).toBe(LINES.length);
    for (const level of LEVELS) expect(r.totals[level]).toBe(LINES.filter((l) => l.level === level).length);
    // A range that does not start on a bucket boundary: the first bucket counts from `from` only.
    const off = await vol(`from=${T + 95}&to=${T + 400}&step=60`);
    expect(off.buckets[0].ts).toBe(T + 60);
    expect(off.buckets).toEqual(expectedVolume(LINES, T + 95, T + 400, 60));
    // The same filters as the lines: container, several levels, keyword, cluster.
    const f = await vol(`from=${T}&to=${T + 659}&step=120&container=${ids.c000}&level=error,debug`);
    expect(f.buckets).toEqual(
      expectedVolume(
        LINES.filter((l) => l.container === 'c000' && (l.level === 'error' || l.level === 'debug')),
        T,
        T + 659,
        120
      )
    );
    const k = await vol(`from=${T}&to=${T + 659}&step=300&q=${encodeURIComponent('DZ LINE')}`);
    expect(k.totals).toMatchObject({ total: 20, warning: 20 });
    expect((await vol(`from=${T}&to=${T + 659}&cluster=lv-d`)).totals.total).toBe(20);
    // Without a step: a round width giving at most `buckets` buckets.
    const auto = await vol(`from=${T}&to=${T + 3599}`);
    expect([auto.step, auto.buckets.length]).toEqual([60, 60]);
    const few = await vol(`from=${T}&to=${T + 3599}&buckets=7`);
    expect([few.step, few.buckets.length]).toEqual([600, 6]);
    expect(few.buckets).toEqual(expectedVolume(LINES, T, T + 3599, 600));
  });

  it('picks round bucket widths and keeps the bucket count bounded', () => {
    expect(volumeStep(T, T + 3599, 60)).toBe(60);
    expect(volumeStep(T, T + 6 * 3600 - 1, 60)).toBe(600);
    expect(volumeStep(T + 1, T + 61, 100)).toBe(1);
    // 30 days in at most 60 buckets: whole days.
    const s = volumeStep(T, T + 30 * 86_400, 60);
    expect(s % 86_400).toBe(0);
    expect(Math.floor((T + 30 * 86_400 - (T - (T % s))) / s) + 1).toBeLessThanOrEqual(60);
  });

  it('answers bad volume requests with a 400 naming the field', async () => {
    const path = async (q: string) => {
      const r = await live.getRaw(`/api/v1/logs/volume?${q}`);
      expect(r.status).toBe(400);
      return issuesOf(r.body)[0].path;
    };
    expect(await path(`to=${T}`)).toBe('from');
    expect(await path(`from=${T}`)).toBe('to');
    expect(await path(`from=${T}&to=${T - 10}`)).toBe('to');
    expect(await path(`from=${T}&to=${T + 86_400}&step=60`)).toBe('step'); // 1441 buckets
    expect(await path(`from=${T}&to=${T + 60}&step=0`)).toBe('step');
    expect(await path(`from=${T}&to=${T + 60}&buckets=1001`)).toBe('buckets');
    expect(await path(`from=${T}&to=${T + 60}&level=loud`)).toBe('level.0');
    expect(await path(`from=0&to=${T}`)).toBe('from'); // longer than the range limit
  });

  it('never counts or returns lines outside the caller scope (service level)', async () => {
    const n2: Scope = { clusters: null, namespaces: null, nodes: ['lv-n2'] };
    const v = await logs.volume(n2, { from: T, to: T + 659, step: 60, buckets: 60 });
    expect(v.buckets).toEqual(
      expectedVolume(
        LINES.filter((l) => l.node === 'lv-n2'),
        T,
        T + 659,
        60
      )
    );
    // Filters cannot widen it.
    expect((await logs.volume(n2, { from: T, to: T + 659, buckets: 60, container: [ids.c000] })).totals.total).toBe(0);
    const asc = await logs.query(n2, { limit: 1000, order: 'asc' });
    expect(asc.items.map((l) => l.message)).toEqual(
      LINES.filter((l) => l.node === 'lv-n2')
        .sort(byOldest)
        .map((l) => l.message)
    );
    const docker: Scope = { clusters: ['lv-d'], namespaces: null, nodes: null };
    expect((await logs.volume(docker, { from: T, to: T + 659, buckets: 60, cluster: ['lv-k'] })).totals.total).toBe(0);
    const none: Scope = { clusters: [], namespaces: [], nodes: [] };
    expect((await logs.volume(none, { from: T, to: T + 659, buckets: 60 })).totals.total).toBe(0);
  });
});

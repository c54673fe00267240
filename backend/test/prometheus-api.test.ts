/**
 * The Prometheus-compatible read API (docs/prometheus.md), checked against a real Prometheus
 * server holding the same samples: every query is sent to both, and the answers (result type,
 * series label sets, timestamps, values) must agree. The fleet and its label sets are written
 * here from the seed spec; nothing expected is taken from the code under test.
 */
import { RollupService } from '../src/services/rollup';
import { liveBackend, SERVICE_KEY, type Live } from './helpers/backend';
import { DIALECTS } from './helpers/databases';
import {
  PROMETHEUS_AVAILABLE,
  startReferencePrometheus,
  type OmSeries,
  type ReferencePrometheus,
} from '../src/testing/prometheus';

const NOW = Math.floor(Date.now() / 1000);
/** Samples every 10 s at times ending in 3, so no step (multiples of 5 s) or window edge lands on one. */
const END = NOW - (NOW % 10) - 7;
const START = END - 40 * 60;
const TIMES: number[] = [];
for (let t = START; t <= END; t += 10) TIMES.push(t);

interface SpecContainer {
  id: string;
  cluster: string;
  node: string;
  name: string;
  image: string;
  k8s: { namespace: string; pod: string; workloadKind: string; workloadName: string } | null;
  limit: number | null;
  /** Present at t? (a job that ended, an agent outage) */
  present: (t: number) => boolean;
}

const K = (namespace: string, pod: string, workloadKind: string, workloadName: string) => ({
  namespace,
  pod,
  workloadKind,
  workloadName,
});
const always = () => true;
const CONTAINERS: SpecContainer[] = [
  {
    id: 'c'.repeat(63) + '1',
    cluster: 'prod',
    node: 'p1',
    name: 'web',
    image: 'shop/web:1',
    k8s: K('shop', 'web-7d9-a', 'Deployment', 'web'),
    limit: 268435456,
    present: always,
  },
  {
    id: 'c'.repeat(63) + '2',
    cluster: 'prod',
    node: 'p2',
    name: 'web',
    image: 'shop/web:1',
    k8s: K('shop', 'web-7d9-b', 'Deployment', 'web'),
    limit: 268435456,
    present: always,
  },
  {
    id: 'c'.repeat(63) + '3',
    cluster: 'prod',
    node: 'p2',
    name: 'postgres',
    image: 'postgres:16',
    k8s: K('data', 'pg-0', 'StatefulSet', 'pg'),
    limit: null,
    present: always,
  },
  // A job that finished 15 minutes before the end: its series must go away 5 minutes later.
  {
    id: 'c'.repeat(63) + '4',
    cluster: 'prod',
    node: 'p1',
    name: 'report',
    image: 'shop/report:3',
    k8s: K('shop', 'report-x1', 'Job', 'report'),
    limit: 134217728,
    present: (t) => t <= END - 900,
  },
  {
    id: 'd'.repeat(63) + '1',
    cluster: 'edge',
    node: 'e1',
    name: 'nginx',
    image: 'nginx:1.27',
    k8s: null,
    limit: null,
    present: always,
  },
  // Seven minutes without samples in the middle (an agent outage): a gap longer than the lookback.
  {
    id: 'd'.repeat(63) + '2',
    cluster: 'edge',
    node: 'e1',
    name: 'cache',
    image: 'redis:7',
    k8s: null,
    limit: 536870912,
    present: (t) => t < END - 1500 || t > END - 1080,
  },
];
const NODES = [
  { cluster: 'prod', name: 'p1', cores: 4, memory: 8e9 },
  { cluster: 'prod', name: 'p2', cores: 8, memory: 16e9 },
  { cluster: 'edge', name: 'e1', cores: 2, memory: 4e9 },
];

// Sample values: smooth but irregular, different per entity.
const cpu = (i: number, t: number) => 0.1 * (i + 1) + 0.05 * Math.sin(t / 97 + i);
const mem = (i: number, t: number) => 100e6 * (i + 1) + 1e6 * (Math.floor(t / 10) % 17);
const nodeCpu = (i: number, t: number) => 0.5 + i + 0.25 * Math.cos(t / 131 + i);
const nodeMem = (i: number, t: number) => 2e9 + 1e8 * i + 1e6 * (Math.floor(t / 10) % 23);
const load = (i: number, t: number) => Math.round((1 + i + Math.sin(t / 300)) * 100) / 100;

function batches() {
  const out: unknown[] = [];
  for (const cluster of ['prod', 'edge']) {
    for (let k = 0; k < TIMES.length; k += 60) {
      const times = TIMES.slice(k, k + 60);
      out.push({
        version: 'v1',
        batchId: `prom-${cluster}-${k}`,
        sentAt: times[times.length - 1],
        agent: { id: `agent-${cluster}`, version: '1', mode: 'node', hostname: cluster },
        cluster: { name: cluster, kind: cluster === 'prod' ? 'kubernetes' : 'docker', environment: 'on-prem' },
        nodes: NODES.map((n, i) => ({ n, i }))
          .filter(({ n }) => n.cluster === cluster)
          .map(({ n, i }) => ({
            name: n.name,
            cores: n.cores,
            memoryBytes: n.memory,
            samples: times.map((t) => ({
              ts: t,
              cpuCores: nodeCpu(i, t),
              memUsedBytes: nodeMem(i, t),
              memTotalBytes: n.memory,
              load1: load(i, t),
            })),
          })),
        containers: CONTAINERS.map((c, i) => ({ c, i }))
          .filter(({ c }) => c.cluster === cluster)
          .map(({ c, i }) => ({
            id: c.id,
            nodeName: c.node,
            name: c.name,
            image: c.image,
            state: 'running',
            kubernetes: c.k8s ? { ...c.k8s, podUid: `uid-${c.k8s.pod}` } : null,
            samples: times.filter(c.present).map((t) => ({
              ts: t,
              cpuCores: cpu(i, t),
              memBytes: mem(i, t),
              ...(c.limit ? { memLimitBytes: c.limit } : {}),
            })),
          })),
      });
    }
  }
  return out;
}

/** The same samples as Prometheus series, with the label scheme docs/prometheus.md promises. */
function referenceSeries(): OmSeries[] {
  const out: OmSeries[] = [];
  NODES.forEach((n, i) => {
    const labels = { cluster: n.cluster, node: n.name };
    const at = (f: (t: number) => number) => TIMES.map((t) => [t, f(t)] as [number, number]);
    out.push({ name: 'fleetlens_node_cpu_usage_cores', labels, samples: at((t) => nodeCpu(i, t)) });
    out.push({ name: 'fleetlens_node_memory_used_bytes', labels, samples: at((t) => nodeMem(i, t)) });
    out.push({ name: 'fleetlens_node_memory_total_bytes', labels, samples: at(() => n.memory) });
    out.push({ name: 'fleetlens_node_load1', labels, samples: at((t) => load(i, t)) });
  });
  CONTAINERS.forEach((c, i) => {
    const labels: Record<string, string> = {
      cluster: c.cluster,
      node: c.node,
      container: c.name,
      container_id: c.id,
      image: c.image,
    };
    if (c.k8s)
      Object.assign(labels, {
        namespace: c.k8s.namespace,
        pod: c.k8s.pod,
        workload: c.k8s.workloadName,
        workload_kind: c.k8s.workloadKind,
      });
    const times = TIMES.filter(c.present);
    out.push({ name: 'fleetlens_container_cpu_usage_cores', labels, samples: times.map((t) => [t, cpu(i, t)]) });
    out.push({
      name: 'fleetlens_container_memory_working_set_bytes',
      labels,
      samples: times.map((t) => [t, mem(i, t)]),
    });
    if (c.limit)
      out.push({ name: 'fleetlens_container_memory_limit_bytes', labels, samples: times.map((t) => [t, c.limit!]) });
  });
  return out;
}

/** Queries both engines must answer identically. */
const QUERIES = [
  '1+1',
  '2 * 3 - 1',
  'fleetlens_container_cpu_usage_cores',
  'fleetlens_container_memory_working_set_bytes{namespace="shop"}',
  'fleetlens_container_cpu_usage_cores{container=~"web|cache", cluster!="prod"}',
  'fleetlens_container_cpu_usage_cores{namespace!~"sh.*"}',
  '{__name__=~"fleetlens_node_memory_.*"}',
  'sum by (node) (fleetlens_container_cpu_usage_cores)',
  'sum(fleetlens_container_cpu_usage_cores) by (cluster, namespace)',
  'avg without (container_id, image, pod) (fleetlens_container_memory_working_set_bytes)',
  'max(fleetlens_node_cpu_usage_cores)',
  'min by (cluster) (fleetlens_node_load1)',
  'count(fleetlens_container_cpu_usage_cores)',
  'fleetlens_container_memory_working_set_bytes / fleetlens_container_memory_limit_bytes',
  '100 * fleetlens_node_memory_used_bytes / on(cluster, node) fleetlens_node_memory_total_bytes',
  'fleetlens_node_memory_used_bytes / ignoring(node) fleetlens_node_memory_total_bytes{node="e1"}',
  'sum by (namespace) (fleetlens_container_cpu_usage_cores) > 0.3',
  '0.3 < fleetlens_container_cpu_usage_cores',
  'fleetlens_container_cpu_usage_cores > bool 0.25',
  'fleetlens_node_load1 % 1 + -fleetlens_node_load1 ^ 2',
  'avg_over_time(fleetlens_container_cpu_usage_cores[2m])',
  'max_over_time(fleetlens_node_cpu_usage_cores[5m]) - min_over_time(fleetlens_node_cpu_usage_cores[5m])',
  'sum_over_time(fleetlens_node_load1[1m])',
  'count_over_time(fleetlens_container_memory_working_set_bytes[10m])',
  'last_over_time(fleetlens_container_cpu_usage_cores{container="report"}[20m])',
  'sum by (cluster) (avg_over_time(fleetlens_container_cpu_usage_cores[5m])) > bool 0.5',
  // RE2 syntax where JavaScript's RegExp differs (inline flags, POSIX and Unicode classes, \z).
  'fleetlens_container_cpu_usage_cores{container=~"(?i)WEB|CACHE"}',
  'fleetlens_container_cpu_usage_cores{container=~"[[:alpha:]]+"}',
  'fleetlens_container_cpu_usage_cores{container=~`\\pL+`}',
  'fleetlens_container_cpu_usage_cores{container=~`re.*\\z`}',
  'fleetlens_container_cpu_usage_cores{container!~`(?U)c.+`}',
  // What dashboards and alert rules use beyond the basics (issue 13).
  'topk(2, fleetlens_container_cpu_usage_cores)',
  'bottomk(1, fleetlens_node_cpu_usage_cores) by (cluster)',
  'topk by (cluster) (1, avg_over_time(fleetlens_container_memory_working_set_bytes[5m]))',
  'topk(0, fleetlens_node_load1) or bottomk(2.7, fleetlens_node_load1)',
  'quantile(0.75, fleetlens_container_cpu_usage_cores)',
  'quantile by (cluster) (0.1, fleetlens_container_memory_working_set_bytes)',
  'sort_desc(fleetlens_node_load1)',
  'sort(fleetlens_container_cpu_usage_cores * 2)',
  'fleetlens_container_cpu_usage_cores and fleetlens_container_memory_limit_bytes',
  'fleetlens_container_cpu_usage_cores unless on(container_id) fleetlens_container_memory_limit_bytes',
  'fleetlens_container_cpu_usage_cores{cluster="prod"} or fleetlens_container_memory_working_set_bytes',
  'fleetlens_node_load1 and ignoring(node) fleetlens_node_load1{node="p1"}',
  'fleetlens_node_cpu_usage_cores offset 5m',
  'avg_over_time(fleetlens_container_cpu_usage_cores[2m] offset 3m)',
  'fleetlens_node_load1 offset -2m',
  'fleetlens_container_cpu_usage_cores / on(cluster, node) group_left fleetlens_node_cpu_usage_cores',
  'fleetlens_node_memory_total_bytes > on(cluster, node) group_right fleetlens_container_memory_working_set_bytes',
  'fleetlens_container_cpu_usage_cores * on(cluster, node) group_left(role) label_replace(fleetlens_node_load1, "role", "node-$1", "node", "(.*)")',
  'label_replace(fleetlens_container_cpu_usage_cores, "app", "$1-${2}x", "image", "([^/:]+/)?([^:]+):.*")',
  'label_replace(fleetlens_container_cpu_usage_cores, "tag", "v$tag$$", "image", "(?P<repo>[^:]+):(?P<tag>.*)")',
  'label_replace(fleetlens_node_load1, "node", "", "node", "e.*")',
  'label_replace(fleetlens_node_load1, "first", "$1x", "node", "(.)(.*)")',
  'quantile_over_time(0.9, fleetlens_container_cpu_usage_cores[5m])',
  'quantile_over_time(0.5, fleetlens_node_load1[3m] offset 1m)',
  'deriv(fleetlens_container_memory_working_set_bytes[10m])',
  'deriv(fleetlens_node_memory_total_bytes[5m])',
  'predict_linear(fleetlens_node_cpu_usage_cores[15m], 600)',
];

/** Instant queries whose answer is ordered (sort, topk, bottomk): the order must be Prometheus' too. */
const ORDERED_QUERIES = [
  'sort_desc(fleetlens_node_load1)',
  'sort(fleetlens_container_cpu_usage_cores)',
  'topk(3, fleetlens_container_cpu_usage_cores)',
  'bottomk(2, fleetlens_container_memory_working_set_bytes)',
];

type Reply = { status: string; data?: { resultType: string; result: unknown }; errorType?: string; error?: string };
type Point = [number, string];

/** Result as { labels → points }, so that series order does not matter. */
function normalise(data: NonNullable<Reply['data']>): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
  if (data.resultType === 'scalar') out.set('scalar', [data.result as Point]);
  else if (data.resultType === 'vector')
    for (const s of data.result as { metric: Record<string, string>; value: Point }[])
      out.set(key(s.metric), [s.value]);
  else
    for (const s of data.result as { metric: Record<string, string>; values: Point[] }[])
      out.set(key(s.metric), s.values);
  return out;
}

function expectSameAnswer(ours: Reply, reference: Reply, query: string) {
  expect({ query, status: ours.status }).toEqual({ query, status: 'success' });
  expect(reference.status).toBe('success');
  expect(ours.data!.resultType).toBe(reference.data!.resultType);
  const a = normalise(ours.data!);
  const b = normalise(reference.data!);
  expect({ query, series: [...a.keys()].sort() }).toEqual({ query, series: [...b.keys()].sort() });
  for (const [k, pts] of b) {
    const mine = a.get(k)!;
    expect({ query, k, times: mine.map((p) => p[0]) }).toEqual({ query, k, times: pts.map((p) => p[0]) });
    pts.forEach(([, v], i) => {
      const x = Number(mine[i][1]);
      const y = Number(v);
      if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y)))
        throw new Error(`${query} ${k} at ${pts[i][0]}: ours ${mine[i][1]}, Prometheus ${v}`);
    });
  }
  return a;
}

const requirePrometheus = process.env.REQUIRE_PROMETHEUS === '1';
const suite = PROMETHEUS_AVAILABLE || requirePrometheus ? describe : describe.skip;

let reference: ReferencePrometheus;
beforeAll(async () => {
  if (PROMETHEUS_AVAILABLE || requirePrometheus) reference = await startReferencePrometheus(referenceSeries());
}, 120_000);
afterAll(async () => {
  await reference?.stop();
});

suite.each(DIALECTS)('Prometheus-compatible API on %s, against a real Prometheus', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of batches()) {
      const r = await live.ingest(b);
      if (r.status !== 202) throw new Error(`ingest → ${r.status} ${JSON.stringify(r.body)}`);
    }
  }, 120_000);
  afterAll(async () => {
    await live?.close();
  });

  const ours = async (path: string, init?: RequestInit) =>
    (await (
      await fetch(`${live.backend.url}/prometheus/api/v1${path}`, {
        ...init,
        headers: { ...live.admin, ...init?.headers },
      })
    ).json()) as Reply;
  const theirs = async (path: string) => (await (await fetch(`${reference.url}/api/v1${path}`)).json()) as Reply;
  const q = encodeURIComponent;

  // 15 s steps read every row; at 45 s and 60 s the rows are reduced in SQL (newest per step, and
  // per-step aggregates where the range is a whole number of steps): the answers must not change.
  const RANGE_CASES = QUERIES.flatMap((query) => [15, 45, 60].map((step) => [query, step] as const));
  it.each(RANGE_CASES)(
    'range query %s at %d s steps: same series, times and values as Prometheus',
    async (query, step) => {
      // Steps from a minute boundary; runs 6 minutes past the last sample to see series go stale.
      const start = START + 600 - ((START + 600) % 60);
      const path = `/query_range?query=${q(query)}&start=${start}&end=${END + 360}&step=${step}`;
      // A query both engines answer with nothing would prove nothing.
      expect({ query, series: expectSameAnswer(await ours(path), await theirs(path), query).size }).not.toEqual({
        query,
        series: 0,
      });
    }
  );

  it.each(QUERIES)('instant query %s at four times: same answer as Prometheus', async (query) => {
    for (const t of [END + 1, END - 595, END - 1196, END + 292]) {
      const path = `/query?query=${q(query)}&time=${t}`;
      expectSameAnswer(await ours(path), await theirs(path), `${query} @${t}`);
    }
  });

  it.each(ORDERED_QUERIES)('instant query %s lists its series in the order Prometheus does', async (query) => {
    for (const t of [END + 1, END - 595]) {
      const path = `/query?query=${q(query)}&time=${t}`;
      const [a, b] = [await ours(path), await theirs(path)];
      expectSameAnswer(a, b, `${query} @${t}`);
      const order = (r: Reply) =>
        (r.data!.result as { metric: Record<string, string> }[]).map((s) => s.metric.container_id ?? s.metric.node);
      expect({ query, t, order: order(a) }).toEqual({ query, t, order: order(b) });
      expect(order(a).length).toBeGreaterThan(1);
    }
  });

  it('the job that ended is gone 5 minutes after its last sample, the outage is a gap, as in Prometheus', async () => {
    const path = `/query_range?query=${q('fleetlens_container_cpu_usage_cores{container=~"report|cache"}')}&start=${START + 302}&end=${END}&step=30`;
    const a = expectSameAnswer(await ours(path), await theirs(path), 'staleness');
    const report = [...a.entries()].find(([k]) => k.includes('"report"'))![1];
    const lastReport = TIMES.filter((t) => t <= END - 900).pop()!;
    expect(Math.max(...report.map((p) => p[0]))).toBeLessThan(lastReport + 300);
    expect(Math.max(...report.map((p) => p[0]))).toBeGreaterThan(lastReport + 300 - 30);
    const cache = [...a.entries()].find(([k]) => k.includes('"cache"'))![1].map((p) => p[0]);
    const missing = cache.slice(1).filter((t, i) => t - cache[i] > 30);
    expect(missing).toHaveLength(1); // exactly one hole, where the outage outlasted the lookback
  });

  it('series, label names and label values match Prometheus', async () => {
    const range = `start=${START}&end=${END}`;
    for (const path of [
      `/series?match[]=${q('fleetlens_node_load1')}&${range}`,
      `/series?match[]=${q('fleetlens_container_memory_limit_bytes')}&match[]=${q('{__name__="fleetlens_node_load1",cluster="edge"}')}&${range}`,
      `/labels?match[]=${q('fleetlens_container_cpu_usage_cores')}&${range}`,
      `/label/namespace/values?match[]=${q('fleetlens_container_cpu_usage_cores')}&${range}`,
      `/label/node/values?match[]=${q('{__name__=~"fleetlens_node_.*"}')}&${range}`,
    ]) {
      const [a, b] = [await ours(path), await theirs(path)];
      const canonical = (v: unknown) =>
        typeof v === 'string' ? v : JSON.stringify(Object.entries(v as object).sort(([x], [y]) => x.localeCompare(y)));
      const sort = (x: unknown) => (x as unknown[]).map(canonical).sort();
      expect({ path, data: sort(a.data) }).toEqual({ path, data: sort(b.data) });
    }
  });

  it('POST with a form body (what Grafana sends) answers like GET', async () => {
    const query = 'sum by (cluster) (fleetlens_node_cpu_usage_cores)';
    const form = new URLSearchParams({ query, start: String(END - 598), end: String(END), step: '30' });
    const posted = await ours('/query_range', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expectSameAnswer(posted, await theirs(`/query_range?${form}`), query);
  });

  it('syntax errors are bad_data on both', async () => {
    // Perl-only regular expressions (lookaround, backreferences) are not RE2: refused by both.
    for (const query of [
      'sum(',
      'fleetlens_node_load1{node=}',
      'rate(',
      'fleetlens_node_load1{node=~"(?=e)e1"}',
      'fleetlens_node_load1{node=~"(?<!x)e1"}',
      'fleetlens_node_load1{node=~"(e)\\1"}',
    ]) {
      const [a, b] = [await ours(`/query?query=${q(query)}`), await theirs(`/query?query=${q(query)}`)];
      expect({ query, ours: a.errorType, status: a.status }).toEqual({ query, ours: b.errorType, status: 'error' });
    }
  });

  // At 300 s steps the rollup rows are reduced in SQL (the newest bucket per step; one aggregate per
  // step for the 5-minute average): the same hand-computed answers.
  it.each([60, 300])(
    'coarse ranges read the 1-minute rollup at %d s steps: each point is the mean of the minute before it (hand-computed)',
    async (step) => {
      await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(END + 180);
      const start = END - 2 * 3600 - ((END - 2 * 3600) % 300);
      const end = END - (END % 60);
      const r = await ours(
        `/query_range?query=${q('fleetlens_container_cpu_usage_cores{container="postgres"}')}&start=${start}&end=${end}&step=${step}`
      );
      const i = CONTAINERS.findIndex((c) => c.name === 'postgres');
      const points = (r.data!.result as { values: Point[] }[])[0].values;
      expect(points.length).toBeGreaterThan((END - START) / step / 2);
      for (const [t, v] of points) {
        const inMinute = TIMES.filter((s) => s >= t - 60 && s < t);
        expect(inMinute.length).toBeGreaterThan(0);
        const mean = inMinute.reduce((acc, s) => acc + cpu(i, s), 0) / inMinute.length;
        expect(Number(v)).toBeCloseTo(mean, 9);
      }
      // A 5-minute average on the rollup weighs the buckets by the time they cover: samples come
      // every 10 s here, so that is the plain mean.
      const avg = await ours(
        `/query_range?query=${q('avg_over_time(fleetlens_container_cpu_usage_cores{container="postgres"}[5m])')}&start=${start}&end=${end}&step=${step}`
      );
      const avgPoints = (avg.data!.result as { values: Point[] }[])[0].values;
      expect(avgPoints.length).toBeGreaterThan((END - START) / step / 2);
      for (const [t, v] of avgPoints) {
        const inWindow = TIMES.filter((s) => s >= t - 300 && s < t);
        expect(Number(v)).toBeCloseTo(inWindow.reduce((acc, s) => acc + cpu(i, s), 0) / inWindow.length, 9);
      }
    }
  );
});

/**
 * Decomposable range functions read the 1-minute tier for the whole minutes inside each window,
 * and raw rows for the edges and for anything the rollup has not reached (decision 34). Answers
 * must stay Prometheus' exactly: on data rolled up only in part (a lagging rollup), fully, and
 * where the tier must not be used (a step or range that is not whole minutes, late data).
 */
const TIER_QUERIES = [
  'avg_over_time(fleetlens_container_cpu_usage_cores[30m])',
  'sum_over_time(fleetlens_node_load1[20m])',
  'count_over_time(fleetlens_container_memory_working_set_bytes[25m])',
  'min_over_time(fleetlens_node_cpu_usage_cores[10m]) - max_over_time(fleetlens_node_cpu_usage_cores[10m] offset 3m)',
  'sum by (cluster) (avg_over_time(fleetlens_container_memory_working_set_bytes[15m]))',
  'topk(2, max_over_time(fleetlens_container_cpu_usage_cores[12m]))',
  // Not whole minutes: raw rows only.
  'sum_over_time(fleetlens_node_load1[150s])',
  'avg_over_time(fleetlens_container_cpu_usage_cores[3m])',
];
const minuteOf = (t: number) => t - (t % 60);
/** Instant times: on a minute, one second before one (every bucket whole), and in between. */
const TIER_TIMES = [END + 1, END - 601, END - 1017, minuteOf(END) - 61, minuteOf(END - 300)];
/** Range steps: whole minutes (the tier) and 90 s (raw), from starts on, after and before a minute. */
const TIER_RANGES = [120, 300, 600, 90].flatMap((step) =>
  [0, 17, -1].map((shift) => [step, minuteOf(START + 900) + shift] as const)
);

suite.each(DIALECTS)('PromQL on the 1-minute tier on %s, against a real Prometheus', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of batches()) expect((await live.ingest(b)).status).toBe(202);
  }, 120_000);
  afterAll(async () => {
    await live?.close();
  });
  const ours = async (path: string) =>
    (await (await fetch(`${live.backend.url}/prometheus/api/v1${path}`, { headers: live.admin })).json()) as Reply;
  const theirs = async (path: string) => (await (await fetch(`${reference.url}/api/v1${path}`)).json()) as Reply;
  const q = encodeURIComponent;
  const rollup = (now: number) => new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(now);
  const agreeEverywhere = async () => {
    for (const query of TIER_QUERIES) {
      for (const t of TIER_TIMES) {
        const path = `/query?query=${q(query)}&time=${t}`;
        expectSameAnswer(await ours(path), await theirs(path), `${query} @${t}`);
      }
      for (const [step, start] of TIER_RANGES) {
        const path = `/query_range?query=${q(query)}&start=${start}&end=${END + 360}&step=${step}`;
        const n = expectSameAnswer(await ours(path), await theirs(path), `${query} step ${step} from ${start}`).size;
        expect({ query, step, series: n }).not.toEqual({ query, step, series: 0 });
      }
    }
  };

  it('while the rollup lags 10 minutes behind, and once it has caught up: the same answers as Prometheus', async () => {
    // The newest ten minutes are not rolled up yet: they (and every window edge) come from raw rows.
    await rollup(END - 600);
    const wm = await live.backend.db('rollup_state').where('name', 'container_1m').first('watermark');
    expect(Number(wm.watermark)).toBeLessThan(END - 600);
    expect(Number(wm.watermark)).toBeGreaterThan(START + 600);
    await agreeEverywhere();
    await rollup(END + 180);
    await agreeEverywhere();
  }, 300_000);

  it('the tier is what answers whole minutes, and is not used for edges, other widths or minutes marked late', async () => {
    await rollup(END + 180);
    const db = live.backend.db;
    const postgres = CONTAINERS.find((c) => c.name === 'postgres')!;
    const { id } = await db('containers').where('runtime_id', postgres.id).first('id');
    // Falsify one rolled-up minute in the middle of the data: only the tier path can see it.
    const minute = minuteOf(END - 900);
    const falsify = (by: number) =>
      db('container_samples_1m')
        .where({ entity_id: id, ts: minute })
        .update({ cpu_cores_sum: db.raw('cpu_cores_sum + ?', [by]), cpu_cores_max: db.raw('cpu_cores_max + ?', [by]) });
    expect(await falsify(1000)).toBe(1);
    try {
      const sel = 'fleetlens_container_cpu_usage_cores{container="postgres"}';
      const instant = async (query: string, t: number) => {
        const path = `/query?query=${q(query)}&time=${t}`;
        const [a, b] = [await ours(path), await theirs(path)];
        const value = (r: Reply) => Number((r.data!.result as { value: Point }[])[0].value[1]);
        return { ours: value(a), theirs: value(b), a, b, path };
      };
      // Whole minutes of the window come from the tier: the falsified sum and maximum show.
      const sum = await instant(`sum_over_time(${sel}[30m])`, END + 1);
      expect(sum.ours - sum.theirs).toBeCloseTo(1000, 6);
      const max = await instant(`max_over_time(${sel}[30m])`, END + 1);
      const i = CONTAINERS.indexOf(postgres);
      const inMinute = TIMES.filter((t) => t >= minute && t < minute + 60).map((t) => cpu(i, t));
      expect(max.ours).toBeCloseTo(Math.max(...inMinute) + 1000, 9);
      // Where that minute is not whole inside a window, or the width is not whole minutes: raw rows.
      for (const [query, t] of [
        [`sum_over_time(${sel}[30m])`, minute + 30],
        [`sum_over_time(${sel}[30m])`, minute + 1800 + 30],
        [`sum_over_time(${sel}[150s])`, minute + 100],
        [`max_over_time(${sel}[1m])`, minute + 58],
      ] as const) {
        const r = await instant(query, t);
        expectSameAnswer(r.a, r.b, `${query} @${t}`);
      }
      // A window of whole minutes (minute − 1, minute + 59] is the falsified bucket exactly.
      expect((await instant(`max_over_time(${sel}[1m])`, minute + 59)).ours).toBeGreaterThan(1000);
      expect((await instant(`max_over_time(${sel}[2m])`, minute + 59)).ours).toBeGreaterThan(1000);
      const path = `/query_range?query=${q(`sum_over_time(${sel}[3m])`)}&start=${minute - 600}&end=${minute + 600}&step=90`;
      expectSameAnswer(await ours(path), await theirs(path), 'step 90');
      // Late data marked for a minute before it: the tier is not read from there on.
      await db('rollup_dirty').insert({ family: 'container', ts_from: minute - 5 });
      const late = await instant(`sum_over_time(${sel}[30m])`, END + 1);
      expectSameAnswer(late.a, late.b, 'after a dirty mark');
      await db('rollup_dirty').where('family', 'container').del();
    } finally {
      await falsify(-1000);
    }
  }, 120_000);
});

describe.each(DIALECTS)('Prometheus-compatible API on %s: scope, credentials and bad input', (dialect) => {
  let live: Live;
  let shopKey: string;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of batches()) expect((await live.ingest(b)).status).toBe(202);
    const admin = { ...live.admin, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${live.backend.url}${path}`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(201);
      return (await r.json()) as { id: string; key: string };
    };
    const user = await post('/api/v1/users', {
      email: 'shop-viewer@example.com',
      displayName: 'Shop viewer',
      role: 'viewer',
      scopes: { clusters: null, namespaces: ['shop'], nodes: null },
    });
    shopKey = (await post('/api/v1/api-keys', { name: 'grafana-prometheus', userId: user.id })).key;
  }, 120_000);
  afterAll(async () => {
    await live?.close();
  });

  const call = async (path: string, headers: Record<string, string> = live.admin, init: RequestInit = {}) => {
    const r = await fetch(`${live.backend.url}/prometheus/api/v1${path}`, {
      ...init,
      headers: { ...headers, ...(init.headers as object) },
    });
    return { status: r.status, body: (await r.json()) as Reply & { data: any } }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const q = encodeURIComponent;

  it('a namespace-scoped API key sees only that namespace: no other containers, no nodes, in queries and discovery', async () => {
    const key = { 'x-api-key': shopKey };
    const containers = await call(
      `/query?query=${q('fleetlens_container_memory_working_set_bytes')}&time=${END - 1000}`,
      key
    );
    expect(containers.status).toBe(200);
    const expected = CONTAINERS.filter((c) => c.k8s?.namespace === 'shop' && c.present(END - 1000))
      .map((c) => c.id)
      .sort();
    expect(
      containers.body.data.result.map((s: { metric: { container_id: string } }) => s.metric.container_id).sort()
    ).toEqual(expected);
    // An aggregate over everything is still only the caller's part of the fleet.
    const total = await call(`/query?query=${q('count(fleetlens_container_cpu_usage_cores)')}&time=${END - 1000}`, key);
    expect(Number(total.body.data.result[0].value[1])).toBe(expected.length);
    const nodes = await call(`/query?query=${q('fleetlens_node_cpu_usage_cores')}&time=${END}`, key);
    expect(nodes.body.data.result).toEqual([]);
    const namespaces = await call(`/label/namespace/values`, key);
    expect(namespaces.body.data).toEqual(['shop']);
    const clusters = await call(`/label/cluster/values`, key);
    expect(clusters.body.data).toEqual(['prod']);
    // An admin's API key sees both clusters.
    expect((await call('/label/cluster/values')).body.data).toEqual(['edge', 'prod']);
    // The service key alone is no one (SERVICE_KEY_ANONYMOUS_ROLE=none): 401, in Prometheus' shape.
    const bare = await call('/label/cluster/values', { 'x-fleetlens-key': SERVICE_KEY });
    expect(bare.status).toBe(401);
    expect(bare.body).toMatchObject({ status: 'error', errorType: 'client_error' });
    expect(bare.body.error).toContain('X-Api-Key');
  });

  it('without credentials: 401 in the Prometheus error shape', async () => {
    const r = await call(`/query?query=1`, {});
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 'error', errorType: 'client_error' });
    const wrong = await call(`/query?query=1`, { 'x-fleetlens-key': 'not-the-key' });
    expect(wrong.status).toBe(401);
  });

  it.each([
    ['/query', 'query'],
    ['/query?query=1&time=yesterday', 'time'],
    [`/query_range?query=1&start=${END}&end=${END + 60}`, 'step'],
    [`/query_range?query=1&start=${END}&end=${END + 60}&step=-5s`, 'step'],
    [`/query_range?query=1&start=${END}&end=${END - 60}&step=15`, 'end'],
    [`/query_range?query=1&start=${END - 86400 * 30}&end=${END}&step=1`, 'step'],
    ['/series', 'match[]'],
    [`/series?match[]=${q('sum(fleetlens_node_load1)')}`, 'match[]'],
  ])('%s is refused with 400 bad_data naming "%s"', async (path, field) => {
    const r = await call(path);
    expect(r.status).toBe(400);
    expect(r.body.status).toBe('error');
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toContain(field);
  });

  it.each([
    ['rate(fleetlens_container_cpu_usage_cores[5m])', 'rate()'],
    ['fleetlens_node_load1 @ 1700000000', '@ modifier'],
    ['max_over_time(fleetlens_node_load1[10m:1m])', 'subquery'],
    ['count_values("v", fleetlens_node_load1)', 'count_values'],
    ['1 and fleetlens_node_load1', 'set operator "and"'],
    ['topk(fleetlens_node_load1, fleetlens_node_load1)', 'scalar'],
    ['label_replace(fleetlens_node_load1, "1bad", "x", "node", ".*")', 'destination label'],
    ['1 > 2', 'bool'],
    ['{node=~""}', 'empty string'],
    ['fleetlens_node_load1{node=~"("}', 'regular expression'],
  ])('%s is refused with a message naming what is unsupported', async (query, word) => {
    const r = await call(`/query?query=${q(query)}&time=${END}`);
    expect(r.status).toBe(400);
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toContain(word);
  });

  it('a POST must be a form; JSON is refused with 415', async () => {
    const r = await call(
      '/query',
      { ...live.admin, 'content-type': 'application/json' },
      { method: 'POST', body: '{"query":"1"}' }
    );
    expect(r.status).toBe(415);
    expect(r.body.status).toBe('error');
  });

  it('the OpenAPI document lists the Prometheus endpoints, GET and POST, with their parameters', async () => {
    const doc = (await (await fetch(`${live.backend.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters: { name: string; required: boolean }[] }>>;
    };
    const expected: Record<string, string[]> = {
      '/prometheus/api/v1/query': ['query'],
      '/prometheus/api/v1/query_range': ['query', 'start', 'end', 'step'],
      '/prometheus/api/v1/series': ['match[]'],
      '/prometheus/api/v1/labels': [],
      '/prometheus/api/v1/label/{name}/values': ['name'],
      '/prometheus/api/v1/metadata': [],
    };
    for (const [path, required] of Object.entries(expected)) {
      for (const method of ['get', 'post']) {
        const op = doc.paths[path]?.[method];
        expect({ path, method, documented: !!op }).toEqual({ path, method, documented: true });
        expect(
          op.parameters
            .filter((p) => p.required)
            .map((p) => p.name)
            .sort()
        ).toEqual([...required].sort());
      }
    }
  });

  it('metadata lists every metric as a gauge with its help and unit', async () => {
    const r = await call('/metadata');
    expect(r.body.data.fleetlens_container_memory_working_set_bytes).toEqual([
      { type: 'gauge', help: expect.stringContaining('working set'), unit: 'bytes' },
    ]);
    expect(r.body.data.fleetlens_node_network_receive_bytes_per_second[0].unit).toBe('bytes_per_second');
    expect(Object.keys(r.body.data).every((n) => /^fleetlens_(node|container|probe|service)_[a-z0-9_]+$/.test(n))).toBe(
      true
    );
    // The probe metrics of issue 16 (docs/prometheus.md), durations and times in seconds.
    expect(r.body.data.fleetlens_probe_duration_seconds).toEqual([
      { type: 'gauge', help: 'Total time of the probe run', unit: 'seconds' },
    ]);
    expect(r.body.data.fleetlens_probe_up[0].type).toBe('gauge');
  });
});

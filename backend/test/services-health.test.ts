import { api, IngestReply, type IngestBatchInput } from '@fleetlens/protocol';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Service health (issue 16): probe runs and access-log request stats pushed through the real
// ingest API, then read back through /services*. Every expected figure is written by hand from the
// inputs below, with the arithmetic in a comment; none is read back from the code under test.

const NOW = Math.floor(Date.now() / 1000);
/** A minute boundary ten minutes ago: the seeds sit in [T0, T0 + 60), and every read names that window. */
const T0 = Math.floor((NOW - 600) / 60) * 60;
const W = `from=${T0}&to=${T0 + 60}`;

const cid = (c: string) => c.repeat(64).slice(0, 64);
const buckets = (at: Record<number, number>) => Array.from({ length: 12 }, (_, i) => at[i] ?? 0);
const stat = (
  container: string,
  service: { namespace: string | null; name: string },
  ts: number,
  s: {
    requests: number;
    c2: number;
    c3?: number;
    c4?: number;
    c5?: number;
    lc?: number;
    ls?: number;
    b?: number[] | null;
  }
) => ({
  ts,
  intervalSeconds: 10,
  containerId: cid(container),
  service,
  format: 'nginx' as const,
  requests: s.requests,
  status2xx: s.c2,
  status3xx: s.c3 ?? 0,
  status4xx: s.c4 ?? 0,
  status5xx: s.c5 ?? 0,
  latencyCount: s.lc ?? 0,
  latencySumSeconds: s.ls ?? 0,
  latencyBuckets: s.b ?? null,
});
const run = (
  key: string,
  service: { namespace: string | null; name: string },
  nodeName: string,
  ts: number,
  up: boolean,
  totalSeconds: number,
  extra: Record<string, unknown> = {}
) => ({
  ts,
  key,
  source: 'docker-label' as const,
  service,
  nodeName,
  kind: 'http' as const,
  target: 'http://api:8080/health',
  up,
  statusCode: up ? 200 : 503,
  error: up ? null : 'unexpected status 503',
  totalSeconds,
  ...extra,
});

const WEB = { namespace: 'shop', name: 'web' };
const API = { namespace: 'ops', name: 'api' };
const COMPOSE = { namespace: null, name: 'compose/web' };
const CERT = T0 + 30 * 86_400;

const container = (id: string, name: string, node: string, namespace: string) => ({
  id: cid(id),
  nodeName: node,
  name,
  image: 'busybox',
  state: 'running' as const,
  kubernetes: { namespace, pod: `${name}-pod`, podUid: `uid-${id}` },
  samples: [],
});

/** The Kubernetes cluster: shop/web on two nodes (logs with durations), ops/api (logs without, and a probe). */
const K8S: IngestBatchInput = {
  version: 'v1',
  batchId: 'svc-k8s',
  sentAt: NOW - 5,
  agent: { id: 'agent-svc', version: '1.0.0', mode: 'node', hostname: 'node-a' },
  cluster: { name: 'cl-svc', kind: 'kubernetes', environment: 'on-prem', labels: {} },
  nodes: [
    { name: 'node-a', cores: 2, memoryBytes: 1e9, samples: [] },
    { name: 'node-b', cores: 2, memoryBytes: 1e9, samples: [] },
  ],
  containers: [
    container('a', 'web1', 'node-a', 'shop'),
    container('b', 'web2', 'node-b', 'shop'),
    container('c', 'api1', 'node-a', 'ops'),
  ],
  requestStats: [
    // web1 (node-a): 100 requests (80/5/10/5), 100 timed, Σ 5.0 s: 50 in (0.025, 0.05], 50 in (0.1, 0.25].
    stat('a', WEB, T0 + 10, {
      requests: 100,
      c2: 80,
      c3: 5,
      c4: 10,
      c5: 5,
      lc: 100,
      ls: 5,
      b: buckets({ 3: 50, 5: 50 }),
    }),
    // web1: 60 requests (50/0/5/5), 60 timed, Σ 3.0 s, all in (0.05, 0.1].
    stat('a', WEB, T0 + 20, { requests: 60, c2: 50, c4: 5, c5: 5, lc: 60, ls: 3, b: buckets({ 4: 60 }) }),
    // web2 (node-b): 40 requests, all 2xx, Σ 1.0 s, all in (0.01, 0.025].
    stat('b', WEB, T0 + 10, { requests: 40, c2: 40, lc: 40, ls: 1, b: buckets({ 2: 40 }) }),
    // At `to` itself: outside [T0, T0 + 60).
    stat('a', WEB, T0 + 60, { requests: 1000, c2: 0, c5: 1000, lc: 1000, ls: 1000, b: buckets({ 11: 1000 }) }),
    // api1: 30 requests (20 2xx, 10 5xx), no durations in its format.
    stat('c', API, T0 + 30, { requests: 30, c2: 20, c5: 10 }),
  ],
  probeResults: [
    run('ctr:api1:http://api:8080/health', API, 'node-a', T0 + 5, true, 0.2, { containerId: cid('c') }),
    run('ctr:api1:http://api:8080/health', API, 'node-a', T0 + 35, true, 0.4, { containerId: cid('c') }),
    run('ctr:api1:http://api:8080/health', API, 'node-a', T0 + 50, false, 0.9, { containerId: cid('c') }),
  ],
};

/** A Docker cluster: a Compose service with an https probe only. */
const DOCKER: IngestBatchInput = {
  version: 'v1',
  batchId: 'svc-docker',
  sentAt: NOW - 5,
  agent: { id: 'agent-dock', version: '1.0.0', mode: 'node', hostname: 'dock-1' },
  cluster: { name: 'cl-dock', kind: 'docker', environment: 'on-prem', labels: {} },
  nodes: [{ name: 'dock-1', cores: 2, memoryBytes: 1e9, samples: [] }],
  probeResults: [
    run('ctr:x:https://web/', COMPOSE, 'dock-1', T0 + 10, true, 0.1, { target: 'https://web/', certNotAfter: CERT }),
    run('ctr:x:https://web/', COMPOSE, 'dock-1', T0 + 40, true, 0.3, { target: 'https://web/', certNotAfter: CERT }),
  ],
};

const close = (x: number | null, y: number) => {
  expect(x).not.toBeNull();
  expect(x as number).toBeCloseTo(y, 9);
};

describe.each(DIALECTS)('service health on %s', (dialect) => {
  let live: Live;
  const idOf = new Map<string, string>();
  const list = async (query = W, headers?: Record<string, string>) => {
    const r = await live.getRaw(`/api/v1/services?${query}`, headers);
    expect(r.status).toBe(200);
    return api.ServiceListReply.parse(r.body);
  };

  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of [K8S, DOCKER]) {
      const r = await live.ingest(b);
      expect(r.status).toBe(202);
    }
    for (const s of (await list()).items) idOf.set(s.name, s.id);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('counts what a batch stored in accepted', async () => {
    const r = await live.ingest({ ...DOCKER, batchId: 'svc-docker-again' });
    expect(IngestReply.parse(r.body).accepted).toMatchObject({ probeResults: 2, requestStats: 0 });
  });

  it('lists each service with figures equal to the inputs', async () => {
    const { items, total } = await list();
    expect(total).toBe(3);
    const web = items.find((s) => s.name === 'web')!;
    expect(web).toMatchObject({ cluster: 'cl-svc', namespace: 'shop', sources: ['logs'], latencySource: 'logs' });
    // Σ requests 100 + 60 + 40 = 200; covered: web1 10 + 10 = 20 s, web2 10 s → 20 s; 200 / 20 = 10/s.
    close(web.requestsPerSecond, 10);
    // 5xx 5 + 5 + 0 = 10 of 200 → 5 %.
    close(web.errorPercent, 5);
    expect(web.statusCounts).toEqual({ '2xx': 170, '3xx': 5, '4xx': 15, '5xx': 10 });
    // avg (5 + 3 + 1) / 200 = 0.045 s.
    close(web.avgSeconds, 0.045);
    // Σ buckets: (0.01,0.025] 40, (0.025,0.05] 50, (0.05,0.1] 60, (0.1,0.25] 50; cumulative 40, 90, 150, 200.
    // p50: rank 100 → (0.05, 0.1]: 0.05 + 0.05 × (100 − 90) / 60 = 0.0583333…
    close(web.p50Seconds, 0.05 + (0.05 * 10) / 60);
    // p95: rank 190 → (0.1, 0.25]: 0.1 + 0.15 × (190 − 150) / 50 = 0.22.
    close(web.p95Seconds, 0.22);
    expect(web.probeStatus).toBeNull();

    const apiRow = items.find((s) => s.name === 'api')!;
    expect(apiRow).toMatchObject({ namespace: 'ops', sources: ['logs', 'probe'], latencySource: 'probe' });
    close(apiRow.requestsPerSecond, 3); // 30 / 10 s
    close(apiRow.errorPercent, (10 / 30) * 100);
    // No log carried durations: probe totals 0.2, 0.4, 0.9 → avg 0.5; nearest rank p50 ⌈1.5⌉ = 2nd = 0.4, p95 ⌈2.85⌉ = 3rd = 0.9.
    close(apiRow.avgSeconds, 0.5);
    close(apiRow.p50Seconds, 0.4);
    close(apiRow.p95Seconds, 0.9);
    expect(apiRow.probeStatus).toBe('down'); // the newest run (T0 + 50) is down

    const compose = items.find((s) => s.name === 'compose/web')!;
    expect(compose).toMatchObject({
      cluster: 'cl-dock',
      namespace: null,
      sources: ['probe'],
      requestsPerSecond: null,
      errorPercent: null,
      probeStatus: 'up',
      certNotAfter: CERT,
      latencySource: 'probe',
    });
    close(compose.avgSeconds, 0.2); // (0.1 + 0.3) / 2
  });

  it('sorts by a figure with nulls last, filters by cluster and name, pages', async () => {
    const byRps = await list(`${W}&sort=requestsPerSecond&order=desc`);
    expect(byRps.items.map((s) => s.name)).toEqual(['web', 'api', 'compose/web']); // 10, 3, null
    const asc = await list(`${W}&sort=requestsPerSecond&order=asc`);
    expect(asc.items.map((s) => s.name)).toEqual(['api', 'web', 'compose/web']); // null still last
    expect((await list(`${W}&cluster=cl-dock`)).items.map((s) => s.name)).toEqual(['compose/web']);
    expect((await list(`${W}&q=COMP`)).items.map((s) => s.name)).toEqual(['compose/web']);
    const p2 = await list(`${W}&pageSize=2&page=2`);
    expect(p2.total).toBe(3);
    expect(p2.items.map((s) => s.name)).toEqual(['web']); // by name: api, compose/web | web
  });

  it('shows one service with its probes and containers', async () => {
    const r = await live.getRaw(`/api/v1/services/${idOf.get('api')}?${W}`);
    expect(r.status).toBe(200);
    const d = api.ServiceDetailReply.parse(r.body);
    expect(d.probes).toHaveLength(1);
    expect(d.probes[0]).toMatchObject({
      key: 'ctr:api1:http://api:8080/health',
      source: 'docker-label',
      nodeName: 'node-a',
      lastTs: T0 + 50,
      up: false,
      statusCode: 503,
      error: 'unexpected status 503',
      totalSeconds: 0.9,
    });
    close(d.probes[0].uptimePercent, (2 / 3) * 100); // 2 of 3 runs up
    expect(d.containerIds).toHaveLength(1);
    expect(d.containers.map((c) => [c.name, c.nodeName])).toEqual([['api1', 'node-a']]);
    const web = api.ServiceDetailReply.parse((await live.getRaw(`/api/v1/services/${idOf.get('web')}?${W}`)).body);
    expect(web.containerIds).toHaveLength(2);
    // Named as ingested, by name, each with the entity id GET /containers lists it under.
    expect(web.containers.map((c) => [c.name, c.nodeName])).toEqual([
      ['web1', 'node-a'],
      ['web2', 'node-b'],
    ]);
    expect(web.containers.map((c) => c.id).sort()).toEqual(web.containerIds);
    expect((await live.getRaw(`/api/v1/services/0000000000000000?${W}`)).status).toBe(404);
  });

  it('gives per-step series equal to the inputs of each step', async () => {
    const r = await live.getRaw(
      `/api/v1/services/${idOf.get('web')}/series?metrics=requestsPerSecond,errorPercent,avgSeconds,status5xxPerSecond&${W}&step=20`
    );
    expect(r.status).toBe(200);
    const s = api.ServiceSeriesReply.parse(r.body);
    expect(s.step).toBe(20);
    const pts = Object.fromEntries(s.series.map((x) => [x.metric, x.points]));
    expect(pts.requestsPerSecond.map((p) => p[0])).toEqual([T0, T0 + 20, T0 + 40]);
    // [T0, T0+20): web1 100 + web2 40 over 10 s each → 140 / 10 = 14; [T0+20, T0+40): 60 / 10 = 6; then nothing.
    expect(pts.requestsPerSecond.map((p) => p[1])).toEqual([14, 6, null]);
    close(pts.errorPercent[0][1], (5 / 140) * 100);
    close(pts.errorPercent[1][1], (5 / 60) * 100);
    close(pts.avgSeconds[0][1], 6 / 140); // (5 + 1) / 140
    close(pts.avgSeconds[1][1], 0.05); // 3 / 60
    expect(pts.status5xxPerSecond.map((p) => p[1])).toEqual([0.5, 0.5, null]); // 5 / 10 each
    expect(s.series.find((x) => x.metric === 'requestsPerSecond')!.unit).toBe('reqps');

    const p = api.ServiceSeriesReply.parse(
      (
        await live.getRaw(
          `/api/v1/services/${idOf.get('api')}/series?metrics=probeUp,probeTotalSeconds,p95Seconds&${W}&step=20`
        )
      ).body
    );
    const pp = Object.fromEntries(p.series.map((x) => [x.metric, x.points.map((q) => q[1])]));
    expect(pp.probeUp).toEqual([1, 1, 0]); // runs at T0+5 up, T0+35 up, T0+50 down
    expect(pp.probeTotalSeconds).toEqual([0.2, 0.4, 0.9]);
    expect(pp.p95Seconds).toEqual([0.2, 0.4, 0.9]); // one run per step: its own total
  });

  it('charts the average response time per service, busiest first, and the status donut', async () => {
    const r = await live.getRaw(`/api/v1/services/response-times?${W}&step=20`);
    expect(r.status).toBe(200);
    const rt = api.ResponseTimesReply.parse(r.body);
    // Busiest by requests: web 200, api 30, compose/web 0.
    expect(rt.series.map((s) => [s.name, s.source])).toEqual([
      ['web', 'logs'],
      ['api', 'probe'],
      ['compose/web', 'probe'],
    ]);
    close(rt.series[0].points[0][1], 6 / 140);
    expect(rt.series[1].points.map((p) => p[1])).toEqual([0.2, 0.4, 0.9]);
    expect(rt.series[2].points.map((p) => p[1])).toEqual([0.1, null, 0.3]); // T0+10 → T0, T0+40 → T0+40
    const one = api.ResponseTimesReply.parse((await live.getRaw(`/api/v1/services/response-times?${W}&limit=1`)).body);
    expect(one.series.map((s) => s.name)).toEqual(['web']);

    const donut = api.StatusClassesReply.parse((await live.getRaw(`/api/v1/services/status-classes?${W}`)).body);
    // 2xx 80 + 50 + 40 + 20 = 190, 3xx 5, 4xx 10 + 5 = 15, 5xx 5 + 5 + 10 = 20; total 200 + 30 = 230.
    expect(donut).toEqual({
      from: T0,
      to: T0 + 60,
      total: 230,
      counts: { '2xx': 190, '3xx': 5, '4xx': 15, '5xx': 20 },
    });
    const shop = api.StatusClassesReply.parse(
      (await live.getRaw(`/api/v1/services/status-classes?${W}&namespace=shop`)).body
    );
    expect(shop.total).toBe(200);
  });

  it('a replayed batch changes nothing', async () => {
    const before = await list();
    const rows = async () => ({
      runs: Number((await live.backend.db('probe_runs').count({ n: '*' }))[0].n),
      stats: Number((await live.backend.db('request_stats').count({ n: '*' }))[0].n),
    });
    const counted = await rows();
    expect(counted).toEqual({ runs: 5, stats: 5 }); // 3 + 2 runs, 5 stats seeded in this backend's own database
    expect((await live.ingest(K8S)).status).toBe(202);
    expect((await live.ingest(DOCKER)).status).toBe(202);
    expect(await rows()).toEqual(counted);
    expect(await list()).toEqual(before);
  });

  it('a namespace-scoped viewer sees only its services; a node-scoped one counts only its nodes', async () => {
    const shop = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'svc-shop@example.com',
        role: 'viewer',
        scopes: { clusters: null, namespaces: ['shop'], nodes: null },
      })
    ).headers;
    expect((await list(W, shop)).items.map((s) => s.name)).toEqual(['web']);
    expect((await list(`${W}&namespace=ops`, shop)).total).toBe(0);
    expect((await live.getRaw(`/api/v1/services/${idOf.get('api')}?${W}`, shop)).status).toBe(404);
    expect((await live.getRaw(`/api/v1/services/${idOf.get('compose/web')}?${W}`, shop)).status).toBe(404);
    const donut = api.StatusClassesReply.parse((await live.getRaw(`/api/v1/services/status-classes?${W}`, shop)).body);
    expect(donut.total).toBe(200);

    const nodeA = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'svc-node-a@example.com',
        role: 'viewer',
        scopes: { clusters: null, namespaces: null, nodes: ['node-a'] },
      })
    ).headers;
    const items = (await list(W, nodeA)).items;
    expect(items.map((s) => s.name)).toEqual(['api', 'web']);
    // Only web1 (node-a): 160 requests over 20 s = 8/s; web2 on node-b is not counted.
    close(items.find((s) => s.name === 'web')!.requestsPerSecond, 8);
  });

  it('refuses bad ingest input with 400 naming the field and stores nothing', async () => {
    const good = { ...DOCKER, batchId: 'bad' };
    const p = DOCKER.probeResults![0];
    const s0 = stat('z', WEB, T0 + 10, { requests: 1, c2: 1 });
    const cases: [string, Partial<IngestBatchInput>][] = [
      ['probeResults.0.ts', { probeResults: [{ ...p, ts: NOW - 3 * 86_400 }] }],
      ['probeResults.0.ts', { probeResults: [{ ...p, ts: NOW + 3600 }] }],
      ['probeResults.0.kind', { probeResults: [{ ...p, kind: 'udp' as 'http' }] }],
      ['probeResults.0.totalSeconds', { probeResults: [{ ...p, totalSeconds: -1 }] }],
      ['probeResults.0.statusCode', { probeResults: [{ ...p, statusCode: 99 }] }],
      ['requestStats.0.ts', { requestStats: [{ ...s0, ts: NOW - 3 * 86_400 }] }],
      ['requestStats.0.status5xx', { requestStats: [{ ...s0, status5xx: -1 }] }],
      ['requestStats.0.latencyBuckets', { requestStats: [{ ...s0, latencyBuckets: [1, 2, 3] }] }],
      ['requestStats.0.intervalSeconds', { requestStats: [{ ...s0, intervalSeconds: 0 }] }],
      ['requestStats.0.format', { requestStats: [{ ...s0, format: 'iis' as 'nginx' }] }],
    ];
    const counts = async () =>
      Promise.all(
        ['services', 'probes', 'probe_runs', 'request_stats'].map(async (t) =>
          Number((await live.backend.db(t).count({ n: '*' }))[0].n)
        )
      );
    const before = await counts();
    for (const [path, change] of cases) {
      const r = await live.ingest({ ...good, ...change });
      expect([path, r.status]).toEqual([path, 400]);
      expect(issuesOf(r.body).map((i) => i.path)).toContain(path);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses bad reads with 400 naming the field', async () => {
    const cases: [string, string][] = [
      [`/api/v1/services?from=${NOW - 3 * 86_400}&to=${NOW}`, 'from'],
      [`/api/v1/services?from=${T0}&to=${T0}`, 'to'],
      [`/api/v1/services?${W}&sort=bogus`, 'sort'],
      [`/api/v1/services?${W}&pageSize=501`, 'pageSize'],
      [`/api/v1/services/${idOf.get('web')}/series?metrics=bogus&${W}`, 'metrics.0'],
      [
        `/api/v1/services/${idOf.get('web')}/series?metrics=requestsPerSecond&from=${NOW - 86_400}&to=${NOW}&step=1`,
        'step',
      ],
      [`/api/v1/services/response-times?${W}&limit=51`, 'limit'],
      [`/api/v1/services/status-classes?from=${NOW - 3 * 86_400}&to=${NOW}`, 'from'],
    ];
    for (const [path, field] of cases) {
      const r = await live.getRaw(path);
      expect([path, r.status]).toEqual([path, 400]);
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
  });
  it('has probe and access-log metrics on the Prometheus-compatible API, scoped, equal to the inputs', async () => {
    type Vector = { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const query = async (q: string, t: number, headers?: Record<string, string>) => {
      const r = await live.getRaw(`/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`, headers);
      expect(r.status).toBe(200);
      return (r.body as Vector).data.result;
    };
    // At T0 + 55 the newest run of api's probe (within the 5-minute lookback) is T0 + 50: down, 0.9 s.
    const up = await query('fleetlens_probe_up{service="api"}', T0 + 55);
    expect(up).toEqual([
      {
        metric: {
          __name__: 'fleetlens_probe_up',
          cluster: 'cl-svc',
          namespace: 'ops',
          service: 'api',
          probe: 'ctr:api1:http://api:8080/health',
          target: 'http://api:8080/health',
          node: 'node-a',
        },
        value: [T0 + 55, '0'],
      },
    ]);
    expect((await query('fleetlens_probe_up{service="api"}', T0 + 40))[0].value[1]).toBe('1'); // T0 + 35: up
    expect((await query('fleetlens_probe_duration_seconds{service="api"}', T0 + 40))[0].value[1]).toBe('0.4');
    // Mean over the three runs in (T0, T0 + 60]: (0.2 + 0.4 + 0.9) / 3 = 0.5.
    expect(
      Number((await query('avg_over_time(fleetlens_probe_duration_seconds{service="api"}[60s])', T0 + 60))[0].value[1])
    ).toBeCloseTo(0.5, 9);
    const cert = await query('fleetlens_probe_cert_not_after_seconds', T0 + 50);
    expect(cert.map((x) => [x.metric.service, x.value[1]])).toEqual([['compose/web', String(CERT)]]);
    // A namespace-scoped viewer (shop) sees neither the ops probe nor the Docker one.
    const shop = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'svc-prom-shop@example.com',
        role: 'viewer',
        scopes: { clusters: null, namespaces: ['shop'], nodes: null },
      })
    ).headers;
    expect(await query('fleetlens_probe_up', T0 + 55, shop)).toEqual([]);

    // Access-log rates, one series per container: at T0 + 25 web1's newest row is T0 + 20 (60 / 10 s = 6/s),
    // web2's is T0 + 10 (40 / 10 s = 4/s); summed by service, 10/s.
    const rps = await query('sum by (service) (fleetlens_service_requests_per_second{service="web"})', T0 + 25);
    expect(rps).toEqual([{ metric: { service: 'web' }, value: [T0 + 25, '10'] }]);
    const perContainer = await query('fleetlens_service_requests_per_second{service="web"}', T0 + 25);
    expect(perContainer.map((x) => [x.metric.node, x.metric.namespace, x.value[1]]).sort()).toEqual([
      ['node-a', 'shop', '6'],
      ['node-b', 'shop', '4'],
    ]);
    // web1 at T0 + 20: 5 5xx / 10 s = 0.5/s; mean response 3 s / 60 = 0.05 s.
    const s5 = await query(
      'fleetlens_service_status_class_per_second{class="5xx",node="node-a",service="web"}',
      T0 + 25
    );
    expect(s5.map((x) => x.value[1])).toEqual(['0.5']);
    const rt = await query('fleetlens_service_response_seconds{node="node-a",service="web"}', T0 + 25);
    expect(rt.map((x) => x.value[1])).toEqual(['0.05']);
    // api's format carries no durations: no response-time series for it.
    expect(await query('fleetlens_service_response_seconds{service="api"}', T0 + 35)).toEqual([]);
    // The shop viewer sees web's two streams and not api's.
    const scoped = await query('fleetlens_service_requests_per_second', T0 + 35, shop);
    expect(scoped.map((x) => x.metric.service)).toEqual(['web', 'web']);
  });
});

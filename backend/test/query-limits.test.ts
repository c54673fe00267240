import { startBackend, type RunningBackend } from '../src/server';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../src/services/limits';
import { adminApiKeyViaApp } from '../src/testing/credentials';
import { AGENT_TOKEN, SERVICE_KEY, testBackendOptions } from './helpers/backend';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases';

// Issue 11 item 1: one GET must not take the backend down. Real SQLite and real MariaDB: bounds
// answered 400 before any work, a time budget per request, and heavy allowed queries that leave
// the event loop free (/healthz keeps answering).

const NOW = Math.floor(Date.now() / 1000);
const NODES = 60;
const STEPS = 2 * 8640; // two days of raw samples every 10 s, per node
const CONTAINERS = 60; // and one day of them per container, for /top

async function start(url: string, query: Partial<QueryLimits> = {}) {
  return startBackend(testBackendOptions(url, { query: { ...DEFAULT_QUERY_LIMITS, ...query } }));
}

/** One batch with NODES nodes, then two days of raw samples for each, written by SQL in bulk. */
async function seed(b: RunningBackend, dialect: 'sqlite' | 'mysql') {
  const res = await fetch(`${b.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      version: 'v1',
      batchId: 'limits-seed',
      sentAt: NOW,
      agent: { id: 'agent-limits', version: '1', mode: 'node', hostname: 'n0' },
      cluster: { name: 'big', kind: 'docker', environment: 'on-prem' },
      nodes: Array.from({ length: NODES }, (_, i) => ({
        name: `n${i}`,
        cores: 4,
        memoryBytes: 8e9,
        samples: [
          { ts: NOW, cpuCores: 1, memUsedBytes: 2e9, memTotalBytes: 8e9, fsUsedBytes: 1e9, fsTotalBytes: 1e10 },
        ],
      })),
      containers: Array.from({ length: CONTAINERS }, (_, i) => ({
        id: i.toString(16).padStart(64, 'c'),
        nodeName: `n${i % NODES}`,
        name: `c${i}`,
        image: 'busybox',
        state: 'running',
        samples: [{ ts: NOW, cpuCores: 0.1, memBytes: 1e6 }],
      })),
    }),
  });
  expect(res.status).toBeLessThan(300);
  // Container i runs at (i + 1) / 100 cores: /top ranks them in reverse order.
  if (dialect === 'sqlite')
    await b.db.raw(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${STEPS / 2})
       INSERT INTO container_samples (entity_id, ts, cpu_cores, mem_bytes)
       SELECT c.id, ${NOW} - s.i * 10, (CAST(substr(c.name, 2) AS REAL) + 1) / 100, 1e6 FROM s CROSS JOIN containers c`
    );
  else
    await b.db.raw(
      `INSERT INTO container_samples (entity_id, ts, cpu_cores, mem_bytes)
       SELECT c.id, ${NOW} - s.seq * 10, (CAST(SUBSTRING(c.name, 2) AS DECIMAL) + 1) / 100, 1e6
       FROM seq_1_to_${STEPS / 2} s CROSS JOIN containers c`
    );
  if (dialect === 'sqlite')
    await b.db.raw(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${STEPS})
       INSERT INTO node_samples (entity_id, ts, cpu_cores, mem_used_bytes, mem_total_bytes)
       SELECT n.id, ${NOW} - s.i * 10, 1.5, 2e9, 8e9 FROM s CROSS JOIN nodes n`
    );
  else
    await b.db.raw(
      `INSERT INTO node_samples (entity_id, ts, cpu_cores, mem_used_bytes, mem_total_bytes)
       SELECT n.id, ${NOW} - s.seq * 10, 1.5, 2e9, 8e9 FROM seq_1_to_${STEPS} s CROSS JOIN nodes n`
    );
}

describe.each(DIALECTS)('query bounds and budgets (%s)', (dialect) => {
  let db: TestDatabase;
  let b: RunningBackend;
  let headers: Record<string, string>;
  const get = async (path: string, backend = b) => {
    const started = Date.now();
    const res = await fetch(`${backend.url}${path}`, { headers });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body: any = await res.json().catch(() => null);
    return { status: res.status, body, ms: Date.now() - started };
  };

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    b = await start(db.url, { maxSeries: 50 });
    headers = (await adminApiKeyViaApp(b.url, SERVICE_KEY)).headers;
    await seed(b, dialect);
  }, 180_000);
  afterAll(async () => {
    await b?.stop();
    await db?.drop();
  });

  it('answers the 130-year, step-1 raw series request 400 at once, naming the range limit', async () => {
    const r = await get('/api/v1/series?kind=all&metrics=cpuCores&from=0&to=4102444800&step=1&tier=raw');
    expect(r.status).toBe(400);
    expect(r.body.issues[0].path).toBe('from');
    expect(r.body.issues[0].message).toMatch(/QUERY_MAX_RANGE_DAYS/);
    expect(r.ms).toBeLessThan(2000); // refused before any work (generous bound)
    // Without tier, and on the heatmap: the same refusal.
    expect((await get('/api/v1/series?kind=all&metrics=cpuCores&from=0&to=4102444800')).status).toBe(400);
    const h = await get('/api/v1/heatmap?from=0&to=4102444800');
    expect(h.status).toBe(400);
    expect(h.body.issues[0].path).toBe('from');
    expect((await get('/healthz')).status).toBe(200); // still alive
  });

  it('refuses more points per series than the limit, naming step and QUERY_MAX_POINTS', async () => {
    const r = await get(`/api/v1/series?kind=all&metrics=cpuCores&from=${NOW - 86400}&to=${NOW}&step=1&tier=raw`);
    expect(r.status).toBe(400);
    expect(r.body.issues[0]).toEqual({
      path: 'step',
      message: expect.stringMatching(/86401 points .*QUERY_MAX_POINTS/),
    });
    const h = await get(`/api/v1/heatmap?from=${NOW - 86400}&to=${NOW}&step=1`);
    expect(h.status).toBe(400);
    expect(h.body.issues[0].path).toBe('step');
  });

  it('refuses a heatmap matrix with more series than the limit, naming the filter to narrow with', async () => {
    const h = await get(`/api/v1/heatmap?from=${NOW - 3600}&to=${NOW}`);
    expect(h.status).toBe(400);
    expect(h.body.issues[0]).toEqual({
      path: 'cluster',
      message: expect.stringMatching(/60 series .*QUERY_MAX_SERIES/),
    });
    // The current values (no from/to) are one value per node, always answered.
    expect((await get('/api/v1/heatmap')).status).toBe(200);
  });

  it('bounds the Prometheus API in Prometheus’ own words', async () => {
    const r = await get(
      '/prometheus/api/v1/query_range?query=fleetlens_node_cpu_usage_cores&start=0&end=4102444800&step=1'
    );
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error:
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    });
    // Exactly 11,000 steps is allowed, as in Prometheus (end − start) / step ≤ 11,000.
    const ok = await get(
      `/prometheus/api/v1/query_range?query=${encodeURIComponent('sum(fleetlens_node_cpu_usage_cores{node="n1"})')}&start=${NOW - 11000}&end=${NOW}&step=1`
    );
    expect(ok.status).toBe(200);
    // A range within the points limit but beyond QUERY_MAX_RANGE_DAYS.
    const long = await get(`/prometheus/api/v1/query_range?query=1&start=0&end=4102444800&step=400000`);
    expect(long.status).toBe(400);
    expect(long.body.errorType).toBe('bad_data');
    // More series than QUERY_MAX_SERIES (60 nodes, limit 50).
    const many = await get(`/prometheus/api/v1/query?query=fleetlens_node_cpu_usage_cores`);
    expect(many.status).toBe(400);
    expect(many.body.errorType).toBe('bad_data');
    expect(
      (await get(`/prometheus/api/v1/query?query=${encodeURIComponent('fleetlens_node_cpu_usage_cores{node="n1"}')}`))
        .status
    ).toBe(200);
  });

  it('refuses /events and /logs with from after to, naming from', async () => {
    for (const path of ['/api/v1/events', '/api/v1/logs']) {
      const r = await get(`${path}?from=${NOW}&to=${NOW - 10}`);
      expect(r.status).toBe(400);
      expect(r.body.issues[0].path).toBe('from');
    }
  });

  it('keeps /healthz answering while a heavy allowed query runs, and the answer is right', async () => {
    // 60 nodes × 2 days of raw samples (about a million rows), summed at a 20 s step.
    const from = NOW - 2 * 86400 + 60;
    const heavy = get(`/api/v1/series?kind=all&metrics=cpuCores&from=${from}&to=${NOW}&step=20&tier=raw`);
    let done = false;
    void heavy.then(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      const t = Date.now();
      const res = await fetch(`${b.url}/healthz`);
      expect(res.status).toBe(200);
      latencies.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await heavy;
    expect(r.status).toBe(200);
    const pts = r.body.series[0].points as [number, number | null][];
    expect(pts.length).toBe(Math.ceil((NOW - (from - (from % 20))) / 20));
    // Each full 20 s bucket holds 2 samples per node of 1.5 cores: 60 × 1.5 summed.
    expect(pts[10][1]).toBeCloseTo(NODES * 1.5, 6);
    console.log(
      `${dialect}: heavy series ${r.ms} ms, /healthz max ${Math.max(...latencies)} ms over ${latencies.length} probes`
    );
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 120_000);

  it('ranks /top over a day of raw samples in slices: right order, /healthz answering meanwhile', async () => {
    const heavy = get('/api/v1/top?window=86400&limit=5');
    let done = false;
    void heavy.then(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      const t = Date.now();
      expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
      latencies.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await heavy;
    expect(r.status).toBe(200);
    expect(r.body.tier).toBe('raw');
    expect(r.body.items.map((x: { name: string }) => x.name)).toEqual(['c59', 'c58', 'c57', 'c56', 'c55']);
    expect(r.body.items[0].value).toBeCloseTo(0.6, 2); // the 1 ingested 0.1 sample among 8,640 of 0.6
    console.log(
      `${dialect}: top ${r.ms} ms, /healthz max ${Math.max(...latencies)} ms over ${latencies.length} probes`
    );
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 60_000);

  it('stops a query at its time budget: 503 on /api/v1, errorType timeout on the Prometheus API', async () => {
    const tight = await start(db.url, { timeoutMs: 30 });
    try {
      const from = NOW - 2 * 86400 + 60;
      const r = await get(`/api/v1/series?kind=all&metrics=cpuCores&from=${from}&to=${NOW}&step=20&tier=raw`, tight);
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/timed out .*QUERY_TIMEOUT_SECONDS/);
      expect((await get('/api/v1/top?window=86400', tight)).status).toBe(503);
      // One day back, so that the raw tier (two days kept) answers it, lookback included.
      const p = await get(
        `/prometheus/api/v1/query_range?query=${encodeURIComponent('sum(fleetlens_node_cpu_usage_cores)')}&start=${NOW - 86400}&end=${NOW}&step=20`,
        tight
      );
      expect(p.status).toBe(503);
      expect(p.body.errorType).toBe('timeout');
      expect((await get('/healthz', tight)).status).toBe(200);
    } finally {
      await tight.stop();
    }
  }, 60_000);
});

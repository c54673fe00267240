import { alerts as wire, type IngestBatchInput } from '@fleetlens/protocol';
import { PROBE_DOWN_RULE } from '../src/db/migrations/0010_service_health';
import { RetentionService } from '../src/services/retention';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Alert rules on service health (issue 16): the default "probe down" rule fires when a seeded
// probe's newest run is down and resolves when it is up again; rules on latency, error rate and
// certificate expiry read the figures of GET /services over their window. The evaluator runs at
// explicit times, so no assertion depends on the wall clock.

const NOW = Math.floor(Date.now() / 1000);
const T0 = NOW - 1200;
const SHOP = { namespace: 'shop', name: 'web' };

const batch = (ts: number, up: boolean, extra: Partial<IngestBatchInput> = {}): IngestBatchInput => ({
  version: 'v1',
  batchId: `al-${ts}-${up}-${Math.random()}`,
  sentAt: ts,
  agent: { id: 'agent-al', version: '1.0.0', mode: 'node', hostname: 'n1' },
  cluster: { name: 'cl-al', kind: 'kubernetes', environment: 'on-prem', labels: {} },
  probeResults: [
    {
      ts,
      key: 'ctr:w:https://web/health',
      source: 'pod-annotation',
      service: SHOP,
      nodeName: 'n1',
      kind: 'http',
      target: 'https://web/health',
      up,
      statusCode: up ? 200 : 503,
      error: up ? null : 'unexpected status 503',
      totalSeconds: up ? 0.05 : 0.5,
      // Expires 10 days after T0.
      certNotAfter: T0 + 10 * 86_400,
    },
  ],
  ...extra,
});

describe.each(DIALECTS)('service alert rules on %s', (dialect) => {
  let live: Live;
  const evaluate = (t: number) => live.backend.deps.alerts.evaluator.evaluate(t);
  const alertsOf = async (ruleId: string) =>
    (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${ruleId}&pageSize=100`)).items.map((a) => [
      a.entity.kind,
      a.entity.name,
      a.state,
      a.value,
    ]);

  beforeAll(async () => {
    live = await liveBackend(dialect);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('has the default probe-down rule, and it fires when the probe goes down and resolves when it is back', async () => {
    const rule = await live.get<wire.AlertRule>(`/api/v1/alert-rules/${PROBE_DOWN_RULE.id}`);
    expect(rule).toMatchObject({ target: 'service', metric: 'probeDown', operator: '>', threshold: 0, builtin: true });

    expect((await live.ingest(batch(T0, true))).status).toBe(202);
    await evaluate(T0 + 10);
    expect(await alertsOf(PROBE_DOWN_RULE.id)).toEqual([]); // up: 0 is not > 0

    expect((await live.ingest(batch(T0 + 30, false))).status).toBe(202);
    await evaluate(T0 + 40);
    expect(await alertsOf(PROBE_DOWN_RULE.id)).toEqual([['service', 'web', 'firing', 1]]);

    expect((await live.ingest(batch(T0 + 60, true))).status).toBe(202);
    await evaluate(T0 + 70);
    expect(await alertsOf(PROBE_DOWN_RULE.id)).toEqual([['service', 'web', 'resolved', 0]]);
  });

  it('rules on latency and certificate expiry read the window figures', async () => {
    const create = async (body: Record<string, unknown>) => {
      const res = await fetch(`${live.backend.url}/api/v1/alert-rules`, {
        method: 'POST',
        headers: { ...live.admin, 'content-type': 'application/json' },
        body: JSON.stringify({ severity: 'warning', forSeconds: 0, windowSeconds: 100, ...body }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as wire.AlertRule).id;
    };
    const slow = await create({
      name: 'slow',
      target: 'service',
      metric: 'latencyAvgSeconds',
      operator: '>',
      threshold: 0.2,
    });
    const cert = await create({
      name: 'cert',
      target: 'service',
      metric: 'certDaysLeft',
      operator: '<',
      threshold: 14,
    });
    const ops = await create({
      name: 'ops only',
      target: 'service',
      metric: 'certDaysLeft',
      operator: '<',
      threshold: 14,
      filters: { clusters: [], namespaces: ['ops'], nodes: [], namePattern: null },
    });
    // Runs in [T0 + 180 − 100, T0 + 180): T0 + 90 (0.05 s, up) and T0 + 120 (0.5 s, down): avg 0.275 > 0.2
    // (the run at T0 + 60 of the test above is outside the window).
    expect((await live.ingest(batch(T0 + 90, true))).status).toBe(202);
    expect((await live.ingest(batch(T0 + 120, false))).status).toBe(202);
    await evaluate(T0 + 180);
    const [s] = await alertsOf(slow);
    expect(s.slice(0, 3)).toEqual(['service', 'web', 'firing']);
    expect(s[3]).toBeCloseTo(0.275, 9);
    // Certificate: T0 + 10 days − (T0 + 180) = 10 − 180/86400 days left, below 14.
    const [c] = await alertsOf(cert);
    expect(c.slice(0, 3)).toEqual(['service', 'web', 'firing']);
    expect(c[3]).toBeCloseTo(10 - 180 / 86_400, 9);
    // The namespace filter leaves the shop service out.
    expect(await alertsOf(ops)).toEqual([]);
    // The bad combination is refused naming the field.
    const bad = await fetch(`${live.backend.url}/api/v1/alert-rules`, {
      method: 'POST',
      headers: { ...live.admin, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'x',
        target: 'service',
        metric: 'cpuPercent',
        operator: '>',
        threshold: 1,
        severity: 'info',
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('metric');
  });
  it('retention deletes probe runs older than the raw tier and keeps the rest', async () => {
    const tsOf = async () =>
      (await live.backend.db('probe_runs').select('ts').orderBy('ts')).map((r: { ts: number }) => Number(r.ts));
    // This file's own database: runs at T0, +30, +60, +90, +120.
    expect(await tsOf()).toEqual([T0, T0 + 30, T0 + 60, T0 + 90, T0 + 120]);
    // Raw retention 2 days, run 2 days after T0 + 90: the cutoff is T0 + 90 (older rows go).
    await new RetentionService(live.backend.deps.db, { raw: 2, m1: 30, h1: 400 }).run(T0 + 90 + 2 * 86_400);
    expect(await tsOf()).toEqual([T0 + 90, T0 + 120]);
    // The probe and its service were seen at T0 + 120, after the cutoff: kept.
    expect(Number((await live.backend.db('services').count({ n: '*' }))[0].n)).toBe(1);
    expect(Number((await live.backend.db('probes').count({ n: '*' }))[0].n)).toBe(1);
  });
});

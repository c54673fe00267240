import type { alerts as wire, api } from '@fleetlens/protocol';
import { openDb } from '../src/db/connection';
import { TABLES } from '../src/db/metrics';
import { initial } from '../src/db/migrations/0001_initial';
import { access } from '../src/db/migrations/0002_access';
import { alerts } from '../src/db/migrations/0003_alerts';
import { containerPressure, OOM_KILL_RULE } from '../src/db/migrations/0005_container_pressure';
import { RollupService } from '../src/services/rollup';
import { createTestDatabase, DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';
import { send } from './helpers/alerts';

// Container memory parts, CPU throttling and OOM kills through ingest, storage, the container
// page's API, series (raw and 1-minute tier), the Prometheus-compatible API and alert rules
// (issue 12). Expected values are computed here by hand from the ingested numbers.
const MiB = 1024 * 1024;
const T0 = Math.floor(Date.now() / 1000 / 60) * 60 - 120; // a whole minute, recent enough to be current
const HOG = 'a'.repeat(64);
const QUIET = 'b'.repeat(64);
const NEW_COLUMNS = [
  'mem_usage_bytes',
  'mem_anon_bytes',
  'mem_active_file_bytes',
  'mem_inactive_file_bytes',
  'cpu_throttled_pct',
  'cpu_throttled_sps',
];

const oom = (ts: number, id: string, n: number) => ({
  ts,
  source: 'docker',
  type: 'warning',
  reason: 'oom',
  message: `OOM kill ${n} counted by the agent for this container`,
  objectKind: 'container',
  objectName: id === HOG ? 'hog' : 'quiet',
  nodeName: 'n1',
  containerId: id,
});

function batch() {
  // Two samples of hog 10 s apart; the second is the latest. quiet has no limit and no throttling.
  const hog = (ts: number, pct: number, sps: number, usage: number) => ({
    ts,
    cpuCores: 0.2,
    memBytes: usage - 340 * MiB,
    memLimitBytes: 640 * MiB,
    memUsageBytes: usage,
    memAnonBytes: 28 * MiB,
    memActiveFileBytes: 20 * MiB,
    memInactiveFileBytes: 340 * MiB,
    cpuThrottledPercent: pct,
    cpuThrottledSecondsPerSecond: sps,
  });
  return {
    version: 'v1',
    batchId: `pressure-${T0}`,
    sentAt: T0 + 10,
    agent: { id: 'agent-n1', version: '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'pressure', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'n1', cores: 2, memoryBytes: 8 * 1024 * MiB, samples: [{ ts: T0 + 10, cpuCores: 0.5 }] }],
    containers: [
      {
        id: HOG,
        nodeName: 'n1',
        name: 'hog',
        state: 'running',
        samples: [hog(T0, 70, 0.5, 380 * MiB), hog(T0 + 10, 90, 0.72, 390 * MiB)],
      },
      {
        id: QUIET,
        nodeName: 'n1',
        name: 'quiet',
        state: 'running',
        samples: [{ ts: T0 + 10, cpuCores: 0.01, memBytes: 4 * MiB, cpuThrottledPercent: 0 }],
      },
    ],
    // Three kills of hog, two in the same second (told apart by their messages), none of quiet.
    events: [oom(T0 + 1, HOG, 1), oom(T0 + 2, HOG, 2), oom(T0 + 2, HOG, 3)],
  };
}

describe.each(DIALECTS)('container pressure on %s', (dialect) => {
  let live: Live;
  let hogId: string;
  let quietId: string;

  beforeAll(async () => {
    live = await liveBackend(dialect);
    expect((await live.ingest(batch())).status).toBe(202);
    // The same batch again (an agent's replay): nothing is counted twice.
    expect((await live.ingest(batch())).status).toBe(202);
    const list = await live.get<api.ContainerListReply>('/api/v1/containers');
    hogId = list.items.find((c) => c.name === 'hog')!.id;
    quietId = list.items.find((c) => c.name === 'quiet')!.id;
  });
  afterAll(async () => {
    await live?.close();
  });

  it('the container API explains the memory, the throttling and the OOM kills', async () => {
    const c = await live.get<api.ContainerDetailReply>(`/api/v1/containers/${hogId}`);
    expect(c.memBytes).toBe(50 * MiB); // 390 − 340 MiB
    expect(c.pressure).toEqual({
      memory: {
        usageBytes: 390 * MiB,
        anonBytes: 28 * MiB,
        activeFileBytes: 20 * MiB,
        inactiveFileBytes: 340 * MiB,
        workingSetBytes: 50 * MiB,
        limitBytes: 640 * MiB,
        workingSetPercentOfLimit: 7.8125, // 50 / 640
      },
      cpuThrottledPercent: 90,
      cpuThrottledSecondsPerSecond: 0.72,
      oomKills: 3,
      lastOomKillAt: T0 + 2,
    });
    const q = await live.get<api.ContainerDetailReply>(`/api/v1/containers/${quietId}`);
    expect(q.pressure).toMatchObject({ oomKills: 0, lastOomKillAt: null, cpuThrottledPercent: 0 });
    expect(q.pressure.memory).toMatchObject({ usageBytes: null, limitBytes: null, workingSetPercentOfLimit: null });
  });

  it('series of the new metrics, raw and from the 1-minute tier', async () => {
    const series = (tier: string, step: number) =>
      live.get<api.SeriesReply>(
        `/api/v1/series?kind=container&id=${hogId}&metrics=cpuThrottledPercent,cpuThrottledSecondsPerSecond,memUsageBytes,memInactiveFileBytes&from=${T0}&to=${T0 + 59}&step=${step}&tier=${tier}`
      );
    const raw = await series('raw', 10);
    const at = (r: api.SeriesReply, m: string) => r.series.find((s) => s.metric === m)!;
    expect(at(raw, 'cpuThrottledPercent').points.slice(0, 2)).toEqual([
      [T0, 70],
      [T0 + 10, 90],
    ]);
    expect(at(raw, 'cpuThrottledPercent').unit).toBe('percent');
    expect(at(raw, 'memUsageBytes').unit).toBe('bytes');
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(T0 + 300);
    const m1 = await series('1m', 60);
    // One minute holding both samples: averages (70 + 90) / 2, (0.5 + 0.72) / 2, (380 + 390) / 2 MiB.
    expect(at(m1, 'cpuThrottledPercent').points[0][1]).toBeCloseTo(80, 9);
    expect(at(m1, 'cpuThrottledSecondsPerSecond').points[0][1]).toBeCloseTo(0.61, 9);
    expect(at(m1, 'memUsageBytes').points[0][1]).toBeCloseTo(385 * MiB, 3);
    expect(at(m1, 'memInactiveFileBytes').points[0][1]).toBeCloseTo(340 * MiB, 3);
  });

  it('the Prometheus-compatible API serves them under their documented names', async () => {
    const q = async (expr: string) =>
      (
        await live.get<{ data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(
          `/prometheus/api/v1/query?query=${encodeURIComponent(expr)}&time=${T0 + 10}`
        )
      ).data.result;
    const pct = await q('fleetlens_container_cpu_throttled_periods_percent{container="hog"}');
    expect(pct.map((r) => Number(r.value[1]))).toEqual([90]);
    const sps = await q('fleetlens_container_cpu_throttled_seconds_per_second{container="hog"}');
    expect(sps.map((r) => Number(r.value[1]))).toEqual([0.72]);
    const ws = await q(
      'fleetlens_container_memory_usage_bytes{container="hog"} - fleetlens_container_memory_inactive_file_bytes{container="hog"}'
    );
    expect(ws.map((r) => Number(r.value[1]))).toEqual([50 * MiB]);
  });

  it('the default OOM-kill rule fires for the killed container only; throttling is a rule metric', async () => {
    const rules = await live.get<wire.AlertRuleListReply>('/api/v1/alert-rules');
    expect(rules.items.find((r) => r.id === OOM_KILL_RULE.id)).toMatchObject({
      target: 'container',
      metric: 'oomKills',
      operator: '>',
      threshold: 0,
      windowSeconds: 600,
      builtin: true,
      enabled: true,
    });
    const created = await send(live, 'POST', '/api/v1/alert-rules', {
      name: 'throttled',
      target: 'container',
      metric: 'cpuThrottledPercent',
      operator: '>',
      threshold: 80,
      severity: 'warning',
    });
    expect(created.status).toBe(201);
    await live.backend.deps.alerts.evaluator.evaluate(T0 + 20);
    const all = (await live.get<wire.AlertListReply>('/api/v1/alerts?pageSize=100')).items;
    const of = (ruleId: string) => all.filter((a) => a.ruleId === ruleId).map((a) => [a.entity.name, a.value, a.state]);
    expect(of(OOM_KILL_RULE.id)).toEqual([['hog', 3, 'firing']]);
    expect(of((created.body as { id: string }).id)).toEqual([['hog', 90, 'firing']]);
    // Past the 10-minute window the kills no longer count: resolved.
    await live.backend.deps.alerts.evaluator.evaluate(T0 + 2 + 601);
    const later = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${OOM_KILL_RULE.id}&pageSize=100`)).items;
    expect(later.map((a) => a.state)).toEqual(['resolved']);
  });
});

describe.each(DIALECTS)('migration 0005 on %s', (dialect) => {
  it('an upgraded database gets the columns a fresh one has; 0001 does not create them', async () => {
    const fresh = await createTestDatabase(dialect);
    const stepwise = await createTestDatabase(dialect);
    const a = openDb(fresh.url);
    const b = openDb(stepwise.url);
    const cols = async (db: typeof a, table: string) =>
      Object.keys(await db.knex(table).columnInfo())
        .filter((c) => NEW_COLUMNS.some((n) => c === n || c.startsWith(`${n}_`)))
        .filter((c) => !/_(wsum|secs)$/.test(c)) // 0004's time weights, not this migration's
        .sort();
    try {
      const { migrate } = await import('../src/db/migrations');
      await migrate(a.knex);
      for (const m of [initial, access, alerts]) await m.up(b.knex);
      for (const t of Object.values(TABLES.container)) expect(await cols(b, t)).toEqual([]);
      await containerPressure.up(b.knex);
      for (const t of [TABLES.container.raw, TABLES.container.latest]) {
        expect(await cols(b, t)).toEqual([...NEW_COLUMNS].sort());
        expect(await cols(a, t)).toEqual([...NEW_COLUMNS].sort());
      }
      const rollupCols = NEW_COLUMNS.flatMap((c) => ['_min', '_max', '_sum', '_cnt'].map((s) => c + s)).sort();
      for (const t of [TABLES.container['1m'], TABLES.container['1h']]) {
        expect(await cols(b, t)).toEqual(rollupCols);
        expect(await cols(a, t)).toEqual(rollupCols);
      }
      expect(await b.knex('alert_rules').where('id', OOM_KILL_RULE.id).first('metric')).toEqual({ metric: 'oomKills' });
      await containerPressure.down(b.knex);
      for (const t of Object.values(TABLES.container)) expect(await cols(b, t)).toEqual([]);
      expect(await b.knex('alert_rules').where('id', OOM_KILL_RULE.id).first()).toBeUndefined();
    } finally {
      await a.knex.destroy();
      await b.knex.destroy();
      await fresh.drop();
      await stepwise.drop();
    }
  });
});

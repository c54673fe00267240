import { api } from '@fleetlens/protocol';
import { openDb } from '../src/db/connection';
import { migrate } from '../src/db/migrations';
import { isPartitioned, partitionByDay } from '../src/db/partitions';
import { Lease } from '../src/services/lease';
import { RetentionService } from '../src/services/retention';
import { RollupService } from '../src/services/rollup';
import { JobScheduler } from '../src/jobs/scheduler';
import { silentLogger } from '../src/logger';
import { createTelemetry } from '../src/telemetry';
import { createTestDatabase, DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

const HOUR = 3600;
// Three whole hours of 10 s samples, ending two hours ago (aligned so every tier has whole buckets).
const END = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 2 * HOUR;
const START = END - 3 * HOUR;
/** The container's CPU at t: a sawtooth, so averages differ per bucket and are easy to compute by hand. */
const cpuAt = (t: number) => ((t - START) % 600) / 600;

function containerBatch(times: number[], cpu: (t: number) => number = cpuAt) {
  return {
    version: 'v1',
    batchId: `tier-${times[0]}`,
    sentAt: times[times.length - 1],
    agent: { id: 'agent-t', version: '1', mode: 'node', hostname: 'h' },
    cluster: { name: 'tiers', kind: 'docker', environment: 'on-prem' },
    nodes: [
      { name: 'h', cores: 2, memoryBytes: 1e9, samples: times.map((t) => ({ ts: t, cpuCores: cpu(t) * 2 })) },
      { name: 'h2', cores: 1, memoryBytes: 1e9, samples: times.map((t) => ({ ts: t, cpuCores: 0.5 })) },
    ],
    containers: [
      {
        id: 'x'.repeat(64),
        nodeName: 'h',
        name: 'saw',
        state: 'running',
        samples: times.map((t) => ({ ts: t, cpuCores: cpu(t) })),
      },
    ],
  };
}

/** Independent computation of the bucket averages from the sample formula. */
function expectedAverages(step: number): number[] {
  const out: number[] = [];
  for (let b = START; b < END; b += step) {
    let sum = 0;
    let n = 0;
    for (let t = b; t < b + step; t += 10) {
      sum += cpuAt(t);
      n++;
    }
    out.push(sum / n);
  }
  return out;
}

describe.each(DIALECTS)('rollup tiers on %s', (dialect) => {
  let live: Live;
  let containerId: string;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    const times: number[] = [];
    for (let t = START; t < END; t += 10) times.push(t);
    for (let i = 0; i < times.length; i += 360)
      expect((await live.ingest(containerBatch(times.slice(i, i + 360)))).status).toBe(202);
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(END + 120);
    containerId = (await live.get('/api/v1/containers')).items[0].id;
  });
  afterAll(async () => {
    await live?.close();
  });

  const series = (tier: string, step: number) =>
    live.get<api.SeriesReply>(
      `/api/v1/series?kind=container&id=${containerId}&metrics=cpuCores&from=${START}&to=${END}&step=${step}&tier=${tier}`
    );

  it('raw, 1-minute and 1-hour tiers give the same hourly averages, equal to a hand computation', async () => {
    const want = expectedAverages(HOUR);
    for (const tier of ['raw', '1m', '1h']) {
      const r = await series(tier, HOUR);
      expect(r.tier).toBe(tier);
      const got = r.series[0].points.map((p) => p[1]);
      expect(got).toHaveLength(3);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 9));
    }
  });

  it('raw and 1-minute tiers agree at a 5-minute step', async () => {
    const want = expectedAverages(300);
    const raw = (await series('raw', 300)).series[0].points.map((p) => p[1]);
    const m1 = (await series('1m', 300)).series[0].points.map((p) => p[1]);
    expect(raw).toHaveLength(36);
    raw.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 9);
      expect(m1[i]).toBeCloseTo(want[i], 9);
    });
  });

  it('picks the tier from the step', async () => {
    const q = (step: number) =>
      live.get<api.SeriesReply>(
        `/api/v1/series?kind=container&id=${containerId}&metrics=cpuCores&from=${START}&to=${END}&step=${step}`
      );
    expect((await q(10)).tier).toBe('raw');
    expect((await q(300)).tier).toBe('1m');
    expect((await q(7200)).tier).toBe('1h');
    expect((await q(90)).step).toBe(120); // aligned to whole minutes so tiers bucket alike
  });

  it('rolls up late (replayed) data again', async () => {
    // An agent replays a spooled minute with different values after the rollup ran.
    const minute = [START, START + 10, START + 20, START + 30, START + 40, START + 50];
    await live.ingest({ ...containerBatch(minute, () => 1), batchId: 'late' });
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(END + 180);
    const r = await live.get<api.SeriesReply>(
      `/api/v1/series?kind=container&id=${containerId}&metrics=cpuCores&from=${START}&to=${START + 60}&step=60&tier=1m`
    );
    expect(r.series[0].points[0][1]).toBeCloseTo(1, 9);
  });

  it('cluster and fleet series sum their nodes, alike from every tier (hand-computed)', async () => {
    const clusterId = (await live.get<api.OverviewReply>('/api/v1/overview')).clusters[0].id;
    // Node h runs at 2 × the sawtooth, node h2 at a flat 0.5 cores.
    const want = expectedAverages(HOUR)
      .slice(1)
      .map((v) => v * 2 + 0.5);
    for (const tier of ['raw', '1m', '1h']) {
      for (const q of [`kind=cluster&id=${clusterId}`, 'kind=all']) {
        const r = await live.get<api.SeriesReply>(
          `/api/v1/series?${q}&metrics=cpuCores&from=${START + HOUR}&to=${END}&step=${HOUR}&tier=${tier}`
        );
        expect(r.series[0].points).toHaveLength(2);
        r.series[0].points.forEach((p, i) => expect(p[1]).toBeCloseTo(want[i], 9));
      }
    }
  });

  it('rejects a metric of the wrong family and a range that ends before it starts', async () => {
    const bad = await live.getRaw(`/api/v1/series?kind=container&id=${containerId}&metrics=load1&from=1&to=100`);
    expect(bad.status).toBe(400);
    expect(issuesOf(bad.body)[0].path).toBe('metrics');
    const backwards = await live.getRaw(`/api/v1/series?kind=all&metrics=cpuCores&from=100&to=50`);
    expect(backwards.status).toBe(400);
    expect(issuesOf(backwards.body)[0].path).toBe('to');
  });
});

describe.each(DIALECTS)('jobs lease and retention on %s', (dialect) => {
  it('exactly one of two holders leads; the other takes over after the leader stops renewing', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDb(database.url);
    try {
      await migrate(db.knex);
      let now = 1_000_000;
      const clock = () => now;
      const a = new Lease(db, 'jobs', 'replica-a', 30_000, clock);
      const b = new Lease(db, 'jobs', 'replica-b', 30_000, clock);
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      now += 20_000;
      expect(await a.tryAcquire()).toBe(true); // renewal extends to now + 30 s
      now += 20_000;
      expect(await b.tryAcquire()).toBe(false); // still within a's renewed lease
      now += 11_000; // a died: 31 s since its last renewal
      expect(await b.tryAcquire()).toBe(true);
      expect(await a.tryAcquire()).toBe(false);
    } finally {
      await db.knex.destroy();
      await database.drop();
    }
  });

  it('two schedulers on one database: only the leader runs a job', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDb(database.url);
    try {
      await migrate(db.knex);
      const runs: string[] = [];
      const mk = (who: string) =>
        new JobScheduler(
          db,
          [{ name: 'j', schedule: '0 0 1 1 *', run: async () => void runs.push(who) }],
          silentLogger,
          createTelemetry(),
          who,
          30
        );
      const s1 = mk('one');
      const s2 = mk('two');
      await s1.renew();
      await s2.renew();
      expect([s1.isLeader, s2.isLeader]).toEqual([true, false]);
      const job = { name: 'j', schedule: '', run: async () => void runs.push('x') };
      expect(await s1.runJob(job)).toBe(true);
      expect(await s2.runJob(job)).toBe(false);
      expect(runs).toEqual(['x']);
      await s1.stop(); // releases the lease: the other takes over at its next renewal
      await s2.renew();
      expect(s2.isLeader).toBe(true);
      const recorded = await db.knex('job_runs').where('name', 'j').first();
      expect(recorded.last_error).toBeNull();
      await s2.stop();
    } finally {
      await db.knex.destroy();
      await database.drop();
    }
  });

  it('retention deletes only rows older than each tier keeps', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDb(database.url);
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000);
    try {
      await migrate(db.knex);
      if (dialect === 'mysql') {
        // Raw tables are partitioned by day: start the layout five days back to have old days to drop.
        expect(await isPartitioned(db.knex, 'container_samples')).toBe(true);
        await db.knex.raw('ALTER TABLE container_samples REMOVE PARTITIONING');
        expect(await partitionByDay(db.knex, 'container_samples', now - 5 * day, 6)).toBe(true);
      }
      await db.knex('container_samples').insert([
        { entity_id: 'a', ts: now - 5 * day },
        { entity_id: 'a', ts: now - 3 * day },
        { entity_id: 'a', ts: now - day },
      ]);
      await db.knex('container_samples_1m').insert([
        { entity_id: 'a', ts: now - 31 * day },
        { entity_id: 'a', ts: now - 3 * day },
      ]);
      const log = (id: string, ts: number) => ({
        id,
        container_id: 'a',
        ts,
        nanos: 0,
        stream: 'stdout',
        level: 'info',
        message: id,
      });
      await db.knex('logs').insert([log('old', now - 6 * day), log('kept', now - 4 * day)]);
      await new RetentionService(db, { raw: 2, m1: 30, h1: 400, logs: 5 }).run(now);
      // Logs follow their own retention (5 days here), not the raw samples' 2.
      expect((await db.knex('logs').select('id')).map((r) => r.id)).toEqual(['kept']);
      expect((await db.knex('container_samples').select('ts')).map((r) => Number(r.ts))).toEqual([now - day]);
      expect((await db.knex('container_samples_1m').select('ts')).map((r) => Number(r.ts))).toEqual([now - 3 * day]);
      if (dialect === 'mysql') {
        // Old day partitions are gone and the next days exist ahead of time.
        const [parts] = await db.knex.raw(
          `SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'container_samples'`
        );
        const names = parts.map((p: { name: string }) => p.name);
        const dayName = (t: number) =>
          `p${new Date((t - (t % day)) * 1000).toISOString().slice(0, 10).replace(/-/g, '')}`;
        expect(names).not.toContain(dayName(now - 5 * day));
        expect(names).toContain(dayName(now - day));
        expect(names).toContain(dayName(now + 3 * day));
      }
    } finally {
      await db.knex.destroy();
      await database.drop();
    }
  });
});

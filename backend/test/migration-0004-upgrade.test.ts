import type { Knex } from 'knex';
import { api } from '@fleetlens/protocol';
import { openDb } from '../src/db/connection';
import * as ids from '../src/db/ids';
import { initial } from '../src/db/migrations/0001_initial';
import { access } from '../src/db/migrations/0002_access';
import { alerts } from '../src/db/migrations/0003_alerts';
import type { Migration } from '../src/db/migrations/types';
import { startBackend } from '../src/server';
import { RollupService } from '../src/services/rollup';
import { adminApiKeyViaApp } from '../src/testing/credentials';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases';
import { AGENT_TOKEN, SERVICE_KEY, testBackendOptions } from './helpers/backend';

/*
 * Upgrading a database that holds data from before migration 0004: the new columns are added,
 * rows stored before have no spans or weights and read as the nominal 10 s per sample (so their
 * averages stay the plain means they were), and new data is weighted.
 */

const HOUR = 3600;
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 5 * HOUR;
const upTo0003: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [initial, access, alerts],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

describe.each(DIALECTS)('migration 0004 on a database with older data (%s)', (dialect) => {
  let database: TestDatabase;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let headers: Record<string, string>;
  const nodeId = ids.nodeId('old', 'n1');
  // Raw samples at irregular times stored before 0004 (no spans): hour T0, minute 0.
  const legacyRaw = [0, 2, 4, 10, 12, 18, 24, 26, 28, 34].map((s, i) => ({ ts: T0 + s, v: i % 2 ? 3 : 1 }));
  // Minute rows whose raw samples have expired (hour T0 + 1): sums and counts only.
  const legacyMinutes = [
    { ts: T0 + HOUR, sum: 6, cnt: 6 },
    { ts: T0 + HOUR + 60, sum: 12, cnt: 3 },
  ];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const db = openDb(database.url);
    try {
      await db.knex.migrate.latest({ migrationSource: upTo0003, tableName: 'knex_migrations' });
      expect(await db.knex.schema.hasColumn('node_samples', 'fs_avail_bytes')).toBe(false);
      const clusterId = ids.clusterId('old');
      await db.knex('clusters').insert({
        id: clusterId,
        name: 'old',
        kind: 'docker',
        environment: 'on-prem',
        labels: '{}',
        first_seen: T0,
        last_seen: T0,
      });
      await db.knex('nodes').insert({
        id: nodeId,
        cluster_id: clusterId,
        name: 'n1',
        role: 'worker',
        os: '',
        kernel: '',
        arch: '',
        cores: 4,
        memory_bytes: 1e9,
        status: 'ready',
        labels: '{}',
        first_seen: T0,
        last_seen: T0,
      });
      await db.knex('node_samples').insert(legacyRaw.map((r) => ({ entity_id: nodeId, ts: r.ts, cpu_cores: r.v })));
      await db.knex('node_samples_1m').insert(
        legacyMinutes.map((m) => ({
          entity_id: nodeId,
          ts: m.ts,
          cpu_cores_min: 1,
          cpu_cores_max: 4,
          cpu_cores_sum: m.sum,
          cpu_cores_cnt: m.cnt,
        }))
      );
      // The rollup had run up to T0 + 2 h before the upgrade.
      await db.knex('rollup_state').insert([
        { name: 'node_1m', watermark: T0 + 2 * HOUR },
        { name: 'node_1h', watermark: T0 },
      ]);
    } finally {
      await db.knex.destroy();
    }
    backend = await startBackend(testBackendOptions(database.url));
    headers = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
  });
  afterAll(async () => {
    await backend?.stop();
    await database?.drop();
  });

  const series = async (from: number, to: number, step: number, tier: string, metric = 'cpuCores') => {
    const r = await fetch(
      `${backend.url}/api/v1/series?kind=node&id=${nodeId}&metrics=${metric}&from=${from}&to=${to}&step=${step}&tier=${tier}`,
      { headers }
    );
    expect(r.status).toBe(200);
    return api.SeriesReply.parse(await r.json()).series[0].points;
  };

  it('adds the columns; older raw rows and minute rows average as before (each sample the nominal 10 s)', async () => {
    for (const [table, col] of [
      ['node_samples', 'span_s'],
      ['node_samples', 'fs_avail_bytes'],
      ['node_latest', 'fs_avail_bytes'],
      ['container_samples', 'span_s'],
      ['node_samples_1m', 'cpu_cores_wsum'],
      ['node_samples_1h', 'fs_avail_bytes_secs'],
      ['container_samples_1m', 'net_rx_bps_secs'],
    ])
      expect(await backend.db.schema.hasColumn(table, col)).toBe(true);
    const [[, raw]] = await series(T0, T0 + 60, 60, 'raw');
    expect(raw).toBeCloseTo(legacyRaw.reduce((a, r) => a + r.v, 0) / legacyRaw.length, 12);
    const minutes = await series(T0 + HOUR, T0 + HOUR + 120, 60, '1m');
    expect(minutes.map(([, v]) => v)).toEqual([1, 4]);
  });

  it('new samples are weighted, and an hour mixing older minute rows with new ones weighs them by seconds', async () => {
    // Two new samples in the hour of the older minute rows (T0 + 1 h), 2 s and 8 s long.
    const t = T0 + HOUR + 300;
    const batch = {
      version: 'v1',
      batchId: 'after-upgrade',
      sentAt: t + 10,
      agent: { id: 'agent-old', version: '2', mode: 'node', hostname: 'n1' },
      cluster: { name: 'old', kind: 'docker', environment: 'on-prem' },
      nodes: [
        {
          name: 'n1',
          cores: 4,
          memoryBytes: 1e9,
          samples: [
            { ts: t + 2, intervalSeconds: 2, cpuCores: 2, fsUsedBytes: 60, fsTotalBytes: 100, fsAvailBytes: 20 },
            { ts: t + 10, intervalSeconds: 8, cpuCores: 1, fsUsedBytes: 60, fsTotalBytes: 100, fsAvailBytes: 20 },
          ],
        },
      ],
    };
    const res = await fetch(`${backend.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(202);
    await new RollupService({ knex: backend.db, dialect, describe: '' }).run(T0 + 3 * HOUR);
    const [[, minute]] = await series(t, t + 60, 60, '1m');
    expect(minute).toBeCloseTo((2 * 2 + 1 * 8) / 10, 12);
    // The hour: older minutes weigh 10 s per counted sample (9 samples, 90 s), the new ones 10 s.
    const [[, hour]] = await series(T0 + HOUR, T0 + 2 * HOUR, HOUR, '1h');
    expect(hour).toBeCloseTo((10 * (6 + 12) + (2 * 2 + 1 * 8)) / (10 * 9 + 10), 12);
    // And the filesystem figures of the new agent, as df: 60 / (60 + 20).
    const r = await fetch(
      `${backend.url}/api/v1/series?kind=node&id=${nodeId}&metrics=fsAvailBytes&from=${t}&to=${t + 60}&step=60&tier=1m`,
      { headers }
    );
    const avail = api.SeriesReply.parse(await r.json()).series[0].points[0][1];
    expect(avail).toBe(20);
  });
});

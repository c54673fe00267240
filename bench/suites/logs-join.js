#!/usr/bin/env node
// Log lines with their node and cluster: joined at read time or copied onto every line at ingest
// (denormalised)? Builds the real schema (migrations) on SQLite and on MariaDB, a fleet of
// BENCH_LOG_NODES nodes × 20 containers in 2 clusters and BENCH_LOG_LINES lines over 2 hours, a
// copy of the lines with container name, pod, namespace, node and cluster names in each row, then
// p50/p95 of the Logs page's reads — under the indexes before migration 0008 and under its
// (ts, nanos, id) ones — each way:
//   perLineJoin   every line joined to container, node, cluster; the planner picks the order
//   straightJoin  the same with SELECT STRAIGHT_JOIN (MariaDB only): lines first, in index order
//                 (what backend/src/services/logs.ts does; SQLite's planner already reads it so)
//   scopedIds     the scope picks container ids, lines filtered by IN (…) (tried, not shipped)
//   denormalised  names on every line, no join
// BENCH_LOG_DIALECTS=sqlite or =mariadb runs one. Writes bench/results/logs-join.json.
const { writeFileSync, mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { root, round } = require('../lib/backend');

const knexFactory = require(join(root, 'node_modules/knex'));
const { migrate } = require(join(root, 'backend/dist/db/migrations/index.js'));

const NODES = Number(process.env.BENCH_LOG_NODES || 50);
const PER_NODE = 20;
const LINES = Number(process.env.BENCH_LOG_LINES || 200_000);
const RUNS = Number(process.env.BENCH_QUERY_RUNS || 30);
const MYSQL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const LEVELS = ['info', 'info', 'info', 'debug', 'warning', 'error'];
const DIALECTS = (process.env.BENCH_LOG_DIALECTS || 'sqlite,mariadb').split(',');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function time(fn) {
  await fn(); // warm
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { p50ms: round(pct(ms, 50)), p95ms: round(pct(ms, 95)) };
}

async function seed(knex, now) {
  const clusters = ['bench-a', 'bench-b'].map((name, i) => ({ id: `cl${i}`, name }));
  const nodes = [];
  const containers = [];
  for (let n = 0; n < NODES; n++) {
    const cl = clusters[n % 2];
    nodes.push({ id: `n${n}`, cluster: cl, name: `${cl.name}-node-${n}` });
    for (let c = 0; c < PER_NODE; c++) {
      containers.push({ id: `c${n}-${c}`, node: nodes[n], name: `app-${c}`, ns: `ns-${c % 5}` });
    }
  }
  await knex.batchInsert(
    'clusters',
    clusters.map((c) => ({
      id: c.id,
      name: c.name,
      kind: 'kubernetes',
      environment: 'on-prem',
      labels: '{}',
      first_seen: now,
      last_seen: now,
    })),
    100
  );
  await knex.batchInsert(
    'nodes',
    nodes.map((n) => ({
      id: n.id,
      cluster_id: n.cluster.id,
      name: n.name,
      role: 'worker',
      os: '',
      kernel: '',
      arch: '',
      cores: 4,
      memory_bytes: 8e9,
      status: 'ready',
      labels: '{}',
      first_seen: now,
      last_seen: now,
    })),
    100
  );
  await knex.batchInsert(
    'containers',
    containers.map((c) => ({
      id: c.id,
      cluster_id: c.node.cluster.id,
      node_id: c.node.id,
      runtime_id: c.id,
      name: c.name,
      image: 'busybox',
      state: 'running',
      health: 'none',
      status_text: '',
      oom_killed: false,
      restart_count: 0,
      host_network: false,
      labels: '{}',
      namespace: c.ns,
      pod: `${c.name}-${c.node.id}`,
      first_seen: now,
      last_seen: now,
    })),
    100
  );
  const from = now - 7200;
  const rows = [];
  const flush = async () => {
    if (!rows.length) return;
    const chunk = rows.splice(0);
    await knex.batchInsert(
      'logs',
      chunk.map(({ extra: _names, ...r }) => r),
      200
    );
    await knex.batchInsert(
      'logs_denorm',
      chunk.map(({ extra, ...r }) => ({ ...r, ...extra })),
      200
    );
  };
  for (let i = 0; i < LINES; i++) {
    const c = containers[(i * 7919) % containers.length];
    rows.push({
      id: randomBytes(8).toString('hex'),
      container_id: c.id,
      ts: from + Math.floor((i * 7200) / LINES),
      nanos: i % 1000,
      stream: 'stdout',
      level: LEVELS[i % LEVELS.length],
      message: `GET /api/items/${i} handled in ${i % 97} ms`,
      extra: {
        container_name: c.name,
        pod: `${c.name}-${c.node.id}`,
        namespace: c.ns,
        node_name: c.node.name,
        cluster_name: c.node.cluster.name,
      },
    });
    if (rows.length >= 5000) await flush();
  }
  await flush();
  return { clusters };
}

/**
 * The Logs page's reads three ways: every line joined to its container, node and cluster (the
 * service before issue 14), the scope choosing container ids and only the page's lines joined
 * for their names (the service now), and names copied onto every line (denormalised).
 */
function reads(knex, now, mysql) {
  const names = (qb) =>
    qb
      .join('containers as c', 'c.id', 'l.container_id')
      .join('nodes as n', 'n.id', 'c.node_id')
      .join('clusters as cl', 'cl.id', 'c.cluster_id');
  const NAME_COLS = [
    'c.name as container_name',
    'c.pod',
    'c.namespace',
    'n.name as node_name',
    'cl.name as cluster_name',
  ];
  const ordered = (qb, cols, straight = false) =>
    qb
      .select(straight ? knex.raw('STRAIGHT_JOIN l.*') : 'l.*', ...cols)
      .where('l.ts', '>=', now - 3600)
      .orderBy([
        { column: 'l.ts', order: 'desc' },
        { column: 'l.nanos', order: 'desc' },
        { column: 'l.id', order: 'desc' },
      ])
      .limit(201);
  const counted = (qb) =>
    qb
      .select(knex.raw('(l.ts - (l.ts % 60)) as b'), 'l.level')
      .count({ n: '*' })
      .where('l.ts', '>=', now - 3600)
      .groupBy('b', 'l.level');
  /** Container ids in a scope (what the service's `filtered` does). */
  const containerIds = (scope) => {
    const q = knex('containers as c')
      .join('nodes as n', 'n.id', 'c.node_id')
      .join('clusters as cl', 'cl.id', 'c.cluster_id')
      .select('c.id');
    if (scope.cluster) q.whereIn('cl.name', scope.cluster);
    if (scope.namespace) q.whereIn('c.namespace', scope.namespace);
    return q;
  };
  const perLine = (scope) => {
    const q = names(knex('logs as l'));
    if (scope.cluster) q.whereIn('cl.name', scope.cluster);
    if (scope.namespace) q.whereIn('c.namespace', scope.namespace);
    return q;
  };
  const scoped = (scope) => knex('logs as l').whereIn('l.container_id', containerIds(scope));
  const denorm = (scope) => {
    const q = knex('logs_denorm as l');
    if (scope.cluster) q.whereIn('l.cluster_name', scope.cluster);
    if (scope.namespace) q.whereIn('l.namespace', scope.namespace);
    return q;
  };
  const all = {};
  const one = { cluster: ['bench-b'], namespace: ['ns-3'] };
  const cluster = { cluster: ['bench-b'] };
  const levels = (q) => q.whereIn('l.level', ['error', 'warning']);
  /** MariaDB/MySQL only: the lines first, in index order, each joined for its names (STRAIGHT_JOIN). */
  const straight = (scope) => (mysql ? { straightJoin: () => ordered(perLine(scope), NAME_COLS, true) } : {});
  return {
    'newest page, all containers': {
      ...straight(all),
      perLineJoin: () => ordered(perLine(all), NAME_COLS),
      scopedIds: () => ordered(names(scoped(all)), NAME_COLS),
      denormalised: () => ordered(denorm(all), []),
    },
    'newest page, levels error+warning': {
      ...(mysql ? { straightJoin: () => levels(ordered(perLine(all), NAME_COLS, true)) } : {}),
      perLineJoin: () => levels(ordered(perLine(all), NAME_COLS)),
      scopedIds: () => levels(ordered(names(scoped(all)), NAME_COLS)),
      denormalised: () => levels(ordered(denorm(all), [])),
    },
    'newest page, scope: one cluster and one namespace': {
      ...straight(one),
      perLineJoin: () => ordered(perLine(one), NAME_COLS),
      scopedIds: () => ordered(names(scoped(one)), NAME_COLS),
      denormalised: () => ordered(denorm(one), []),
    },
    'volume 1 h / 60 buckets, all': {
      perLineJoin: () => counted(perLine(all)),
      scopedIds: () => counted(scoped(all)),
      denormalised: () => counted(denorm(all)),
    },
    'volume 1 h / 60 buckets, scope: one cluster': {
      perLineJoin: () => counted(perLine(cluster)),
      scopedIds: () => counted(scoped(cluster)),
      denormalised: () => counted(denorm(cluster)),
    },
  };
}

/** Swaps the lines' indexes: the (ts, nanos, id) ones of migration 0008, or the (ts), (container_id, ts) ones before it. */
async function useIndexes(knex, table, order) {
  const NEW = [
    [['ts', 'nanos', 'id'], `${table}_tni`],
    [['container_id', 'ts', 'nanos', 'id'], `${table}_ctni`],
  ];
  const OLD = [
    [['ts'], `${table}_t`],
    [['container_id', 'ts'], `${table}_ct`],
  ];
  const want = order ? NEW : OLD;
  const drop = order ? OLD : NEW;
  await knex.schema.alterTable(table, (t) => {
    for (const [cols, name] of want) t.index(cols, name);
  });
  await knex.schema.alterTable(table, (t) => {
    for (const [, name] of drop) t.dropIndex([], name);
  });
}

async function runDialect(name, knex, sizeOf) {
  await migrate(knex);
  await knex.schema.createTable('logs_denorm', (t) => {
    t.string('id', 16).primary();
    t.string('container_id', 16).notNullable();
    t.integer('ts').unsigned().notNullable();
    t.integer('nanos').unsigned().notNullable();
    t.string('stream', 8).notNullable();
    t.string('level', 8).notNullable();
    t.text('message').notNullable();
    t.string('container_name', 512).notNullable();
    t.string('pod', 253).nullable();
    t.string('namespace', 253).nullable();
    t.string('node_name', 253).notNullable();
    t.string('cluster_name', 128).notNullable();
  });
  // Both tables on the same, named indexes (the migrations' ones replaced by equal copies).
  await knex.schema.alterTable('logs', (t) => {
    t.dropIndex([], 'logs_ts_nanos_id_index');
    t.dropIndex([], 'logs_container_ts_nanos_id_index');
  });
  for (const table of ['logs', 'logs_denorm']) {
    await knex.schema.alterTable(table, (t) => {
      t.index(['ts'], `${table}_t`);
      t.index(['container_id', 'ts'], `${table}_ct`);
    });
  }
  const now = Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  await seed(knex, now);
  console.log(`  ${name}: seeded ${LINES} lines twice in ${round((performance.now() - t0) / 1000, 1)} s`);
  const out = { queries: {} };
  for (const [label, order] of [
    ['indexes (ts), (container_id, ts) — before migration 0008', false],
    ['indexes (ts, nanos, id), (container_id, ts, nanos, id) — migration 0008', true],
  ]) {
    if (order) for (const table of ['logs', 'logs_denorm']) await useIndexes(knex, table, true);
    if (name === 'mariadb') await knex.raw('ANALYZE TABLE logs, logs_denorm, containers, nodes, clusters');
    else await knex.raw('ANALYZE');
    out.queries[label] = {};
    for (const [q, ways] of Object.entries(reads(knex, now, name === 'mariadb'))) {
      const results = {};
      let rows;
      for (const [way, fn] of Object.entries(ways)) {
        const n = (await fn()).length;
        if (rows !== undefined && n !== rows) throw new Error(`${q}: ${way} returned ${n} rows, not ${rows}`);
        rows = n;
        results[way] = await time(fn);
      }
      out.queries[label][q] = { rows, ...results };
      console.log(`  ${name} [${order ? 'new' : 'old'} indexes] ${q}: ${JSON.stringify(results)}`);
    }
  }
  if (sizeOf) out.bytes = { logs: await sizeOf('logs'), logs_denorm: await sizeOf('logs_denorm') };
  return out;
}

async function main() {
  const result = {
    suite: 'logs-join',
    date: new Date().toISOString(),
    machine: { cores: cpus().length, loadAverageAtStart: loadavg()[0] },
    fleet: { nodes: NODES, containers: NODES * PER_NODE, clusters: 2, lines: LINES, hours: 2 },
    runs: RUNS,
  };
  const dir = mkdtempSync(join(tmpdir(), 'fleetlens-bench-logs-'));
  const sqlite = !DIALECTS.includes('sqlite')
    ? null
    : knexFactory({
        client: 'better-sqlite3',
        connection: { filename: join(dir, 'b.db') },
        useNullAsDefault: true,
      });
  if (sqlite) {
    try {
      await sqlite.raw('PRAGMA journal_mode = WAL');
      result.sqlite = await runDialect('sqlite', sqlite);
    } finally {
      await sqlite.destroy();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (!DIALECTS.includes('mariadb')) return write(result);
  const dbName = `fleetlens_bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: `${MYSQL}/`, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4`);
  const my = knexFactory({ client: 'mysql2', connection: `${MYSQL}/${dbName}`, pool: { min: 0, max: 2 } });
  try {
    result.mariadb = await runDialect('mariadb', my, async (t) => {
      await my.raw(`ANALYZE TABLE ${t}`);
      const [rows] = await my.raw(
        'SELECT data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
        [dbName, t]
      );
      return Number(rows[0].bytes);
    });
  } finally {
    await my.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.destroy();
  }
  write(result);
}

function write(result) {
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'logs-join.json'), JSON.stringify(result, null, 2) + '\n');
  console.log('  written bench/results/logs-join.json');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

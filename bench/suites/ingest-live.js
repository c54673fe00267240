#!/usr/bin/env node
// Live ingest in the shape agents send (issue 13's 500 batches/s goal): one node's containers per
// batch, one 10 s interval each, BENCH_LIVE_CONCURRENCY (16) in flight, each stamped as sent now
// (so the reply carries probes and actions, as a live agent's does), after an untimed minute of
// history so every entity already exists, as it does for a running fleet. Besides batches per
// second (which a shared, noisy machine moves), it records what the machine's load does not:
// SQL statements and commits per batch (MariaDB's own counters) and CPU milliseconds per batch of
// the backend and of MariaDB (/proc). Writes bench/results/ingest-live.json.
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const { join } = require('node:path');
const { root, round, startBenchBackend, pushFleet, MYSQL } = require('../lib/backend');
const knexFactory = require(join(root, 'node_modules/knex'));

const NODES = Number(process.env.BENCH_NODES || 50);
const PER_NODE = Number(process.env.BENCH_CONTAINERS_PER_NODE || 20);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS || 600);
const CONCURRENCY = Number(process.env.BENCH_LIVE_CONCURRENCY || 16);
const DIALECTS = (process.env.BENCH_LIVE_DIALECTS || 'mysql,sqlite').split(',').filter(Boolean);
const INTERVAL = 10;
// An admin-created token, as agents of a real fleet use (its hash is verified: decision 40);
// BENCH_LIVE_TOKEN=bootstrap sends the configured bootstrap token instead, which reads nothing.
const TOKEN_KIND = process.env.BENCH_LIVE_TOKEN || 'created';

const TICKS = os.constants?.CLK_TCK || 100;
/** User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICKS;
}
function mariadbPid() {
  try {
    return Number(execFileSync('pidof', ['mariadbd'], { encoding: 'utf8' }).trim().split(' ')[0]) || null;
  } catch {
    return null;
  }
}
async function mysqlCounters(admin) {
  const [rows] = await admin.raw(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Com_commit','Innodb_row_lock_waits','Innodb_row_lock_time','Bytes_received','Bytes_sent')"
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}

async function main() {
  const now = Math.floor(Date.now() / 1000) - (Math.floor(Date.now() / 1000) % INTERVAL);
  const spec = {
    clusters: [
      { name: 'bench', kind: 'kubernetes', environment: 'on-prem', nodes: NODES, containersPerNode: PER_NODE },
    ],
  };
  const result = {
    suite: 'ingest-live',
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, loadAverageAtStart: os.loadavg() },
    fleet: { nodes: NODES, containersPerNode: PER_NODE, intervalSeconds: INTERVAL, liveSeconds: SECONDS },
    concurrency: CONCURRENCY,
    token: TOKEN_KIND,
    dialects: {},
  };
  for (const dialect of DIALECTS) {
    const backend = await startBenchBackend({ dialect });
    const admin =
      dialect === 'mysql' ? knexFactory({ client: 'mysql2', connection: `${MYSQL}/`, pool: { min: 0, max: 1 } }) : null;
    try {
      await backend.ready();
      const token = TOKEN_KIND === 'bootstrap' ? undefined : await backend.agentToken('bench');
      const from = now - SECONDS;
      await pushFleet(backend.url, spec, {
        from: from - 60,
        now: from,
        interval: INTERVAL,
        intervalsPerBatch: 6,
        concurrency: 4,
      });
      const dbPid = dialect === 'mysql' ? mariadbPid() : null;
      const loader0 = process.cpuUsage();
      const before = {
        backend: cpuSeconds(backend.pid),
        db: dbPid ? cpuSeconds(dbPid) : 0,
        sql: admin && (await mysqlCounters(admin)),
      };
      const live = await pushFleet(backend.url, spec, {
        from,
        now,
        interval: INTERVAL,
        intervalsPerBatch: 1,
        concurrency: CONCURRENCY,
        stampSentAt: true,
        token,
      });
      const loader = process.cpuUsage(loader0);
      const after = {
        backend: cpuSeconds(backend.pid),
        db: dbPid ? cpuSeconds(dbPid) : 0,
        sql: admin && (await mysqlCounters(admin)),
      };
      const n = live.requests;
      const res = {
        batches: n,
        batchesPerSecond: round(n / live.seconds, 1),
        containerSamplesPerSecond: Math.round(live.containerSamples / live.seconds),
        backendCpuMsPerBatch: round(((after.backend - before.backend) * 1000) / n, 2),
        ...(dbPid ? { mariadbCpuMsPerBatch: round(((after.db - before.db) * 1000) / n, 2) } : {}),
        // This process, which sends the batches, shares the two cores.
        loaderCpuMsPerBatch: round((loader.user + loader.system) / 1000 / n, 2),
      };
      if (admin) {
        const d = (k) => after.sql[k] - before.sql[k];
        // Questions counts the counter reads too (two statements); negligible beside thousands of batches.
        res.statementsPerBatch = round(d('Questions') / n, 1);
        res.commitsPerBatch = round(d('Com_commit') / n, 2);
        res.rowLockWaits = d('Innodb_row_lock_waits');
        res.rowLockWaitMs = d('Innodb_row_lock_time');
        // What the backend sends MariaDB (SQL text) and reads back, per batch.
        res.sqlKiBSentPerBatch = round(d('Bytes_received') / 1024 / n, 1);
        res.sqlKiBReadPerBatch = round(d('Bytes_sent') / 1024 / n, 1);
      }
      result.dialects[dialect] = res;
      console.log(`  ${dialect}: ${JSON.stringify(res)}`);
    } finally {
      await admin?.destroy();
      await backend.stop();
    }
  }
  result.machine.loadAverageAtEnd = os.loadavg();
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ingest-live.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// Backend benchmark on MariaDB: a synthetic fleet of 50 nodes × 20 containers at a 10 s interval,
// BENCH_HOURS (default 24) of history pushed through the real ingest API by a separate process,
// (generated ahead, untimed), then p50/p95 latency of the queries the pages make. Writes bench/results/backend-ingest-query.json.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const { gzipSync } = require('node:zlib');
const { fleetBatches } = require(join(root, 'backend/dist/testing/fleet.js'));
const { openDb } = require(join(root, 'backend/dist/db/connection.js'));
const { RollupService } = require(join(root, 'backend/dist/services/rollup.js'));
const knexFactory = require(join(root, 'node_modules/knex'));

const MYSQL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const HOURS = Number(process.env.BENCH_HOURS || 24);
const NODES = Number(process.env.BENCH_NODES || 50);
const PER_NODE = Number(process.env.BENCH_CONTAINERS_PER_NODE || 20);
const INTERVAL = 10;
const PER_BATCH = Number(process.env.BENCH_INTERVALS_PER_BATCH || 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 4);
const QUERY_RUNS = Number(process.env.BENCH_QUERY_RUNS || 60);
const KEY = 'bench-service-key-0123456789';
const TOKEN = 'bench-agent-token-0123456789';
const PORT = 18000 + Math.floor(Math.random() * 1000);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function waitReady(url) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('backend did not become ready');
}

async function main() {
  const dbName = `fleetlens_bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: `${MYSQL}/`, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${dbName}\``);
  const url = `http://127.0.0.1:${PORT}`;
  const backend = spawn(process.execPath, [...(process.env.BENCH_BACKEND_NODE_ARGS || '').split(' ').filter(Boolean), join(root, 'backend/dist/main.js')], {
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: `${MYSQL}/${dbName}`, SERVICE_KEY: KEY, AGENT_TOKEN: TOKEN, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const result = { suite: 'backend-ingest-query', date: new Date().toISOString(), database: 'MariaDB', machine: { cores: require('node:os').cpus().length, loadAverageAtStart: require('node:os').loadavg()[0] } };
  try {
    await waitReady(url);
    const now = Math.floor(Date.now() / 1000);
    const from = now - HOURS * 3600;
    const spec = { clusters: [{ name: 'bench', kind: 'kubernetes', environment: 'on-prem', nodes: NODES, containersPerNode: PER_NODE }] };
    // Batches are generated and gzipped ahead of each hour's push (untimed), so the figure is the
    // backend's and the database's throughput, not this load generator's.
    let containerSamples = 0;
    let nodeSamples = 0;
    let requests = 0;
    let ingestSeconds = 0;
    const push = async (body) => {
      const res = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    };
    for (let h = from; h < now; h += 3600) {
      const chunk = [];
      for (const b of fleetBatches(spec, { from: h, to: Math.min(h + 3600, now), interval: INTERVAL, intervalsPerBatch: PER_BATCH })) {
        for (const c of b.containers || []) containerSamples += c.samples.length;
        for (const n of b.nodes || []) nodeSamples += n.samples.length;
        chunk.push(gzipSync(JSON.stringify(b)));
      }
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < chunk.length) await push(chunk[next++]);
        })
      );
      ingestSeconds += (performance.now() - t0) / 1000;
      requests += chunk.length;
      console.log(`  ingest: hour ${(h - from) / 3600 + 1}/${HOURS}: ${containerSamples} container samples, ${(containerSamples / ingestSeconds).toFixed(0)}/s so far`);
    }
    result.fleet = { nodes: NODES, containers: NODES * PER_NODE, intervalSeconds: INTERVAL, hours: HOURS, intervalsPerBatch: PER_BATCH, concurrency: CONCURRENCY };
    result.ingest = {
      requests,
      containerSamples,
      nodeSamples,
      seconds: round(ingestSeconds, 1),
      containerSamplesPerSecond: Math.round(containerSamples / ingestSeconds),
      target: 25000,
    };
    console.log(`  ingest done: ${result.ingest.containerSamplesPerSecond} container samples/s`);

    const db = openDb(`${MYSQL}/${dbName}`);
    const r0 = performance.now();
    await new RollupService(db).run(now + 60);
    result.rollup = { seconds: round((performance.now() - r0) / 1000, 1), hoursOfData: HOURS };

    await db.knex.raw('ANALYZE TABLE container_samples, container_samples_1m, container_samples_1h');
    const [sizes] = await db.knex.raw(
      `SELECT table_name AS t, data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = ?`,
      [dbName]
    );
    const size = (t) => Number((sizes.find((r) => r.t === t) || {}).bytes || 0);
    const [{ n: rawRows }] = await db.knex('container_samples').count({ n: '*' });
    result.storage = {
      containerSampleRows: Number(rawRows),
      rawBytesPerContainerSample: round(size('container_samples') / Number(rawRows), 1),
      allTiersBytesPerContainerSample: round(
        (size('container_samples') + size('container_samples_1m') + size('container_samples_1h')) / Number(rawRows),
        1
      ),
      note: 'InnoDB data_length + index_length after ANALYZE TABLE (page-level estimate)',
    };
    await db.knex.destroy();

    const h = { 'x-fleetlens-key': KEY };
    const get = async (path) => {
      const res = await fetch(`${url}${path}`, { headers: h });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const overview = await get('/api/v1/overview');
    const clusterId = overview.clusters[0].id;
    const someContainer = (await get('/api/v1/containers?sort=cpu&order=desc&pageSize=1')).items[0].id;
    const q = {
      overview: '/api/v1/overview',
      containerList: '/api/v1/containers?sort=cpu&order=desc&page=1&pageSize=50',
      top10Over1h: '/api/v1/top?metric=cpuCores&window=3600&limit=10',
      nodeHeatmap1h: `/api/v1/heatmap?metric=cpuPercent&from=${now - 3600}&to=${now}&step=60`,
      containerSeries24h: `/api/v1/series?kind=container&id=${someContainer}&metrics=cpuCores,memBytes&from=${now - 86400}&to=${now}`,
      clusterCpuTrend24h: `/api/v1/series?kind=cluster&id=${clusterId}&metrics=cpuCores&from=${now - 86400}&to=${now}`,
    };
    result.queries = {};
    for (const [name, path] of Object.entries(q)) {
      for (let i = 0; i < 5; i++) await get(path);
      const ms = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const s = performance.now();
        await get(path);
        ms.push(performance.now() - s);
      }
      result.queries[name] = { p50ms: round(pct(ms, 50)), p95ms: round(pct(ms, 95)), runs: QUERY_RUNS, path, targetP95ms: 50 };
      console.log(`  ${name}: p50 ${result.queries[name].p50ms} ms, p95 ${result.queries[name].p95ms} ms`);
    }
  } finally {
    backend.kill('SIGTERM');
    await new Promise((r) => backend.once('exit', r));
    if (process.env.BENCH_KEEP_DB !== '1') await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.destroy();
  }
  // Other work on the machine skews every figure; record how busy it was.
  result.machine.loadAverageAtEnd = require('node:os').loadavg()[0];
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/backend-ingest-query.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// Backend benchmark on MariaDB: a synthetic fleet of 50 nodes × 20 containers at a 10 s interval,
// BENCH_HOURS (default 24) of history pushed through the real ingest API by a separate process,
// (generated ahead, untimed), then p50/p95 latency of the queries the pages make. Writes bench/results/backend-ingest-query.json.
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { root, round, startBenchBackend, pushFleet, timeRequest } = require('../lib/backend');

const { openDb } = require(join(root, 'backend/dist/db/connection.js'));
const { RollupService } = require(join(root, 'backend/dist/services/rollup.js'));

const HOURS = Number(process.env.BENCH_HOURS || 24);
const NODES = Number(process.env.BENCH_NODES || 50);
const PER_NODE = Number(process.env.BENCH_CONTAINERS_PER_NODE || 20);
const INTERVAL = 10;
const PER_BATCH = Number(process.env.BENCH_INTERVALS_PER_BATCH || 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 4);
const QUERY_RUNS = Number(process.env.BENCH_QUERY_RUNS || 60);

async function main() {
  const backend = await startBenchBackend();
  const url = backend.url;
  const dbName = backend.dbName;
  const result = {
    suite: 'backend-ingest-query',
    date: new Date().toISOString(),
    database: 'MariaDB',
    machine: { cores: require('node:os').cpus().length, loadAverageAtStart: require('node:os').loadavg()[0] },
  };
  try {
    await backend.ready();
    const now = Math.floor(Date.now() / 1000);
    const from = now - HOURS * 3600;
    const spec = {
      clusters: [
        { name: 'bench', kind: 'kubernetes', environment: 'on-prem', nodes: NODES, containersPerNode: PER_NODE },
      ],
    };
    const {
      containerSamples,
      nodeSamples,
      requests,
      seconds: ingestSeconds,
    } = await pushFleet(url, spec, {
      from,
      now,
      interval: INTERVAL,
      intervalsPerBatch: PER_BATCH,
      concurrency: CONCURRENCY,
      onHour: (h, t) =>
        console.log(
          `  ingest: hour ${h}/${HOURS}: ${t.containerSamples} container samples, ${(t.containerSamples / t.seconds).toFixed(0)}/s so far`
        ),
    });
    result.fleet = {
      nodes: NODES,
      containers: NODES * PER_NODE,
      intervalSeconds: INTERVAL,
      hours: HOURS,
      intervalsPerBatch: PER_BATCH,
      concurrency: CONCURRENCY,
    };
    result.ingest = {
      requests,
      containerSamples,
      nodeSamples,
      seconds: round(ingestSeconds, 1),
      containerSamplesPerSecond: Math.round(containerSamples / ingestSeconds),
      target: 25000,
    };
    console.log(`  ingest done: ${result.ingest.containerSamplesPerSecond} container samples/s`);

    const db = openDb(backend.databaseUrl);
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

    const get = backend.get;
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
      result.queries[name] = { ...(await timeRequest(() => get(path), QUERY_RUNS)), path, targetP95ms: 50 };
      console.log(`  ${name}: p50 ${result.queries[name].p50ms} ms, p95 ${result.queries[name].p95ms} ms`);
    }
  } finally {
    await backend.stop();
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

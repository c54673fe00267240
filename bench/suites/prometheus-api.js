#!/usr/bin/env node
// Prometheus-compatible API benchmark on MariaDB (docs/prometheus.md): the 50 nodes × 20
// containers fleet at a 10 s interval, BENCH_PROM_HOURS (default 2) of history through the real
// ingest API, the rollup run once, then p50/p95 of the queries Grafana alert rules and dashboards
// send. Writes bench/results/prometheus-api.json.
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { root, startBenchBackend, pushFleet, timeRequest } = require('../lib/backend');

const { openDb } = require(join(root, 'backend/dist/db/connection.js'));
const { RollupService } = require(join(root, 'backend/dist/services/rollup.js'));

const HOURS = Number(process.env.BENCH_PROM_HOURS || 2);
const NODES = Number(process.env.BENCH_NODES || 50);
const PER_NODE = Number(process.env.BENCH_CONTAINERS_PER_NODE || 20);
const RUNS = Number(process.env.BENCH_QUERY_RUNS || 40);

async function main() {
  const backend = await startBenchBackend();
  const os = require('node:os');
  const result = {
    suite: 'prometheus-api',
    date: new Date().toISOString(),
    database: 'MariaDB',
    machine: { cores: os.cpus().length, loadAverageAtStart: os.loadavg()[0] },
  };
  try {
    await backend.ready();
    const now = Math.floor(Date.now() / 1000);
    const spec = {
      clusters: [
        { name: 'bench', kind: 'kubernetes', environment: 'on-prem', nodes: NODES, containersPerNode: PER_NODE },
      ],
    };
    const pushed = await pushFleet(backend.url, spec, {
      from: now - HOURS * 3600,
      now,
      interval: 10,
      intervalsPerBatch: 30,
      concurrency: 4,
    });
    const db = openDb(backend.databaseUrl);
    await new RollupService(db).run(now + 60);
    await db.knex.destroy();
    result.fleet = {
      nodes: NODES,
      containers: NODES * PER_NODE,
      intervalSeconds: 10,
      hours: HOURS,
      containerSamples: pushed.containerSamples,
    };

    const enc = encodeURIComponent;
    const t = now - 30;
    const q = {
      // Alert-rule shapes: instant queries at "now", and a 10-minute range at 15 s (raw samples).
      instantSumByNamespace: `/query?query=${enc('sum by (namespace) (fleetlens_container_cpu_usage_cores)')}&time=${t}`,
      instantMemoryOverLimit: `/query?query=${enc('fleetlens_container_memory_working_set_bytes / fleetlens_container_memory_limit_bytes > 0.9')}&time=${t}`,
      instantAllContainersCpu: `/query?query=${enc('fleetlens_container_cpu_usage_cores')}&time=${t}`,
      range10mAvgOverTime: `/query_range?query=${enc('avg_over_time(fleetlens_container_cpu_usage_cores{namespace="payments"}[1m])')}&start=${t - 600}&end=${t}&step=15`,
      // Dashboard shapes: an hour at a minute step (raw), two hours (the 1-minute rollup).
      range1hSumByNode: `/query_range?query=${enc('sum by (node) (fleetlens_container_cpu_usage_cores)')}&start=${t - 3600}&end=${t}&step=60`,
      range2hClusterCpuRollup: `/query_range?query=${enc('sum by (cluster) (fleetlens_node_cpu_usage_cores)')}&start=${t - 7200 + 60}&end=${t}&step=60`,
      seriesDiscovery: `/series?match[]=${enc('fleetlens_container_cpu_usage_cores')}&start=${t - 3600}&end=${t}`,
      labelValuesNamespace: `/label/namespace/values?start=${t - 3600}&end=${t}`,
    };
    result.queries = {};
    for (const [name, path] of Object.entries(q)) {
      const reply = await backend.get(`/prometheus/api/v1${path}`);
      const series = Array.isArray(reply.data) ? reply.data.length : reply.data.result.length;
      result.queries[name] = {
        ...(await timeRequest(() => backend.get(`/prometheus/api/v1${path}`), RUNS)),
        series,
        path,
      };
      console.log(
        `  ${name}: ${series} series, p50 ${result.queries[name].p50ms} ms, p95 ${result.queries[name].p95ms} ms`
      );
    }
  } finally {
    await backend.stop();
  }
  result.machine.loadAverageAtEnd = os.loadavg()[0];
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/prometheus-api.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// Fleetlens beside Prometheus on its own ground (issue 13): one generated fleet (BENCH_NODES ×
// BENCH_CONTAINERS_PER_NODE containers, 10 s, BENCH_VS_HOURS of history) goes through the ingest
// API into the backend (MariaDB and SQLite, BENCH_VS_DIALECTS) and, as OpenMetrics, through
// `promtool tsdb create-blocks-from openmetrics` into a real Prometheus. Each query is then sent
// to both in alternation (BENCH_VS_PAIRS pairs, the order swapped every pair) and the median of the
// per-pair ratios (Fleetlens ÷ Prometheus) is reported with the answers' agreement, the ingest
// rates (history batches, then live-shaped batches of one node, 16 in flight), bytes on disk per
// metric sample and peak RSS while querying. Writes bench/results/vs-prometheus.json.
const { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeSync } = require('node:fs');
const { writeFileSync, mkdirSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { root, round, startBenchBackend, pushFleet } = require('../lib/backend');

const { fleetBatches } = require(join(root, 'backend/dist/testing/fleet.js'));
const { startPrometheusOver } = require(join(root, 'backend/dist/testing/prometheus.js'));
const { NODE_METRICS, CONTAINER_METRICS } = require(join(root, 'backend/dist/db/metrics.js'));
const { openDb } = require(join(root, 'backend/dist/db/connection.js'));
const { RollupService } = require(join(root, 'backend/dist/services/rollup.js'));

const HOURS = Number(process.env.BENCH_VS_HOURS || 6);
const NODES = Number(process.env.BENCH_NODES || 50);
const PER_NODE = Number(process.env.BENCH_CONTAINERS_PER_NODE || 20);
const PAIRS = Number(process.env.BENCH_VS_PAIRS || 25);
const DIALECTS = (process.env.BENCH_VS_DIALECTS || 'mysql,sqlite').split(',').filter(Boolean);
const INTERVAL = 10;
const LIVE_SECONDS = 600;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The fleet's samples as OpenMetrics, one gauge family per metric, labels as docs/prometheus.md gives them. */
function writeOpenMetrics(dir, spec, from, to) {
  const families = new Map();
  const family = (name) => {
    let f = families.get(name);
    if (!f) {
      f = { path: join(dir, `family-${name}.txt`), buf: '', fd: null };
      f.fd = openSync(f.path, 'w');
      families.set(name, f);
    }
    return f;
  };
  const flush = (f) => {
    writeSync(f.fd, f.buf);
    f.buf = '';
  };
  const esc = (v) => String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const labelText = (labels) =>
    Object.entries(labels)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
  let samples = 0;
  const emit = (defs, labels, sample) => {
    for (const d of defs) {
      const v = sample[d.field];
      if (v === null || v === undefined) continue;
      const f = family(d.prom);
      f.buf += `${d.prom}{${labels}} ${v} ${sample.ts}\n`;
      samples++;
      if (f.buf.length > 1 << 20) flush(f);
    }
  };
  for (let h = from; h < to; h += 3600) {
    for (const b of fleetBatches(spec, {
      from: h,
      to: Math.min(h + 3600, to),
      interval: INTERVAL,
      intervalsPerBatch: 30,
    })) {
      for (const n of b.nodes || []) {
        const labels = labelText({ cluster: b.cluster.name, node: n.name });
        for (const s of n.samples) emit(NODE_METRICS, labels, s);
      }
      for (const c of b.containers || []) {
        const k = c.kubernetes;
        const labels = labelText({
          cluster: b.cluster.name,
          node: c.nodeName,
          container: c.name,
          container_id: c.id,
          image: c.image,
          namespace: k?.namespace,
          pod: k?.pod,
          workload: k?.workloadName,
          workload_kind: k?.workloadKind,
        });
        for (const s of c.samples) emit(CONTAINER_METRICS, labels, s);
      }
    }
  }
  const out = openSync(join(dir, 'data.om'), 'w');
  for (const [name, f] of families) {
    flush(f);
    closeSync(f.fd);
    writeSync(out, `# TYPE ${name} gauge\n`);
    writeSync(out, readFileSync(f.path));
  }
  writeSync(out, '# EOF\n');
  closeSync(out);
  return samples;
}

const du = (p) => {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((a, e) => a + du(join(p, e)), 0);
};

/** Highest VmRSS of the processes while `work` runs, sampled every 100 ms. */
async function peakRss(pids, work) {
  const peak = Object.fromEntries(pids.map((p) => [p, 0]));
  const read = () => {
    for (const p of pids) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]);
        peak[p] = Math.max(peak[p], kb * 1024);
      } catch {
        // the process ended
      }
    }
  };
  const timer = setInterval(read, 100);
  try {
    read();
    await work();
  } finally {
    clearInterval(timer);
    read();
  }
  return peak;
}

/** Answer as { labels → points } (instant and range alike), for comparing the two engines. */
function normalise(reply) {
  const out = new Map();
  const key = (m) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
  const d = reply.data;
  if (d.resultType === 'scalar') out.set('scalar', [d.result]);
  else if (d.resultType === 'vector') for (const s of d.result) out.set(key(s.metric), [s.value]);
  else for (const s of d.result) out.set(key(s.metric), s.values);
  return out;
}

/** How far two PromQL answers are apart: series only on one side, and the largest relative difference. */
function agreement(a, b) {
  const x = normalise(a);
  const y = normalise(b);
  let maxRel = 0;
  let points = 0;
  let timesDiffer = 0;
  for (const [k, pts] of y) {
    const mine = x.get(k);
    if (!mine) continue;
    const byT = new Map(mine.map(([t, v]) => [t, Number(v)]));
    for (const [t, v] of pts) {
      if (!byT.has(t)) {
        timesDiffer++;
        continue;
      }
      points++;
      const r = Math.abs(byT.get(t) - Number(v)) / Math.max(1e-12, Math.abs(Number(v)));
      maxRel = Math.max(maxRel, r);
    }
  }
  const onlyOurs = [...x.keys()].filter((k) => !y.has(k)).length;
  const onlyTheirs = [...y.keys()].filter((k) => !x.has(k)).length;
  return {
    series: y.size,
    onlyOurs,
    onlyTheirs,
    points,
    timesDiffer,
    maxRelativeDifference: Number(maxRel.toPrecision(3)),
    same: onlyOurs === 0 && onlyTheirs === 0 && timesDiffer === 0 && maxRel < 1e-6,
  };
}

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

/** Ours and theirs in alternation: p50 of each and the median per-pair ratio. */
async function race(ours, theirs) {
  for (let i = 0; i < 3; i++) {
    await ours();
    await theirs();
  }
  const a = [];
  const b = [];
  const ratios = [];
  for (let i = 0; i < PAIRS; i++) {
    let x;
    let y;
    if (i % 2 === 0) {
      x = (await timed(ours)).ms;
      y = (await timed(theirs)).ms;
    } else {
      y = (await timed(theirs)).ms;
      x = (await timed(ours)).ms;
    }
    a.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  return { fleetlensP50ms: round(median(a)), prometheusP50ms: round(median(b)), ratio: round(median(ratios)) };
}

async function storageBytes(backend) {
  const db = openDb(backend.databaseUrl);
  try {
    if (backend.dialect === 'mysql') {
      // Every table measured: InnoDB's sizes are otherwise statistics from some earlier moment
      // (an earlier run read the rollup tiers before their rows were counted).
      await db.knex.raw(
        'ANALYZE TABLE node_samples, container_samples, node_samples_1m, container_samples_1m, node_samples_1h, container_samples_1h'
      );
      const [rows] = await db.knex.raw(
        `SELECT table_name AS t, data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = ?`,
        [backend.dbName]
      );
      const sum = (re) => rows.filter((r) => re.test(r.t)).reduce((acc, r) => acc + Number(r.bytes), 0);
      return {
        raw: sum(/^(node|container)_samples$/),
        all: sum(/^(node|container)_samples(_1m|_1h)?$/),
        how: 'InnoDB data_length + index_length after ANALYZE TABLE of each',
      };
    }
    const rows = await db.knex.raw('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name');
    const sum = (re) => rows.filter((r) => re.test(r.name)).reduce((acc, r) => acc + Number(r.bytes), 0);
    // Tables and their indexes (SQLite names indexes after their table in this schema).
    return {
      raw: sum(/^(node|container)_samples(?!_1[mh])/),
      all: sum(/^(node|container)_samples/),
      how: 'SQLite dbstat pages of the sample tables and their indexes',
    };
  } finally {
    await db.knex.destroy();
  }
}

async function main() {
  const now = Math.floor(Date.now() / 1000) - (Math.floor(Date.now() / 1000) % INTERVAL);
  const from = now - HOURS * 3600;
  const spec = {
    clusters: [
      { name: 'bench', kind: 'kubernetes', environment: 'on-prem', nodes: NODES, containersPerNode: PER_NODE },
    ],
  };
  const result = {
    suite: 'vs-prometheus',
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, loadAverageAtStart: os.loadavg() },
    fleet: { nodes: NODES, containers: NODES * PER_NODE, intervalSeconds: INTERVAL, hours: HOURS },
    // The backend's per-query series bound, which a larger fleet's operator raises (docs/deploy.md).
    queryMaxSeries: Number(process.env.QUERY_MAX_SERIES || 5000),
    pairs: PAIRS,
    dialects: {},
  };

  const dir = mkdtempSync(join(os.tmpdir(), 'fleetlens-vs-prom-'));
  const g0 = performance.now();
  const metricSamples = writeOpenMetrics(dir, spec, from, now);
  const omSeconds = (performance.now() - g0) / 1000;
  const b0 = performance.now();
  const prom = await startPrometheusOver(dir);
  result.prometheus = {
    version: require('node:child_process')
      .execFileSync('prometheus', ['--version'], { encoding: 'utf8' })
      .split('\n')[0],
    metricSamples,
    openMetricsSeconds: round(omSeconds, 1),
    backfillAndStartSeconds: round((performance.now() - b0) / 1000, 1),
    bytesPerMetricSample: round(du(prom.tsdbPath) / metricSamples, 2),
  };
  console.log(`  prometheus: ${metricSamples} metric samples, ${result.prometheus.bytesPerMetricSample} B/sample`);

  const theirs = async (path) => {
    if (Array.isArray(path)) return Promise.all(path.map(theirs));
    const r = await fetch(`${prom.url}/api/v1${path}`);
    if (!r.ok) throw new Error(`prometheus ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  try {
    for (const dialect of DIALECTS) {
      const backend = await startBenchBackend({ dialect });
      const res = {};
      result.dialects[dialect] = res;
      try {
        await backend.ready();
        const history = await pushFleet(backend.url, spec, {
          from,
          now: now - LIVE_SECONDS,
          interval: INTERVAL,
          intervalsPerBatch: 30,
          concurrency: 4,
        });
        // The live shape: one node's 20 containers per batch, one interval, 16 in flight.
        const live = await pushFleet(backend.url, spec, {
          from: now - LIVE_SECONDS,
          now,
          interval: INTERVAL,
          intervalsPerBatch: 1,
          concurrency: 16,
        });
        res.ingest = {
          historyContainerSamplesPerSecond: Math.round(history.containerSamples / history.seconds),
          liveBatchesPerSecond: round(live.requests / live.seconds, 1),
          liveContainerSamplesPerSecond: Math.round(live.containerSamples / live.seconds),
        };
        const r0 = performance.now();
        const db = openDb(backend.databaseUrl);
        await new RollupService(db).run(now + 60);
        await db.knex.destroy();
        res.rollupSeconds = round((performance.now() - r0) / 1000, 1);
        const bytes = await storageBytes(backend);
        res.storage = {
          rawBytesPerMetricSample: round(bytes.raw / metricSamples, 2),
          allTiersBytesPerMetricSample: round(bytes.all / metricSamples, 2),
          ratioRaw: round(bytes.raw / metricSamples / result.prometheus.bytesPerMetricSample, 2),
          ratioAllTiers: round(bytes.all / metricSamples / result.prometheus.bytesPerMetricSample, 2),
          how: bytes.how,
        };
        console.log(`  ${dialect}: ingest ${JSON.stringify(res.ingest)}, storage ${JSON.stringify(res.storage)}`);

        const ours = (path) => backend.get(path);
        const overview = await ours('/api/v1/overview');
        const clusterId = overview.clusters[0].id;
        const someContainer = (await ours('/api/v1/containers?sort=cpu&order=desc&pageSize=1')).items[0];
        const cid = someContainer.runtimeId;
        const t = now - 5;
        const span = Math.min(6, HOURS) * 3600;
        const e = encodeURIComponent;
        const range = (q, seconds, step) => `/query_range?query=${e(q)}&start=${t - seconds}&end=${t}&step=${step}`;
        const instant = (q) => `/query?query=${e(q)}&time=${t}`;
        const cpu = 'fleetlens_container_cpu_usage_cores';
        // Native dashboard questions beside the PromQL a Prometheus user would ask for the same answer.
        const native = {
          top10ByAvgCpu1h: [
            `/api/v1/top?metric=cpuCores&window=3600&limit=10`,
            instant(`topk(10, avg_over_time(${cpu}[1h]))`),
          ],
          // Grafana sends one query per metric: four at once.
          oneContainer4Metrics6hAt30s: [
            `/api/v1/series?kind=container&id=${someContainer.id}&metrics=cpuCores,memBytes,netRxBps,netTxBps&from=${t - span}&to=${t}&step=30`,
            [
              'cpu_usage_cores',
              'memory_working_set_bytes',
              'network_receive_bytes_per_second',
              'network_transmit_bytes_per_second',
            ].map((m) => range(`avg_over_time(fleetlens_container_${m}{container_id="${cid}"}[30s])`, span, 30)),
          ],
          memoryByNamespaceNow: [
            '/api/v1/k8s/namespaces',
            instant('sum by (namespace) (fleetlens_container_memory_working_set_bytes)'),
          ],
          nodeHeatmap1h: [
            `/api/v1/heatmap?metric=cpuPercent&from=${t - 3600}&to=${t}&step=60`,
            range('avg_over_time(fleetlens_node_cpu_usage_cores[1m])', 3600, 60),
          ],
          // At Prometheus' 60 s step: without one, a span under 5 h would default to a sub-minute
          // step and read raw rows for a coarser question than Prometheus is asked.
          clusterCpu6h: [
            `/api/v1/series?kind=cluster&id=${clusterId}&metrics=cpuCores&from=${t - span}&to=${t}&step=60`,
            range('sum(avg_over_time(fleetlens_node_cpu_usage_cores[1m]))', span, 60),
          ],
        };
        const promql = {
          avgOverTime1hAllContainers: instant(`avg_over_time(${cpu}[1h])`),
          sumByNode1hAt60s: range(`sum by (node) (${cpu})`, 3600, 60),
          sum6hAt60s: range(`sum(${cpu})`, span, 60),
          oneContainer6hAt30s: range(`${cpu}{container_id="${cid}"}`, span, 30),
          memoryByNamespaceNow: instant('sum by (namespace) (fleetlens_container_memory_working_set_bytes)'),
          topk10Now: instant(`topk(10, ${cpu})`),
          topk5ByAvg1hAt60s: range(`topk(5, avg_over_time(${cpu}[5m]))`, 3600, 60),
          // A range that is a whole number of steps of whole minutes (decision 34's tier path).
          avgOverTime5m1hAt300s: range(`avg_over_time(${cpu}[5m])`, 3600, 300),
        };
        res.native = {};
        res.promql = {};
        const peaks = await peakRss([backend.pid, prom.pid], async () => {
          for (const [name, [mine, their]] of Object.entries(native)) {
            res.native[name] = {
              ...(await race(
                () => ours(mine),
                () => theirs(their)
              )),
              fleetlens: mine,
              prometheus: their,
            };
            console.log(`  ${dialect} native ${name}: ×${res.native[name].ratio}`);
          }
          for (const [name, path] of Object.entries(promql)) {
            let agree;
            try {
              agree = agreement(await ours(`/prometheus/api/v1${path}`), await theirs(path));
            } catch (err) {
              // A query beyond the backend's bounds (QUERY_MAX_SERIES and the like) is recorded, not timed.
              if (!/: 4\d\d /.test(err.message)) throw err;
              res.promql[name] = { refused: err.message.slice(err.message.indexOf(': ') + 2), query: path };
              console.log(`  ${dialect} promql ${name}: refused`);
              continue;
            }
            res.promql[name] = {
              ...(await race(
                () => ours(`/prometheus/api/v1${path}`),
                () => theirs(path)
              )),
              agreement: agree,
              query: path,
            };
            console.log(`  ${dialect} promql ${name}: ×${res.promql[name].ratio}, agreement ${JSON.stringify(agree)}`);
          }
        });
        res.peakRssWhileQuerying = {
          fleetlensMiB: round(peaks[backend.pid] / 2 ** 20, 1),
          prometheusMiB: round(peaks[prom.pid] / 2 ** 20, 1),
          ratio: round(peaks[backend.pid] / peaks[prom.pid], 2),
        };
      } finally {
        await backend.stop();
      }
    }
  } finally {
    await prom.stop();
  }
  result.machine.loadAverageAtEnd = os.loadavg();
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  // Another fleet size goes to its own file, beside the default fleet's.
  const size = NODES * PER_NODE === 1000 ? '' : `-${NODES * PER_NODE}-containers`;
  const out = join(root, `bench/results/vs-prometheus${size}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// Load run on MariaDB (issue 11): BENCH_AGENTS (1,000) simulated node agents push batches in the
// real shape (node + BENCH_CONTAINERS_PER_AGENT containers, inventory, agent status) every
// BENCH_AGENT_INTERVAL seconds (10, the agent's default), each at its own offset in the interval,
// while BENCH_USERS (50) simulated users run the pages' queries with 1–3 s of think time between
// them, for BENCH_LOAD_SECONDS (120). /healthz is polled every 100 ms from a separate process.
// Records the ingest rate, push and query latency (p50/p95/p99), errors, /healthz max latency and
// the machine's load average to bench/results/load-agents-users.json.
const { spawn } = require('node:child_process');
const { writeFileSync, mkdirSync } = require('node:fs');
const { Agent: HttpAgent, request } = require('node:http');
const { loadavg, cpus } = require('node:os');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');
const { root, pct, round, startBenchBackend } = require('../lib/backend');

const AGENTS = Number(process.env.BENCH_AGENTS || 1000);
const PER_AGENT = Number(process.env.BENCH_CONTAINERS_PER_AGENT || 10);
const INTERVAL = Number(process.env.BENCH_AGENT_INTERVAL || 10);
const USERS = Number(process.env.BENCH_USERS || 50);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS || 120);
const TOKEN = 'bench-agent-token-0123456789';
/** A page request as Grafana's app route sends it for an org Admin (the service key of bench/lib/backend.js). */
const PAGE_HEADERS = {
  'x-fleetlens-key': 'bench-service-key-0123456789',
  'x-grafana-context': JSON.stringify({ Login: 'bench-admin', Email: 'bench-admin@example.com', OrgRole: 'Admin' }),
};
const CLUSTERS = 10;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = (ms) =>
  ms.length
    ? { n: ms.length, p50ms: round(pct(ms, 50)), p95ms: round(pct(ms, 95)), p99ms: round(pct(ms, 99)), maxms: round(Math.max(...ms)) } // prettier-ignore
    : { n: 0 };
const hex = (i, len) => i.toString(16).padStart(len, '0');

/** One agent's batch at `ts`, as agent/src/agent.ts assembles it. */
function agentBatch(a, ts, seq) {
  const node = `load-node-${hex(a, 4)}`;
  const cluster = `load-${a % CLUSTERS}`;
  const ids = Array.from({ length: PER_AGENT }, (_, j) => hex(a * 1000 + j, 64));
  return {
    version: 'v1',
    batchId: `load-${a}-${seq}`,
    sentAt: ts,
    agent: {
      id: `node:${node}`,
      version: '0.1.0',
      mode: 'node',
      hostname: node,
      status: { lastPushAt: ts - INTERVAL, spoolBytes: 0, spoolBatches: 0, droppedBatches: 0, rejectedBatches: 0, cpuCores: 0.004, rssBytes: 48e6, clockSkewSeconds: 0, droppedSamples: 0, spoolWriteErrors: 0, spoolLastWriteError: null, spoolMemoryBatches: 0, spoolCorruptBatches: 0 }, // prettier-ignore
    },
    cluster: { name: cluster, kind: 'kubernetes', environment: a % 2 ? 'public-cloud' : 'on-prem' },
    nodes: [
      {
        name: node,
        role: 'worker',
        os: 'linux',
        kernel: '6.1',
        arch: 'amd64',
        cores: 4,
        memoryBytes: 16e9,
        status: 'ready',
        samples: [{ ts, cpuCores: 1 + (a % 3) * 0.5, memUsedBytes: 6e9, memTotalBytes: 16e9, fsUsedBytes: 40e9, fsTotalBytes: 100e9, netRxBps: 1e5, netTxBps: 5e4, diskReadBps: 1e4, diskWriteBps: 2e4, load1: 1.2 }], // prettier-ignore
      },
    ],
    containers: ids.map((id, j) => ({
      id,
      nodeName: node,
      name: `app-${a}-${j}`,
      image: 'registry.local/app:1',
      state: 'running',
      kubernetes: { namespace: `ns-${j % 5}`, pod: `app-${a}-${j}-pod`, podUid: hex(a * 1000 + j, 32), workloadKind: 'Deployment', workloadName: `app-${j}` }, // prettier-ignore
      samples: [{ ts, cpuCores: 0.05 + (j % 4) * 0.1, memBytes: 2e8, memLimitBytes: 5e8, netRxBps: 1e4, netTxBps: 5e3, diskReadBps: 0, diskWriteBps: 1e3, pids: 12 }], // prettier-ignore
    })),
    inventories: [{ nodeName: node, ts, containerIds: ids }],
  };
}

function post(url, body, agent) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      `${url}/api/v1/ingest`,
      {
        method: 'POST',
        agent,
        // The agent's request timeout, queueing for a socket included.
        signal: AbortSignal.timeout(30_000),
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length }, // prettier-ignore
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      }
    );
    req.on('error', (e) => resolve({ status: 0, error: e.name === 'AbortError' ? 'timeout' : e.code || e.message, ms: performance.now() - t0 })); // prettier-ignore
    req.end(body);
  });
}

const POLLER = `
const http = require('node:http');
setInterval(() => {
  const t0 = process.hrtime.bigint();
  const req = http.get(process.argv[1], { agent: false, timeout: 5000 }, (res) => { res.resume(); res.on('end', () => process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode }) + '\\n')); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: 0 }) + '\\n'));
}, 100);
`;

async function main() {
  const backend = await startBenchBackend();
  const url = backend.url;
  const result = {
    suite: 'load-agents-users',
    date: new Date().toISOString(),
    database: 'MariaDB',
    setup: { agents: AGENTS, containersPerAgent: PER_AGENT, agentIntervalSeconds: INTERVAL, users: USERS, seconds: SECONDS, clusters: CLUSTERS }, // prettier-ignore
    machine: { cores: cpus().length, loadAverageAtStart: loadavg() },
  };
  const loads = [];
  const loadTimer = setInterval(() => loads.push(loadavg()[0]), 5000);
  let poller;
  try {
    // Migrations on a new MariaDB database take a while on a busy machine: wait up to 3 minutes.
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false
      );
      if (ok) break;
      if (i > 900) throw new Error('backend did not become ready in 3 minutes');
      await sleep(200);
    }
    const pushAgent = new HttpAgent({ keepAlive: true, maxSockets: 128 });
    const pushes = { ms: [], statuses: {}, errors: {}, samples: 0, batches: 0, late: 0, deferred: 0 };
    const record = (r, samples) => {
      pushes.statuses[r.status] = (pushes.statuses[r.status] || 0) + 1;
      if (r.error) pushes.errors[r.error] = (pushes.errors[r.error] || 0) + 1;
      if (r.status === 202) {
        pushes.ms.push(r.ms);
        pushes.batches++;
        pushes.samples += samples;
      }
    };
    // Warm-up: every agent reports once (entities created), untimed.
    console.log(`  warm-up: ${AGENTS} agents report once`);
    const t0 = Math.floor(Date.now() / 1000);
    for (let a = 0; a < AGENTS; a += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, AGENTS - a) }, (_, k) => post(url, gzipSync(JSON.stringify(agentBatch(a + k, t0 - INTERVAL, 0))), pushAgent)) // prettier-ignore
      );
    // Page queries of 50 users, against ids that exist.
    const get = async (path) => {
      const t = performance.now();
      try {
        const res = await fetch(`${url}${path}`, { headers: PAGE_HEADERS, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - t };
      } catch (e) {
        // No answer (connection closed, timed out): counted under status 0.
        return { status: 0, error: e.cause?.code ?? e.name, ms: performance.now() - t };
      }
    };
    const nodes = (await backend.get('/api/v1/nodes?pageSize=100')).items;
    const containers = (await backend.get('/api/v1/containers?pageSize=100')).items;
    const clusters = (await backend.get('/api/v1/clusters')).items;
    const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
    const QUERIES = {
      overview: () => '/api/v1/overview',
      clusters: () => '/api/v1/clusters',
      nodeList: () => '/api/v1/nodes?sort=cpu&order=desc',
      nodeDetail: () => `/api/v1/nodes/${pick(nodes).id}`,
      containerList: () => '/api/v1/containers?sort=cpu&order=desc&page=1&pageSize=50',
      containerDetail: () => `/api/v1/containers/${pick(containers).id}`,
      nodeSeries1h: (now) => `/api/v1/series?kind=node&id=${pick(nodes).id}&metrics=cpuCores,memBytes&from=${now - 3600}&to=${now}`, // prettier-ignore
      clusterSeries1h: (now) => `/api/v1/series?kind=cluster&id=${pick(clusters).id}&metrics=cpuCores&from=${now - 3600}&to=${now}`, // prettier-ignore
      top10: () => '/api/v1/top?metric=cpuCores&window=600&limit=10',
      heatmap: () => '/api/v1/heatmap?metric=cpuPercent',
      workloads: () => '/api/v1/k8s/workloads',
      agents: () => '/api/v1/agents',
    };
    const queries = Object.fromEntries(Object.keys(QUERIES).map((k) => [k, { ms: [], statuses: {} }]));

    poller = spawn(process.execPath, ['-e', POLLER, `${url}/healthz`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let pollOut = '';
    poller.stdout.on('data', (c) => (pollOut += c));

    const start = Date.now();
    const end = start + SECONDS * 1000;
    console.log(`  load: ${AGENTS} agents every ${INTERVAL} s and ${USERS} users for ${SECONDS} s`);
    // Agents: agent a pushes at start + (a / AGENTS) · INTERVAL + k · INTERVAL.
    const inflight = new Set();
    // Like a real agent: one push in flight per agent; a batch due while the last one is still on
    // its way waits in the agent's spool (counted here as deferred, not sent twice at once).
    const busy = new Set();
    const agentsDone = (async () => {
      const order = Array.from({ length: AGENTS }, (_, a) => a);
      for (let k = 1; ; k++) {
        for (const a of order) {
          const due = start + ((k - 1) * INTERVAL + (a / AGENTS) * INTERVAL) * 1000;
          if (due >= end) return;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          else if (wait < -1000) pushes.late++;
          if (busy.has(a)) {
            pushes.deferred++;
            continue;
          }
          const body = gzipSync(JSON.stringify(agentBatch(a, Math.floor(Date.now() / 1000), k)));
          busy.add(a);
          const p = post(url, body, pushAgent).then((r) => record(r, 1 + PER_AGENT));
          inflight.add(p);
          p.finally(() => {
            inflight.delete(p);
            busy.delete(a);
          });
        }
      }
    })();
    const users = Array.from({ length: USERS }, async () => {
      await sleep(Math.random() * 3000);
      while (Date.now() < end) {
        const name = pick(Object.keys(QUERIES));
        const r = await get(QUERIES[name](Math.floor(Date.now() / 1000)));
        const q = queries[name];
        q.statuses[r.status] = (q.statuses[r.status] || 0) + 1;
        if (r.status === 200) q.ms.push(r.ms);
        await sleep(1000 + Math.random() * 2000);
      }
    });
    await Promise.all([agentsDone, ...users]);
    await Promise.all([...inflight]);
    const elapsed = (Date.now() - start) / 1000;
    poller.kill('SIGTERM');
    await new Promise((r) => poller.once('exit', r));
    const probes = pollOut
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const offered = Math.floor((SECONDS / INTERVAL) * AGENTS);
    result.ingest = {
      batchesOffered: offered,
      batchesAccepted: pushes.batches,
      batchesPerSecond: round(pushes.batches / elapsed, 1),
      samplesPerSecond: Math.round(pushes.samples / elapsed),
      rowsNote: `each batch: 1 node sample + ${PER_AGENT} container samples, ${PER_AGENT} containers, 1 node, 1 inventory, 1 agent status`,
      pushLatency: stats(pushes.ms),
      statuses: pushes.statuses,
      errors: pushes.errors,
      pushesStartedOverOneSecondLate: pushes.late,
      batchesDeferredAgentBusy: pushes.deferred,
    };
    result.queries = Object.fromEntries(
      Object.entries(queries).map(([k, q]) => [k, { ...stats(q.ms), statuses: q.statuses }])
    );
    result.queryErrors = Object.values(queries).reduce(
      (n, q) => n + Object.entries(q.statuses).reduce((m, [s, c]) => m + (s === '200' ? 0 : c), 0),
      0
    );
    result.healthz = { ...stats(probes.filter((p) => p.status === 200).map((p) => p.ms)), failed: probes.filter((p) => p.status !== 200).length }; // prettier-ignore
    console.log(`  ingest: ${result.ingest.batchesAccepted}/${offered} batches (${result.ingest.batchesPerSecond}/s, ${result.ingest.samplesPerSecond} samples/s), push p95 ${result.ingest.pushLatency.p95ms} ms`); // prettier-ignore
    for (const [k, q] of Object.entries(result.queries)) console.log(`  ${k}: p50 ${q.p50ms} p95 ${q.p95ms} p99 ${q.p99ms} ms (${q.n})`); // prettier-ignore
    console.log(
      `  /healthz: max ${result.healthz.maxms} ms, p99 ${result.healthz.p99ms} ms, failed ${result.healthz.failed}`
    );
    pushAgent.destroy();
  } finally {
    clearInterval(loadTimer);
    if (poller && poller.exitCode === null) poller.kill('SIGKILL');
    await backend.stop();
  }
  // Other work on the machine skews every figure; record how busy it was.
  result.machine.loadAverageAtEnd = loadavg();
  result.machine.loadAverage1mMaxDuringRun = loads.length ? Math.max(...loads) : null;
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results/load-agents-users.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

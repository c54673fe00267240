#!/usr/bin/env node
// Probe cost benchmark (issue 16): the compiled agent (agent/dist, run `npx tsc -b agent` first)
// with the host collector and the probe runner, pushing to a local receiver whose ingest replies
// define 0, then 100 HTTP probes against one local busybox httpd container. Reports the agent's
// CPU seconds per second and RSS in each run and the difference (the cost of 100 probes), with
// the load average. Writes bench/results/agent-probes.json. Removes its container.
const { execFileSync } = require('node:child_process');
const { createServer } = require('node:http');
const { loadavg } = require('node:os');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const {
  ROOT,
  IMAGE,
  docker,
  sleep,
  removeLabelled,
  startAgent,
  watchProcess,
  machine,
  writeResult,
  runSuite,
} = require('../lib/agent');

const LABEL = `fleetlens.bench=agent-probes-${process.pid}`;
const WINDOW = Number(process.env.BENCH_WINDOW_SECONDS || 60);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS || 15);
const PROBE_INTERVAL = Number(process.env.BENCH_PROBE_INTERVAL_SECONDS || 10);
const COUNTS = [0, 100];
const MB = 2 ** 20;

async function main() {
  execFileSync('sh', [join(ROOT, 'scripts', 'build-test-image.sh')], { stdio: 'inherit' });
  const id = docker(
    'run',
    '-d',
    '--name',
    `h16a-bench-probes-${process.pid}`,
    '--label',
    LABEL,
    IMAGE,
    'httpd',
    '-f',
    '-p',
    '8080',
    '-h',
    '/www'
  );
  const ip = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);

  // A stand-in backend: accepts every batch and replies with the defined probes of the current run.
  let probes = [];
  const received = { batches: 0, probeResults: 0, up: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let batchId = '';
      try {
        const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
        batchId = body.batchId;
        received.batches++;
        received.probeResults += (body.probeResults || []).length;
        received.up += (body.probeResults || []).filter((r) => r.up).length;
      } catch {
        /* counted as nothing */
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ batchId, serverTime: Math.floor(Date.now() / 1000), probes }));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const backendUrl = `http://127.0.0.1:${server.address().port}`;

  const runs = [];
  for (const count of COUNTS) {
    probes = Array.from({ length: count }, (_, i) => ({
      id: `bench-${i}`,
      service: { name: `bench-${i % 10}` },
      kind: 'http',
      target: `http://${ip}:8080/index.html?probe=${i}`,
      intervalSeconds: PROBE_INTERVAL,
      timeoutSeconds: 5,
    }));
    const agent = startAgent(backendUrl, {
      FLEETLENS_NODE_NAME: 'bench-node',
      FLEETLENS_INTERVAL_SECONDS: '10',
      FLEETLENS_COLLECTORS: 'host',
    });
    try {
      await sleep(WARMUP * 1000);
      agent.assertRunning();
      const r0 = received.probeResults;
      const up0 = received.up;
      const w = await watchProcess(agent.pid, WINDOW);
      const r = {
        probes: count,
        probeIntervalSeconds: PROBE_INTERVAL,
        windowSeconds: Math.round(w.secs),
        agentCpuSecondsPerSecond: +w.cpuSecondsPerSecond.toFixed(5),
        agentRssAvgMB: +(w.rssAvgBytes / MB).toFixed(1),
        agentRssPeakMB: +(w.rssPeakBytes / MB).toFixed(1),
        agentVmHwmMB: +(w.hwmBytes / MB).toFixed(1),
        probeResultsReceived: received.probeResults - r0,
        probeResultsUp: received.up - up0,
        loadAverage1m: +loadavg()[0].toFixed(2),
      };
      console.log(JSON.stringify(r));
      runs.push(r);
    } finally {
      await agent.stop();
    }
  }
  server.close();
  const [none, hundred] = runs;
  const out = {
    suite: 'agent-probes',
    date: new Date().toISOString(),
    machine: machine(),
    method:
      'agent = node agent/dist/main.js (host collector + probe runner, 10 s agent interval) pushing to a local receiver whose replies define the probes ' +
      `(0, then 100 HTTP GETs of a busybox httpd page, every ${PROBE_INTERVAL} s each); CPU from /proc/<pid>/stat utime+stime over the window ` +
      'after a warm-up; RSS sampled every 0.5 s from /proc/<pid>/status. Extra = the 100-probe run minus the 0-probe run.',
    per100Probes: {
      extraCpuSecondsPerSecond: +(hundred.agentCpuSecondsPerSecond - none.agentCpuSecondsPerSecond).toFixed(5),
      // RSS moves with garbage collection by a few MB either way; the average, the peak and the
      // kernel's high-water mark are all given.
      extraRssAvgMB: +(hundred.agentRssAvgMB - none.agentRssAvgMB).toFixed(1),
      extraRssPeakMB: +(hundred.agentRssPeakMB - none.agentRssPeakMB).toFixed(1),
      extraVmHwmMB: +(hundred.agentVmHwmMB - none.agentVmHwmMB).toFixed(1),
      probeRunsPerSecond: +(100 / PROBE_INTERVAL).toFixed(2),
    },
    runs,
  };
  writeResult('agent-probes', out);
}

runSuite(main, () => removeLabelled(LABEL));

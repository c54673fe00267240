#!/usr/bin/env node
// Agent overhead benchmark: 50 running busybox containers on the local Docker engine, the
// compiled agent (agent/dist, run `npx tsc -b agent` first) pushing to a local receiver at a
// 10 s and at a 2 s interval. Reports the agent's average CPU (% of one core) and peak RSS, and
// the extra CPU the agent causes in dockerd (dockerd with the agent minus dockerd idle, over
// equally long windows). Writes bench/results/agent-overhead.json. Removes its containers.
const { execFileSync } = require('node:child_process');
const { createServer } = require('node:http');
const { loadavg } = require('node:os');
const { join } = require('node:path');
const {
  ROOT,
  IMAGE,
  docker,
  sleep,
  cpuSeconds,
  removeLabelled,
  startAgent,
  watchProcess,
  machine,
  writeResult,
  runSuite,
} = require('../lib/agent');

const CONTAINERS = Number(process.env.BENCH_CONTAINERS || 50);
const LABEL = `fleetlens.bench=agent-overhead-${process.pid}`;
const RUNS = [
  { intervalSeconds: 10, warmupSeconds: 15, windowSeconds: 60 },
  { intervalSeconds: 2, warmupSeconds: 6, windowSeconds: 40 },
];

function dockerdPid() {
  const out = execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(/\s+/);
  return Number(out[0]);
}

/** Average CPU of `pid` over `seconds`, as % of one core. */
async function cpuPercent(pid, seconds) {
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return ((cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000)) * 100;
}

async function main() {
  execFileSync('sh', [join(ROOT, 'scripts', 'build-test-image.sh')], { stdio: 'inherit' });
  const existing = docker('ps', '-q').split('\n').filter(Boolean).length;

  // A stand-in backend: accepts every batch (202) and counts them.
  const received = { batches: 0, bytes: 0 };
  const server = createServer((req, res) => {
    let n = 0;
    req.on('data', (c) => (n += c.length));
    req.on('end', () => {
      received.batches++;
      received.bytes += n;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const backendUrl = `http://127.0.0.1:${server.address().port}`;

  console.log(`starting ${CONTAINERS} containers…`);
  for (let i = 0; i < CONTAINERS; i++) {
    // Mostly idle, one log line every 5 s each: the agent's log path is exercised too.
    docker(
      'run',
      '-d',
      '--name',
      `fl-bench-${process.pid}-${i}`,
      '--label',
      LABEL,
      IMAGE,
      'sh',
      '-c',
      'while true; do echo "tick $(date)"; sleep 5; done'
    );
  }
  const dockerd = dockerdPid();
  await sleep(5000);
  console.log('measuring dockerd without the agent…');
  const results = [];
  for (const run of RUNS) {
    const dockerdIdle = await cpuPercent(dockerd, run.windowSeconds);
    const agent = startAgent(backendUrl, {
      FLEETLENS_INTERVAL_SECONDS: String(run.intervalSeconds),
      FLEETLENS_COLLECTORS: 'host,docker',
    });
    try {
      await sleep(run.warmupSeconds * 1000);
      agent.assertRunning();
      const batches0 = received.batches;
      const bytes0 = received.bytes;
      const d0 = cpuSeconds(dockerd);
      const w = await watchProcess(agent.pid, run.windowSeconds, 250);
      const dockerdWith = ((cpuSeconds(dockerd) - d0) / w.secs) * 100;
      const batches = received.batches - batches0;
      const r = {
        intervalSeconds: run.intervalSeconds,
        windowSeconds: Math.round(w.secs),
        containersRunning: CONTAINERS + existing,
        agentCpuPercentOfCore: +(w.cpuSecondsPerSecond * 100).toFixed(3),
        // The kernel's high-water mark since the agent started, and the peak sampled in the window.
        agentPeakRssMB: +(w.hwmBytes / 2 ** 20).toFixed(1),
        agentPeakRssInWindowMB: +(w.rssPeakBytes / 2 ** 20).toFixed(1),
        dockerdCpuPercentIdle: +dockerdIdle.toFixed(3),
        dockerdCpuPercentWithAgent: +dockerdWith.toFixed(3),
        dockerdExtraCpuPercent: +(dockerdWith - dockerdIdle).toFixed(3),
        // Other work on the machine inflates dockerd's numbers (not the agent's CPU time): recorded.
        loadAverage1m: +loadavg()[0].toFixed(2),
        batchesReceived: batches,
        avgBatchBytesGzip: batches ? Math.round((received.bytes - bytes0) / batches) : null,
      };
      console.log(JSON.stringify(r));
      results.push(r);
    } finally {
      await agent.stop();
    }
  }
  server.close();
  const ten = results.find((r) => r.intervalSeconds === 10);
  const out = {
    suite: 'agent-overhead',
    date: new Date().toISOString(),
    machine: machine({ docker: docker('version', '--format', '{{.Server.Version}}') }),
    containers: CONTAINERS,
    method:
      'agent = node agent/dist/main.js (host + docker collectors, logs on) pushing gzip batches to a local 202 receiver; ' +
      'CPU from /proc/<pid>/stat utime+stime over the window; peak RSS = VmHWM; dockerd extra = dockerd CPU with the agent minus an equally long window without it just before',
    targets: { intervalSeconds: 10, agentCpuPercentOfCore: '< 1', agentPeakRssMB: '< 80' },
    meetsTargets: !!ten && ten.agentCpuPercentOfCore < 1 && ten.agentPeakRssMB < 80,
    runs: results,
  };
  writeResult('agent-overhead', out);
}

runSuite(main, () => removeLabelled(LABEL));

#!/usr/bin/env node
// Probe cost benchmark (issue 16): the compiled agent (agent/dist, run `npx tsc -b agent` first)
// with the host collector and the probe runner, pushing to a local receiver whose ingest replies
// define 0, then 100 HTTP probes against one local busybox httpd container. Reports the agent's
// CPU seconds per second and RSS in each run and the difference (the cost of 100 probes), with
// the load average. Writes bench/results/agent-probes.json. Removes its container.
const { execFileSync, spawn } = require('node:child_process');
const { createServer } = require('node:http');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'agent', 'dist', 'main.js');
const IMAGE = 'fleetlens-busybox:test';
const LABEL = `fleetlens.bench=agent-probes-${process.pid}`;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const WINDOW = Number(process.env.BENCH_WINDOW_SECONDS || 60);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS || 15);
const PROBE_INTERVAL = Number(process.env.BENCH_PROBE_INTERVAL_SECONDS || 10);
const COUNTS = [0, 100];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const docker = (...args) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

function status(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

function cleanup() {
  try {
    const ids = docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean);
    if (ids.length) docker('rm', '-f', ...ids);
  } catch (e) {
    console.error(`cleanup: ${e.message}`);
  }
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run "npx tsc -b agent" first`);
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
    const state = mkdtempSync(join(tmpdir(), 'h16a-bench-probes-'));
    const agent = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        FLEETLENS_BACKEND_URL: backendUrl,
        FLEETLENS_AGENT_TOKEN: 'bench-token-0123456789',
        FLEETLENS_CLUSTER_NAME: 'bench',
        FLEETLENS_NODE_NAME: 'bench-node',
        FLEETLENS_INTERVAL_SECONDS: '10',
        FLEETLENS_STATE_DIR: state,
        FLEETLENS_COLLECTORS: 'host',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    agent.stderr.on('data', (c) => (stderr += c));
    try {
      await sleep(WARMUP * 1000);
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
      const r0 = received.probeResults;
      const up0 = received.up;
      const c0 = cpuSeconds(agent.pid);
      const t0 = Date.now();
      const rss = [];
      while (Date.now() - t0 < WINDOW * 1000) {
        await sleep(500);
        rss.push(status(agent.pid, 'VmRSS') || 0);
      }
      const secs = (Date.now() - t0) / 1000;
      const r = {
        probes: count,
        probeIntervalSeconds: PROBE_INTERVAL,
        windowSeconds: Math.round(secs),
        agentCpuSecondsPerSecond: +((cpuSeconds(agent.pid) - c0) / secs).toFixed(5),
        agentRssAvgMB: +(rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20).toFixed(1),
        agentRssPeakMB: +(Math.max(...rss) / 2 ** 20).toFixed(1),
        agentVmHwmMB: +((status(agent.pid, 'VmHWM') || 0) / 2 ** 20).toFixed(1),
        probeResultsReceived: received.probeResults - r0,
        probeResultsUp: received.up - up0,
        loadAverage1m: +loadavg()[0].toFixed(2),
      };
      console.log(JSON.stringify(r));
      runs.push(r);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode !== null ? r() : agent.once('exit', r)));
      rmSync(state, { recursive: true, force: true });
    }
  }
  server.close();
  const [none, hundred] = runs;
  const out = {
    suite: 'agent-probes',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
    },
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
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'agent-probes.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main()
  .then(() => {
    cleanup();
    process.exit(0);
  })
  .catch((e) => {
    console.error(e);
    cleanup();
    process.exit(1);
  });

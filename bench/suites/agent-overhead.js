#!/usr/bin/env node
// Agent overhead benchmark: 50 running busybox containers on the local Docker engine, the
// compiled agent (agent/dist, run `npx tsc -b agent` first) pushing to a local receiver at a
// 10 s and at a 2 s interval. Reports the agent's average CPU (% of one core) and peak RSS, and
// the extra CPU the agent causes in dockerd (dockerd with the agent minus dockerd idle, over
// equally long windows). Writes bench/results/agent-overhead.json. Removes its containers.
const { execFileSync, spawn } = require('node:child_process');
const { createServer } = require('node:http');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'agent', 'dist', 'main.js');
const IMAGE = 'fleetlens-busybox:test';
const CONTAINERS = Number(process.env.BENCH_CONTAINERS || 50);
const LABEL = `fleetlens.bench=agent-overhead-${process.pid}`;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const RUNS = [
  { intervalSeconds: 10, warmupSeconds: 15, windowSeconds: 60 },
  { intervalSeconds: 2, warmupSeconds: 6, windowSeconds: 40 },
];
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

function cleanup() {
  try {
    const ids = docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 25) docker('rm', '-f', ...ids.slice(i, i + 25));
  } catch (e) {
    console.error(`cleanup: ${e.message}`);
  }
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run "npx tsc -b agent" first`);
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
    const state = mkdtempSync(join(tmpdir(), 'fl-bench-agent-'));
    const agent = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        FLEETLENS_BACKEND_URL: backendUrl,
        FLEETLENS_AGENT_TOKEN: 'bench-token-0123456789',
        FLEETLENS_CLUSTER_NAME: 'bench',
        FLEETLENS_INTERVAL_SECONDS: String(run.intervalSeconds),
        FLEETLENS_STATE_DIR: state,
        FLEETLENS_COLLECTORS: 'host,docker',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    agent.stderr.on('data', (c) => (stderr += c));
    try {
      await sleep(run.warmupSeconds * 1000);
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
      const batches0 = received.batches;
      const bytes0 = received.bytes;
      const c0 = cpuSeconds(agent.pid);
      const d0 = cpuSeconds(dockerd);
      const t0 = Date.now();
      let peakRss = 0;
      while (Date.now() - t0 < run.windowSeconds * 1000) {
        await sleep(250);
        peakRss = Math.max(peakRss, status(agent.pid, 'VmRSS') || 0);
      }
      const secs = (Date.now() - t0) / 1000;
      const agentCpu = ((cpuSeconds(agent.pid) - c0) / secs) * 100;
      const dockerdWith = ((cpuSeconds(dockerd) - d0) / secs) * 100;
      const hwm = status(agent.pid, 'VmHWM') || peakRss; // kernel's high-water mark since start
      const batches = received.batches - batches0;
      const r = {
        intervalSeconds: run.intervalSeconds,
        windowSeconds: Math.round(secs),
        containersRunning: CONTAINERS + existing,
        agentCpuPercentOfCore: +agentCpu.toFixed(3),
        agentPeakRssMB: +(hwm / 2 ** 20).toFixed(1),
        agentPeakRssInWindowMB: +(peakRss / 2 ** 20).toFixed(1),
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
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode !== null ? r() : agent.once('exit', r)));
      rmSync(state, { recursive: true, force: true });
    }
  }
  server.close();
  const ten = results.find((r) => r.intervalSeconds === 10);
  const out = {
    suite: 'agent-overhead',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      docker: docker('version', '--format', '{{.Server.Version}}'),
    },
    containers: CONTAINERS,
    method:
      'agent = node agent/dist/main.js (host + docker collectors, logs on) pushing gzip batches to a local 202 receiver; ' +
      'CPU from /proc/<pid>/stat utime+stime over the window; peak RSS = VmHWM; dockerd extra = dockerd CPU with the agent minus an equally long window without it just before',
    targets: { intervalSeconds: 10, agentCpuPercentOfCore: '< 1', agentPeakRssMB: '< 80' },
    meetsTargets: !!ten && ten.agentCpuPercentOfCore < 1 && ten.agentPeakRssMB < 80,
    runs: results,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'agent-overhead.json'), JSON.stringify(out, null, 2) + '\n');
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

// What the agent benchmarks share: the compiled agent as a child process, /proc readings of a
// process's CPU time and memory, Docker by label, and a suite's main with clean-up on any exit.
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'agent', 'dist', 'main.js');
const IMAGE = 'fleetlens-busybox:test';
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const docker = (...args) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** utime + stime of a process, in seconds (/proc/<pid>/stat). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** A size field of /proc/<pid>/status (VmRSS, VmHWM) in bytes, or null. */
function procStatusBytes(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

/** Removes every container with this label (`key=value`), 25 at a time. */
function removeLabelled(label) {
  try {
    const ids = docker('ps', '-aq', '--filter', `label=${label}`).split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 25) docker('rm', '-f', ...ids.slice(i, i + 25));
  } catch (e) {
    console.error(`cleanup: ${e.message}`);
  }
}

/**
 * Starts the compiled agent against `backendUrl` with a fresh state dir and `env` on top of the
 * bench defaults; `stop()` ends it and removes the state dir.
 */
function startAgent(backendUrl, env) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run "npx tsc -b agent" first`);
  const state = mkdtempSync(join(tmpdir(), 'fl-bench-agent-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      FLEETLENS_BACKEND_URL: backendUrl,
      FLEETLENS_AGENT_TOKEN: 'bench-token-0123456789',
      FLEETLENS_CLUSTER_NAME: 'bench',
      FLEETLENS_STATE_DIR: state,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return {
    pid: child.pid,
    /** Throws with the agent's stderr if it has exited (e.g. after the warm-up). */
    assertRunning() {
      if (child.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * Watches `pid` for `seconds`: its CPU seconds per second, and its RSS sampled every `everyMs`
 * (average, peak) with the kernel's high-water mark at the end.
 */
async function watchProcess(pid, seconds, everyMs = 500) {
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  const rss = [];
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(everyMs);
    rss.push(procStatusBytes(pid, 'VmRSS') || 0);
  }
  const secs = (Date.now() - t0) / 1000;
  const peak = Math.max(...rss);
  return {
    secs,
    cpuSecondsPerSecond: (cpuSeconds(pid) - c0) / secs,
    rssAvgBytes: rss.reduce((a, b) => a + b, 0) / rss.length,
    rssPeakBytes: peak,
    hwmBytes: procStatusBytes(pid, 'VmHWM') || peak,
  };
}

/** The machine facts every result carries. */
const machine = (extra = {}) => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  node: process.version,
  loadAverage: loadavg().map((l) => +l.toFixed(2)),
  ...extra,
});

/** Writes bench/results/<name>.json and prints it. */
function writeResult(name, out) {
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
}

/** Runs a suite's `main`, calling `cleanup` however it ends (done, failed, Ctrl-C), with the exit code. */
function runSuite(main, cleanup) {
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
}

module.exports = {
  ROOT,
  IMAGE,
  sleep,
  docker,
  cpuSeconds,
  procStatusBytes,
  removeLabelled,
  startAgent,
  watchProcess,
  machine,
  writeResult,
  runSuite,
};

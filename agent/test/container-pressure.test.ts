import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSample, Event } from '@fleetlens/protocol';
import { DockerCollector } from '../src/collectors/docker';
import {
  IMAGE,
  SOCKET,
  docker,
  dockerAvailable,
  dockerStatsCli,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// OOM kills, CPU throttling and the parts of memory on real containers (issue 12). The references
// are independent of the agent: the cgroup files read here by the test with its own parsing, the
// engine's own event stream (`docker events`) and `docker stats --no-stream`.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;
const MiB = 1024 * 1024;

/** The test's own reader of "key value" cgroup files (not the agent's parser). */
function kv(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [k, v] = line.trim().split(' ');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

/** cgroup v1 directory of a container for a controller (these machines: cgroupfs driver, /docker/<id>). */
const cg = (controller: string, id: string) => `/sys/fs/cgroup/${controller}/docker/${id}`;

function memoryByHand(id: string) {
  const st = kv(join(cg('memory', id), 'memory.stat'));
  const usage = Number(readFileSync(join(cg('memory', id), 'memory.usage_in_bytes'), 'utf8').trim());
  return {
    usage,
    anon: st.total_rss,
    active: st.total_active_file,
    inactive: st.total_inactive_file,
    ws: Math.max(0, usage - st.total_inactive_file),
  };
}

describeDocker('OOM kills, throttling and memory parts against a real Docker engine', () => {
  const run = runLabel('fltest-pressure');
  const label = `fleetlens.test=${run}`;
  const ids: Record<string, string> = {};
  let stateDir: string;
  let agent: DockerCollector;
  let api: DockerCollector;
  let startSec: number;
  const events: Event[] = [];
  type Hand = ReturnType<typeof memoryByHand>;
  interface One {
    samplesById: Map<string, ContainerSample>;
    mem: { before: Hand; after: Hand };
    /** cpu.stat of the burner right before and right after the collect, and the collect's time. */
    cpu: { at: number; done: number; before: Record<string, number>; after: Record<string, number> };
  }
  const cycles: Array<{ cg: One; api: One }> = [];

  const start = (name: string, args: string[], cmd: string) => {
    ids[name] = docker('run', '-d', '--name', `${run}-${name}`, '--label', label, ...args, IMAGE, 'sh', '-c', cmd);
  };
  const readCpu = () => kv(join(cg('cpu', ids.burner), 'cpu.stat'));
  /** One cycle of each collector, each bracketed by the test's own reads of the cgroup files. */
  const cycle = async () => {
    const one = async (c: DockerCollector) => {
      const mem0 = memoryByHand(ids.mem);
      const cpu0 = readCpu();
      const now = Date.now();
      const parts = await c.collect(now);
      const done = Date.now();
      const cpu1 = readCpu();
      const mem1 = memoryByHand(ids.mem);
      const samplesById = new Map(
        (parts.containers ?? []).filter((x) => x.samples[0]).map((x) => [x.id, x.samples[0]])
      );
      return {
        parts,
        samplesById,
        mem: { before: mem0, after: mem1 },
        cpu: { at: now, done, before: cpu0, after: cpu1 },
      };
    };
    const a = await one(agent);
    const b = await one(api);
    events.push(...(a.parts.events ?? []));
    cycles.push({ cg: a, api: b });
  };

  beforeAll(async () => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'fl-pressure-state-'));
    const opts = {
      nodeName: 'pressure-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      stateDir,
      logsEnabled: false,
      logLinesPerCycle: 0,
      labelFilter: { 'fleetlens.test': run },
    };
    agent = new DockerCollector({ ...opts, usageSource: 'auto' });
    api = new DockerCollector({ ...opts, usageSource: 'api' });
    startSec = Math.floor(Date.now() / 1000);
    await agent.start(Date.now());
    await api.start(Date.now());
    expect(agent.usageSource).toBe('cgroup v1');
    // Three children killed by the OOM killer; the container (its shell) lives on.
    start(
      'oomchild',
      ['-m', '16m', '--memory-swap', '16m'],
      'for i in 1 2 3; do dd if=/dev/zero of=/dev/null bs=64M count=1; done; exec sleep 3600'
    );
    // The kill ends the container: its cgroup is gone before the agent can read the counter.
    start('oomdie', ['-m', '16m', '--memory-swap', '16m'], 'exec dd if=/dev/zero of=/dev/null bs=64M count=1');
    start('burner', ['--cpus', '0.2'], 'yes > /dev/null');
    // Page cache: 64 MiB written and read back (active), 32 MiB written once (inactive); 32 MiB of
    // anonymous memory (a shell variable; the loop keeps the shell from exec-ing its last command).
    start(
      'mem',
      ['-m', '256m'],
      'dd if=/dev/zero of=/tmp/f bs=1M count=64 2>/dev/null; cat /tmp/f > /dev/null; ' +
        'dd if=/dev/zero of=/tmp/g bs=1M count=32 2>/dev/null; x=$(yes | head -c 33554432); touch /tmp/ready; ' +
        'while :; do sleep 3600; done'
    );
    // Let the kills happen and the memory settle (the mem container says when), then the cycles.
    await sleep(3000);
    for (let n = 0; n < 120; n++) {
      try {
        docker('exec', ids.mem, 'ls', '/tmp/ready');
        break;
      } catch {
        await sleep(500);
      }
    }
    await cycle();
    await sleep(5000);
    await cycle();
    await sleep(1500);
    await cycle(); // the Docker events of the kills have surely arrived by now
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await api?.stop();
    removeLabelled(label);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('OOM kills: one event per kill, equal to the cgroup counter and to the engine`s oom events', () => {
    const untilSec = Math.floor(Date.now() / 1000) + 1;
    const engine = docker(
      'events',
      '--since',
      String(startSec - 1),
      '--until',
      String(untilSec),
      '--filter',
      `label=${label}`,
      '--filter',
      'event=oom',
      '--format',
      '{{.Actor.ID}}'
    )
      .split('\n')
      .filter(Boolean);
    const count = (list: string[], id: string) => list.filter((x) => x === id).length;
    const agentKills = events.filter((e) => e.reason === 'oom').map((e) => e.containerId ?? '');
    const cgroupKills = kv(join(cg('memory', ids.oomchild), 'memory.oom_control')).oom_kill;

    expect(cgroupKills).toBe(3);
    expect(count(engine, ids.oomchild)).toBe(3);
    expect(count(agentKills, ids.oomchild)).toBe(3);
    expect(existsSync(cg('memory', ids.oomdie))).toBe(false); // nothing left to read: the engine's event counts it
    expect(count(engine, ids.oomdie)).toBe(1);
    expect(count(agentKills, ids.oomdie)).toBe(1);
    expect(agentKills.filter((id) => id !== ids.oomchild && id !== ids.oomdie)).toEqual([]);
    for (const e of events.filter((x) => x.reason === 'oom'))
      expect(e).toMatchObject({ type: 'warning', objectKind: 'container', category: 'security' });
    // The kills are told apart (distinct messages), so the backend's idempotent event ids keep all of them.
    expect(
      new Set(events.filter((e) => e.containerId === ids.oomchild && e.reason === 'oom').map((e) => e.message)).size
    ).toBe(3);
  });

  test('CPU throttling agrees with the cgroup cpu.stat deltas the test read around the same cycles', () => {
    // The agent read cpu.stat during each collect, so its counters lie between the test's reads
    // right before and right after: its deltas are bounded by [before₂ − after₁, after₂ − before₁].
    const check = (which: 'cg' | 'api') => {
      const c1 = cycles[0][which].cpu;
      const c2 = cycles[1][which].cpu;
      const range = (k: string) => [c2.before[k] - c1.after[k], c2.after[k] - c1.before[k]];
      const [pLo, pHi] = range('nr_periods');
      const [tLo, tHi] = range('nr_throttled');
      const [nsLo, nsHi] = range('throttled_time');
      const secs = (c2.at - c1.at) / 1000;
      // The agent's readings fall somewhere inside each collect: its interval lies between these.
      const secsLo = (c2.at - c1.done) / 1000;
      const secsHi = (c2.done - c1.at) / 1000;
      const hand = {
        pctLo: (tLo / pHi) * 100,
        pctHi: Math.min(100, (tHi / Math.max(1, pLo)) * 100),
        spsLo: nsLo / 1e9 / secsHi,
        spsHi: nsHi / 1e9 / secsLo,
      };
      const x = cycles[1][which].samplesById.get(ids.burner)!;
      console.log(
        `throttling (${which}): agent ${x.cpuThrottledPercent?.toFixed(2)} %, ${x.cpuThrottledSecondsPerSecond?.toFixed(4)} s/s; ` +
          `cgroup file ${hand.pctLo.toFixed(2)}–${hand.pctHi.toFixed(2)} %, ${hand.spsLo.toFixed(4)}–${hand.spsHi.toFixed(4)} s/s ` +
          `(periods ${pLo}–${pHi}, throttled ${tLo}–${tHi}, ${secs.toFixed(2)} s)`
      );
      expect(pLo).toBeGreaterThan(10);
      return { x, hand };
    };
    const eps = 1e-9;
    for (const { x, hand } of [check('cg'), check('api')]) {
      expect(x.cpuThrottledPercent!).toBeGreaterThanOrEqual(hand.pctLo - eps);
      expect(x.cpuThrottledPercent!).toBeLessThanOrEqual(hand.pctHi + eps);
      expect(x.cpuThrottledSecondsPerSecond!).toBeGreaterThanOrEqual(hand.spsLo - eps);
      expect(x.cpuThrottledSecondsPerSecond!).toBeLessThanOrEqual(hand.spsHi + eps);
    }
    // A container without a CPU limit has no CFS periods: 0 % throttled, never a division by zero.
    expect(cycles[1].cg.samplesById.get(ids.mem)).toMatchObject({
      cpuThrottledPercent: 0,
      cpuThrottledSecondsPerSecond: 0,
    });
  });

  test('memory parts equal memory.stat read around the same cycle, and the working set docker stats', () => {
    const s = cycles[2].cg.samplesById.get(ids.mem)!;
    for (const which of ['cg', 'api'] as const) {
      const x = cycles[2][which].samplesById.get(ids.mem)!;
      const { before: b, after: a } = cycles[2][which].mem;
      const within = (v: number | null | undefined, p: number, q: number, slack = 256 * 1024) =>
        v !== null && v !== undefined && v >= Math.min(p, q) - slack && v <= Math.max(p, q) + slack;
      expect([which, 'usage', within(x.memUsageBytes, b.usage, a.usage)]).toEqual([which, 'usage', true]);
      expect([which, 'anon', within(x.memAnonBytes, b.anon, a.anon)]).toEqual([which, 'anon', true]);
      expect([which, 'active', within(x.memActiveFileBytes, b.active, a.active)]).toEqual([which, 'active', true]);
      expect([which, 'inactive', within(x.memInactiveFileBytes, b.inactive, a.inactive)]).toEqual([
        which,
        'inactive',
        true,
      ]);
      expect([which, 'ws', within(x.memBytes, b.ws, a.ws)]).toEqual([which, 'ws', true]);
    }
    const a = cycles[2].cg.mem.after;
    // What the workload made: ≥ 32 MiB anonymous, most of the 96 MiB of files in the page cache.
    expect(s.memAnonBytes!).toBeGreaterThanOrEqual(32 * MiB);
    expect(s.memActiveFileBytes! + s.memInactiveFileBytes!).toBeGreaterThanOrEqual(90 * MiB);
    const hand0 = memoryByHand(ids.mem);
    const cli = dockerStatsCli([ids.mem]).get(ids.mem)!;
    const hand1 = memoryByHand(ids.mem);
    console.log(
      `memory: agent usage ${s.memUsageBytes}, anon ${s.memAnonBytes}, active file ${s.memActiveFileBytes}, ` +
        `inactive file ${s.memInactiveFileBytes}, working set ${s.memBytes}; memory.stat ${JSON.stringify(a)}; ` +
        `docker stats ${cli.memBytes}`
    );
    // docker stats rounds to three digits (e.g. "37.1MiB"): it agrees within 2 % with the cgroup
    // file read around it, and, the workload being settled, with the agent's working set. The
    // kernel still moves a page-cache megabyte now and then (CI once read 101.5 then 100.5 MiB
    // around one docker stats), so "settled" is within 2 %, and the CLI is held to that range.
    const [wsLo, wsHi] = [Math.min(hand0.ws, hand1.ws), Math.max(hand0.ws, hand1.ws)];
    expect((wsHi - wsLo) / wsHi).toBeLessThanOrEqual(0.02);
    expect(cli.memBytes).toBeGreaterThanOrEqual(wsLo * 0.98);
    expect(cli.memBytes).toBeLessThanOrEqual(wsHi * 1.02);
    expect(Math.abs(s.memBytes! - cli.memBytes) / cli.memBytes).toBeLessThanOrEqual(0.02);
    expect(s.memLimitBytes).toBe(256 * MiB);
  });

  test('a restarting container keeps the exit code of its last run (State.ExitCode, as its die events say) and has no sample', async () => {
    start('crashy', ['--restart', 'always'], 'sleep 1; exit 3');
    // The engine's restart backoff doubles (100 ms, 200 ms, …): poll until a cycle meets it restarting.
    let seen: { state: string; exitCode: number | null; samples: number } | null = null;
    for (let n = 0; n < 100 && !seen; n++) {
      const parts = await agent.collect(Date.now());
      const r = parts.containers?.find((c) => c.id === ids.crashy);
      if (r?.state === 'restarting') seen = { state: r.state, exitCode: r.exitCode, samples: r.samples.length };
      else await sleep(200);
    }
    expect(seen).not.toBeNull();
    // The engine's own record of each run's end: every die event says exit code 3.
    const dies = docker(
      'events',
      '--since',
      String(startSec - 1),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      `container=${ids.crashy}`,
      '--filter',
      'event=die',
      '--format',
      '{{.Actor.Attributes.exitCode}}'
    )
      .split('\n')
      .filter(Boolean);
    expect(dies.length).toBeGreaterThan(0);
    expect(new Set(dies)).toEqual(new Set(['3']));
    expect(seen).toEqual({ state: 'restarting', exitCode: 3, samples: 0 });
  }, 60_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerReport, Event, LogLine } from '@fleetlens/protocol';
import { IngestBatch } from '@fleetlens/protocol';
import { DockerCollector } from '../src/collectors/docker';
import type { BatchParts } from '../src/collectors/types';
import {
  IMAGE,
  SOCKET,
  blockDeviceOf,
  docker,
  dockerAvailable,
  dockerStatsCli,
  engineCounters,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// Real Docker engine, real containers from the locally imported busybox image. Reference numbers
// come from `docker stats --no-stream` (CPU, memory, limit, PIDs) and from the engine's stats API
// read over the same interval as the agent (network and block I/O counters), never from the agent.
const HAVE_DOCKER = dockerAvailable();
// Without an engine (and without REQUIRE_DOCKER=1, which fails above) these tests are skipped.
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

describeDocker('docker collector against a real Docker engine', () => {
  const run = runLabel('fltest-docker');
  const label = `fleetlens.test=${run}`;
  const ids: Record<string, string> = {};
  let stateDir: string;
  let dataDir: string;
  let cg: DockerCollector;
  let api: DockerCollector;
  const cycles: Array<{ cg: BatchParts; api: BatchParts; at: number; done: number }> = [];

  const start = (name: string, args: string[], cmd: string) => {
    ids[name] = docker('run', '-d', '--name', `${run}-${name}`, '--label', label, ...args, IMAGE, 'sh', '-c', cmd);
  };
  const collectBoth = async () => {
    const now = Date.now();
    const [a, b] = await Promise.all([cg.collect(now), api.collect(now)]);
    cycles.push({ cg: a, api: b, at: now, done: Date.now() });
    return { cg: a, api: b };
  };
  const report = (parts: BatchParts, name: string): ContainerReport => {
    const r = parts.containers?.find((c) => c.id === ids[name]);
    if (!r) throw new Error(`no report for ${name}`);
    return r;
  };
  const sampleOf = (parts: BatchParts, name: string) => {
    const s = report(parts, name).samples[0];
    if (!s) throw new Error(`no sample for ${name}`);
    return s;
  };

  beforeAll(async () => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'fl-docker-state-'));
    dataDir = mkdtempSync(join(tmpdir(), 'fl-docker-data-'));
    const dev = blockDeviceOf(dataDir);
    const throttle = dev ? ['--device-write-bps', `${dev}:2gb`, '--device-read-bps', `${dev}:2gb`] : [];
    start('burner', ['--cpus', '0.5', '-m', '256m'], 'yes > /dev/null');
    // Idle, holding 48 MiB in a tmpfs (shmem: counted in the working set, unlike page cache).
    start(
      'idle',
      ['--tmpfs', '/hold:size=128m'],
      'dd if=/dev/zero of=/hold/fill bs=1M count=48 2>/dev/null; exec sleep 3600'
    );
    start('web', [], 'dd if=/dev/zero of=/www/big bs=1k count=512 2>/dev/null; exec httpd -f -p 8080 -h /www');
    const webIp = docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', ids.web);
    start('client', [], `while true; do wget -q -O /dev/null http://${webIp}:8080/big; sleep 0.05; done`);
    start(
      'disk',
      ['-v', `${dataDir}:/data`, ...throttle],
      'while true; do dd if=/dev/zero of=/data/f bs=64k count=16 oflag=direct 2>/dev/null; dd if=/data/f of=/dev/null bs=64k iflag=direct 2>/dev/null; sleep 0.05; done'
    );
    // Writes 64 MiB through the page cache: docker stats (and the agent) must leave the cache out.
    start(
      'cache',
      ['-v', `${dataDir}:/data`],
      'dd if=/dev/zero of=/data/cached bs=1M count=64 2>/dev/null; exec sleep 3600'
    );
    start('stopped', [], 'echo "about to be stopped"; exec sleep 3600');
    start('hostnet', ['--network', 'host'], 'exec sleep 3600');
    start('noisy', [], 'seq 1 2000; exec sleep 3600');
    start('ticker', [], 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.2; done');
    await sleep(1500); // let the loads reach steady state
    const common = {
      nodeName: 'test-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      logsEnabled: true,
      logLinesPerCycle: 100,
      labelFilter: { 'fleetlens.test': run },
    };
    cg = new DockerCollector({ ...common, stateDir });
    api = new DockerCollector({ ...common, stateDir: join(stateDir, 'api'), usageSource: 'api' });
    const t0 = Date.now();
    await Promise.all([cg.start(t0), api.start(t0)]);
  }, 120_000);

  afterAll(async () => {
    await cg?.stop();
    await api?.stop();
    if (HAVE_DOCKER) removeLabelled(label);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads usage from cgroup files here, and from the stats API when forced', () => {
    expect(cg.usageSource).toMatch(/^cgroup v[12]$/);
    expect(api.usageSource).toBe('stats API');
  });

  it('agrees with docker stats and the engine stats API over the same interval (both usage sources)', async () => {
    await collectBoth(); // cycle 1: rates since start()
    const names = ['burner', 'client', 'web', 'disk'];
    const before = await Promise.all(names.map((n) => engineCounters(ids[n])));
    // docker stats takes its own ~1-2 s sample inside our window.
    const cli = dockerStatsCli([ids.burner, ids.idle, ids.client, ids.disk, ids.cache]);
    await sleep(Math.max(0, 5000 - (Date.now() - before[0].at)));
    const after = await Promise.all(names.map((n) => engineCounters(ids[n])));
    const parts = await collectBoth(); // cycle 2
    // Each sample says how many seconds its rates cover: the time between its two readings, each
    // taken within its cycle (after the cycle's start, before collect returned).
    const [c1, c2] = cycles.slice(-2);
    for (const source of ['cg', 'api'] as const) {
      const secs = sampleOf(parts[source], 'burner').intervalSeconds!;
      expect(secs).toBeGreaterThanOrEqual((c2.at - c1.done) / 1000);
      expect(secs).toBeLessThanOrEqual((c2.done - c1.at) / 1000);
    }
    const ref = (n: string) => {
      const i = names.indexOf(n);
      const secs = (after[i].at - before[i].at) / 1000;
      return {
        cpu: (after[i].cpuNs - before[i].cpuNs) / 1e9 / secs,
        rx: (after[i].rx - before[i].rx) / secs,
        tx: (after[i].tx - before[i].tx) / secs,
        read: (after[i].blkRead - before[i].blkRead) / secs,
        write: (after[i].blkWrite - before[i].blkWrite) / secs,
      };
    };
    const figures: Record<string, unknown> = {};
    for (const source of ['cg', 'api'] as const) {
      const p = parts[source];
      // CPU: the burner is capped at 0.5 cores. Tolerance ±0.15 cores vs docker stats' own, shorter
      // 1-2 s sample (on a busy machine the burner gets less than its cap, unevenly over time);
      // ±0.05 vs the stats API over the same window.
      const burner = sampleOf(p, 'burner');
      expect(Math.abs(burner.cpuCores! - cli.get(ids.burner)!.cpuCores)).toBeLessThan(0.15);
      expect(Math.abs(burner.cpuCores! - ref('burner').cpu)).toBeLessThan(0.05);
      // Memory limit as docker stats shows it; pids as docker stats shows them.
      expect(burner.memLimitBytes).toBe(cli.get(ids.burner)!.memLimitBytes);
      expect(burner.pids).toBe(cli.get(ids.burner)!.pids);
      // Idle: no CPU to speak of, 48 MiB working set (tmpfs) within 5 % of docker stats.
      const idle = sampleOf(p, 'idle');
      expect(idle.cpuCores!).toBeLessThan(0.02);
      expect(idle.memBytes!).toBeGreaterThan(48 * 2 ** 20 * 0.95);
      expect(Math.abs(idle.memBytes! - cli.get(ids.idle)!.memBytes)).toBeLessThan(cli.get(ids.idle)!.memBytes * 0.05);
      // No limit set: no limit reported (docker stats shows host memory there).
      expect(idle.memLimitBytes).toBeNull();
      // Network: client downloads, web serves. Within 15 % (+20 kB/s) of the API over the same window.
      const client = sampleOf(p, 'client');
      const web = sampleOf(p, 'web');
      const rel = (a: number, b: number, absSlack: number) => Math.abs(a - b) <= b * 0.15 + absSlack;
      expect(ref('client').rx).toBeGreaterThan(1e6); // the traffic is real: > 1 MB/s
      expect(rel(client.netRxBps!, ref('client').rx, 20e3)).toBe(true);
      expect(rel(client.netTxBps!, ref('client').tx, 20e3)).toBe(true);
      expect(rel(web.netTxBps!, ref('web').tx, 20e3)).toBe(true);
      expect(rel(web.netRxBps!, ref('web').rx, 20e3)).toBe(true);
      // Block I/O of the dd loop, within 15 % (+64 kB/s).
      const disk = sampleOf(p, 'disk');
      expect(ref('disk').write).toBeGreaterThan(1e6);
      expect(rel(disk.diskWriteBps!, ref('disk').write, 64e3)).toBe(true);
      expect(rel(disk.diskReadBps!, ref('disk').read, 64e3)).toBe(true);
      // Memory of the disk writer agrees with docker stats within 2 MiB (page cache excluded).
      expect(Math.abs(disk.memBytes! - cli.get(ids.disk)!.memBytes)).toBeLessThan(2 * 2 ** 20);
      // Page cache is not working set: the cache writer's 64 MiB of dirty-then-clean file pages
      // must not show up (usage − inactive_file), as in docker stats.
      const cache = sampleOf(p, 'cache');
      expect(Math.abs(cache.memBytes! - cli.get(ids.cache)!.memBytes)).toBeLessThan(2 * 2 ** 20);
      figures[source] = {
        cacheMem: [cache.memBytes, cli.get(ids.cache)!.memBytes],
        burnerCpu: [burner.cpuCores, cli.get(ids.burner)!.cpuCores, ref('burner').cpu],
        idleMem: [idle.memBytes, cli.get(ids.idle)!.memBytes],
        clientRx: [client.netRxBps, ref('client').rx],
        webTx: [web.netTxBps, ref('web').tx],
        diskWrite: [disk.diskWriteBps, ref('disk').write],
        diskRead: [disk.diskReadBps, ref('disk').read],
      };
    }
    // Printed for the record: [agent, docker stats CLI, engine API over the same window].
    console.log(JSON.stringify(figures));
  });

  it('flags host-network containers and reports no network numbers for them', () => {
    const last = cycles[cycles.length - 1].cg;
    const r = report(last, 'hostnet');
    expect(r.hostNetwork).toBe(true);
    expect(r.samples[0].netRxBps).toBeNull();
    expect(r.samples[0].netTxBps).toBeNull();
    expect(report(last, 'client').hostNetwork).toBe(false);
  });

  it('reports stopped and failed containers, events with exit codes and the right ids, and their logs', async () => {
    docker('stop', '-t', '1', ids.stopped);
    start(
      'failing',
      [],
      'echo "INFO starting work"; echo "ERROR: cannot open /data/x" >&2; echo \'{"level":"warn","msg":"low disk"}\'; exit 3'
    );
    docker('exec', ids.idle, 'echo', 'exec-ok');
    start('noisy2', [], 'seq 1 1000; exec sleep 3600');
    // Logs up to the previous whole second are shipped; wait so the failing container's lines are older.
    await sleep(2200);
    const { cg: parts } = await collectBoth();
    expect(IngestBatch.safeParse({ ...batchHeader(), ...parts }).success).toBe(true);

    const failing = report(parts, 'failing');
    expect(failing.state).toBe('exited');
    expect(failing.exitCode).toBe(3);
    expect(failing.samples).toEqual([]);
    const stopped = report(parts, 'stopped');
    expect(stopped.state).toBe('exited');
    expect(stopped.exitCode).toBe(Number(docker('inspect', '-f', '{{.State.ExitCode}}', ids.stopped)));

    const events = cycles.flatMap((c) => c.cg.events ?? []);
    const of = (name: string, reason: string) =>
      events.filter((e: Event) => e.containerId === ids[name] && e.reason === reason);
    expect(of('failing', 'start')).toHaveLength(1);
    const die = of('failing', 'die');
    expect(die).toHaveLength(1);
    expect(die[0].exitCode).toBe(3);
    expect(die[0].type).toBe('warning');
    expect(die[0].objectName).toBe(`${run}-failing`);
    expect(of('stopped', 'kill').length).toBeGreaterThanOrEqual(1);
    expect(of('stopped', 'stop')).toHaveLength(1);
    expect(of('idle', 'exec_start').length + of('idle', 'exec_create').length).toBeGreaterThanOrEqual(1);

    const logs = cycles.flatMap((c) => c.cg.logs ?? []);
    const failingLogs = logs.filter((l: LogLine) => l.containerId === ids.failing);
    expect(failingLogs.map((l) => [l.stream, l.level, l.message])).toEqual(
      expect.arrayContaining([
        ['stdout', 'info', 'INFO starting work'],
        ['stderr', 'error', 'ERROR: cannot open /data/x'],
        ['stdout', 'warning', '{"level":"warn","msg":"low disk"}'],
      ])
    );
    expect(failingLogs).toHaveLength(3);
    // The stopped container printed its only line before the agent started: logs of containers
    // that existed at agent start begin at agent start, so that line is not shipped.
    expect(logs.filter((l) => l.containerId === ids.stopped)).toHaveLength(0);
  });

  it('caps log lines per container per cycle and skips (not defers) the excess', async () => {
    await sleep(1100);
    await collectBoth(); // one more cycle: an excess that was deferred would show up here
    const perCycle = cycles.map((c) => (c.cg.logs ?? []).filter((l) => l.containerId === ids.noisy2));
    const kept = perCycle.map((ls) => ls.filter((l) => !l.message.startsWith('[fleetlens-agent]')));
    const markers = perCycle.flat().filter((l) => l.message.startsWith('[fleetlens-agent]'));
    for (const k of kept) expect(k.length).toBeLessThanOrEqual(100); // the configured cap
    const keptTotal = kept.reduce((n, k) => n + k.length, 0);
    const skipped = markers.reduce((n, m) => n + Number(/(\d+) log lines skipped/.exec(m.message)![1]), 0);
    expect(keptTotal).toBeGreaterThanOrEqual(100);
    expect(keptTotal + skipped).toBe(1000); // every line is either shipped or counted as skipped
    const first = kept.find((k) => k.length > 0)!;
    expect(first.slice(0, 3).map((l) => l.message)).toEqual(['1', '2', '3']); // oldest first
    // "noisy" printed 2000 lines before the agent started: not shipped at all.
    expect(cycles.flatMap((c) => c.cg.logs ?? []).filter((l) => l.containerId === ids.noisy)).toHaveLength(0);
  });

  it('reports an OOM kill and a restart, and gives no rate across a restart (counters start over)', async () => {
    start('oom', ['-m', '8m', '--memory-swap', '8m'], 'tail /dev/zero');
    docker('restart', '-t', '0', ids.burner);
    await sleep(1500);
    const { cg: afterRestart } = await collectBoth();
    // The first sample after the restart has no previous reading of this run: no CPU rate
    // (and never a negative one from the reset counter).
    expect(sampleOf(afterRestart, 'burner').cpuCores).toBeNull();
    await sleep(1500);
    const { cg: next } = await collectBoth();
    expect(sampleOf(next, 'burner').cpuCores!).toBeGreaterThan(0.1);
    const events = cycles.flatMap((c) => c.cg.events ?? []);
    expect(events.some((e) => e.containerId === ids.burner && e.reason === 'restart')).toBe(true);
    const oom = events.filter((e) => e.containerId === ids.oom);
    expect(oom.some((e) => e.reason === 'oom' && e.type === 'warning')).toBe(true);
    expect(oom.find((e) => e.reason === 'die')?.exitCode).toBe(137);
    expect(report(next, 'oom')).toMatchObject({ state: 'exited', oomKilled: true, exitCode: 137 });
  });

  it('inventory lists exactly the containers docker ps -a lists', () => {
    const last = cycles[cycles.length - 1].cg;
    const listed = docker('ps', '-aq', '--no-trunc', '--filter', `label=${label}`).split('\n').filter(Boolean).sort();
    expect(last.inventories).toHaveLength(1);
    expect([...last.inventories![0].containerIds].sort()).toEqual(listed);
  });

  it('resumes logs where it left off after a restart: no line lost, none repeated', async () => {
    await sleep(1200);
    const { cg: before } = await collectBoth();
    await cg.stop(); // persists the cursor
    const ticks = (parts: BatchParts[]) =>
      parts
        .flatMap((p) => p.logs ?? [])
        .filter((l) => l.containerId === ids.ticker)
        .map((l) => Number(l.message.split(' ')[1]));
    const seenBefore = ticks(cycles.map((c) => c.cg));
    expect(seenBefore.length).toBeGreaterThan(5);
    await sleep(1500); // the container keeps logging while the agent is down
    const again = new DockerCollector({
      nodeName: 'test-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      stateDir,
      logsEnabled: true,
      logLinesPerCycle: 100,
      labelFilter: { 'fleetlens.test': run },
    });
    await again.start(Date.now());
    try {
      await sleep(1100);
      const parts = await again.collect(Date.now());
      const after = ticks([parts]);
      // "noisy" printed its lines before the first agent started: still not shipped after a restart.
      expect((parts.logs ?? []).filter((l) => l.containerId === ids.noisy)).toHaveLength(0);
      expect(after.length).toBeGreaterThan(3);
      const all = [...seenBefore, ...after];
      // consecutive, no gaps, no repeats, from the first tick after agent start
      for (let i = 1; i < all.length; i++) expect(all[i]).toBe(all[i - 1] + 1);
    } finally {
      await again.stop();
    }
    expect(before.containers?.length).toBeGreaterThan(0);
  });
});

function batchHeader() {
  return {
    version: 'v1',
    batchId: 'b',
    sentAt: Math.floor(Date.now() / 1000),
    agent: { id: 'a', version: '0', mode: 'node', hostname: 'h' },
    cluster: { name: 'c', kind: 'docker', environment: 'on-prem' },
  };
}

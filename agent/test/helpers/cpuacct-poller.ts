import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One read of a container's `cpuacct.usage`: when, which run of the container, nanoseconds. */
export interface CpuacctReading {
  at: number;
  run: number;
  ns: number;
}

/**
 * Reads a Docker container's cgroup v1 `cpuacct.usage` every few milliseconds, so that a test
 * knows the CPU time of each run of the container, including a run that ended between two
 * cycles of the collector under test. A new run is recognised from the kernel's counter alone:
 * the file vanishes between runs (the runtime removes the cgroup) and the counter starts over.
 */
export class CpuacctPoller {
  readonly readings: CpuacctReading[] = [];
  private run = 0;
  private lastNs = -1;
  private gap = true;
  private timer: NodeJS.Timeout | null = null;
  private readonly file: string;

  constructor(containerId: string, cgroupRoot = '/sys/fs/cgroup') {
    this.file = join(cgroupRoot, 'cpuacct/docker', containerId, 'cpuacct.usage');
  }

  /** Starts polling every `everyMs` milliseconds (and reads once now). */
  start(everyMs = 5): void {
    this.poll();
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * One read now, recorded at `at` (default: the time before the read); a missing file (between
   * runs) ends the current run. False when there was none.
   */
  poll(at = Date.now()): boolean {
    let ns: number;
    try {
      ns = Number(readFileSync(this.file, 'utf8').trim());
    } catch {
      this.gap = true;
      return false;
    }
    if (!Number.isFinite(ns)) return false;
    if (this.gap || ns < this.lastNs) this.run++;
    this.gap = false;
    this.lastNs = ns;
    this.readings.push({ at, run: this.run, ns });
    return true;
  }

  /**
   * CPU seconds the container used between `t0` and `t1` (epoch ms), summed over its runs: each
   * run's newest reading by `t1` minus its newest reading by `t0` (0 for a run started after
   * `t0`: its counter started at 0). A run that ended loses at most one poll interval of CPU.
   */
  cpuSeconds(t0: number, t1: number): number {
    const before = new Map<number, number>();
    const last = new Map<number, number>();
    for (const r of this.readings) {
      if (r.at <= t0) before.set(r.run, r.ns);
      if (r.at <= t1) last.set(r.run, r.ns);
    }
    let ns = 0;
    for (const [run, v] of last) ns += v - (before.get(run) ?? 0);
    return ns / 1e9;
  }

  /** How many runs have CPU time inside (t0, t1]: more than 1 means the window spans a restart. */
  runsIn(t0: number, t1: number): number {
    const runs = new Set<number>();
    let beforeRun: number | null = null;
    for (const r of this.readings) {
      if (r.at <= t0) beforeRun = r.run;
      else if (r.at <= t1) runs.add(r.run);
    }
    if (beforeRun !== null) runs.add(beforeRun);
    return runs.size;
  }
}

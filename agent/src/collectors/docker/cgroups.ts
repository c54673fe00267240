import { accessSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Cumulative counters and gauges of one container's cgroup, in bytes, nanoseconds and counts. */
export interface CgroupUsage {
  cpuNs: number | null;
  /** Working set: usage minus inactive file cache, floored at 0 (what `docker stats` shows). */
  memWorkingSet: number | null;
  /** null when unlimited. */
  memLimit: number | null;
  blkReadBytes: number | null;
  blkWriteBytes: number | null;
  pids: number | null;
  /**
   * The parts of the memory figure (optional: the stats-API fallback fills what the engine gives).
   * Usage is `memory.usage_in_bytes` (v1) / `memory.current` (v2), page cache included; anon is
   * `total_rss` (v1) / `anon` (v2); the file pages are `total_active_file`/`total_inactive_file`
   * (v1) / `active_file`/`inactive_file` (v2), as cAdvisor's `setMemoryStats` reads them.
   */
  memUsage?: number | null;
  memAnon?: number | null;
  memActiveFile?: number | null;
  memInactiveFile?: number | null;
  /** OOM kills in this cgroup since it was created: `oom_kill` of memory.oom_control (v1) / memory.events (v2). */
  oomKills?: number | null;
  /** CFS bandwidth counters of cpu.stat: enforcement periods, periods throttled, nanoseconds throttled. */
  cpuPeriods?: number | null;
  cpuThrottledPeriods?: number | null;
  cpuThrottledNs?: number | null;
}

/** A container's cgroup counters and which cgroup they were read from. */
export interface CgroupReading {
  usage: CgroupUsage;
  /**
   * Device and inode of the cgroup's directory, which the runtime removes and creates again on
   * every start of the container (counters from 0); null when it changed during the read.
   */
  instance: string | null;
}

/** Limits at or above this are "no limit" (cgroup v1 reports PAGE_COUNTER_MAX rounded to pages). */
const UNLIMITED = 2 ** 60;

// Cgroup and proc files are tiny in-memory pseudo-files: a synchronous read takes microseconds,
// while an async one costs four thread-pool round trips (open, stat, read, close) per file. With
// ~7 files per container per cycle, that difference dominates the agent's CPU use.
function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** "device:inode" of a directory, null when it does not exist. */
function identity(dir: string): string | null {
  try {
    const s = statSync(dir, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

function readNumber(path: string): number | null {
  const t = readText(path);
  if (t === null) return null;
  const n = Number(t.trim());
  return Number.isFinite(n) ? n : null;
}

function statField(text: string | null, key: string): number | null {
  if (text === null) return null;
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Sums "maj:min Read N" / "maj:min Write N" lines of a v1 blkio file. */
export function parseBlkioV1(text: string): { read: number; write: number } | null {
  let read = 0;
  let write = 0;
  let any = false;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    any = true;
    if (f[1] === 'Read') read += Number(f[2]);
    else if (f[1] === 'Write') write += Number(f[2]);
  }
  return any ? { read, write } : null;
}

/** Sums rbytes/wbytes over the devices of a v2 io.stat file. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)/g)) read += Number(m[1]);
  for (const m of text.matchAll(/\bwbytes=(\d+)/g)) write += Number(m[1]);
  return { read, write };
}

/**
 * Parses /proc/<pid>/cgroup into controller → path. v2 has the single "0::" line, stored under "".
 * Named hierarchies ("name=systemd") keep their name.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of m[1].split(',')) out.set(c, m[2]);
  }
  return out;
}

/**
 * Where the kubelet puts a pod's container cgroup, relative to the hierarchy root, for both of
 * its cgroup drivers and the three QoS classes (Guaranteed pods sit directly under kubepods):
 * cgroupfs `/kubepods[/burstable|/besteffort]/pod<uid>/<id>`, systemd
 * `/kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid with _ for ->.slice/<runtime>-<id>.scope`
 * with the runtime prefixes of containerd, CRI-O and Docker. See test/fixtures/cgroup/README.md.
 */
export function kubePodCandidates(podUid: string, id: string): string[] {
  const out: string[] = [];
  const escaped = podUid.replace(/-/g, '_');
  for (const qos of ['', 'burstable', 'besteffort']) {
    out.push(`/kubepods${qos ? `/${qos}` : ''}/pod${podUid}/${id}`);
    const slice = qos
      ? `/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${escaped}.slice`
      : `/kubepods.slice/kubepods-pod${escaped}.slice`;
    for (const prefix of ['cri-containerd', 'crio', 'docker']) out.push(`${slice}/${prefix}-${id}.scope`);
  }
  return out;
}

/**
 * Reads container usage straight from cgroup files (no Docker API call per container). Handles
 * cgroup v1 and v2, with the cgroupfs (`/docker/<id>`) and systemd (`docker-<id>.scope`) layouts,
 * and containers whose cgroup path the runtime chose otherwise (found via /proc/<pid>/cgroup).
 */
export class CgroupReader {
  private readonly paths = new Map<string, string>();

  private constructor(
    private readonly root: string,
    private readonly hostProc: string,
    readonly version: 1 | 2
  ) {}

  /** Returns a reader when a cgroup hierarchy with container data is visible under `root`, else null. */
  static detect(root: string, hostProc: string): CgroupReader | null {
    const exists = (p: string) => {
      try {
        accessSync(p);
        return true;
      } catch {
        return false;
      }
    };
    if (exists(join(root, 'cgroup.controllers'))) return new CgroupReader(root, hostProc, 2);
    if (exists(join(root, 'cpuacct'))) return new CgroupReader(root, hostProc, 1);
    return null;
  }

  /** Forgets cached paths of containers no longer present. */
  retain(ids: Set<string>): void {
    for (const id of this.paths.keys()) if (!ids.has(id)) this.paths.delete(id);
  }

  /**
   * Reads one container; null when its cgroup cannot be found (then the caller falls back to the
   * stats API). `podUid`, when known, adds the kubelet's pod cgroup paths to the candidates.
   */
  read(id: string, pid: number | null, podUid?: string | null): CgroupUsage | null {
    const rel = this.resolve(id, pid, podUid ?? null);
    if (rel === null) return null;
    return this.version === 2 ? this.readV2(rel) : this.readV1(rel);
  }

  /**
   * Reads one container like `read`, with the identity of the cgroup its counters came from,
   * so that readings of different runs of a container are never subtracted.
   */
  readInstance(id: string, pid: number | null, podUid?: string | null): CgroupReading | null {
    const rel = this.resolve(id, pid, podUid ?? null);
    if (rel === null) return null;
    // Identity before and after the counters: equal means every file came from that directory
    // (a directory created again gets a new inode), so the counters belong to one run.
    const dir = this.dir(this.version === 2 ? '' : 'cpuacct', rel);
    const before = identity(dir);
    const usage = this.version === 2 ? this.readV2(rel) : this.readV1(rel);
    const after = identity(dir);
    return { usage, instance: before !== null && before === after ? before : null };
  }

  /** A process of a container already read (the first of its cgroup.procs); null when none. */
  firstPid(id: string): number | null {
    const rel = this.paths.get(id);
    if (rel === undefined) return null;
    const text = readText(join(this.dir(this.version === 2 ? '' : 'cpuacct', rel), 'cgroup.procs'));
    const pid = Number(text?.split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  private dir(controller: string, rel: string): string {
    return this.version === 2 ? join(this.root, rel) : join(this.root, controller, rel);
  }

  private resolve(id: string, pid: number | null, podUid: string | null): string | null {
    const cached = this.paths.get(id);
    if (cached !== undefined) return cached;
    const probe = this.version === 2 ? 'cgroup.procs' : 'cpuacct.usage';
    const probeController = this.version === 2 ? '' : 'cpuacct';
    const candidates: string[] = [];
    if (pid) {
      const text = readText(join(this.hostProc, String(pid), 'cgroup'));
      if (text) {
        const map = parseProcCgroup(text);
        const p = this.version === 2 ? map.get('') : map.get('cpuacct');
        // Inside a private cgroup namespace the path is relative ("/" or "/.."); useless then.
        if (p && p !== '/' && !p.startsWith('/..')) candidates.push(p);
      }
    }
    candidates.push(
      `/docker/${id}`,
      `/system.slice/docker-${id}.scope`,
      `/machine.slice/libpod-${id}.scope`,
      `/kubepods/${id}`,
      ...(podUid ? kubePodCandidates(podUid, id) : [])
    );
    for (const rel of candidates) {
      if (readText(join(this.dir(probeController, rel), probe)) !== null) {
        this.paths.set(id, rel);
        return rel;
      }
    }
    return null;
  }

  private readV1(rel: string): CgroupUsage {
    const mem = this.dir('memory', rel);
    const blk = this.dir('blkio', rel);
    const cpuNs = readNumber(join(this.dir('cpuacct', rel), 'cpuacct.usage'));
    const usage = readNumber(join(mem, 'memory.usage_in_bytes'));
    const stat = readText(join(mem, 'memory.stat'));
    const limit = readNumber(join(mem, 'memory.limit_in_bytes'));
    const pids = readNumber(join(this.dir('pids', rel), 'pids.current'));
    const blkText = this.readBlkioV1(blk);
    const inactive = statField(stat, 'total_inactive_file') ?? 0;
    // CFS counters live in the cpu controller (mounted alone or co-mounted as "cpu,cpuacct").
    const cpuStat = readText(join(this.dir('cpu', rel), 'cpu.stat'));
    return {
      cpuNs,
      memWorkingSet: usage === null ? null : Math.max(0, usage - inactive),
      memLimit: limit === null || limit >= UNLIMITED ? null : limit,
      blkReadBytes: blkText?.read ?? null,
      blkWriteBytes: blkText?.write ?? null,
      pids,
      memUsage: usage,
      memAnon: statField(stat, 'total_rss'),
      memActiveFile: statField(stat, 'total_active_file'),
      memInactiveFile: statField(stat, 'total_inactive_file'),
      oomKills: statField(readText(join(mem, 'memory.oom_control')), 'oom_kill'),
      cpuPeriods: statField(cpuStat, 'nr_periods'),
      cpuThrottledPeriods: statField(cpuStat, 'nr_throttled'),
      cpuThrottledNs: statField(cpuStat, 'throttled_time'),
    };
  }

  /** Same preference as runc: CFQ, then BFQ, then the throttle counters. */
  private readBlkioV1(dir: string): { read: number; write: number } | null {
    for (const f of [
      'blkio.io_service_bytes_recursive',
      'blkio.bfq.io_service_bytes_recursive',
      'blkio.throttle.io_service_bytes_recursive',
    ]) {
      const t = readText(join(dir, f));
      if (t === null) continue;
      const parsed = parseBlkioV1(t);
      if (parsed) return parsed;
    }
    // Files present but without device lines: no I/O accounted yet.
    return { read: 0, write: 0 };
  }

  private readV2(rel: string): CgroupUsage {
    const dir = join(this.root, rel);
    const cpuStat = readText(join(dir, 'cpu.stat'));
    const usage = readNumber(join(dir, 'memory.current'));
    const memStat = readText(join(dir, 'memory.stat'));
    const max = readText(join(dir, 'memory.max'));
    const pids = readNumber(join(dir, 'pids.current'));
    const io = readText(join(dir, 'io.stat'));
    const usec = statField(cpuStat, 'usage_usec');
    const inactive = statField(memStat, 'inactive_file') ?? 0;
    const limit = max === null || max.trim() === 'max' ? null : Number(max.trim());
    const ioTotals = io === null ? null : parseIoStatV2(io);
    const throttledUsec = statField(cpuStat, 'throttled_usec');
    return {
      cpuNs: usec === null ? null : usec * 1000,
      memWorkingSet: usage === null ? null : Math.max(0, usage - inactive),
      memLimit: limit === null || !Number.isFinite(limit) || limit >= UNLIMITED ? null : limit,
      blkReadBytes: ioTotals?.read ?? null,
      blkWriteBytes: ioTotals?.write ?? null,
      pids,
      memUsage: usage,
      memAnon: statField(memStat, 'anon'),
      memActiveFile: statField(memStat, 'active_file'),
      memInactiveFile: statField(memStat, 'inactive_file'),
      // memory.events counts this cgroup and its descendants (memory.events.local: itself only); a
      // container's processes may sit in sub-cgroups (systemd in a container), so the hierarchical one.
      oomKills: statField(readText(join(dir, 'memory.events')), 'oom_kill'),
      // Without a CPU limit (cpu.max "max") the kernel leaves the nr_* fields out or at 0.
      cpuPeriods: statField(cpuStat, 'nr_periods'),
      cpuThrottledPeriods: statField(cpuStat, 'nr_throttled'),
      cpuThrottledNs: throttledUsec === null ? null : throttledUsec * 1000,
    };
  }
}

import { readFile, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { arch as osArch, release } from 'node:os';
import type { NodeReport, NodeSample } from '@fleetlens/protocol';
import { type BatchParts, type Collector, counterRate, toEpochSeconds } from '../types';
import {
  type CpuTimes,
  type DiskTotals,
  type NetTotals,
  PARTITION,
  PSEUDO_FS,
  VIRTUAL_BLOCK_DEVICE,
  isHostInterface,
  parseDiskstats,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
} from './procfs';

export interface HostCollectorOptions {
  nodeName: string;
  hostProc: string;
  hostSys: string;
  hostRoot: string;
  /** Node role label (Kubernetes sets it from node labels; Docker hosts are "worker"). */
  role?: string;
  labels?: Record<string, string>;
  /** Live node metadata from another source (Kubernetes' Node object); wins over role/labels. */
  meta?: { role?: string; status?: 'ready' | 'not_ready' | 'unknown'; labels?: Record<string, string> };
}

interface Reading {
  at: number;
  cpu: CpuTimes;
  net: NetTotals | null;
  disk: DiskTotals | null;
}

/**
 * Clock ticks per second of /proc/stat's CPU times (USER_HZ): 100 on every Linux architecture
 * userspace sees, which is also what node-exporter (procfs) divides by.
 */
export const USER_HZ = 100;

/** Node metrics from a (possibly mounted) host /proc, /sys and root, computed the node-exporter way. */
export class HostCollector implements Collector {
  readonly name = 'host';
  private prev: Reading | null = null;
  private wholeDevices: Set<string> | null = null;

  constructor(private readonly opts: HostCollectorOptions) {}

  async start(now: number): Promise<void> {
    this.wholeDevices = await this.listWholeDevices();
    this.prev = await this.read(now);
  }

  async collect(now: number): Promise<BatchParts> {
    const cur = await this.read(now);
    const prev = this.prev;
    this.prev = cur;
    const [meminfo, loadavg, uptime, fs, meta] = await Promise.all([
      this.proc('meminfo').then(parseMeminfo),
      this.proc('loadavg').catch(() => ''),
      this.proc('uptime').catch(() => ''),
      this.filesystems().catch(() => null),
      this.metadata(),
    ]);
    const secs = prev ? (cur.at - prev.at) / 1000 : 0;
    // node-exporter's definition: busy CPU seconds (every mode but idle, iowait and steal, summed
    // over CPUs) per wall-clock second, i.e. the node-mixin's 1 − rate(idle|iowait|steal) per CPU,
    // times the CPU count. Not the jiffy ratio scaled to the cores: the kernel's tick accounting
    // does not add up to cores × wall time (it drifts by points on a saturated host).
    let cpuCores: number | null = null;
    if (prev && secs > 0 && cur.cpu.total >= prev.cpu.total) {
      const busy = cur.cpu.total - cur.cpu.idle - (prev.cpu.total - prev.cpu.idle);
      cpuCores = Math.max(0, Math.min(cur.cpu.cores, busy / USER_HZ / secs));
    }
    const memTotal = meminfo.MemTotal ?? null;
    const memAvail = meminfo.MemAvailable ?? null;
    const load1 = Number(loadavg.split(' ')[0]);
    const up = Number(uptime.split(' ')[0]);
    const sample: NodeSample = {
      ts: toEpochSeconds(now),
      // The seconds this sample covers (its rates' denominator), for time-weighted averages.
      ...(secs > 0 ? { intervalSeconds: secs } : {}),
      cpuCores,
      memUsedBytes: memTotal != null && memAvail != null ? Math.max(0, memTotal - memAvail) : null,
      memTotalBytes: memTotal,
      fsUsedBytes: fs?.used ?? null,
      fsTotalBytes: fs?.total ?? null,
      fsAvailBytes: fs?.avail ?? null,
      netRxBps: counterRate(prev?.net?.rx, cur.net?.rx, secs),
      netTxBps: counterRate(prev?.net?.tx, cur.net?.tx, secs),
      diskReadBps: counterRate(prev?.disk?.readBytes, cur.disk?.readBytes, secs),
      diskWriteBps: counterRate(prev?.disk?.writeBytes, cur.disk?.writeBytes, secs),
      load1: Number.isFinite(load1) ? load1 : null,
    };
    const node: NodeReport = {
      name: this.opts.nodeName,
      role: this.opts.meta?.role ?? this.opts.role ?? 'worker',
      os: meta.os,
      kernel: meta.kernel,
      arch: osArch(),
      cores: cur.cpu.cores || 1,
      memoryBytes: memTotal ?? 0,
      bootTime: Number.isFinite(up) && up > 0 ? toEpochSeconds(now - up * 1000) : null,
      status: this.opts.meta?.status ?? 'ready',
      labels: this.opts.meta?.labels ?? this.opts.labels ?? {},
      samples: [sample],
    };
    return { nodes: [node] };
  }

  async stop(): Promise<void> {}

  private proc(file: string): Promise<string> {
    return readFile(join(this.opts.hostProc, file), 'utf8');
  }

  private async read(at: number): Promise<Reading> {
    // HOST_PROC/net/dev is the network namespace of the reading process; 1/net/dev is the
    // host's when a host /proc is mounted, even if the agent runs in its own namespace.
    const [stat, net, disk] = await Promise.all([
      this.proc('stat'),
      this.proc('1/net/dev')
        .catch(() => this.proc('net/dev'))
        .catch(() => null),
      this.proc('diskstats').catch(() => null),
    ]);
    const whole = this.wholeDevices;
    const isWhole = whole
      ? (n: string) => whole.has(n)
      : (n: string) => !PARTITION.test(n) && !VIRTUAL_BLOCK_DEVICE.test(n);
    return {
      at,
      cpu: parseProcStat(stat),
      net: net === null ? null : parseNetDev(net, isHostInterface),
      disk: disk === null ? null : parseDiskstats(disk, isWhole),
    };
  }

  /** /sys/block lists whole devices only (partitions live under them). */
  private async listWholeDevices(): Promise<Set<string> | null> {
    try {
      const names = await readdir(join(this.opts.hostSys, 'block'));
      return new Set(names.filter((n) => !VIRTUAL_BLOCK_DEVICE.test(n)));
    } catch {
      return null;
    }
  }

  /**
   * Used, available and total bytes over real mounts, each backing device counted once (bind
   * mounts repeat it), as `df` computes them: used = blocks − free, available = f_bavail (free
   * minus the blocks reserved for root), so used + available < total on ext4 with a reserve.
   */
  private async filesystems(): Promise<{ used: number; avail: number; total: number }> {
    const text = await this.proc('1/mounts').catch(() => this.proc('mounts'));
    const seen = new Set<string>();
    let used = 0;
    let avail = 0;
    let total = 0;
    for (const m of parseMounts(text)) {
      if (PSEUDO_FS.has(m.fsType) || !m.device.startsWith('/')) continue;
      if (seen.has(m.device)) continue;
      try {
        const s = await statfs(join(this.opts.hostRoot, m.mountPoint));
        seen.add(m.device);
        total += s.blocks * s.bsize;
        used += (s.blocks - s.bfree) * s.bsize;
        avail += s.bavail * s.bsize;
      } catch {
        // A mount the agent cannot see (not propagated into its mount namespace): skip it.
      }
    }
    return { used, avail, total };
  }

  private meta: { os: string; kernel: string } | null = null;

  private async metadata(): Promise<{ os: string; kernel: string }> {
    if (this.meta) return this.meta;
    const osRelease = await readFile(join(this.opts.hostRoot, 'etc/os-release'), 'utf8').catch(() => '');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'linux';
    const kernel = (await this.proc('sys/kernel/osrelease').catch(() => release())).trim();
    this.meta = { os: pretty.slice(0, 256), kernel: kernel.slice(0, 256) };
    return this.meta;
  }
}

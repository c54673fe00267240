/** Parsers for the /proc files the host collector reads. Pure functions over file text. */

export interface CpuTimes {
  /** Sum of user..steal jiffies (guest time is already inside user/nice). */
  total: number;
  /** idle + iowait + steal: time the CPUs did no work for this host. */
  idle: number;
  cores: number;
}

/** Parses /proc/stat's aggregate "cpu" line and counts the per-CPU lines. */
export function parseProcStat(text: string): CpuTimes {
  let total = 0;
  let idle = 0;
  let cores = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const f = line.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal [guest guest_nice]
      const [user, nice, system, idl, iowait, irq, softirq, steal] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f[i] ?? 0);
      total = user + nice + system + idl + iowait + irq + softirq + steal;
      idle = idl + iowait + steal;
    } else if (/^cpu\d+\s/.test(line)) {
      cores++;
    }
  }
  return { total, idle, cores };
}

/** Parses /proc/meminfo into bytes per key (values are given in kB). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

export interface NetTotals {
  rx: number;
  tx: number;
}

/** Sums /proc/net/dev byte counters over interfaces accepted by `include`. */
export function parseNetDev(text: string, include: (iface: string) => boolean): NetTotals {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    if (!include(iface)) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

/** Host network: everything but loopback and the host ends of container veth pairs. */
export function isHostInterface(iface: string): boolean {
  return iface !== 'lo' && !iface.startsWith('veth');
}

/** Container network: everything inside its namespace but loopback. */
export function isContainerInterface(iface: string): boolean {
  return iface !== 'lo';
}

export interface DiskTotals {
  readBytes: number;
  writeBytes: number;
}

/** Sums /proc/diskstats read/write bytes (sectors are always 512 bytes there) over `devices`. */
export function parseDiskstats(text: string, isWholeDevice: (name: string) => boolean): DiskTotals {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (!isWholeDevice(f[2])) continue;
    readBytes += Number(f[5]) * 512;
    writeBytes += Number(f[9]) * 512;
  }
  return { readBytes, writeBytes };
}

/** Virtual block devices that carry no I/O of their own or double-count their backing disk. */
export const VIRTUAL_BLOCK_DEVICE = /^(loop|ram|zram|fd|sr|dm-|md|nbd)\d*/;

/** Partition names, for when /sys/block cannot be listed. */
export const PARTITION = /^((h|s|v|xv)d[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** Parses /proc/<pid>/mounts, decoding the octal escapes used for spaces and tabs. */
export function parseMounts(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [device, mountPoint, fsType] = line.split(' ');
      return { device: unescape(device), mountPoint: unescape(mountPoint ?? ''), fsType: fsType ?? '' };
    });
}

/** Filesystem types that hold no user data on a disk of this host. */
export const PSEUDO_FS = new Set([
  'overlay',
  'tmpfs',
  'devtmpfs',
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'mqueue',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'autofs',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'squashfs',
  'ramfs',
  'efivarfs',
  'selinuxfs',
  'fuse.lxcfs',
  'aufs',
  'shm',
  'nfsd',
  'tracefs',
  'none',
  'iso9660',
  'fuse.gvfsd-fuse',
  'fuse.portal',
  'devfs',
  'overlayfs',
]);

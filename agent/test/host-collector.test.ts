import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { HostCollector } from '../src/collectors/host';
import {
  isHostInterface,
  parseDiskstats,
  parseMounts,
  parseNetDev,
  parseProcStat,
} from '../src/collectors/host/procfs';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel } from './helpers/docker';

const HAVE_DOCKER = dockerAvailable();

/** Downloads `url` `times` times over HTTP, discarding the body; resolves with the bytes read. */
async function download(url: string, times: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < times; i++) {
    total += await new Promise<number>((resolve, reject) => {
      httpGet(url, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      }).on('error', reject);
    });
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The test's own /proc reader: deliberately written separately from the agent's parsers. */
function readProcByHand() {
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1, 9).map(Number);
  const busy = cpuLine[0] + cpuLine[1] + cpuLine[2] + cpuLine[5] + cpuLine[6];
  const idle = cpuLine[3] + cpuLine[4] + cpuLine[7];
  const whole = new Set(readdirSync('/sys/block').filter((d) => !/^(loop|ram|zram|dm-|md|sr|nbd|fd)/.test(d)));
  let written = 0;
  for (const l of readFileSync('/proc/diskstats', 'utf8').trim().split('\n')) {
    const f = l.trim().split(/\s+/);
    if (whole.has(f[2])) written += Number(f[9]) * 512;
  }
  let rx = 0;
  let tx = 0;
  for (const l of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(l);
    if (!m || m[1] === 'lo' || m[1].startsWith('veth')) continue;
    const f = m[2].split(/\s+/).map(Number);
    rx += f[0];
    tx += f[8];
  }
  return { at: Date.now(), busy, idle, written, rx, tx };
}

describe('host collector against an independent read of /proc over the same interval', () => {
  it('reports CPU, memory, filesystem, disk and network like /proc, free and df say', async () => {
    const col = new HostCollector({ nodeName: 'n1', hostProc: '/proc', hostSys: '/sys', hostRoot: '/' });
    const dir = mkdtempSync(join(tmpdir(), 'fl-host-'));
    // Network traffic the host itself receives: downloads from a container over the docker0
    // bridge (counted on docker0; the same bytes also cross the container's veth, which must
    // not be counted a second time).
    const label = `fleetlens.test=${runLabel('fltest-host')}`;
    let webUrl: string | null = null;
    if (HAVE_DOCKER) {
      ensureTestImage();
      const id = docker(
        'run',
        '-d',
        '--label',
        label,
        IMAGE,
        'sh',
        '-c',
        'dd if=/dev/zero of=/www/big bs=1M count=4 2>/dev/null; exec httpd -f -p 8080 -h /www'
      );
      webUrl = `http://${docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', id)}:8080/big`;
      for (let i = 0; i < 50; i++) {
        try {
          await download(webUrl, 1);
          break;
        } catch {
          await sleep(100);
        }
      }
    }
    // One core busy for the whole window, and 48 MB written with fsync.
    const burner = spawn(process.execPath, ['-e', 'const e=Date.now()+4500;while(Date.now()<e){}']);
    try {
      await sleep(300);
      // The collector reads its counters somewhere inside start() and collect(): reading them by
      // hand right before and right after each call brackets the collector's own readings, so the
      // reference covers exactly the collector's window (counters are monotonic) whatever other
      // writers on the machine (MariaDB, dockerd) do in between.
      const tStart = Date.now();
      const a0 = readProcByHand();
      await col.start(tStart);
      const a = readProcByHand();
      execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'f')}`, 'bs=1M', 'count=48', 'conv=fsync'], {
        stdio: 'ignore',
      });
      const t1 = Date.now();
      const downloaded = webUrl ? await download(webUrl, 6) : 0;
      await sleep(Math.max(0, 3000 - (Date.now() - t1)));
      const b = readProcByHand();
      const tCollect = Date.now();
      const parts = await col.collect(tCollect);
      const b1 = readProcByHand();
      const node = parts.nodes![0];
      const s = node.samples[0];
      const cores = cpus().length;
      // The collector's busy jiffies lie between the inner (a→b) and outer (a0→b1) bracket; as in
      // node-exporter, busy seconds (USER_HZ = 100 per second) over the wall-clock seconds of the
      // collector's window (tStart → tCollect, the times it was given).
      const busyLo = b.busy - a.busy;
      const busyHi = b1.busy - a0.busy;
      const wall = (tCollect - tStart) / 1000;
      const cpuLo = busyLo / 100 / wall;
      const cpuHi = busyHi / 100 / wall;
      expect(node.cores).toBe(cores);
      expect(s.cpuCores!).toBeGreaterThan(0.8); // the burner is seen
      expect(s.cpuCores!).toBeGreaterThanOrEqual(cpuLo - 1e-9);
      expect(s.cpuCores!).toBeLessThanOrEqual(cpuHi + 1e-9);
      expect(cpuHi - cpuLo).toBeLessThan(0.3); // the bracket itself is narrow: a real comparison

      // Memory used = MemTotal − MemAvailable, as `free -b` shows (total − available), ±32 MiB of drift.
      const free = execFileSync('free', ['-b'], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/);
      const freeUsed = Number(free[1]) - Number(free[6]);
      expect(node.memoryBytes).toBe(Number(free[1]));
      expect(Math.abs(s.memUsedBytes! - freeUsed)).toBeLessThan(32 * 2 ** 20);

      // Filesystems: real mounts as df lists them (pseudo filesystems out, each device once).
      const pseudo = /^(tmpfs|devtmpfs|overlay|proc|sysfs|cgroup2?|devpts|mqueue|squashfs|nsfs)$/;
      const seen = new Set<string>();
      let dfTotal = 0;
      let dfUsed = 0;
      let dfAvail = 0;
      for (const line of execFileSync('df', ['-B1', '--output=source,fstype,size,used,avail'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .slice(1)) {
        const [src, type, size, used, avail] = line.trim().split(/\s+/);
        if (pseudo.test(type) || !src.startsWith('/') || seen.has(src)) continue;
        seen.add(src);
        dfTotal += Number(size);
        dfUsed += Number(used);
        dfAvail += Number(avail);
      }
      expect(dfTotal).toBeGreaterThan(0);
      expect(s.fsTotalBytes).toBe(dfTotal);
      expect(Math.abs(s.fsUsedBytes! - dfUsed)).toBeLessThan(dfUsed * 0.01 + 64 * 2 ** 20);
      // Available as df's Avail (f_bavail: free minus the root reserve), not free space.
      expect(Math.abs(s.fsAvailBytes! - dfAvail)).toBeLessThan(dfAvail * 0.01 + 64 * 2 ** 20);

      // Disk writes over the collector's own window (its rate is Δcounter / (tCollect − tStart)):
      // the 48 MB are seen, and the bytes it counted are exactly within diskstats' bracket. The
      // bracket holds whatever else writes to the disk meanwhile (MariaDB, dockerd).
      const secs = (tCollect - tStart) / 1000;
      const within = (rate: number, lo: number, hi: number) => {
        const bytes = rate * secs;
        expect(bytes).toBeGreaterThanOrEqual(lo - 1e-6 * Math.max(1, lo));
        expect(bytes).toBeLessThanOrEqual(hi + 1e-6 * Math.max(1, hi));
      };
      expect(s.diskWriteBps!).toBeGreaterThan((40e6 / secs) * 0.9);
      within(s.diskWriteBps!, b.written - a.written, b1.written - a0.written);
      if (webUrl) {
        expect(downloaded).toBe(6 * 4 * 2 ** 20);
        expect(s.netRxBps!).toBeGreaterThan((downloaded / secs) * 0.9); // the 24 MiB were seen…
        expect(s.netRxBps!).toBeLessThan((downloaded / secs) * 1.5); // …once, not also on the veth
      }
      // Network (lo and veth excluded): exactly within /proc/net/dev's bracket of the same window.
      within(s.netRxBps!, b.rx - a.rx, b1.rx - a0.rx);
      within(s.netTxBps!, b.tx - a.tx, b1.tx - a0.tx);

      const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
      expect(Math.abs(s.load1! - load1)).toBeLessThan(0.5);
      const boot = Math.floor(Date.now() / 1000 - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]));
      expect(Math.abs(node.bootTime! - boot)).toBeLessThanOrEqual(2);
      expect(s.ts).toBe(Math.floor(tCollect / 1000)); // integer epoch seconds, not ms
    } finally {
      burner.kill();
      rmSync(dir, { recursive: true, force: true });
      if (HAVE_DOCKER) removeLabelled(label);
    }
  });

  it('reads a mounted host root through HOST_PROC / HOST_SYS prefixes', async () => {
    // A fake /proc with known numbers: 2 CPUs going from 0 % to 50 % busy.
    const root = mkdtempSync(join(tmpdir(), 'fl-hostproc-'));
    const proc = join(root, 'proc');
    const sys = join(root, 'sys');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(proc, 'sys/kernel'), { recursive: true });
    mkdirSync(join(proc, 'net'), { recursive: true });
    mkdirSync(join(sys, 'block/sda'), { recursive: true });
    const stat = (user: number, idle: number) =>
      `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n`;
    writeFileSync(join(proc, 'stat'), stat(100, 900));
    writeFileSync(join(proc, 'meminfo'), 'MemTotal:       4000 kB\nMemFree:        1000 kB\nMemAvailable:   3000 kB\n');
    writeFileSync(join(proc, 'loadavg'), '0.50 0.40 0.30 1/100 42\n');
    writeFileSync(join(proc, 'uptime'), '100.00 150.00\n');
    writeFileSync(join(proc, 'sys/kernel/osrelease'), '9.9.9-test\n');
    writeFileSync(join(proc, 'mounts'), '');
    const dev = (sda: number, sda1: number) =>
      `   8 0 sda 0 0 ${sda} 0 0 0 ${sda} 0 0 0 0\n   8 1 sda1 0 0 ${sda1} 0 0 0 ${sda1} 0 0 0 0\n   7 0 loop0 0 0 999 0 0 0 999 0 0 0 0\n`;
    writeFileSync(join(proc, 'diskstats'), dev(0, 0));
    const net = (eth: number, veth: number) =>
      `Inter-|   Receive\n face |bytes\n    lo: 5000 0 0 0 0 0 0 0 5000 0 0 0 0 0 0 0\n  eth0: ${eth} 0 0 0 0 0 0 0 ${eth} 0 0 0 0 0 0 0\nveth12: ${veth} 0 0 0 0 0 0 0 ${veth} 0 0 0 0 0 0 0\n`;
    writeFileSync(join(proc, 'net/dev'), net(0, 0));
    try {
      const col = new HostCollector({ nodeName: 'n1', hostProc: proc, hostSys: sys, hostRoot: root });
      const t0 = Date.now();
      await col.start(t0);
      // 2 CPUs for 2 s are 400 jiffies (USER_HZ 100): 200 busy, 200 idle.
      writeFileSync(join(proc, 'stat'), stat(300, 1100));
      writeFileSync(join(proc, 'diskstats'), dev(2000, 2000)); // 2000 sectors on sda in 2 s
      writeFileSync(join(proc, 'net/dev'), net(10_000, 77_777));
      const parts = await col.collect(t0 + 2000);
      const n = parts.nodes![0];
      const s = n.samples[0];
      expect(n.cores).toBe(2);
      expect(s.cpuCores).toBeCloseTo(1.0, 6); // 2 busy seconds in 2 wall seconds: 1 core, 50 % of 2
      expect(s.intervalSeconds).toBe(2); // the seconds the sample covers
      expect(s.memUsedBytes).toBe(1000 * 1024);
      expect(s.diskWriteBps).toBe((2000 * 512) / 2); // partition and loop device not added
      expect(s.netRxBps).toBe(5000); // eth0 only: lo and veth excluded
      expect(s.load1).toBe(0.5);
      expect(n.kernel).toBe('9.9.9-test');
      // A counter that goes backwards (device reset) yields no rate, never a negative one.
      writeFileSync(join(proc, 'net/dev'), net(10, 0));
      const again = (await col.collect(t0 + 4000)).nodes![0].samples[0];
      expect(again.netRxBps).toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('procfs parsers', () => {
  it('counts per-CPU lines and idle = idle + iowait + steal', () => {
    const t = parseProcStat('cpu  10 20 30 40 50 60 70 80 90 100\ncpu0 1 1 1 1 1 1 1 1\nintr 5\n');
    expect(t).toEqual({ total: 10 + 20 + 30 + 40 + 50 + 60 + 70 + 80, idle: 40 + 50 + 80, cores: 1 });
  });

  it('decodes escaped mount points', () => {
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n')[0].mountPoint).toBe('/mnt/my disk');
  });

  it('sums only the interfaces and devices asked for', () => {
    const net = 'h1\nh2\n  eth0: 100 0 0 0 0 0 0 0 7 0\n vethx: 50 0 0 0 0 0 0 0 5 0\n';
    expect(parseNetDev(net, isHostInterface)).toEqual({ rx: 100, tx: 7 });
    expect(parseDiskstats(' 8 0 sda 1 0 2 0 3 0 4 0 0 0 0\n', (n) => n === 'sda')).toEqual({
      readBytes: 1024,
      writeBytes: 2048,
    });
  });
});

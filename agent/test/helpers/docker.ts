import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const IMAGE = 'fleetlens-busybox:test';
export const SOCKET = '/var/run/docker.sock';

/** True when a Docker engine answers. With REQUIRE_DOCKER=1 a missing engine throws (the run fails). */
export function dockerAvailable(): boolean {
  let ok = false;
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
    ok = true;
  } catch {
    ok = false;
  }
  if (!ok && process.env.REQUIRE_DOCKER === '1') {
    throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers (docker info failed)');
  }
  return ok;
}

/** Builds the busybox test image with the repository's script (idempotent). */
export function ensureTestImage(): void {
  execFileSync('sh', [join(__dirname, '../../../scripts/build-test-image.sh')], { stdio: 'pipe', timeout: 120_000 });
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

/** Removes every container carrying the run's label (also used on failure paths). */
export function removeLabelled(label: string): void {
  const ids = docker('ps', '-aq', '--filter', `label=${label}`).split('\n').filter(Boolean);
  if (ids.length) docker('rm', '-f', ...ids);
}

/** A unique label value per test run, so runs never see each other's containers. */
export function runLabel(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** GET on the engine API over its unix socket (no dockerode: an independent path to the numbers). */
export function engineGet<T>(path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: SOCKET, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes from docker's human units: binary ("64MiB") and decimal ("1.2MB", "3kB"). */
export function parseDockerSize(s: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]*)$/.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const units: Record<string, number> = {
    B: 1,
    kB: 1e3,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
    TiB: 1024 ** 4,
    '': 1,
  };
  const u = units[m[2]];
  if (u === undefined) throw new Error(`unknown unit in ${s}`);
  return Number(m[1]) * u;
}

/** One row of `docker stats --no-stream --format '{{json .}}'`. */
export interface CliStats {
  id: string;
  cpuCores: number;
  memBytes: number;
  memLimitBytes: number;
  pids: number;
}

/** Runs `docker stats --no-stream` for the given containers and parses CPU, memory and PIDs. */
export function dockerStatsCli(ids: string[]): Map<string, CliStats> {
  const out = docker('stats', '--no-stream', '--format', '{{json .}}', ...ids);
  const map = new Map<string, CliStats>();
  for (const line of out.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { ID: string; CPUPerc: string; MemUsage: string; PIDs: string };
    const [used, limit] = r.MemUsage.split('/').map((x) => parseDockerSize(x));
    const full = ids.find((i) => i.startsWith(r.ID)) ?? r.ID;
    map.set(full, {
      id: full,
      cpuCores: parseFloat(r.CPUPerc) / 100,
      memBytes: used,
      memLimitBytes: limit,
      pids: Number(r.PIDs),
    });
  }
  return map;
}

/** Cumulative counters from the engine's stats API (one-shot). */
export interface EngineCounters {
  at: number;
  cpuNs: number;
  rx: number;
  tx: number;
  blkRead: number;
  blkWrite: number;
}

export async function engineCounters(id: string): Promise<EngineCounters> {
  const s = await engineGet<{
    read: string;
    cpu_stats: { cpu_usage: { total_usage: number } };
    networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
    blkio_stats: { io_service_bytes_recursive: Array<{ op: string; value: number }> | null };
  }>(`/containers/${id}/stats?stream=false&one-shot=true`);
  // When the engine read the counters (not when the reply arrived): exact on a busy machine.
  const at = Number.isFinite(Date.parse(s.read)) ? Date.parse(s.read) : Date.now();
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  let blkRead = 0;
  let blkWrite = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    if (e.op === 'Read' || e.op === 'read') blkRead += e.value;
    if (e.op === 'Write' || e.op === 'write') blkWrite += e.value;
  }
  return { at, cpuNs: s.cpu_stats.cpu_usage.total_usage, rx, tx, blkRead, blkWrite };
}

/**
 * The whole block device (e.g. /dev/vda) holding `dir`. The test's disk writer gets a (very
 * high) throttle rule on it because this kernel only accounts cgroup v1 block I/O per cgroup
 * when a blkio throttle rule is set for the device.
 */
export function blockDeviceOf(dir: string): string | null {
  const dev = statSync(dir).dev;
  // Linux dev_t encoding (glibc): major = bits 8..19 (+ high), minor = bits 0..7 and 20..31.
  const major = ((dev >> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(sys)) return null;
  let name = readFileSync(join(sys, 'uevent'), 'utf8').match(/DEVNAME=(\S+)/)?.[1] ?? null;
  if (name && existsSync(join(sys, 'partition'))) {
    name = readFileSync(join(sys, '..', 'uevent'), 'utf8').match(/DEVNAME=(\S+)/)?.[1] ?? name;
  }
  return name ? `/dev/${name}` : null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Prometheus server (Debian's `prometheus` package) holding a given set of samples, used as
 * the reference PromQL engine: the samples are written as OpenMetrics, turned into TSDB blocks by
 * `promtool tsdb create-blocks-from openmetrics`, and served by `prometheus` with no scrape jobs.
 */
export interface ReferencePrometheus {
  url: string;
  /** The server's process id (the benchmark reads its peak RSS) and its TSDB folder (its bytes on disk). */
  pid: number;
  tsdbPath: string;
  stop(): Promise<void>;
}

export type OmSeries = { name: string; labels: Record<string, string>; samples: [number, number][] };

/** True when the binaries are installed; with REQUIRE_PROMETHEUS=1 callers must not skip. */
export const PROMETHEUS_AVAILABLE =
  spawnSync('prometheus', ['--version']).status === 0 && spawnSync('promtool', ['--version']).status === 0;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** OpenMetrics text of the series: one gauge family per metric name, samples in time order. */
export function toOpenMetrics(series: OmSeries[]): string {
  const lines: string[] = [];
  for (const name of [...new Set(series.map((s) => s.name))].sort()) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of series.filter((x) => x.name === name)) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(',');
      for (const [t, v] of s.samples) lines.push(`${name}{${labels}} ${v} ${t}`);
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts Prometheus over the series; resolves once it answers queries. */
export async function startReferencePrometheus(series: OmSeries[]): Promise<ReferencePrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetlens-prom-'));
  writeFileSync(join(dir, 'data.om'), toOpenMetrics(series));
  return startPrometheusOver(dir);
}

/**
 * Backfills `<dir>/data.om` (OpenMetrics text) into `<dir>/tsdb` with promtool and serves it;
 * `stop()` removes the folder. For data too large to build as one string (the benchmark).
 */
export async function startPrometheusOver(dir: string): Promise<ReferencePrometheus> {
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const backfill = spawnSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om'), join(dir, 'tsdb')],
    {
      encoding: 'utf8',
    }
  );
  if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stderr || backfill.stdout}`);
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--storage.tsdb.retention.time=3650d`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false
    );
    if (ready) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`prometheus did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: proc.pid!,
    tsdbPath: join(dir, 'tsdb'),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GRAFANA_LINES, type GrafanaLine } from './src/shared/lines';

/**
 * Builds what the browser tests load, when missing: the plugin (`npm run build:plugin`, which CI
 * runs anyway before the tests) and the host bundles, one per Grafana line
 * (e2e/host/dist/<line>/host.js), each rebuilt when a host source, the webpack config or the
 * line's package lock is newer. Builds run one at a time: the machines have two cores.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const HOST_DIST = path.join(__dirname, 'dist');

/** Where each line's packages are installed (their lock decides when the bundle is stale). */
const LINE_LOCK: Record<GrafanaLine, string> = {
  '12.4': path.join(ROOT, 'package-lock.json'),
  '13': path.join(ROOT, 'e2e', 'grafana-13', 'package-lock.json'),
};

/** The 13.x packages live in their own folder, installed by `npm ci --prefix e2e/grafana-13`. */
const LINE_MARKER: Record<GrafanaLine, string> = {
  '12.4': path.join(ROOT, 'node_modules', '@grafana', 'ui', 'package.json'),
  '13': path.join(ROOT, 'e2e', 'grafana-13', 'node_modules', '@grafana', 'ui', 'package.json'),
};

export function hostBundle(line: GrafanaLine): string {
  return path.join(HOST_DIST, line, 'host.js');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'node_modules') {
        newest = Math.max(newest, newestMtime(p));
      }
    } else {
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  }
  return newest;
}

const env = { ...process.env, TS_NODE_PROJECT: path.join(ROOT, '.config', 'webpack', 'tsconfig.json') };

/** Runs `npm run build:plugin` unless dist/module.js exists (set E2E_REBUILD=1 to force). */
export function ensurePluginBuilt(): void {
  if (!process.env.E2E_REBUILD && fs.existsSync(path.join(ROOT, 'dist', 'module.js'))) {
    return;
  }
  execFileSync('npm', ['run', 'build:plugin'], { cwd: ROOT, stdio: 'inherit', env });
}

/** Written after each build: webpack leaves unchanged output files (and their mtimes) as they were. */
function stamp(line: GrafanaLine): string {
  return path.join(HOST_DIST, line, '.built');
}

function isStale(line: GrafanaLine): boolean {
  if (!fs.existsSync(hostBundle(line)) || !fs.existsSync(stamp(line))) return true;
  const built = fs.statSync(stamp(line)).mtimeMs;
  // What goes into the bundle: src/, the webpack config and its CSS loader, and the line's lock.
  const sources = Math.max(
    newestMtime(path.join(__dirname, 'src')),
    ...['webpack.config.ts', 'cssLoader.js'].map((f) => fs.statSync(path.join(__dirname, f)).mtimeMs),
    fs.statSync(LINE_LOCK[line]).mtimeMs
  );
  return built <= sources;
}

/**
 * The bundle of one line must carry that line's React and no other: a second React (say the root
 * node_modules' 18 in the 13.x bundle) would give plugins a different React than the host renders with.
 */
function checkReact(line: GrafanaLine): void {
  const dir = path.join(HOST_DIST, line);
  const want = line === '13' ? '19.' : '18.';
  const versions = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const js = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of js.matchAll(/(?:exports\.version|ReactVersion) ?= ?"(\d+\.\d+\.\d+)"/g)) versions.add(m[1]);
  }
  const wrong = [...versions].filter((v) => !v.startsWith(want));
  if (versions.size === 0 || wrong.length) {
    throw new Error(`host bundle for Grafana ${line}: React versions ${[...versions].join(', ') || 'none found'}`);
  }
}

/** Builds e2e/host/dist/<line>/host.js for each line (default: all) whose bundle is missing or stale. */
export function ensureHostBuilt(lines: readonly GrafanaLine[] = GRAFANA_LINES): void {
  for (const line of lines) {
    if (!isStale(line)) continue;
    if (!fs.existsSync(LINE_MARKER[line])) {
      throw new Error(
        `the Grafana ${line} packages are not installed (${LINE_MARKER[line]}); for 13.x run \`npm ci --prefix e2e/grafana-13\``
      );
    }
    execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'webpack'),
      ['-c', path.join(__dirname, 'webpack.config.ts'), '--env', `line=${line}`],
      { cwd: ROOT, stdio: 'inherit', env }
    );
    checkReact(line);
    fs.writeFileSync(stamp(line), `${new Date().toISOString()}\n`);
  }
}

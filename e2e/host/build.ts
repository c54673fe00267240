import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Builds what the browser tests load, when missing: the plugin (`npm run build:plugin`, which CI
 * runs anyway before the tests) and the host bundle (rebuilt when a host source is newer).
 * Builds run one at a time: the machines have two cores.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const HOST_BUNDLE = path.join(__dirname, 'dist', 'host.js');

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

/** Builds e2e/host/dist/host.js unless it is newer than every host source. */
export function ensureHostBuilt(): void {
  if (fs.existsSync(HOST_BUNDLE) && fs.statSync(HOST_BUNDLE).mtimeMs > newestMtime(__dirname)) {
    return;
  }
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'webpack'), ['-c', path.join(__dirname, 'webpack.config.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env,
  });
}

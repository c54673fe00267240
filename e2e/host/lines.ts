import fs from 'node:fs';
import path from 'node:path';
import type { GrafanaLine } from './src/shared/lines';

export { GRAFANA_LINES, type GrafanaLine } from './src/shared/lines';

/**
 * Node-side facts about each Grafana line the host emulates: where its packages are installed and
 * where its host bundle is built (used by webpack.config.ts, build.ts and server.ts).
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** 12.4: the root node_modules (React 18, @grafana/* 12.4); 13: e2e/grafana-13 (React 19, @grafana/* 13.2). */
export const LINE_PACKAGES: Record<GrafanaLine, string> = {
  '12.4': ROOT,
  '13': path.join(ROOT, 'e2e', 'grafana-13'),
};

/** A line's bundle folder (host.js and its chunks), served by the host at /host/. */
export function lineDist(line: GrafanaLine): string {
  return path.join(__dirname, 'dist', line);
}

export function packageDir(name: string, from: string): string {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
}

export function versionOf(dir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The Grafana version a line's host reports (its @grafana/runtime's) and its React version. */
export function lineVersions(line: GrafanaLine): { grafana: string; react: string } {
  const base = LINE_PACKAGES[line];
  return { grafana: versionOf(packageDir('@grafana/runtime', base)), react: versionOf(packageDir('react', base)) };
}

/** @grafana/ui's icons of that line, which Grafana serves at /public/build/img/icons/. */
export function lineIcons(line: GrafanaLine): string {
  return path.join(packageDir('@grafana/ui', LINE_PACKAGES[line]), 'dist', 'public', 'img', 'icons');
}

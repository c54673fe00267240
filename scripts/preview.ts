/**
 * `npm run preview`: the plugin's pages without a Grafana. Starts the real backend on a fresh
 * SQLite file seeded with a demo fleet (three clusters: Docker on premises, Kubernetes in a private
 * and a public cloud), a local agent beside it that reports this machine live, and serves the
 * built plugin (dist/) in the browser tests' host: a stand-in for Grafana 12.4 that loads the
 * plugin the way Grafana does (e2e/host, docs/plugin.md "The test host"). It is a preview of the
 * pages, not Grafana: no Grafana navigation, dashboards or alerting. Stop it with Ctrl-C.
 *
 * Settings: PREVIEW_PORT (default 3000), PREVIEW_THEME (dark | light), START_AGENT=false.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureHostBuilt, ensurePluginBuilt } from '../e2e/host/build';
import { startHost } from '../e2e/host/server';
import { AGENT_TOKEN, E2E_FLEET, SERVICE_KEY, startSeededBackend } from '../e2e/support/backend';

const ROOT = path.resolve(__dirname, '..');

function portFrom(value: string | undefined): number {
  const port = Number(value ?? '3000');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PREVIEW_PORT must be a port number (1-65535), got "${value}"`);
  }
  return port;
}

function themeFrom(value: string | undefined): 'dark' | 'light' {
  if (value === undefined || value === 'dark' || value === 'light') {
    return value ?? 'dark';
  }
  throw new Error(`PREVIEW_THEME must be dark or light, got "${value}"`);
}

/** The local agent (agent/dist, from `npm run build:server`) reporting this machine as cluster "local". */
function startAgent(backendUrl: string, stateDir: string): ChildProcess | null {
  const main = path.join(ROOT, 'agent', 'dist', 'main.js');
  if (process.env.START_AGENT === 'false') {
    return null;
  }
  if (!fs.existsSync(main)) {
    console.warn('agent/dist/main.js is missing (run `npm run build:server`): previewing the demo fleet only');
    return null;
  }
  return spawn(process.execPath, [main], {
    stdio: 'inherit',
    env: {
      ...process.env,
      FLEETLENS_BACKEND_URL: backendUrl,
      FLEETLENS_AGENT_TOKEN: AGENT_TOKEN,
      FLEETLENS_CLUSTER_NAME: 'local',
      FLEETLENS_STATE_DIR: stateDir,
    },
  });
}

async function main(): Promise<void> {
  const port = portFrom(process.env.PREVIEW_PORT);
  const theme = themeFrom(process.env.PREVIEW_THEME);
  console.log('building what the preview serves (only what is missing or out of date)…');
  ensurePluginBuilt();
  ensureHostBuilt(['12.4']);
  console.log('starting the backend and seeding the demo fleet through its ingest API…');
  const backend = await startSeededBackend(E2E_FLEET, 3600, 30);
  fs.mkdirSync(path.join(ROOT, 'data'), { recursive: true });
  const stateDir = fs.mkdtempSync(path.join(ROOT, 'data', 'preview-agent-'));
  const agent = startAgent(backend.url, stateDir);
  const host = await startHost({
    backendUrl: backend.url,
    serviceKey: SERVICE_KEY,
    datasource: { secureJsonData: { apiKey: backend.datasourceApiKey } },
    theme,
    port,
    preview: true,
  });
  console.log(
    [
      '',
      'Fleetlens preview: the plugin pages outside Grafana, in the test host that loads them as Grafana 12.4 does.',
      `  pages:   ${host.url}/a/fleetlens-monitor-app/overview`,
      `  backend: ${backend.url} (for direct API calls make an API key on the app's Admin page)`,
      agent ? '  agent:   this machine, as cluster "local"' : '  agent:   not started',
      'Ctrl-C stops everything (the demo database is a temporary file).',
      '',
    ].join('\n')
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) {
      return;
    }
    stopping = true;
    agent?.kill('SIGTERM');
    await host.stop();
    await backend.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

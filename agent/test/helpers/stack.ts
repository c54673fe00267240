import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../../backend/src/server';
import { adminApiKeyViaApp } from '../../../backend/src/testing/credentials';
import { sleep } from './docker';

const TOKEN = 'e2e-agent-token-0123456789';
const SERVICE_KEY = 'e2e-service-key-0123456789';

/** A reply of the backend's API: status and parsed body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiReply = { status: number; body: any };

/** A running end-to-end stack: a real backend (SQLite file) and a real agent process pushing to it. */
export interface Stack {
  backendUrl: string;
  /** Calls the backend's API (below /api/v1) as an admin. */
  api(method: string, path: string, body?: unknown): Promise<ApiReply>;
  /** Polls until `check` gives a value (at most 60 s); the error carries the agent's last words. */
  until<T>(what: string, check: () => Promise<T | undefined>): Promise<T>;
  /** Polls GET /actions/:id until it is done, failed or expired. */
  settle(id: string): Promise<ApiReply['body']>;
  /** Stops the agent and the backend and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts the real backend on a temporary SQLite file and the agent (src/main.ts, Docker
 * collector, 3 s interval) pushing to it, with `env` added to the agent's environment
 * (FLEETLENS_CLUSTER_NAME, FLEETLENS_NODE_NAME, FLEETLENS_ACTIONS, …).
 */
export async function startStack(prefix: string, env: Record<string, string>): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const backend = await startBackend({
    databaseUrl: join(dir, 'monitor.db'),
    port: 0,
    host: '127.0.0.1',
    agentToken: TOKEN,
    serviceKey: SERVICE_KEY,
    jobsEnabled: false,
    dataDir: join(dir, 'backend'),
  });
  const admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
  const agent: ChildProcess = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../src/main.ts')],
    {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }
  );
  let stderr = '';
  agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));

  const api = async (method: string, path: string, body?: unknown): Promise<ApiReply> => {
    const res = await fetch(`${backend.url}/api/v1${path}`, {
      method,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const until = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const v = await check();
      if (v !== undefined) return v;
      await sleep(200);
    }
    throw new Error(`${what} did not happen; the agent said:\n${stderr.slice(-2000)}`);
  };
  return {
    backendUrl: backend.url,
    api,
    until,
    settle: (id) =>
      until(`action ${id} finishing`, async () => {
        const r = await api('GET', `/actions/${id}`);
        return ['done', 'failed', 'expired'].includes(r.body?.state) ? r.body : undefined;
      }),
    async stop() {
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
      await backend.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

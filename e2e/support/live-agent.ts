import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ContainerListReply, ContainerRow } from '@fleetlens/protocol/api';
import type { Role } from '@fleetlens/protocol/api/access';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp, ALL_SCOPES, scopedApiKey } from '../../backend/src/testing/credentials';
import { sleep } from '../../agent/test/helpers/docker';
import type { GrafanaUser } from '../host/grafana/types';

/**
 * Real parts for browser tests that need a live agent: the backend on a temporary SQLite file and
 * a real agent process (agent/src/main.ts, host and Docker collectors on, logs off) pushing the containers
 * of this machine's Docker engine to it, as one node of one Docker cluster. Grafana users of
 * any role are made as an operator makes them: a record with that role (every scope) whose
 * login the test host's user carries.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const AGENT_MAIN = path.join(ROOT, 'agent', 'src', 'main.ts');

export interface LiveAgentOptions {
  /** Names the cluster (`<name>`), the node (`<name>-node`) and the temporary folder. */
  name: string;
  /** FLEETLENS_ACTIONS: the action kinds the agent may run (default none, as the agent's own default). */
  actions?: readonly string[];
  /** FLEETLENS_INTERVAL_SECONDS (default 3). */
  intervalSeconds?: number;
  /** More agent environment. */
  env?: Record<string, string>;
}

export interface LiveAgent {
  backendUrl: string;
  /** The key the test host's app route sends (`startHost({ serviceKey })`). */
  serviceKey: string;
  cluster: string;
  node: string;
  /** Admin API key headers, for reading and seeding the backend directly. */
  adminHeaders: Record<string, string>;
  /** The agent's stderr so far (its log), for failure messages. */
  agentLog(): string;
  /** One JSON request to the backend's API as the admin; throws on anything but 2xx. */
  api<T>(method: string, apiPath: string, body?: unknown): Promise<T>;
  /** Polls until the agent has reported the container with this runtime id; its row. */
  waitForContainer(runtimeId: string, timeoutMs?: number): Promise<ContainerRow>;
  /** A Grafana user (for `startHost({ user })`) whose backend record has this role and every scope. */
  grafanaUser(role: Role, login: string): Promise<GrafanaUser>;
  stop(): Promise<void>;
}

let nextUserId = 1000;

export async function startLiveAgent(opts: LiveAgentOptions): Promise<LiveAgent> {
  const dir = mkdtempSync(path.join(tmpdir(), `${opts.name}-`));
  const serviceKey = `${opts.name}-service-key-0123456789`;
  const token = `${opts.name}-agent-token-0123456789`;
  const cluster = opts.name;
  const node = `${opts.name}-node`;
  const backend = await startBackend({
    databaseUrl: path.join(dir, 'monitor.db'),
    port: 0,
    host: '127.0.0.1',
    agentToken: token,
    serviceKey,
    jobsEnabled: false,
    dataDir: path.join(dir, 'backend'),
  });
  let agent: ChildProcess | undefined;
  let log = '';
  const stop = async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const adminHeaders = (await adminApiKeyViaApp(backend.url, serviceKey)).headers;
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', AGENT_MAIN], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: path.join(ROOT, 'agent', 'tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: token,
        FLEETLENS_CLUSTER_NAME: cluster,
        FLEETLENS_NODE_NAME: node,
        // host too: a batch without the node itself leaves the node's last_seen where its first
        // placeholder put it, and after the silent threshold every container of it reads "no data".
        FLEETLENS_COLLECTORS: 'host,docker',
        FLEETLENS_INTERVAL_SECONDS: String(opts.intervalSeconds ?? 3),
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: path.join(dir, 'agent'),
        FLEETLENS_ACTIONS: (opts.actions ?? []).join(','),
        ...opts.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (log += c.toString()));

    const api = async <T>(method: string, apiPath: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${backend.url}/api/v1${apiPath}`, {
        method,
        headers: { ...adminHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${apiPath} → ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };

    return {
      backendUrl: backend.url,
      serviceKey,
      cluster,
      node,
      adminHeaders,
      agentLog: () => log,
      api,
      async waitForContainer(runtimeId, timeoutMs = 60_000) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const list = await api<ContainerListReply>(
            'GET',
            `/containers?cluster=${encodeURIComponent(cluster)}&pageSize=500`
          );
          const row = list.items.find((c) => c.runtimeId === runtimeId);
          if (row) return row;
          if (Date.now() > until || agent!.exitCode !== null)
            throw new Error(`the agent never reported container ${runtimeId}; it said:\n${log.slice(-2000)}`);
          await sleep(250);
        }
      },
      async grafanaUser(role, login) {
        const email = `${login}@example.com`;
        await scopedApiKey(backend.url, adminHeaders, { email, login, role, scopes: ALL_SCOPES });
        const orgRole = role === 'admin' ? 'Admin' : role === 'editor' ? 'Editor' : 'Viewer';
        return { id: nextUserId++, login, email, orgRole };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A container command that ends at once on SIGTERM (PID 1 has no default handler), so stops take about a second. */
export const SERVE = 'trap "exit 0" TERM; while true; do sleep 1; done';

/** How long a browser test waits for an action to reach the agent, run and show its outcome. */
export const ACTION_TIMEOUT = 60_000;

/**
 * Reads an action's state text (a row's or a control's status) every 200 ms until `done(text)`;
 * `failed(text)` or ACTION_TIMEOUT ends the wait with the text and the agent's log.
 */
export async function waitForActionText(
  live: Pick<LiveAgent, 'agentLog'>,
  read: () => Promise<string>,
  done: (text: string) => boolean,
  failed: (text: string) => boolean
): Promise<string> {
  const until = Date.now() + ACTION_TIMEOUT;
  for (let text = ''; ; await sleep(200)) {
    text = await read();
    if (done(text)) return text;
    if (failed(text) || Date.now() > until)
      throw new Error(`the page says "${text}"; the agent said:\n${live.agentLog().slice(-2000)}`);
  }
}

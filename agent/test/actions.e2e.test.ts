import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';

// Issue 15 end to end: the real backend (temporary SQLite file), a real agent process
// (src/main.ts, Docker collector, FLEETLENS_ACTIONS=stop,start) and a real busybox container.
// An admin asks for an action over the HTTP API; the container's state is then checked with
// `docker inspect`, and the action's state with GET /actions/:id.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'h15-agent-token-0123456789';
const SERVICE_KEY = 'h15-service-key-0123456789';

describeDocker('container actions: backend → agent process → Docker engine → backend (SQLite, real Docker)', () => {
  const run = runLabel('h15-e2e');
  const label = `fleetlens.test=${run}`;
  let dir: string;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let agent: ChildProcess;
  let stderr = '';
  let admin: Record<string, string>;
  let runtimeId: string;
  let entityId: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${backend.url}/api/v1${path}`, {
      method,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  /** Polls GET /actions/:id until it is done, failed or expired (at most 60 s). */
  const settle = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await api('GET', `/actions/${id}`);
      if (['done', 'failed', 'expired'].includes(r.body?.state)) return r.body;
      await sleep(200);
    }
    throw new Error(`action ${id} did not finish; agent said:\n${stderr.slice(-2000)}`);
  };
  const running = () => JSON.parse(docker('inspect', runtimeId))[0].State.Running as boolean;

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'h15-e2e-'));
    backend = await startBackend({
      databaseUrl: join(dir, 'monitor.db'),
      port: 0,
      host: '127.0.0.1',
      agentToken: TOKEN,
      serviceKey: SERVICE_KEY,
      jobsEnabled: false,
      dataDir: join(dir, 'backend'),
    });
    admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
    runtimeId = docker('run', '-d', '--name', `${run}-web`, '--label', label, IMAGE, 'sh', '-c', 'sleep 3600');
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_CLUSTER_NAME: 'h15',
        FLEETLENS_NODE_NAME: `${run}-node`,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        FLEETLENS_ACTIONS: 'stop,start',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    for (let i = 0; i < 300 && !entityId; i++) {
      const r = await api('GET', `/containers?q=${encodeURIComponent(`${run}-web`)}`);
      entityId = r.body?.items?.find((c: { runtimeId: string }) => c.runtimeId === runtimeId)?.id;
      if (!entityId) await sleep(200);
    }
    if (!entityId) throw new Error(`the agent never reported the container; it said:\n${stderr.slice(-2000)}`);
  }, 120_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await new Promise((r) => (agent?.exitCode !== null ? r(null) : agent.once('exit', r)));
    await backend?.stop();
    removeLabelled(label);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the container on request, and the action reads done', async () => {
    expect(running()).toBe(true);
    const asked = await api('POST', `/containers/${entityId}/actions`, {
      kind: 'stop',
      options: { timeoutSeconds: 1 },
    });
    expect(asked.status).toBe(202);
    const done = await settle(asked.body.id);
    expect(done).toMatchObject({ state: 'done', message: 'stopped' });
    expect(running()).toBe(false);
    expect(JSON.parse(docker('inspect', runtimeId))[0].State.Status).toBe('exited');
  }, 90_000);

  it('refuses (409) a kind the agent reported it does not run, naming its setting, with nothing queued and the engine untouched', async () => {
    const asked = await api('POST', `/containers/${entityId}/actions`, { kind: 'remove', options: { force: true } });
    expect(asked.status).toBe(409);
    // The agent's status (sent with every batch) lists what FLEETLENS_ACTIONS=stop,start allows.
    expect(JSON.stringify(asked.body)).toMatch(
      /does not run \\?"remove\\?" actions \(its FLEETLENS_ACTIONS allows stop, start\)/
    );
    const listed = await api('GET', `/actions?container=${entityId}&kind=remove`);
    expect(listed.body.items).toEqual([]);
    // Still there (stopped): docker inspect succeeds.
    expect(JSON.parse(docker('inspect', runtimeId))[0].Id).toBe(runtimeId);
  }, 90_000);

  it('starts it again, and every step is in the audit log', async () => {
    const asked = await api('POST', `/containers/${entityId}/actions`, { kind: 'start' });
    expect(asked.status).toBe(202);
    expect(await settle(asked.body.id)).toMatchObject({ state: 'done' });
    expect(running()).toBe(true);
    const audit = await api('GET', '/audit?targetType=container-action');
    const actions = audit.body.items.map((e: { action: string }) => e.action).sort();
    expect(actions).toEqual(['container.start.result', 'container.stop.result']);
  }, 90_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';

// Issue 15 (decision 35) end to end: the real backend (temporary SQLite file), a real agent
// process (src/main.ts, Docker collector, FLEETLENS_ACTIONS=compose.scale) and a Compose-labelled
// busybox container. GET /compose/services comes from what the agent reported; an admin scales
// over the HTTP API; the outcome is read with `docker ps`, then in the backend's list again.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'h35-agent-token-0123456789';
const SERVICE_KEY = 'h35-service-key-0123456789';

describeDocker('compose.scale: backend → agent process → Docker engine → backend (SQLite, real Docker)', () => {
  const run = runLabel('h35-e2e');
  const label = `fleetlens.test=${run}`;
  const project = run;
  const node = `${run}-node`;
  let dir: string;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let agent: ChildProcess;
  let stderr = '';
  let admin: Record<string, string>;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${backend.url}/api/v1${path}`, {
      method,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  /** Polls until `check` returns a value (at most 60 s). */
  const until = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const v = await check();
      if (v !== undefined) return v;
      await sleep(200);
    }
    throw new Error(`${what} did not happen; the agent said:\n${stderr.slice(-2000)}`);
  };
  const settle = (id: string) =>
    until(`action ${id} finishing`, async () => {
      const r = await api('GET', `/actions/${id}`);
      return ['done', 'failed', 'expired'].includes(r.body?.state) ? r.body : undefined;
    });
  /** The service as GET /compose/services lists it, once its counts are these. */
  const listedAs = (running: number, total: number) =>
    until(`the service listed as ${running}/${total}`, async () => {
      const r = await api('GET', `/compose/services?cluster=h35`);
      const s = r.body?.items?.find((x: { project: string }) => x.project === project);
      return s && s.running === running && s.total === total ? s : undefined;
    });
  /** Running containers of the service by `docker ps`, by name. */
  const dockerPs = () =>
    docker('ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}')
      .split('\n')
      .filter(Boolean)
      .sort();

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'h35-e2e-'));
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
    docker(
      'run',
      '-d',
      '--name',
      `${project}-web-1`,
      '--label',
      label,
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      'com.docker.compose.service=web',
      '--label',
      'com.docker.compose.container-number=1',
      '--stop-timeout',
      '1',
      IMAGE,
      'sh',
      '-c',
      'sleep 3600'
    );
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_CLUSTER_NAME: 'h35',
        FLEETLENS_NODE_NAME: node,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        FLEETLENS_ACTIONS: 'compose.scale',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await listedAs(1, 1);
  }, 120_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await new Promise((r) => (agent?.exitCode !== null ? r(null) : agent.once('exit', r)));
    await backend?.stop();
    removeLabelled(label);
    rmSync(dir, { recursive: true, force: true });
  });

  it('scales 1 → 3 on request: docker ps shows three, and the next push lists 3 / 3', async () => {
    const asked = await api('POST', '/compose/services/scale', {
      cluster: 'h35',
      node,
      project,
      service: 'web',
      replicas: 3,
    });
    expect(asked.status).toBe(202);
    expect(await settle(asked.body.id)).toMatchObject({
      state: 'done',
      message: `scaled ${project}/web from 1 to 3`,
    });
    expect(dockerPs()).toEqual([1, 2, 3].map((n) => `${project}-web-${n}`));
    const listed = await listedAs(3, 3);
    expect(listed).toMatchObject({ nodeName: node, service: 'web', image: IMAGE });
  }, 90_000);

  it('scales 3 → 1: the newest two are gone by docker ps and from the list', async () => {
    const asked = await api('POST', '/compose/services/scale', {
      cluster: 'h35',
      node,
      project,
      service: 'web',
      replicas: 1,
    });
    expect(await settle(asked.body.id)).toMatchObject({ state: 'done', message: `scaled ${project}/web from 3 to 1` });
    expect(dockerPs()).toEqual([`${project}-web-1`]);
    expect(
      docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`).split('\n')
    ).toHaveLength(1);
    await listedAs(1, 1);
    const audit = await api('GET', '/audit?targetType=container-action');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      'compose.scale.result',
      'compose.scale.result',
    ]);
    const asks = await api('GET', '/audit?action=compose.scale');
    expect(asks.body.items).toHaveLength(2);
  }, 90_000);
});

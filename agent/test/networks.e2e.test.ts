import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';

// Issue 15 end to end, networks: the real backend (temporary SQLite file), a real agent process
// (src/main.ts, Docker collector, the four network kinds allowed) and the real engine. What the
// API lists is compared with `docker network inspect`; each action's effect is checked on the
// engine, then in the inventory the agent pushes next.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'h15n-agent-token-0123456789';
const SERVICE_KEY = 'h15n-service-key-0123456789';

interface NetRow {
  id: string;
  networkId: string;
  name: string;
  ipam: { subnet: string }[];
  containers: { runtimeId: string; containerId: string | null; ipv4: string; mac: string }[];
}

describeDocker('networks: backend → agent process → Docker engine → backend (SQLite, real Docker)', () => {
  const run = runLabel('h15n-e2e');
  const label = `fleetlens.test=${run}`;
  const node = `${run}-node`;
  const net = `${run}-net`;
  const subnet = `172.${28 + (process.pid % 2)}.${(process.pid + 101) % 250}.0/24`;
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
  const settle = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await api('GET', `/actions/${id}`);
      if (['done', 'failed', 'expired'].includes(r.body?.state)) return r.body;
      await sleep(200);
    }
    throw new Error(`action ${id} did not finish; agent said:\n${stderr.slice(-2000)}`);
  };
  /** Polls GET /networks for this node until `cond` holds (at most 60 s). */
  const listedUntil = async (cond: (rows: NetRow[]) => boolean): Promise<NetRow[]> => {
    let rows: NetRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows = (await api('GET', `/networks?node=${encodeURIComponent(node)}`)).body?.items ?? [];
      if (cond(rows)) return rows;
      await sleep(200);
    }
    throw new Error(`networks never matched: ${JSON.stringify(rows).slice(0, 1500)}\n${stderr.slice(-1500)}`);
  };
  const inspectNet = (name: string) => JSON.parse(docker('network', 'inspect', name))[0];

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'h15n-e2e-'));
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
        FLEETLENS_CLUSTER_NAME: 'h15n',
        FLEETLENS_NODE_NAME: node,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        FLEETLENS_ACTIONS: 'network.create,network.remove,network.connect,network.disconnect',
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
    for (const id of docker('network', 'ls', '-q', '--filter', `name=${run}`).split('\n').filter(Boolean))
      docker('network', 'rm', id);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the engine’s networks with the container’s endpoint as docker network inspect shows it', async () => {
    const bridge = inspectNet('bridge');
    const rows = await listedUntil((r) =>
      r.some((n) => n.name === 'bridge' && n.containers.some((c) => c.runtimeId === runtimeId))
    );
    const b = rows.find((n) => n.name === 'bridge')!;
    expect(b.networkId).toBe(bridge.Id);
    expect(b.ipam.map((p) => p.subnet)).toEqual(bridge.IPAM.Config.map((c: { Subnet: string }) => c.Subnet));
    const ep = b.containers.find((c) => c.runtimeId === runtimeId)!;
    expect(ep).toMatchObject({
      containerId: entityId,
      ipv4: bridge.Containers[runtimeId].IPv4Address,
      mac: bridge.Containers[runtimeId].MacAddress,
    });
  }, 90_000);

  it('creates, connects, disconnects and removes a network through the agent', async () => {
    const created = await api('POST', '/networks', { cluster: 'h15n', node, name: net, subnet, internal: true });
    expect(created.status).toBe(202);
    expect(await settle(created.body.id)).toMatchObject({ state: 'done' });
    expect(inspectNet(net)).toMatchObject({ Internal: true, IPAM: { Config: [{ Subnet: subnet }] } });
    let rows = await listedUntil((r) => r.some((n) => n.name === net));
    const row = rows.find((n) => n.name === net)!;
    expect(row.networkId).toBe(inspectNet(net).Id);

    const connected = await api('POST', `/networks/${row.id}/connect`, { container: entityId });
    expect(connected.status).toBe(202);
    expect(await settle(connected.body.id)).toMatchObject({ state: 'done' });
    const ep = inspectNet(net).Containers[runtimeId];
    expect(ep.IPv4Address.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
    rows = await listedUntil((r) => r.some((n) => n.name === net && n.containers.length === 1));
    expect(rows.find((n) => n.name === net)!.containers[0]).toMatchObject({ runtimeId, ipv4: ep.IPv4Address });

    // Attached: the backend refuses the remove before asking the agent.
    const busy = await api('DELETE', `/networks/${row.id}`);
    expect(busy.status).toBe(409);

    const disconnected = await api('POST', `/networks/${row.id}/disconnect`, { container: entityId });
    expect(await settle(disconnected.body.id)).toMatchObject({ state: 'done' });
    expect(inspectNet(net).Containers).toEqual({});
    await listedUntil((r) => r.some((n) => n.name === net && n.containers.length === 0));

    const removed = await api('DELETE', `/networks/${row.id}`);
    expect(removed.status).toBe(202);
    expect(await settle(removed.body.id)).toMatchObject({ state: 'done' });
    expect(docker('network', 'ls', '-q', '--filter', `name=^${net}$`)).toBe('');
    await listedUntil((r) => !r.some((n) => n.name === net));

    const audit = await api('GET', '/audit?targetType=container-action');
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'network.connect.result',
      'network.create.result',
      'network.disconnect.result',
      'network.remove.result',
    ]);
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionKind, ActionResult, ContainerAction } from '@fleetlens/protocol';
import { ActionExecutor } from '../src/actions/executor';
import { ACTION_LABEL, CREATED_BY_LABEL, networkHandlers } from '../src/actions/networks';
import { IMAGE, SOCKET, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel } from './helpers/docker';

// Issue 15: the agent's network handlers against the real Docker engine, with a real busybox
// container. Every outcome is checked with `docker network inspect` / `docker inspect`, and the
// engine's refusals must come back as failed results carrying Docker's own message.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const KINDS: ActionKind[] = ['network.create', 'network.remove', 'network.connect', 'network.disconnect'];

interface NetInspect {
  Name: string;
  Id: string;
  Driver: string;
  Internal: boolean;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] };
  Labels: Record<string, string>;
  Containers: Record<string, { Name: string; IPv4Address: string; MacAddress: string }>;
}
const inspectNet = (name: string) => JSON.parse(docker('network', 'inspect', name))[0] as NetInspect;
const netExists = (name: string) => {
  try {
    docker('network', 'inspect', name);
    return true;
  } catch {
    return false;
  }
};

describeDocker('network actions against the real Docker engine', () => {
  const run = runLabel('h15net');
  const label = `fleetlens.test=${run}`;
  const net = `${run}-net`;
  // A /24 unlikely to collide with this host's other networks (172.28–172.29 are not Docker's defaults).
  const subnet = `172.${28 + (process.pid % 2)}.${process.pid % 250}.0/24`;
  let stateDir: string;
  let n = 0;
  const action = (
    kind: ActionKind,
    target: ContainerAction['target'],
    options: ContainerAction['options'] = {}
  ): ContainerAction => ({
    id: `${run}-${++n}`,
    kind,
    ...(target.containerId ? { containerId: target.containerId } : {}),
    target,
    options,
    expiresAt: Math.floor(Date.now() / 1000) + 300,
  });
  const messages: string[] = [];
  const runOne = async (a: ContainerAction): Promise<ActionResult> => {
    const ex = await ActionExecutor.open({
      allowed: KINDS,
      socketPath: SOCKET,
      stateDir,
      handlers: networkHandlers,
      log: () => undefined,
    });
    ex.submit([a]);
    await ex.idle();
    const [r] = ex.take();
    await ex.commit();
    ex.close();
    messages.push(`${a.kind}: ${r.state}: ${r.message}`);
    return r;
  };

  beforeAll(() => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'h15-networks-'));
  });
  afterAll(() => {
    if (process.env.SHOW_MESSAGES) console.log(messages.join('\n'));
    removeLabelled(label);
    for (const id of docker('network', 'ls', '-q', '--filter', `name=${run}`).split('\n').filter(Boolean))
      docker('network', 'rm', id);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('creates, connects, disconnects and removes a network; refusals carry Docker’s message', async () => {
    const created = await runOne(
      action('network.create', { network: net }, { driver: 'bridge', subnet, internal: true })
    );
    expect(created).toMatchObject({ state: 'done' });
    const info = inspectNet(net);
    expect(created.message).toBe(`created network ${net} (${info.Id.slice(0, 12)})`);
    expect(info).toMatchObject({ Name: net, Driver: 'bridge', Internal: true });
    expect(info.IPAM.Config.map((c) => c.Subnet)).toEqual([subnet]);
    expect(info.Labels).toEqual({ [CREATED_BY_LABEL]: 'fleetlens-agent', [ACTION_LABEL]: `${run}-1` });

    // The same name again: the engine refuses (CheckDuplicate).
    const dup = await runOne(action('network.create', { network: net }));
    expect(dup.state).toBe('failed');
    expect(dup.message).toMatch(new RegExp(`${net}.*already exists|already exists.*${net}`));
    expect(docker('network', 'ls', '-q', '--filter', `name=^${net}$`).split('\n').filter(Boolean)).toHaveLength(1);

    const ctr = docker('run', '-d', '--name', `${run}-c`, '--label', label, IMAGE, 'sh', '-c', 'sleep 3600');
    const connected = await runOne(action('network.connect', { network: info.Id, containerId: ctr }));
    expect(connected).toMatchObject({
      state: 'done',
      message: `connected ${ctr.slice(0, 12)} to ${info.Id.slice(0, 12)}`,
    });
    const ep = inspectNet(net).Containers[ctr];
    expect(ep.Name).toBe(`${run}-c`);
    // An address of the subnet asked for (172.x.y.0/24 → 172.x.y.N/24).
    expect(ep.IPv4Address.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
    expect(ep.IPv4Address.endsWith('/24')).toBe(true);
    const ctrNets = JSON.parse(docker('inspect', ctr))[0].NetworkSettings.Networks as Record<string, unknown>;
    expect(Object.keys(ctrNets).sort()).toEqual(['bridge', net].sort());

    // Connecting it again: the engine refuses (the endpoint exists).
    const twice = await runOne(action('network.connect', { network: info.Id, containerId: ctr }));
    expect(twice.state).toBe('failed');
    expect(twice.message).toMatch(/already exists/);

    // Removing it while the container is attached: Docker refuses (active endpoints).
    const busy = await runOne(action('network.remove', { network: info.Id }));
    expect(busy.state).toBe('failed');
    expect(busy.message).toMatch(/active endpoints/);
    expect(netExists(net)).toBe(true);

    const disconnected = await runOne(
      action('network.disconnect', { network: info.Id, containerId: ctr }, { force: false })
    );
    expect(disconnected).toMatchObject({ state: 'done' });
    expect(inspectNet(net).Containers).toEqual({});
    // Disconnecting again: the engine says it is not connected.
    const again = await runOne(action('network.disconnect', { network: info.Id, containerId: ctr }));
    expect(again.state).toBe('failed');
    expect(again.message).toMatch(/not connected/);

    const removed = await runOne(action('network.remove', { network: info.Id }));
    expect(removed).toMatchObject({ state: 'done', message: `removed network ${info.Id.slice(0, 12)}` });
    expect(netExists(net)).toBe(false);
  });

  it('passes on the engine’s refusal to remove a predefined network', async () => {
    const r = await runOne(action('network.remove', { network: 'bridge' }));
    expect(r.state).toBe('failed');
    expect(r.message).toMatch(/pre-?defined/);
    expect(netExists('bridge')).toBe(true);
  });
});

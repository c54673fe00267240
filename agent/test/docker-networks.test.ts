import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestBatch, type NetworkInventory } from '@fleetlens/protocol';
import { DockerCollector } from '../src/collectors/docker';
import { DockerEngine } from '../src/collectors/docker/engine';
import { NETWORK_RESEND_SECONDS, NetworkReporter } from '../src/collectors/docker/networks';
import { IMAGE, SOCKET, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel } from './helpers/docker';

// Issue 15: the Docker collector's network inventory against the real engine. Every figure is
// compared with `docker network inspect` (ids, driver, IPAM, labels, each endpoint's address and
// MAC), not with the collector's own reading; the inventory goes out when it changed and again
// after NETWORK_RESEND_SECONDS, never on every cycle.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

interface NetInspect {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  Created: string;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] };
  Labels: Record<string, string>;
  Containers: Record<string, { Name: string; IPv4Address: string; IPv6Address: string; MacAddress: string }>;
}
const inspectNet = (name: string) => JSON.parse(docker('network', 'inspect', name))[0] as NetInspect;

describeDocker('docker network inventory against a real Docker engine', () => {
  const run = runLabel('h15inv');
  const label = `fleetlens.test=${run}`;
  const net = `${run}-net`;
  const subnet = `172.${28 + (process.pid % 2)}.${(process.pid + 7) % 250}.0/24`;
  let stateDir: string;
  let collector: DockerCollector;
  let running: string;
  let stopped: string;

  const inventoryOf = (parts: { networks?: NetworkInventory[] }) => {
    expect(parts.networks).toHaveLength(1);
    return parts.networks![0];
  };

  beforeAll(async () => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'h15-inv-'));
    docker('network', 'create', '--label', label, '--subnet', subnet, '--gateway', subnet.replace(/0\/24$/, '1'), net);
    running = docker(
      'run',
      '-d',
      '--name',
      `${run}-up`,
      '--label',
      label,
      '--network',
      net,
      IMAGE,
      'sh',
      '-c',
      'sleep 3600'
    );
    stopped = docker('create', '--name', `${run}-down`, '--label', label, '--network', net, IMAGE, 'sh');
    collector = new DockerCollector({
      nodeName: 'test-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      logsEnabled: false,
      logLinesPerCycle: 10,
      stateDir,
      labelFilter: { 'fleetlens.test': run },
    });
    await collector.start(Date.now());
  }, 120_000);
  afterAll(async () => {
    await collector?.stop();
    if (HAVE_DOCKER) {
      removeLabelled(label);
      for (const id of docker('network', 'ls', '-q', '--filter', `label=${label}`).split('\n').filter(Boolean))
        docker('network', 'rm', id);
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('reports every network of the engine with its endpoints as docker network inspect shows them', async () => {
    const ls = () => docker('network', 'ls', '-q', '--no-trunc').split('\n').filter(Boolean);
    const before = ls();
    const now = Date.now();
    const parts = await collector.collect(now);
    const after = ls();
    const inv = inventoryOf(parts);
    expect(inv.nodeName).toBe('test-node');
    expect(inv.ts).toBe(Math.floor(now / 1000));
    // Every network `docker network ls` lists, by id (tests running beside this one may create or
    // remove networks meanwhile: those listed both before and after, and none listed by neither).
    const ids = inv.networks.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(before.filter((id) => after.includes(id))));
    for (const id of ids) expect(before.includes(id) || after.includes(id)).toBe(true);

    const ref = inspectNet(net);
    const mine = inv.networks.find((n) => n.id === ref.Id)!;
    expect(mine).toMatchObject({
      name: net,
      driver: ref.Driver,
      scope: ref.Scope,
      internal: false,
      ipam: [{ subnet, gateway: subnet.replace(/0\/24$/, '1') }],
      labels: ref.Labels,
      createdAt: Math.floor(Date.parse(ref.Created) / 1000),
    });
    // The running container's endpoint as the engine lists it; the stopped one is configured
    // on the network (it rejoins on start) but has no endpoint yet.
    const ep = ref.Containers[running];
    expect(Object.keys(ref.Containers)).toEqual([running]);
    expect(mine.containers).toEqual(
      [
        { containerId: running, name: `${run}-up`, ipv4: ep.IPv4Address, ipv6: ep.IPv6Address, mac: ep.MacAddress },
        { containerId: stopped, name: `${run}-down`, ipv4: '', ipv6: '', mac: '' },
      ].sort((a, b) => a.containerId.localeCompare(b.containerId))
    );
    // What the wire accepts unchanged.
    const batch = IngestBatch.parse({
      version: 'v1',
      batchId: 'x',
      sentAt: inv.ts,
      agent: { id: 'a', version: '1', mode: 'node', hostname: 'test-node' },
      cluster: { name: 'c', kind: 'docker', environment: 'on-prem' },
      networks: parts.networks,
    });
    expect(batch.networks).toEqual(parts.networks);
  });

  it('sends nothing while nothing changed, and the new inventory once a container is connected', async () => {
    expect((await collector.collect(Date.now())).networks).toBeUndefined();
    docker('network', 'connect', 'bridge', stopped);
    docker('start', stopped); // `sh` exits at once: it ends up stopped again, on both networks
    docker('wait', stopped);
    docker('network', 'disconnect', net, running);
    const inv = inventoryOf(await collector.collect(Date.now()));
    const mine = inv.networks.find((n) => n.name === net)!;
    expect(mine.containers.map((c) => c.containerId)).toEqual([stopped]);
    const bridge = inv.networks.find((n) => n.name === 'bridge')!;
    expect(bridge.containers.map((c) => c.containerId)).toContain(stopped);
    expect((await collector.collect(Date.now())).networks).toBeUndefined();
  });

  it('sends an unchanged inventory again after NETWORK_RESEND_SECONDS', async () => {
    const engine = new DockerEngine(SOCKET);
    try {
      const reporter = new NetworkReporter(engine, 'test-node');
      const list = await engine.listContainers(true, { label: [label] });
      const t = Date.now();
      expect(await reporter.collect(list, t)).toHaveLength(1);
      expect(await reporter.collect(list, t + 60_000)).toHaveLength(0);
      expect(await reporter.collect(list, t + (NETWORK_RESEND_SECONDS - 1) * 1000)).toHaveLength(0);
      expect(await reporter.collect(list, t + NETWORK_RESEND_SECONDS * 1000)).toHaveLength(1);
    } finally {
      engine.close();
    }
  });
});

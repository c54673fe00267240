import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionResult, ContainerAction } from '@fleetlens/protocol';
import { composeHandlers } from '../src/actions/compose';
import { ActionExecutor } from '../src/actions/executor';
import { actionHandlersFor } from '../src/actions';
import { loadConfig } from '../src/config';
import { runComposeReplica } from './helpers/compose';
import { IMAGE, SOCKET, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel } from './helpers/docker';

// Issue 15 (decision 35): compose.scale against the real Docker engine. A "Compose service" is
// made by hand with `docker run` and the labels Compose v2 sets; every outcome is read back with
// `docker ps` / `docker inspect`, never from the handler's message alone.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

interface Inspected {
  Id: string;
  Name: string;
  Image: string;
  Created: string;
  State: { Status: string; Running: boolean };
  Config: { Hostname: string; Env: string[]; Labels: Record<string, string>; StopTimeout?: number; Image: string };
  HostConfig: { Memory: number; NetworkMode: string };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; IPAddress: string }> };
}
const inspect = (id: string) => JSON.parse(docker('inspect', id))[0] as Inspected;

describeDocker('compose.scale against the real Docker engine', () => {
  const run = runLabel('h35');
  const label = `fleetlens.test=${run}`;
  const project = run.replace(/[^a-z0-9-]/g, '');
  const netA = `${run}-front`;
  const netB = `${run}-back`;
  let stateDir: string;
  let n = 0;

  /** The service's containers as `docker ps -a` lists them: number → inspect. */
  const service = (svc = 'web') => {
    const ids = docker(
      'ps',
      '-aq',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${svc}`
    )
      .split('\n')
      .filter(Boolean);
    const byNumber = new Map<number, Inspected>();
    for (const id of ids) {
      const c = inspect(id);
      byNumber.set(Number(c.Config.Labels['com.docker.compose.container-number']), c);
    }
    return byNumber;
  };
  const scale = async (replicas: number, svc = 'web'): Promise<ActionResult> => {
    const a: ContainerAction = {
      id: `${run}-${++n}`,
      kind: 'compose.scale',
      target: { project, service: svc },
      options: { replicas },
      expiresAt: Math.floor(Date.now() / 1000) + 300,
    };
    const ex = await ActionExecutor.open({
      allowed: ['compose.scale'],
      socketPath: SOCKET,
      stateDir,
      handlers: composeHandlers,
      log: () => undefined,
    });
    ex.submit([a]);
    await ex.idle();
    const [r] = ex.take();
    await ex.commit();
    ex.close();
    return r;
  };

  let first: Inspected;

  beforeAll(() => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'h35-compose-'));
    docker('network', 'create', '--label', label, netA);
    docker('network', 'create', '--label', label, netB);
    // What `docker compose up` would have made of a service "web" with one replica.
    const id = runComposeReplica(
      project,
      'web',
      1,
      label,
      '--label',
      'tier=frontend',
      '--env',
      'GREETING=hello',
      '--memory',
      '64m',
      '--network',
      netA,
      '--network-alias',
      'web'
    );
    docker('network', 'connect', '--alias', 'web-back', netB, id);
    first = inspect(id);
  });
  afterAll(() => {
    removeLabelled(label);
    for (const net of [netA, netB]) {
      try {
        docker('network', 'rm', net);
      } catch {
        // already gone
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('is one of the kinds a node agent runs, not the cluster agent', () => {
    const env = { FLEETLENS_BACKEND_URL: 'http://127.0.0.1:1', FLEETLENS_AGENT_TOKEN: 't', FLEETLENS_CLUSTER: 'c' };
    const node = actionHandlersFor(loadConfig({ ...env, FLEETLENS_MODE: 'node' }))!(() => null as never);
    const cluster = actionHandlersFor(loadConfig({ ...env, FLEETLENS_MODE: 'cluster' }))!(() => null as never);
    expect(Object.keys(node)).toContain('compose.scale');
    expect(Object.keys(cluster)).not.toContain('compose.scale');
  });

  it('scales 1 → 3: two new running copies, numbered 2 and 3, with the same image, env, memory, networks and labels', async () => {
    const r = await scale(3);
    expect(r).toMatchObject({ state: 'done', message: `scaled ${project}/web from 1 to 3` });
    const now = service();
    expect([...now.keys()].sort()).toEqual([1, 2, 3]);
    expect(now.get(1)!.Id).toBe(first.Id);
    for (const k of [2, 3]) {
      const c = now.get(k)!;
      expect(c.Name).toBe(`/${project}-web-${k}`);
      expect(c.State.Running).toBe(true);
      expect(c.Image).toBe(first.Image);
      expect(c.Config.Image).toBe(IMAGE);
      expect(c.Config.Env).toContain('GREETING=hello');
      expect(c.HostConfig.Memory).toBe(64 * 1024 * 1024);
      expect(c.Config.StopTimeout).toBe(1);
      expect(c.Config.Labels).toMatchObject({
        tier: 'frontend',
        'fleetlens.test': run,
        'com.docker.compose.project': project,
        'com.docker.compose.service': 'web',
        'com.docker.compose.container-number': String(k),
      });
      // Its own hostname (not the template's short id), both networks with the service's aliases.
      expect(c.Config.Hostname).toBe(c.Id.slice(0, 12));
      expect(c.HostConfig.NetworkMode).toBe(netA);
      expect(Object.keys(c.NetworkSettings.Networks).sort()).toEqual([netA, netB].sort());
      expect(c.NetworkSettings.Networks[netA].Aliases).toContain('web');
      expect(c.NetworkSettings.Networks[netA].Aliases).not.toContain(first.Id.slice(0, 12));
      expect(c.NetworkSettings.Networks[netB].Aliases).toContain('web-back');
      expect(c.NetworkSettings.Networks[netA].IPAddress).not.toBe(first.NetworkSettings.Networks[netA].IPAddress);
    }
    // The copies answer on the service's network alias: the first resolves "web" to the replicas too.
    const names = docker('exec', first.Id, 'sh', '-c', 'nslookup web 127.0.0.11 || true');
    expect(names).toContain(now.get(3)!.NetworkSettings.Networks[netA].IPAddress);
  }, 90_000);

  it('says "already at 3" and changes nothing when asked for the count it has', async () => {
    const before = [...service().values()].map((c) => c.Id).sort();
    expect(await scale(3)).toMatchObject({ state: 'done', message: `${project}/web already at 3` });
    expect([...service().values()].map((c) => c.Id).sort()).toEqual(before);
  });

  it('scales 3 → 1 by stopping and removing the newest two', async () => {
    const r = await scale(1);
    expect(r).toMatchObject({ state: 'done', message: `scaled ${project}/web from 3 to 1` });
    const now = service();
    expect([...now.keys()]).toEqual([1]);
    expect(now.get(1)!.Id).toBe(first.Id);
    expect(now.get(1)!.State.Running).toBe(true);
  }, 60_000);

  it('scales to 0 by keeping the oldest container stopped, and back to 2 from its configuration', async () => {
    const zero = await scale(0);
    expect(zero.state).toBe('done');
    expect(zero.message).toBe(
      `scaled ${project}/web from 1 to 0 (kept ${project}-web-1 stopped: its configuration is what scaling up copies)`
    );
    let now = service();
    expect([...now.keys()]).toEqual([1]);
    expect(now.get(1)!.State).toMatchObject({ Status: 'exited', Running: false });
    expect(await scale(0)).toMatchObject({ state: 'done', message: `${project}/web already at 0` });

    const two = await scale(2);
    expect(two).toMatchObject({ state: 'done', message: `scaled ${project}/web from 0 to 2` });
    now = service();
    expect([...now.keys()].sort()).toEqual([1, 2]);
    expect(now.get(1)!.Id).toBe(first.Id);
    expect(now.get(1)!.State.Running).toBe(true);
    expect(now.get(2)!.State.Running).toBe(true);
    expect(now.get(2)!.Config.Env).toContain('GREETING=hello');
  }, 90_000);

  it('fails with a clear message for a service with no container to copy, creating nothing', async () => {
    const r = await scale(2, 'ghost');
    expect(r.state).toBe('failed');
    expect(r.message).toContain(`no container of ${project}/ghost on this host`);
    expect(service('ghost').size).toBe(0);
  });

  it('reports the engine’s refusal and what was done before it (a name already taken)', async () => {
    // A stray container holds the next replica's name: the engine refuses the create (409).
    docker('create', '--name', `${project}-web-3`, '--label', label, IMAGE, 'sh');
    const r = await scale(3);
    expect(r.state).toBe('failed');
    expect(r.message).toContain(`creating ${project}-web-3 failed`);
    expect(r.message).toMatch(/already in use/);
    expect([...service().keys()].sort()).toEqual([1, 2]);
  }, 60_000);
});

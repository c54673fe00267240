import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerListReply, ContainerRow } from '../../protocol/src/api/v1';
import { IngestBatch, type ContainerReport, type Event } from '@fleetlens/protocol';
import { silentLogger } from '../../backend/src/logger';
import { startBackend, type RunningBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { DockerCollector } from '../src/collectors/docker';
import type { BatchParts } from '../src/collectors/types';
import {
  IMAGE,
  SOCKET,
  docker,
  dockerAvailable,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// Security posture and security events against the real Docker engine (issue 17). Four containers
// started the way an operator would (privileged, the Docker socket mounted, host network, and one
// locked down: read-only, user 1000, 64 MiB, half a core) and a docker exec into a running one. The
// reference is `docker inspect` read by the test; the expected risk lists are written by hand from
// how each container was started; the risks are those the real backend (SQLite) names and lists.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const SERVICE_KEY = 'security-service-key-0123456789';
const TOKEN = 'security-agent-token-0123456789';

interface Inspect {
  Id: string;
  Image: string;
  Config: { User: string; Image: string };
  HostConfig: {
    Privileged: boolean;
    NetworkMode: string;
    ReadonlyRootfs: boolean;
    Memory: number;
    NanoCpus: number;
    CapAdd: string[] | null;
    PidMode: string;
    IpcMode: string;
  };
  Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean }>;
}

describeDocker('security posture and events against a real Docker engine', () => {
  const run = runLabel('fltest-sec');
  const label = `fleetlens.test=${run}`;
  const ids: Record<string, string> = {};
  const altTag = `fleetlens-busybox:sec-${process.pid}`;
  let stateDir: string;
  let dataDir: string;
  let collector: DockerCollector;
  let backend: RunningBackend;
  let admin: Record<string, string>;
  const parts: BatchParts[] = [];

  const start = (name: string, args: string[], image = IMAGE, verb: 'run' | 'create' = 'run') => {
    const detach = verb === 'run' ? ['-d'] : [];
    ids[name] = docker(verb, ...detach, '--name', `${run}-${name}`, '--label', label, ...args, image, 'sleep', '3600');
  };
  const inspect = (name: string): Inspect => JSON.parse(docker('inspect', ids[name]))[0] as Inspect;
  const reportOf = (name: string): ContainerReport => {
    for (const p of [...parts].reverse()) {
      const r = p.containers?.find((c) => c.id === ids[name]);
      if (r) return r;
    }
    throw new Error(`no report for ${name}`);
  };
  const events = (): Event[] => parts.flatMap((p) => p.events ?? []);
  /** The engine's own count of a container's die events (`docker events`), independent of the agent. */
  const dies = (name: string): number =>
    docker(
      'events',
      '--since',
      '5m',
      '--until',
      '0s',
      '--filter',
      `container=${ids[name]}`,
      '--filter',
      'event=die',
      '--format',
      '{{.Action}}'
    )
      .split('\n')
      .filter(Boolean).length;
  const push = async (p: BatchParts, n: number) => {
    const batch = IngestBatch.parse({
      version: 'v1',
      batchId: `${run}-${n}`,
      sentAt: Math.floor(Date.now() / 1000),
      agent: { id: 'sec-agent', version: 'test', mode: 'node', hostname: 'sec-host' },
      cluster: { name: 'sec-docker', kind: 'docker', environment: 'on-prem' },
      containers: p.containers,
      events: p.events,
    });
    const res = await fetch(`${backend.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(202);
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${backend.url}${path}`, { headers: admin });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'fl-sec-state-'));
    dataDir = mkdtempSync(join(tmpdir(), 'fl-sec-db-'));
    backend = await startBackend(
      {
        databaseUrl: join(dataDir, 'monitor.db'),
        port: 0,
        host: '127.0.0.1',
        agentToken: TOKEN,
        serviceKey: SERVICE_KEY,
        jobsEnabled: false,
        dataDir,
      },
      { log: silentLogger }
    );
    admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
    collector = new DockerCollector({
      nodeName: 'sec-host',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      stateDir,
      logsEnabled: false,
      logLinesPerCycle: 0,
      labelFilter: { 'fleetlens.test': run },
    });
    await collector.start(Date.now());
    // Started after the agent, so that their start events reach it.
    // This machine's own capability bounding set lacks CAP_SYS_RESOURCE, so runc cannot start a
    // privileged container here ("unable to apply caps"): it is created, not started. Its posture
    // comes from the same inspect; its privileged_start event cannot happen on this machine.
    start('priv', ['--privileged'], IMAGE, 'create');
    start('sock', ['-v', '/var/run/docker.sock:/var/run/docker.sock']);
    start('hostnet', ['--network=host']);
    start('plain', ['--read-only', '--user', '1000', '--memory', '64m', '--cpus', '0.5']);
    // The same name re-created with another image reference: an image change.
    docker('tag', IMAGE, altTag);
    start('renamed', ['--read-only', '--user', '1000', '--memory', '64m', '--cpus', '0.5']);
    parts.push(await collector.collect(Date.now()));
    docker('rm', '-f', ids.renamed);
    start('renamed', ['--read-only', '--user', '1000', '--memory', '64m', '--cpus', '0.5'], altTag);
    docker('exec', '--user', '1000', ids.plain, 'sh', '-c', 'echo fleetlens-exec-check');
    docker('exec', ids.hostnet, 'sh', '-c', 'echo $$');
    // A crash loop: exits 3 at once, restarted by the engine (back-off 100 ms, 200 ms, 400 ms, …).
    ids.crashy = docker(
      'run',
      '-d',
      '--name',
      `${run}-crashy`,
      '--label',
      label,
      '--restart',
      'always',
      // no risk of its own, so that the risky list stays the three above
      '--read-only',
      '--user',
      '1000',
      '--memory',
      '64m',
      '--cpus',
      '0.5',
      IMAGE,
      'sh',
      '-c',
      'exit 3'
    );
    for (let t = 0; t < 40 && dies('crashy') < 4; t++) await sleep(250);
    await sleep(1500);
    parts.push(await collector.collect(Date.now()));
    let n = 0;
    for (const p of parts) await push(p, n++);
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    removeLabelled(label);
    try {
      docker('rmi', altTag);
    } catch {
      // already gone
    }
    await backend?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports the posture facts docker inspect shows', () => {
    for (const name of ['priv', 'sock', 'hostnet', 'plain']) {
      const i = inspect(name);
      const s = reportOf(name).security!;
      expect(s).toBeDefined();
      expect(s.privileged).toBe(i.HostConfig.Privileged);
      expect(s.user).toBe(i.Config.User);
      // The busybox image sets no user: empty Config.User means uid 0.
      expect(s.runsAsRoot).toBe(i.Config.User === '' || i.Config.User === '0' || i.Config.User === 'root');
      expect(s.hostNetwork).toBe(i.HostConfig.NetworkMode === 'host');
      expect(s.hostPid).toBe(i.HostConfig.PidMode === 'host');
      expect(s.hostIpc).toBe(i.HostConfig.IpcMode === 'host');
      expect(s.readOnlyRootfs).toBe(i.HostConfig.ReadonlyRootfs);
      expect(s.capAdd).toEqual(i.HostConfig.CapAdd ?? []);
      expect(s.memoryLimitBytes).toBe(i.HostConfig.Memory > 0 ? i.HostConfig.Memory : null);
      expect(s.cpuLimitCores).toBe(i.HostConfig.NanoCpus > 0 ? i.HostConfig.NanoCpus / 1e9 : null);
      expect(s.hostMounts.map((m) => m.source)).toEqual(i.Mounts.filter((m) => m.Type === 'bind').map((m) => m.Source));
    }
    // And the inspect says what the containers were started with.
    expect(inspect('priv').HostConfig.Privileged).toBe(true);
    expect(inspect('sock').Mounts.map((m) => m.Source)).toEqual(['/var/run/docker.sock']);
    expect(inspect('hostnet').HostConfig.NetworkMode).toBe('host');
    expect(inspect('plain').HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      Memory: 64 * 1024 * 1024,
      NanoCpus: 5e8,
    });
    expect(inspect('plain').Config.User).toBe('1000');
  });

  it('the backend flags exactly the risks each container was started with, and lists them', async () => {
    // By hand: every container but "plain" runs as root (no --user, the image sets none) with a
    // writable root filesystem and no limits; the image has a tag ("test"), so none is floating.
    const unlimited = ['root', 'writableRootfs', 'noMemoryLimit', 'noCpuLimit'];
    const order = (r: string[]) => r.sort();
    const expected: Record<string, string[]> = {
      priv: order(['privileged', ...unlimited]),
      sock: order(['sensitiveMount', ...unlimited]),
      hostnet: order(['hostNetwork', ...unlimited]),
      plain: [],
    };
    const list = await get<ContainerListReply>('/api/v1/containers?pageSize=500');
    const byRuntime = new Map<string, ContainerRow>(list.items.map((c) => [c.runtimeId, c]));
    for (const [name, risks] of Object.entries(expected)) {
      expect({ name, risks: order([...byRuntime.get(ids[name])!.risks]) }).toEqual({ name, risks });
    }
    const risky = await get<ContainerListReply>('/api/v1/security/containers?pageSize=500');
    expect(risky.items.map((c) => c.runtimeId).sort()).toEqual([ids.priv, ids.sock, ids.hostnet].sort());
    const priv = await get<ContainerListReply>('/api/v1/security/containers?risk=privileged');
    expect(priv.items.map((c) => c.runtimeId)).toEqual([ids.priv]);
  });

  it('reports each docker exec with its command and user, and the start with the Docker socket mounted', () => {
    const execs = events().filter((e) => e.reason === 'exec_start');
    const plain = execs.find((e) => e.containerId === ids.plain);
    expect(plain).toMatchObject({ category: 'security', type: 'warning', objectName: `${run}-plain` });
    expect(plain!.message).toBe('exec started: sh -c echo fleetlens-exec-check (user 1000)');
    // Without --user an exec runs as the container's user: none set, none in the image → root.
    const root = execs.find((e) => e.containerId === ids.hostnet);
    expect(root!.message).toBe('exec started: sh -c echo $$ (user root)');
    expect(events().filter((e) => e.reason === 'exec_create' && e.category === 'security')).toHaveLength(2);

    // The privileged container was never started (see beforeAll): no privileged_start.
    const starts = events().filter((e) => e.reason === 'privileged_start' || e.reason === 'sensitive_mount_start');
    expect(starts.map((e) => [e.reason, e.containerId])).toEqual([['sensitive_mount_start', ids.sock]]);
    expect(starts.find((e) => e.reason === 'sensitive_mount_start')!.message).toBe(
      'started with host mounts /var/run/docker.sock'
    );
    const changed = events().filter((e) => e.reason === 'image_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ containerId: ids.renamed, objectName: `${run}-renamed`, category: 'security' });
    expect(changed[0].message).toContain(`from ${IMAGE} (`);
    expect(changed[0].message).toContain(`to ${altTag} (`);
  });

  it('marks the third and later non-zero exits of a restarting container within 10 minutes as a crash loop', () => {
    const engineDies = dies('crashy');
    const seen = events().filter((e) => e.containerId === ids.crashy && e.reason === 'die');
    expect(engineDies).toBeGreaterThanOrEqual(3);
    // Every die the engine reported reached the agent, in order; the first two are ordinary warnings.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.slice(0, 2).map((e) => e.category)).toEqual([undefined, undefined]);
    for (const [i, e] of seen.slice(2).entries()) {
      expect(e).toMatchObject({ type: 'warning', exitCode: 3, category: 'security' });
      expect(e.message).toBe(`exited with code 3 (crash loop: ${i + 3} non-zero exits in 10 min)`);
    }
  });

  it('the backend stores them as security events of the container', async () => {
    const list = await get<ContainerListReply>('/api/v1/containers?pageSize=500');
    const plainId = list.items.find((c) => c.runtimeId === ids.plain)!.id;
    const ev = await get<{ items: Array<{ reason: string; message: string; category: string | null }> }>(
      `/api/v1/events?category=security&container=${plainId}`
    );
    expect(ev.items.map((e) => e.reason).sort()).toEqual(['exec_create', 'exec_start']);
    expect(ev.items.every((e) => e.category === 'security')).toBe(true);
  });
});

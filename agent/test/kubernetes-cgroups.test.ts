import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestBatch, type ContainerSample, type Event } from '@fleetlens/protocol';
import { KubeClient } from '../src/collectors/kubernetes/client';
import { KubeNodeCollector } from '../src/collectors/kubernetes/node';
import { KubeOomMerge } from '../src/collectors/kubernetes/cgroup';
import { Agent } from '../src/agent';
import { loadConfig, validateConfig } from '../src/config';
import { startReceiver } from './helpers/receiver';
import {
  type ContainerUsage,
  type StandinServer,
  startApiStandin,
  startKubeletStandin,
  summaryOf,
} from './helpers/kube-standin';

// No cluster can run here: the node collector runs against the stand-in API server and kubelet
// (helpers/kube-standin.ts), and its cgroup root is a temp copy of the committed kubepods fixture
// (test/fixtures/cgroup/layouts/v2-kubepods-systemd, t0), whose counters the test advances by
// known amounts between cycles. Every expected figure is computed by hand in the comments.

const TOKEN = 'agent-token';
const USERS = {
  [TOKEN]: { user: 'system:serviceaccount:fleetlens:fleetlens-agent', subresources: ['stats' as const] },
};
const NODE = { metadata: { name: 'node-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
const UID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const ID_A = '2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e'; // the fixture's container
const ID_B = '3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a'; // after the first restart
const ID_C = '4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b'; // after the second
const FIXTURE = join(__dirname, 'fixtures/cgroup/layouts/v2-kubepods-systemd/t0/sys/fs/cgroup');
const POD_SLICE = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice`;
const MiB = 2 ** 20;
const T0 = Date.parse('2026-12-01T12:00:00Z');
const S0 = T0 / 1000;
const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

const conn = (server: string) => ({ server, token: () => TOKEN });

/** Sets `key value` lines of a cgroup key-value file (cpu.stat, memory.events). */
function setFields(file: string, values: Record<string, number>): void {
  let text = readFileSync(file, 'utf8');
  for (const [k, v] of Object.entries(values)) {
    const re = new RegExp(`^${k} \\d+$`, 'm');
    if (!re.test(text)) throw new Error(`${k} not in ${file}`);
    text = text.replace(re, `${k} ${v}`);
  }
  writeFileSync(file, text);
}

const podOf = (status: object) => ({
  metadata: { name: 'web', namespace: 'shop', uid: UID, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', resources: { limits: { memory: '640Mi' } } }] },
  status: { phase: 'Running', ...status },
});
const runningStatus = (
  id: string,
  startedSec: number,
  restartCount: number,
  last?: { id: string; finishedSec: number }
) => ({
  name: 'app',
  containerID: `containerd://${id}`,
  image: 'img/app:1',
  ready: true,
  restartCount,
  state: { running: { startedAt: iso(startedSec) } },
  ...(last
    ? {
        lastState: {
          terminated: {
            reason: 'OOMKilled',
            exitCode: 137,
            containerID: `containerd://${last.id}`,
            startedAt: iso(startedSec - 30),
            finishedAt: iso(last.finishedSec),
          },
        },
      }
    : {}),
});

describe('Kubernetes node collector reads container cgroups (against a stand-in API server and kubelet, fixture cgroup tree)', () => {
  let kubelet: StandinServer;
  let api: StandinServer;
  let pods: unknown[] = [];
  let usage: ContainerUsage[] = [];
  let tmp: string;
  let logs: string[];
  beforeEach(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'fl-k8s-cgroup-'));
    logs = [];
    kubelet = await startKubeletStandin({
      users: USERS,
      summary: () => summaryOf('node-1', [{ namespace: 'shop', name: 'web', uid: UID, containers: usage }]),
    });
    api = await startApiStandin({
      token: TOKEN,
      pods: () => pods as Array<{ spec: { nodeName?: string } }>,
      nodes: [NODE],
    });
  });
  afterEach(async () => {
    await kubelet.close();
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  const collector = (cgroupRoot: string) =>
    new KubeNodeCollector({
      nodeName: 'node-1',
      api: new KubeClient(conn(api.url)),
      kubelet: new KubeClient(conn(kubelet.url)),
      log: (m) => logs.push(m),
      cgroupRoot,
      hostProc: join(tmp, 'proc'), // no pids: the pod status has none; found by pod uid and runtime id
    });
  const oomEvents = (events: Event[] | undefined) => (events ?? []).filter((e) => e.reason === 'oom');

  it('memory parts, throttling and OOM kills equal the hand computation from the counters; a kill seen by both the cgroup and the OOMKilled termination counts once', async () => {
    const root = join(tmp, 'cgroup');
    cpSync(FIXTURE, root, { recursive: true });
    const scope = (id: string) => join(root, POD_SLICE, `cri-containerd-${id}.scope`);
    // The kubelet's own working set differs from the cgroup's on purpose: the sample must carry
    // the cgroup's (usage − inactive_file of the same reading as the parts).
    usage = [{ name: 'app', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e12, workingSet: 99 * MiB } }];
    pods = [podOf({ containerStatuses: [runningStatus(ID_A, S0 - 3600, 0)] })];
    const col = collector(root);
    await col.start(T0);

    // start() read A's cgroup (A started before the agent): the baseline. Cycle 1 (t0 + 10 s):
    // no counter moved.
    const c1 = await col.collect(T0 + 10_000);
    const s1 = c1.containers![0].samples[0];
    // Fixture: memory.current 390 MiB, anon 28 MiB, active_file 20 MiB, inactive_file 340 MiB.
    expect(s1).toMatchObject({
      memBytes: 50 * MiB, // 390 − 340
      memUsageBytes: 390 * MiB,
      memAnonBytes: 28 * MiB,
      memActiveFileBytes: 20 * MiB,
      memInactiveFileBytes: 340 * MiB,
      memLimitBytes: 640 * MiB,
      cpuThrottledPercent: 0, // no period elapsed since the baseline: nothing throttled
      cpuThrottledSecondsPerSecond: 0,
    });
    expect(oomEvents(c1.events)).toEqual([]); // oom_kill 2 at baseline: history
    expect(col.containerUsage()).toBe('kubelet summary + cgroup v2');

    // Cycle 2 (+20 s): periods 1000 → 1100, throttled 600 → 690, throttled_usec 50.0 → 57.2 s;
    // oom_kill 2 → 3: a child process killed, the container lives on.
    setFields(join(scope(ID_A), 'cpu.stat'), { nr_periods: 1100, nr_throttled: 690, throttled_usec: 57_200_000 });
    setFields(join(scope(ID_A), 'memory.events'), { oom_kill: 3 });
    const c2 = await col.collect(T0 + 20_000);
    const s2: ContainerSample = c2.containers![0].samples[0];
    expect(s2.cpuThrottledPercent).toBeCloseTo(90, 9); // 90 / 100 periods
    expect(s2.cpuThrottledSecondsPerSecond).toBeCloseTo(0.72, 9); // 7.2 s / 10 s
    expect(oomEvents(c2.events)).toEqual([
      expect.objectContaining({
        ts: S0 + 20,
        source: 'kubernetes',
        containerId: ID_A,
        objectName: 'web/app',
        namespace: 'shop',
      }),
    ]);

    // Cycle 3 (+30 s): 200 more periods, 50 throttled (25 %), 2.5 s throttled (0.25 s/s);
    // oom_kill 3 → 4: the main process, killed just before this reading (the cgroup still there).
    setFields(join(scope(ID_A), 'cpu.stat'), { nr_periods: 1300, nr_throttled: 740, throttled_usec: 59_700_000 });
    setFields(join(scope(ID_A), 'memory.events'), { oom_kill: 4 });
    const c3 = await col.collect(T0 + 30_000);
    expect(c3.containers![0].samples[0].cpuThrottledPercent).toBeCloseTo(25, 9);
    expect(c3.containers![0].samples[0].cpuThrottledSecondsPerSecond).toBeCloseTo(0.25, 9);
    expect(oomEvents(c3.events).map((e) => [e.ts, e.containerId])).toEqual([[S0 + 30, ID_A]]);

    // The kubelet restarts it as B (started +35 s); A's cgroup is gone; its lastState is
    // OOMKilled, finished at +30 s: inside the interval (+20, +30] of A's last reading, which
    // counted one kill, so it is that kill: no second event.
    rmSync(scope(ID_A), { recursive: true });
    cpSync(join(FIXTURE, POD_SLICE, `cri-containerd-${ID_A}.scope`), scope(ID_B), { recursive: true });
    setFields(join(scope(ID_B), 'memory.events'), { oom_kill: 0 });
    setFields(join(scope(ID_B), 'cpu.stat'), { nr_periods: 0, nr_throttled: 0, throttled_usec: 0 });
    pods = [podOf({ containerStatuses: [runningStatus(ID_B, S0 + 35, 1, { id: ID_A, finishedSec: S0 + 30 })] })];
    const c4 = await col.collect(T0 + 40_000);
    expect(c4.containers!.map((c) => c.id)).toEqual([ID_B]);
    expect(oomEvents(c4.events)).toEqual([]);
    // A new cgroup: no throttling rate across the restart (its counters started again).
    expect(c4.containers![0].samples[0].cpuThrottledPercent).toBeNull();

    // Cycle 5 (+50 s): B's oom_kill 0 → 1 (a child); throttling 10 of 100 periods (10 %), 0.4 s (0.04 s/s).
    setFields(join(scope(ID_B), 'memory.events'), { oom_kill: 1 });
    setFields(join(scope(ID_B), 'cpu.stat'), { nr_periods: 100, nr_throttled: 10, throttled_usec: 400_000 });
    const c5 = await col.collect(T0 + 50_000);
    expect(oomEvents(c5.events).map((e) => [e.ts, e.containerId])).toEqual([[S0 + 50, ID_B]]);
    expect(c5.containers![0].samples[0].cpuThrottledPercent).toBeCloseTo(10, 9);
    expect(c5.containers![0].samples[0].cpuThrottledSecondsPerSecond).toBeCloseTo(0.04, 9);

    // Cycle 6 (+60 s): B read again, no new kill: B ran on after that child's kill.
    expect(oomEvents((await col.collect(T0 + 60_000)).events)).toEqual([]);

    // B's main process is then killed (+65 s) with no reading between the kill and the cgroup's
    // removal; the kubelet starts C (+66 s), whose cgroup already counted one kill (a child,
    // before C's first reading; C started after the agent, so its counter counts from 0).
    rmSync(scope(ID_B), { recursive: true });
    cpSync(join(FIXTURE, POD_SLICE, `cri-containerd-${ID_A}.scope`), scope(ID_C), { recursive: true });
    setFields(join(scope(ID_C), 'memory.events'), { oom_kill: 1 });
    pods = [podOf({ containerStatuses: [runningStatus(ID_C, S0 + 66, 2, { id: ID_B, finishedSec: S0 + 65 })] })];
    const c7 = await col.collect(T0 + 70_000);
    // B's termination: B's last reading (+60 s) counted nothing, so it is a kill of its own, at
    // its finish time; C's counter adds one at this reading. Both are reported on C, the current container.
    expect(
      oomEvents(c7.events)
        .map((e) => [e.ts, e.containerId])
        .sort()
    ).toEqual([
      [S0 + 65, ID_C],
      [S0 + 70, ID_C],
    ]);
    // The same status next cycle: nothing again.
    expect(oomEvents((await col.collect(T0 + 80_000)).events)).toEqual([]);
    // Exactly 5 kills: A child, A main (both sources), B child, B main (termination), C child.
    expect(logs).toEqual([]);
  });

  it('no cgroup hierarchy at the configured root: said once in the log and in the status; the kubelet figures stay, no zeros for the unknown', async () => {
    const root = join(tmp, 'empty');
    mkdirSync(root);
    usage = [{ name: 'app', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e12, workingSet: 99 * MiB } }];
    pods = [podOf({ containerStatuses: [runningStatus(ID_A, S0 - 3600, 0)] })];
    const col = collector(root);
    await col.start(T0);
    await col.collect(T0 + 10_000);
    const s = (await col.collect(T0 + 20_000)).containers![0].samples[0];
    expect(s.memBytes).toBe(99 * MiB); // the kubelet's
    for (const k of [
      'memUsageBytes',
      'memAnonBytes',
      'memActiveFileBytes',
      'memInactiveFileBytes',
      'cpuThrottledPercent',
    ] as const)
      expect(s[k]).toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`no cgroup hierarchy at ${root} (FLEETLENS_HOST_CGROUP)`);
    expect(col.containerUsage()).toBe(`kubelet summary (cgroup not readable: no cgroup hierarchy at ${root})`);
  });

  it("a hierarchy without the container's cgroup (unknown layout): logged once, counted in the status, the kubelet figures stay", async () => {
    const root = join(tmp, 'cgroup');
    cpSync(FIXTURE, root, { recursive: true });
    usage = [{ name: 'app', startTime: '2026-01-01T00:00:00Z', stats: { cpuNs: 1e12, workingSet: 99 * MiB } }];
    // A container id the tree does not have.
    pods = [podOf({ containerStatuses: [runningStatus(ID_C, S0 - 3600, 0)] })];
    const col = collector(root);
    await col.start(T0);
    await col.collect(T0 + 10_000);
    const s = (await col.collect(T0 + 20_000)).containers![0].samples[0];
    expect(s.memBytes).toBe(99 * MiB);
    expect(s.memUsageBytes).toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`cgroup of container web/app (${ID_C.slice(0, 12)}, pod ${UID}) not found under ${root}`);
    expect(col.containerUsage()).toBe('kubelet summary + cgroup v2 (cgroup not found for 1 of 1 containers)');
  });
});

describe('the agent status names what the cgroup reader could not read (node collector against the stand-ins)', () => {
  it("the batch's agent status carries containerUsage, and the wire schema keeps it", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fl-k8s-cgroup-agent-'));
    const kubelet = await startKubeletStandin({ users: USERS, summary: () => summaryOf('node-1', []) });
    const api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE] });
    const receiver = await startReceiver();
    const batches: IngestBatch[] = [];
    const missing = join(tmp, 'no-such-cgroup');
    const agent = new Agent({
      config: validateConfig({
        backendUrl: receiver.url,
        agentToken: 'agent-token-0123456789',
        nodeName: 'node-1',
        intervalSeconds: 3600,
        stateDir: join(tmp, 'state'),
      }),
      clusterKind: 'kubernetes',
      collectors: [
        new KubeNodeCollector({
          nodeName: 'node-1',
          api: new KubeClient(conn(api.url)),
          kubelet: new KubeClient(conn(kubelet.url)),
          log: () => undefined,
          cgroupRoot: missing,
        }),
      ],
      sender: { baseDelayMs: 20, maxDelayMs: 50, log: () => {} },
      log: () => {},
      onBatch: (b) => batches.push(b),
    });
    try {
      await agent.start();
      await agent.cycle(Date.now());
    } finally {
      await agent.stop();
      await receiver.close();
      await kubelet.close();
      await api.close();
      rmSync(tmp, { recursive: true, force: true });
    }
    const expected = `kubelet summary (cgroup not readable: no cgroup hierarchy at ${missing})`;
    expect(batches[0].agent.status?.containerUsage).toBe(expected);
    expect(IngestBatch.parse(JSON.parse(JSON.stringify(batches[0]))).agent.status?.containerUsage).toBe(expected);
  });

  it('FLEETLENS_HOST_CGROUP is a setting; an empty one in the file is refused naming it', () => {
    const base = { backendUrl: 'http://b:8080', agentToken: 't' };
    expect(
      loadConfig({
        FLEETLENS_BACKEND_URL: 'http://b:8080',
        FLEETLENS_AGENT_TOKEN: 't',
        FLEETLENS_HOST_CGROUP: '/host/sys/fs/cgroup',
      }).hostCgroup
    ).toBe('/host/sys/fs/cgroup');
    expect(validateConfig(base).hostCgroup).toBeUndefined(); // <hostSys>/fs/cgroup is used
    expect(() => validateConfig({ ...base, hostCgroup: '' })).toThrow(/hostCgroup \(FLEETLENS_HOST_CGROUP\)/);
  });
});

describe('KubeOomMerge: which OOMKilled termination is a kill the cgroup counter already counted', () => {
  it('only an increase at the instance’s last reading whose interval covers finishedAt (second-truncated, +1 s) is claimed, once', () => {
    const m = new KubeOomMerge();
    expect(m.cgroup('a', 2, 1000, 0, 500)).toBe(0); // started before the agent: baseline
    expect(m.cgroup('a', 3, 1010, 0, 500)).toBe(1);
    expect(m.claim('a', 1011)).toBe(true); // (1000, 1010] + 1 s
    expect(m.claim('a', 1011)).toBe(false); // that one kill is claimed once
    expect(m.cgroup('b', 0, 1000, 990, 500)).toBe(0);
    expect(m.cgroup('b', 1, 1010, 990, 500)).toBe(1);
    expect(m.cgroup('b', 1, 1020, 990, 500)).toBe(0); // read again: the instance ran on after that kill
    expect(m.claim('b', 1015)).toBe(false);
    expect(m.cgroup('c', 0, 1000, 990, 500)).toBe(0);
    expect(m.cgroup('c', 1, 1010, 990, 500)).toBe(1);
    expect(m.claim('c', 999)).toBe(false); // finished before the interval
    expect(m.claim('c', 1012)).toBe(false); // more than a second after it
    expect(m.claim('never-read', 1000)).toBe(false);
    expect(m.cgroup('d', 2, 1000, 995, 990)).toBe(2); // started after the agent: its counter counts from 0
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupReader, kubePodCandidates } from '../src/collectors/docker/cgroups';
import { OomCounter, pressureFields } from '../src/collectors/docker/pressure';
import { counterRate } from '../src/collectors/types';

// Golden-output tests on committed cgroup v1 and v2 trees (test/fixtures/cgroup/README.md says
// where each layout rule comes from). The expected values in golden.json were computed by hand
// from the fixture files; nothing here is copied from the agent's output.
const FIXTURES = join(__dirname, 'fixtures/cgroup');
interface Golden {
  layouts: Record<string, { version: 1 | 2; id: string; pid: number | null; podUid: string | null }>;
  t0: Record<string, number>;
  t1: Record<string, number>;
  secondsBetween: number;
  sample: Record<string, number>;
  oomKillEventsAtT1: number;
  workingSetPercentOfLimit: number;
}
const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden.json'), 'utf8')) as Golden;

const reader = (layout: string, t: 't0' | 't1') => {
  const top = join(FIXTURES, 'layouts', layout, t);
  const r = CgroupReader.detect(join(top, 'sys/fs/cgroup'), join(top, 'proc'));
  if (!r) throw new Error(`no cgroup hierarchy detected in ${top}`);
  return r;
};

describe.each(Object.entries(golden.layouts))('cgroup fixture %s', (layout, L) => {
  const read = (t: 't0' | 't1') => reader(layout, t).read(L.id, L.pid, L.podUid);

  test('detects the cgroup version', () => {
    expect(reader(layout, 't0').version).toBe(L.version);
  });

  test('reads every quantity as the golden file says', () => {
    const u = read('t0');
    expect(u).toEqual(golden.t0);
    expect(read('t1')).toEqual({ ...golden.t0, ...golden.t1, blkReadBytes: 11534336, blkWriteBytes: 25165824 });
    expect((u!.memWorkingSet! / u!.memLimit!) * 100).toBeCloseTo(golden.workingSetPercentOfLimit, 10);
  });

  test('derives the sample fields of the 10 s between t0 and t1', () => {
    const a = read('t0')!;
    const b = read('t1')!;
    const secs = golden.secondsBetween;
    const sample = {
      cpuCores: counterRate(a.cpuNs, b.cpuNs, secs)! / 1e9,
      memBytes: b.memWorkingSet,
      memLimitBytes: b.memLimit,
      diskReadBps: counterRate(a.blkReadBytes, b.blkReadBytes, secs),
      diskWriteBps: counterRate(a.blkWriteBytes, b.blkWriteBytes, secs),
      pids: b.pids,
      ...pressureFields(a, b, secs),
    };
    expect(Object.keys(sample).sort()).toEqual(Object.keys(golden.sample).sort());
    for (const [k, v] of Object.entries(golden.sample))
      expect([k, sample[k as keyof typeof sample]]).toEqual([k, expect.closeTo(v, 9)]);
  });

  test('counts the OOM kills between t0 and t1 as one event each', () => {
    const oom = new OomCounter();
    const subject = { objectName: 'app', namespace: null, nodeName: 'n1', source: 'docker' as const };
    oom.cgroup(L.id, subject, 'start-1', read('t0')!.oomKills);
    expect(oom.take(1000)).toEqual([]); // the baseline
    oom.cgroup(L.id, subject, 'start-1', read('t1')!.oomKills);
    const events = oom.take(1010);
    expect(events).toHaveLength(golden.oomKillEventsAtT1);
    expect(events.every((e) => e.reason === 'oom' && e.type === 'warning' && e.containerId === L.id)).toBe(true);
    expect(new Set(events.map((e) => e.message)).size).toBe(golden.oomKillEventsAtT1); // distinct: none deduplicated away
  });
});

test('the Kubernetes candidates name the layouts of both kubelet drivers', () => {
  const c = kubePodCandidates('7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'abc');
  expect(c).toContain('/kubepods/pod7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/abc');
  expect(c).toContain('/kubepods/besteffort/pod7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/abc');
  expect(c).toContain('/kubepods.slice/kubepods-pod7a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d.slice/crio-abc.scope');
  expect(c).toContain(
    '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d.slice/cri-containerd-abc.scope'
  );
});

describe('OomCounter merges the cgroup counter with the engine reports', () => {
  const subject = { objectName: 'app', namespace: null, nodeName: 'n1', source: 'docker' as const };

  test('a kill both sources saw is one event; the engine time is kept', () => {
    const oom = new OomCounter();
    oom.cgroup('c', subject, 's1', 0);
    oom.engine('c', subject, 995);
    oom.cgroup('c', subject, 's1', 1);
    expect(oom.take(1000).map((e) => e.ts)).toEqual([995]);
    expect(oom.take(1010)).toEqual([]);
  });

  test('an engine report arriving a cycle after the counter does not count twice', () => {
    const oom = new OomCounter();
    oom.cgroup('c', subject, 's1', 0);
    oom.cgroup('c', subject, 's1', 2);
    expect(oom.take(1000)).toHaveLength(2);
    oom.engine('c', subject, 999);
    oom.engine('c', subject, 999);
    expect(oom.take(1010)).toEqual([]);
  });

  test('the kill that ends the container (its cgroup gone) is counted from the engine', () => {
    const oom = new OomCounter();
    oom.cgroup('c', subject, 's1', 0);
    oom.cgroup('c', subject, 's1', 1); // a child killed, the container lives on
    oom.engine('c', subject, 1001);
    expect(oom.take(1002)).toHaveLength(1);
    oom.engine('c', subject, 1005); // now its main process: the container exits, no cgroup to read
    const last = oom.take(1010);
    expect(last.map((e) => e.ts)).toEqual([1005]);
    expect(last[0].message).toMatch(/^OOM kill 2 /);
  });

  test('a restarted container starts a new cgroup counter from 0', () => {
    const oom = new OomCounter();
    oom.cgroup('c', subject, 's1', 4);
    oom.cgroup('c', subject, 's2', 1);
    expect(oom.take(1000)).toHaveLength(1);
  });
});

test('OomCounter: a container started since the agent counts its cgroup counter from 0', () => {
  const subject = { objectName: 'app', namespace: null, nodeName: 'n1', source: 'docker' as const };
  const oom = new OomCounter();
  oom.cgroup('c', subject, 's1', 2, true);
  expect(oom.take(1000)).toHaveLength(2);
});

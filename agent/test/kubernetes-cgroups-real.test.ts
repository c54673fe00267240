import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '@fleetlens/protocol';
import { KubeClient } from '../src/collectors/kubernetes/client';
import { KubeNodeCollector } from '../src/collectors/kubernetes/node';
import { startApiStandin, startKubeletStandin, summaryOf, type StandinServer } from './helpers/kube-standin';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';

// The Kubernetes node collector (against the stand-in API server and kubelet: no cluster runs
// here) reading a real container's cgroup on this host (cgroup v1, /docker/<id>, the id given as
// the pod status' `docker://<id>`). The container is frozen (docker pause) at each reading so the
// test's own reading of the cgroup files, with its own parsing, is of the same counters.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;
const TOKEN = 'agent-token';
const USERS = {
  [TOKEN]: { user: 'system:serviceaccount:fleetlens:fleetlens-agent', subresources: ['stats' as const] },
};
const NODE = { metadata: { name: 'node-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };

function kv(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [k, v] = line.trim().split(' ');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}
const cg = (controller: string, id: string, file: string) => join('/sys/fs/cgroup', controller, 'docker', id, file);
function byHand(id: string) {
  const st = kv(cg('memory', id, 'memory.stat'));
  const cpu = kv(cg('cpu', id, 'cpu.stat'));
  return {
    usage: Number(readFileSync(cg('memory', id, 'memory.usage_in_bytes'), 'utf8').trim()),
    anon: st.total_rss,
    active: st.total_active_file,
    inactive: st.total_inactive_file,
    oomKill: kv(cg('memory', id, 'memory.oom_control')).oom_kill,
    periods: cpu.nr_periods,
    throttled: cpu.nr_throttled,
    throttledNs: cpu.throttled_time,
  };
}

describeDocker(
  'Kubernetes node collector on a real container cgroup (stand-in API server and kubelet, real Docker engine)',
  () => {
    const run = runLabel('fltest-k8s-cgroup');
    const label = `fleetlens.test=${run}`;
    let kubelet: StandinServer;
    let api: StandinServer;
    let id = '';
    beforeAll(async () => {
      ensureTestImage();
      // Two children OOM-killed once /tmp/go appears (the shell lives on), then a CPU burner under a 0.2-CPU quota.
      id = docker(
      'run', '-d', '--label', label, '-m', '16m', '--memory-swap', '16m', '--cpus', '0.2', IMAGE, 'sh', '-c',
      'while [ ! -f /tmp/go ]; do sleep 0.2; done; for i in 1 2; do dd if=/dev/zero of=/dev/null bs=64M count=1; done; yes > /dev/null'
    ).trim(); // prettier-ignore
      const pod = {
        metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { nodeName: 'node-1', containers: [{ name: 'app', resources: { limits: { memory: '16Mi' } } }] },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              containerID: `docker://${id}`,
              image: IMAGE,
              ready: true,
              restartCount: 0,
              state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
            },
          ],
        },
      };
      kubelet = await startKubeletStandin({ users: USERS, summary: () => summaryOf('node-1', []) });
      api = await startApiStandin({ token: TOKEN, pods: () => [pod], nodes: [NODE] });
    }, 60_000);
    afterAll(async () => {
      await kubelet?.close();
      await api?.close();
      removeLabelled(label);
    });

    test('memory parts, throttling and OOM kills equal the cgroup files read by the test', async () => {
      const logs: string[] = [];
      const col = new KubeNodeCollector({
        nodeName: 'node-1',
        api: new KubeClient({ server: api.url, token: () => TOKEN }),
        kubelet: new KubeClient({ server: kubelet.url, token: () => TOKEN }),
        log: (m) => logs.push(m),
        cgroupRoot: '/sys/fs/cgroup',
      });
      const t0 = Date.now();
      docker('pause', id);
      await col.start(t0);
      const h0 = byHand(id);
      docker('unpause', id);
      docker('exec', id, 'touch', '/tmp/go');
      await sleep(3000); // the kills, then some throttled burning
      docker('pause', id);
      const parts = await col.collect(t0 + 10_000); // the interval the agent is told: 10 s
      const h1 = byHand(id);
      docker('unpause', id);
      const s = parts.containers![0].samples[0];
      expect(s).toMatchObject({
        memUsageBytes: h1.usage,
        memAnonBytes: h1.anon,
        memActiveFileBytes: h1.active,
        memInactiveFileBytes: h1.inactive,
        memBytes: Math.max(0, h1.usage - h1.inactive),
      });
      expect(h1.periods - h0.periods).toBeGreaterThan(0);
      expect(s.cpuThrottledPercent).toBeCloseTo(((h1.throttled - h0.throttled) / (h1.periods - h0.periods)) * 100, 9);
      expect(s.cpuThrottledSecondsPerSecond).toBeCloseTo((h1.throttledNs - h0.throttledNs) / 1e9 / 10, 9);
      const kills = (parts.events ?? []).filter((e: Event) => e.reason === 'oom');
      expect(h1.oomKill - h0.oomKill).toBe(2);
      expect(kills).toHaveLength(h1.oomKill - h0.oomKill);
      expect(kills.every((e) => e.containerId === id)).toBe(true);
      expect(col.containerUsage()).toBe('kubelet summary + cgroup v1');
      expect(logs).toEqual([]);
    }, 60_000);
  }
);

import { KubeOomTracker } from '../src/collectors/kubernetes/oom';
import type { ContainerStatus } from '../src/collectors/kubernetes/types';

// OOMKilled terminations in Kubernetes-shaped container statuses (as the API server's pod list
// returns them; no API server runs here) become one `oom` event each, once.
const NOW = Math.floor(Date.now() / 1000);
const iso = (sec: number) => new Date(sec * 1000).toISOString();
const subject = { namespace: 'shop', pod: 'web-1', container: 'app', nodeName: 'node-1', runtimeId: 'c-now' };

const restarted = (prevId: string, finished: number, restartCount: number): ContainerStatus => ({
  name: 'app',
  containerID: 'containerd://c-now',
  restartCount,
  state: { running: { startedAt: iso(finished + 1) } },
  lastState: {
    terminated: {
      reason: 'OOMKilled',
      exitCode: 137,
      containerID: `containerd://${prevId}`,
      finishedAt: iso(finished),
    },
  },
});

describe('Kubernetes OOMKilled terminations (Kubernetes-shaped pod statuses)', () => {
  it('reports a new lastState OOMKilled once, at its finish time, on the current container', () => {
    const oom = new KubeOomTracker();
    oom.baseline([restarted('c-old1', NOW - 600, 1)]); // there before the agent: history
    expect(oom.observe(restarted('c-old1', NOW - 600, 1), subject, NOW)).toEqual([]);
    const events = oom.observe(restarted('c-old2', NOW - 20, 2), subject, NOW);
    expect(events).toEqual([
      expect.objectContaining({
        ts: NOW - 20,
        source: 'kubernetes',
        type: 'warning',
        reason: 'oom',
        objectKind: 'container',
        objectName: 'web-1/app',
        namespace: 'shop',
        nodeName: 'node-1',
        containerId: 'c-now',
        // issue 17: an OOM kill is a security event
        category: 'security',
      }),
    ]);
    expect(events[0].message).toContain('c-old2');
    expect(oom.observe(restarted('c-old2', NOW - 20, 2), subject, NOW + 10)).toEqual([]); // the next cycle: not again
  });

  it('a container down after an OOM kill (state terminated) and then restarted counts one kill, not two', () => {
    const oom = new KubeOomTracker();
    oom.baseline([]);
    const down: ContainerStatus = {
      name: 'app',
      containerID: 'containerd://c-old3',
      restartCount: 0,
      state: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: iso(NOW - 5) } },
    };
    expect(oom.observe(down, { ...subject, runtimeId: 'c-old3' }, NOW)).toHaveLength(1);
    // The kubelet restarts it: the same termination is now its lastState.
    expect(oom.observe(restarted('c-old3', NOW - 5, 1), subject, NOW + 10)).toEqual([]);
  });

  it('terminations older than an hour when first seen are not sent (the backend refuses stale events)', () => {
    const oom = new KubeOomTracker();
    oom.baseline([]);
    expect(oom.observe(restarted('c-ancient', NOW - 7200, 3), subject, NOW)).toEqual([]);
  });
});

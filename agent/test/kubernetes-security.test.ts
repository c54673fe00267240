import { podContainerSecurity } from '../src/collectors/kubernetes/security';
import type { Pod } from '../src/collectors/kubernetes/types';

// Posture facts from a pod spec as the API server returns it (issue 17). No API server can run
// here; the spec below is a hand-written Kubernetes Pod, and every expected fact is read off it.
const pod: Pod = {
  metadata: { name: 'probe-7d9f', namespace: 'ops', uid: 'u1' },
  spec: {
    hostNetwork: true,
    hostPID: true,
    securityContext: { runAsUser: 1000 },
    volumes: [
      { name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } },
      { name: 'cache' },
      { name: 'data', hostPath: { path: '/srv/data' } },
    ],
    containers: [
      {
        name: 'probe',
        image: 'ops/probe:2.0',
        securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] } },
        volumeMounts: [
          { name: 'sock', mountPath: '/run/containerd/containerd.sock' },
          { name: 'cache', mountPath: '/cache' },
          { name: 'data', mountPath: '/data', readOnly: true },
        ],
        resources: { limits: { memory: '128Mi' } },
      },
      {
        name: 'sidecar',
        image: 'ops/side',
        securityContext: { readOnlyRootFilesystem: true },
        resources: { limits: { memory: '64Mi', cpu: '250m' } },
      },
      { name: 'bare', image: 'ops/bare' },
    ],
  },
  status: {},
};

describe('kubernetes posture facts from a pod spec (hand-written Pod, no API server)', () => {
  it('the container securityContext overrides the pod one; hostPath mounts; limits', () => {
    expect(podContainerSecurity(pod, pod.spec.containers[0])).toEqual({
      privileged: true,
      user: '0',
      runsAsRoot: true,
      capAdd: ['NET_ADMIN', 'SYS_TIME'],
      hostNetwork: true,
      hostPid: true,
      hostIpc: false,
      readOnlyRootfs: false,
      hostMounts: [
        { source: '/run/containerd/containerd.sock', destination: '/run/containerd/containerd.sock', readOnly: false },
        { source: '/srv/data', destination: '/data', readOnly: true },
      ],
      memoryLimitBytes: 128 * 1024 * 1024,
      cpuLimitCores: null,
    });
  });

  it("the pod's runAsUser applies when the container sets none; CPU in millicores", () => {
    expect(podContainerSecurity(pod, pod.spec.containers[1])).toMatchObject({
      privileged: false,
      user: '1000',
      runsAsRoot: false,
      readOnlyRootfs: true,
      hostMounts: [],
      memoryLimitBytes: 64 * 1024 * 1024,
      cpuLimitCores: 0.25,
    });
  });

  it('neither runAsUser nor runAsNonRoot: the user is unknown, not root', () => {
    const bare = { ...pod, spec: { ...pod.spec, securityContext: undefined } };
    expect(podContainerSecurity(bare, pod.spec.containers[2])).toMatchObject({ user: '', runsAsRoot: null });
    const nonRoot = { ...pod, spec: { ...pod.spec, securityContext: { runAsNonRoot: true } } };
    expect(podContainerSecurity(nonRoot, pod.spec.containers[2])).toMatchObject({ runsAsRoot: false });
  });
});

import { kubeEventCategory } from '../src/collectors/kubernetes/event-category';
import { toWireEvent } from '../src/collectors/kubernetes/cluster';
import type { KubeEvent } from '../src/collectors/kubernetes/types';

// Which Kubernetes events are security events (issue 17). The reasons and messages below are
// written by hand as Kubernetes formats them, each with the file its format string is in.

/** pkg/kubelet/kuberuntime/kuberuntime_manager.go: "Back-off restarting failed container %s in pod %s". */
const CRASH_LOOP =
  'Back-off restarting failed container app in pod web-7d9f_shop(3f1c0b6e-8a61-4f0e-9d0e-1b2c3d4e5f60)';
/** pkg/kubelet/images/image_manager.go: "Back-off pulling image %q" (a Normal event). */
const PULL_BACKOFF = 'Back-off pulling image "registry.example/web:1.4"';
/** node-problem-detector config/kernel-monitor.json: the kernel's line, reason OOMKilling. */
const KERNEL_OOM = 'Killed process 4242 (java) total-vm:2097152kB, anon-rss:524288kB, file-rss:0kB, shmem-rss:0kB';
/** pkg/kubelet/oom/oom_watcher_linux.go: "System OOM encountered, victim process: %s, pid: %d". */
const SYSTEM_OOM = 'System OOM encountered, victim process: java, pid: 4242';
/**
 * pkg/controller/controller_utils.go "Error creating: %v" around the Forbidden error of
 * staging/src/k8s.io/pod-security-admission/admission/admission.go ("violates PodSecurity %q: %s",
 * the privileged check's detail from policy/check_privileged.go).
 */
const PSA_REFUSAL =
  'Error creating: pods "web-7d9f-x2k8p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)';
/** The same controller failing for another reason (a quota), not a security refusal. */
const QUOTA_REFUSAL =
  'Error creating: pods "web-7d9f-x2k8p" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10';

describe('kubeEventCategory: Kubernetes warning events of the security kinds', () => {
  it.each([
    ['crash loop (kubelet BackOff)', 'BackOff', CRASH_LOOP],
    ['OOM kill on the node (node-problem-detector OOMKilling)', 'OOMKilling', KERNEL_OOM],
    ['OOM kill on the node (kubelet SystemOOM)', 'SystemOOM', SYSTEM_OOM],
    [
      'OOMKilled termination (the agent, oom.ts)',
      'oom',
      'OOM kill: container instance 0123456789ab terminated OOMKilled (restart count 3)',
    ],
    ['pod refused by Pod Security admission (FailedCreate)', 'FailedCreate', PSA_REFUSAL],
  ])('%s: a Warning is security', (_name, reason, message) => {
    expect(kubeEventCategory('kubernetes', 'warning', reason, message)).toBe('security');
  });

  it.each([
    ['the same reasons as Normal events', 'normal', 'BackOff', CRASH_LOOP],
    ['a Normal OOMKilling', 'normal', 'OOMKilling', KERNEL_OOM],
    ['an image pull back-off (BackOff, Normal)', 'normal', 'BackOff', PULL_BACKOFF],
    ['an image pull back-off even as a Warning', 'warning', 'BackOff', PULL_BACKOFF],
    ['FailedCreate for a quota', 'warning', 'FailedCreate', QUOTA_REFUSAL],
    [
      'another warning (Unhealthy)',
      'warning',
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
    ],
  ] as const)('%s: not security', (_name, type, reason, message) => {
    expect(kubeEventCategory('kubernetes', type, reason, message)).toBeUndefined();
  });

  it("Docker events are the Docker collector's to categorise, not this function's", () => {
    expect(kubeEventCategory('docker', 'warning', 'oom', '')).toBeUndefined();
  });

  it('the cluster collector puts the category on the wire event of a core/v1 Event', () => {
    const ev = (type: string, reason: string, message: string): KubeEvent => ({
      metadata: { name: 'web-7d9f.17a', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'web-7d9f', namespace: 'shop' },
      reason,
      message,
      type,
      count: 4,
      lastTimestamp: '2026-12-01T10:00:00Z',
      source: { component: 'kubelet', host: 'node-1' },
    });
    expect(toWireEvent(ev('Warning', 'BackOff', CRASH_LOOP))).toMatchObject({
      type: 'warning',
      reason: 'BackOff',
      category: 'security',
      objectKind: 'Pod',
      objectName: 'web-7d9f',
      count: 4,
    });
    expect(toWireEvent(ev('Normal', 'BackOff', PULL_BACKOFF))).not.toHaveProperty('category');
    expect(
      toWireEvent(ev('Normal', 'Pulled', 'Container image "web:1.4" already present on machine'))
    ).not.toHaveProperty('category');
  });
});

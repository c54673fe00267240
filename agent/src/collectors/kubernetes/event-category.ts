import type { Event } from '@fleetlens/protocol';

/**
 * Kubernetes warning events of the same kinds as the Docker security events (issue 17): crash
 * loops, OOM kills and pods refused for privilege. The strings are Kubernetes' own:
 */

/**
 * The kubelet's crash-loop event: reason `BackOff` (pkg/kubelet/events/event.go,
 * BackOffStartContainer), message "Back-off restarting failed container <c> in pod <p>"
 * (pkg/kubelet/kuberuntime/kuberuntime_manager.go, doBackOff), type Warning. The same reason with
 * "Back-off pulling image" (BackOffPullImage, pkg/kubelet/images/image_manager.go) is an image
 * pull, not a crash loop.
 */
export const CRASH_LOOP = { reason: 'BackOff', message: 'Back-off restarting failed container' };

/**
 * OOM kills reported as events: `OOMKilling`, node-problem-detector's kernel monitor on the Node
 * (kubernetes/node-problem-detector config/kernel-monitor.json, "Killed process … total-vm:…"),
 * and `SystemOOM`, the kubelet's own on the Node (pkg/kubelet/oom/oom_watcher_linux.go,
 * systemOOMEvent, "System OOM encountered, victim process: …"); and `oom`, the agent's event for
 * a container terminated `OOMKilled` (agent/src/collectors/kubernetes/oom.ts).
 */
export const OOM_REASONS = ['OOMKilling', 'SystemOOM', 'oom'];

/**
 * A controller that could not create a pod: reason `FailedCreate` (pkg/controller/
 * controller_utils.go, FailedCreatePodReason; message "Error creating: <err>"). When Pod Security
 * admission refused the pod, the error reads `pods "<name>" is forbidden: violates PodSecurity
 * "<level>:<version>": privileged (container "<c>" must not set securityContext.privileged=true), …`
 * (staging/src/k8s.io/pod-security-admission/admission/admission.go; the check names in
 * staging/src/k8s.io/pod-security-admission/policy/check_*.go).
 */
export const POD_SECURITY_REFUSAL = { reason: 'FailedCreate', message: 'violates PodSecurity' };

/**
 * The category of a Kubernetes event on the wire: `security` for a warning crash loop, OOM kill or
 * pod refused by Pod Security admission, else none. Only `kubernetes` events are decided here (the
 * Docker collector sets its own), and never a Normal one.
 */
export function kubeEventCategory(
  source: Event['source'],
  type: Event['type'],
  reason: string,
  message: string
): Event['category'] {
  if (source !== 'kubernetes' || type !== 'warning') return undefined;
  if (reason === CRASH_LOOP.reason) return message.startsWith(CRASH_LOOP.message) ? 'security' : undefined;
  if (OOM_REASONS.includes(reason)) return 'security';
  if (reason === POD_SECURITY_REFUSAL.reason && message.includes(POD_SECURITY_REFUSAL.message)) return 'security';
  return undefined;
}

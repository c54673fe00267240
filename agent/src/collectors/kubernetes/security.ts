import type { ContainerSecurity } from '@fleetlens/protocol';
import { parseQuantity } from './client';
import type { Pod, PodContainer } from './types';

/**
 * The posture facts of one container of a pod, from the pod spec (issue 17): privileged, added
 * capabilities and a read-only root filesystem from the container's securityContext; the user from
 * runAsUser / runAsNonRoot (the container's, else the pod's): root when runAsUser is 0, not root
 * when it is another uid or runAsNonRoot is true (the kubelet refuses to start a root container
 * then), unknown (null) when neither is set; host namespaces from hostNetwork / hostPID / hostIPC;
 * hostPath volumes mounted by the container; memory and CPU limits from resources.limits.
 */
export function podContainerSecurity(pod: Pod, c: PodContainer | undefined): ContainerSecurity {
  const sc = c?.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  const uid = sc.runAsUser ?? psc.runAsUser;
  const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  const runsAsRoot = uid !== undefined ? uid === 0 : nonRoot === true ? false : null;
  const hostPaths = new Map(
    (pod.spec.volumes ?? []).filter((v) => v.hostPath?.path).map((v) => [v.name, v.hostPath!.path])
  );
  const mem = parseQuantity(c?.resources?.limits?.memory);
  const cpu = parseQuantity(c?.resources?.limits?.cpu);
  return {
    privileged: !!sc.privileged,
    user: uid !== undefined ? String(uid) : '',
    runsAsRoot,
    capAdd: (sc.capabilities?.add ?? []).slice(0, 64).map((x) => String(x).slice(0, 64)),
    hostNetwork: !!pod.spec.hostNetwork,
    hostPid: !!pod.spec.hostPID,
    hostIpc: !!pod.spec.hostIPC,
    readOnlyRootfs: !!sc.readOnlyRootFilesystem,
    hostMounts: (c?.volumeMounts ?? [])
      .filter((m) => hostPaths.has(m.name))
      .slice(0, 256)
      .map((m) => ({
        source: hostPaths.get(m.name)!.slice(0, 4096),
        destination: m.mountPath.slice(0, 4096),
        readOnly: !!m.readOnly,
      })),
    memoryLimitBytes: mem !== null && mem > 0 ? mem : null,
    cpuLimitCores: cpu !== null && cpu > 0 ? cpu : null,
  };
}

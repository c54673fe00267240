import type { KubernetesRef, ServiceRef } from '@fleetlens/protocol';

/** The label (Docker, Kubernetes) or annotation that names a container's service outright. */
export const SERVICE_LABEL = 'fleetlens.service';
/** The Kubernetes-style annotation of the same, for manifests that keep to `fleetlens.io/…` keys. */
export const SERVICE_ANNOTATION = 'fleetlens.io/service';

const MAX_NAME = 253;

function clip(s: string): string {
  return s.trim().slice(0, MAX_NAME);
}

/**
 * The service of a Docker container (rule of ServiceRef in protocol/src/v1/services.ts): the
 * `fleetlens.service` label; else `<project>/<service>` from the Compose labels; else the
 * container's name. Docker services have no namespace.
 */
export function dockerService(labels: Record<string, string> | null | undefined, containerName: string): ServiceRef {
  const l = labels ?? {};
  const own = l[SERVICE_LABEL]?.trim();
  if (own) return { namespace: null, name: clip(own) };
  const project = l['com.docker.compose.project']?.trim();
  const service = l['com.docker.compose.service']?.trim();
  if (project && service) return { namespace: null, name: clip(`${project}/${service}`) };
  return { namespace: null, name: clip(containerName.replace(/^\//, '')) || 'unknown' };
}

/**
 * The service of a pod's containers: `fleetlens.service` (label or annotation) or the
 * `fleetlens.io/service` annotation; else the pod's workload name (Deployment, StatefulSet, …),
 * else the pod's name; always in the pod's namespace.
 */
export function podService(
  ref: Pick<KubernetesRef, 'namespace' | 'pod' | 'workloadName'>,
  labels: Record<string, string> | null | undefined,
  annotations: Record<string, string> | null | undefined
): ServiceRef {
  const own = (annotations?.[SERVICE_ANNOTATION] ?? annotations?.[SERVICE_LABEL] ?? labels?.[SERVICE_LABEL])?.trim();
  return { namespace: ref.namespace, name: clip(own || ref.workloadName || ref.pod) };
}

import { createHash } from 'node:crypto';

/** Stable 64-bit entity id (16 hex chars) from an entity's identity; see docs/decisions.md #2. */
function entityId(kind: string, ...parts: string[]): string {
  return createHash('sha256')
    .update([kind, ...parts].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
}

export const clusterId = (cluster: string) => entityId('cluster', cluster);
export const nodeId = (cluster: string, node: string) => entityId('node', cluster, node);
export const containerId = (cluster: string, runtimeId: string) => entityId('container', cluster, runtimeId);
export const workloadId = (cluster: string, kind: string, namespace: string, name: string) =>
  entityId('workload', cluster, kind, namespace, name);
export const namespaceId = (cluster: string, namespace: string) => entityId('namespace', cluster, namespace);
export const eventId = (cluster: string, ...parts: string[]) => entityId('event', cluster, ...parts);
export const logId = (...parts: string[]) => entityId('log', ...parts);
/** A service: cluster + namespace (empty for Docker, where names are never empty) + name. */
export const serviceId = (cluster: string, namespace: string | null, name: string) =>
  entityId('service', cluster, namespace ?? '', name);
/** A probe: cluster + the probe key the agent sends (`def:<id>` or `ctr:<container>:<target>`). */
export const probeId = (cluster: string, key: string) => entityId('probe', cluster, key);
/** A Docker network on one node: cluster + node + Docker's network id. */
export const networkId = (cluster: string, node: string, dockerId: string) =>
  entityId('network', cluster, node, dockerId);
/** A Kubernetes NetworkPolicy: cluster + namespace + name. */
export const networkPolicyId = (cluster: string, namespace: string, name: string) =>
  entityId('network-policy', cluster, namespace, name);

import { z } from 'zod';
import { ActionOptions } from '../v1/actions';
import { LabelSelector } from '../v1/networks';
import { ExpiresIn } from './actions';
import { csv } from './params';

/**
 * Networks (query API, issue 15; decision 36): the Docker networks agents report, with their
 * containers; create, remove, connect and disconnect queue `network.*` actions for the node's
 * agent; the NetworkPolicies that select a Kubernetes pod (read-only).
 */

/**
 * The names Docker reserves: `docker network create` refuses them ("bridge is a pre-defined
 * network and cannot be created"; moby runconfig/hostconfig_unix.go IsPreDefinedNetwork: bridge,
 * host, none, default), and `docker network rm` refuses removing them (daemon/network.go
 * deleteNetwork: "operation is not permitted on predefined … network").
 */
export const PREDEFINED_NETWORKS = ['bridge', 'host', 'none', 'default'] as const;

/**
 * A network name for create. The engine itself accepts nearly any string (20.10 created "a/b" and
 * "bad name" here); we hold names to moby's RestrictedNamePattern (daemon/names/names.go,
 * `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, the rule for container and volume names) so that every name is
 * addressable in a URL path and a shell, and refuse the predefined names as Docker does.
 */
export const NetworkName = z
  .string()
  .min(2)
  .max(128)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'letters, digits, "_", "." and "-", starting with a letter or digit')
  .refine((n) => !(PREDEFINED_NETWORKS as readonly string[]).includes(n), {
    message: 'a pre-defined network name (bridge, host, none, default)',
  });

/** GET /networks query: by cluster and node name (each comma-separated). */
export const NetworkListQuery = z.object({ cluster: csv, node: csv });

/** A container's endpoint on a network, resolved to the container entity where the backend knows it. */
export const NetworkContainer = z.object({
  runtimeId: z.string(),
  /** The container's entity id (as in /containers/:id), null when the backend has no such container. */
  containerId: z.string().nullable(),
  name: z.string(),
  /** The container's state as last reported, null when unknown. */
  state: z.string().nullable(),
  ipv4: z.string(),
  ipv6: z.string(),
  mac: z.string(),
});

/** One Docker network on one node. */
export const NetworkRow = z.object({
  /** The backend's id (cluster + node + Docker id): the :id of the network routes. */
  id: z.string(),
  /** Docker's network id. */
  networkId: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  internal: z.boolean(),
  /** bridge, host, none: Docker refuses removing them. */
  predefined: z.boolean(),
  ipam: z.array(z.object({ subnet: z.string(), gateway: z.string() })),
  labels: z.record(z.string(), z.string()),
  createdAt: z.number().nullable(),
  clusterName: z.string(),
  nodeId: z.string(),
  nodeName: z.string(),
  /** The inventory this row comes from (epoch seconds). */
  lastSeen: z.number(),
  containers: z.array(NetworkContainer),
});

export const NetworkListReply = z.object({ items: z.array(NetworkRow) });

/** POST /networks body: `docker network create [--driver] [--subnet] [--internal] <name>` on one node. */
export const NetworkCreateRequest = z
  .object({
    cluster: z.string().min(1).max(128),
    node: z.string().min(1).max(253),
    name: NetworkName,
    driver: ActionOptions.shape.driver,
    subnet: ActionOptions.shape.subnet,
    internal: z.boolean().optional(),
    expiresInSeconds: ExpiresIn,
  })
  .strict();

/** POST /networks/:id/connect body: the container (entity id, as in /containers/:id), on the network's node. */
export const NetworkConnectRequest = z
  .object({ container: z.string().min(1).max(64), expiresInSeconds: ExpiresIn })
  .strict();

/** POST /networks/:id/disconnect body; `force` disconnects even a container that is not running. */
export const NetworkDisconnectRequest = z
  .object({ container: z.string().min(1).max(64), force: z.boolean().optional(), expiresInSeconds: ExpiresIn })
  .strict();

/** A NetworkPolicy that selects a pod. */
export const PodNetworkPolicy = z.object({
  namespace: z.string(),
  name: z.string(),
  podSelector: LabelSelector,
  policyTypes: z.array(z.enum(['Ingress', 'Egress'])),
  ingressRules: z.number().int(),
  egressRules: z.number().int(),
  createdAt: z.number().nullable(),
});

/** GET /k8s/pods/:uid/network-policies: the pod as the backend knows it and the policies selecting it. */
export const PodNetworkPoliciesReply = z.object({
  pod: z.object({
    uid: z.string(),
    name: z.string(),
    namespace: z.string(),
    clusterName: z.string(),
    labels: z.record(z.string(), z.string()),
  }),
  /** False until the cluster's agent has sent its NetworkPolicies once: then an empty list means none select it. */
  policiesReported: z.boolean(),
  items: z.array(PodNetworkPolicy),
});

export type NetworkListQuery = z.infer<typeof NetworkListQuery>;
export type NetworkContainer = z.infer<typeof NetworkContainer>;
export type NetworkRow = z.infer<typeof NetworkRow>;
export type NetworkListReply = z.infer<typeof NetworkListReply>;
export type NetworkCreateRequest = z.infer<typeof NetworkCreateRequest>;
export type NetworkCreateRequestInput = z.input<typeof NetworkCreateRequest>;
export type NetworkConnectRequest = z.infer<typeof NetworkConnectRequest>;
export type NetworkDisconnectRequest = z.infer<typeof NetworkDisconnectRequest>;
export type PodNetworkPolicy = z.infer<typeof PodNetworkPolicy>;
export type PodNetworkPoliciesReply = z.infer<typeof PodNetworkPoliciesReply>;

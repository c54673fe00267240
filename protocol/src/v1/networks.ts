import { z } from 'zod';
import { EpochSeconds, Labels, Name } from './common';

/*
 * Networks on the wire (issue 15; decision 36): the Docker networks of a node with the containers
 * attached to each, sent by the node agent as a full inventory (every network on the node at ts),
 * and the Kubernetes NetworkPolicies of a cluster, sent by the cluster agent the same way.
 */

/** One container's endpoint on a Docker network (NetworkSettings.Networks / GET /networks/{id} Containers). */
export const NetworkAttachment = z.object({
  /** The runtime's container id (Docker's 64 hex). */
  containerId: z.string().min(1).max(128),
  /** The container's name as the network lists it. */
  name: z.string().max(512).default(''),
  /** CIDR notation as Docker gives it ("172.18.0.2/16"); '' when none. */
  ipv4: z.string().max(64).default(''),
  ipv6: z.string().max(64).default(''),
  mac: z.string().max(32).default(''),
});

/** One IPAM pool of a network (IPAM.Config[]). */
export const NetworkPool = z.object({
  subnet: z.string().max(64).default(''),
  gateway: z.string().max(64).default(''),
});

/** A Docker network as GET /networks/{id} describes it, with its endpoints. */
export const DockerNetwork = z.object({
  /** Docker's network id (64 hex). */
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(255),
  driver: z.string().max(64).default(''),
  /** local, global or swarm. */
  scope: z.string().max(16).default('local'),
  internal: z.boolean().default(false),
  ipam: z.array(NetworkPool).max(16).default([]),
  labels: Labels.default({}),
  createdAt: EpochSeconds.nullable().default(null),
  containers: z.array(NetworkAttachment).max(5000).default([]),
});

/**
 * "These are every Docker network on the node at ts": networks missing from it are removed. The
 * agent sends one when its networks changed and at least every few minutes; a replayed, older
 * inventory never overrides a newer one.
 */
export const NetworkInventory = z.object({
  nodeName: Name,
  ts: EpochSeconds,
  networks: z.array(DockerNetwork).max(1000),
});

/** One requirement of a label selector (metav1.LabelSelectorRequirement). */
export const LabelSelectorRequirement = z.object({
  key: z.string().min(1).max(317),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string().max(63)).max(100).default([]),
});

/** metav1.LabelSelector: matchLabels and matchExpressions, ANDed; empty selects everything. */
export const LabelSelector = z.object({
  matchLabels: Labels.default({}),
  matchExpressions: z.array(LabelSelectorRequirement).max(50).default([]),
});

/** A networking.k8s.io/v1 NetworkPolicy, as much of it as the backend shows (read-only). */
export const NetworkPolicyReport = z.object({
  namespace: Name,
  name: Name,
  podSelector: LabelSelector,
  /** spec.policyTypes as the API server stores it (it defaults them on create: Ingress, plus Egress with egress rules). */
  policyTypes: z
    .array(z.enum(['Ingress', 'Egress']))
    .max(2)
    .default([]),
  ingressRules: z.number().int().min(0).max(100_000),
  egressRules: z.number().int().min(0).max(100_000),
  createdAt: EpochSeconds.nullable().default(null),
});

/** "These are every NetworkPolicy of the cluster at ts" (the cluster agent's list). */
export const NetworkPolicyInventory = z.object({
  ts: EpochSeconds,
  policies: z.array(NetworkPolicyReport).max(10_000),
});

export type NetworkAttachment = z.infer<typeof NetworkAttachment>;
export type NetworkPool = z.infer<typeof NetworkPool>;
export type DockerNetwork = z.infer<typeof DockerNetwork>;
export type NetworkInventory = z.infer<typeof NetworkInventory>;
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;
export type LabelSelector = z.infer<typeof LabelSelector>;
export type NetworkPolicyReport = z.infer<typeof NetworkPolicyReport>;
export type NetworkPolicyInventory = z.infer<typeof NetworkPolicyInventory>;

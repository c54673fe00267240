import { api } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';

/** Reads of networks (merged into ENDPOINTS: routed and documented with the query API). */
export const NETWORK_READS: Endpoint[] = [
  {
    path: '/networks',
    summary: 'Docker networks in scope as their agents last reported them, each with its containers',
    query: api.NetworkListQuery,
    reply: api.NetworkListReply,
    handle: (d, s, q) => d.networks.list(s, q),
  },
  {
    path: '/k8s/pods/:uid/network-policies',
    summary: "The NetworkPolicies whose podSelector selects the pod (read-only, from the cluster agent's list)",
    reply: api.PodNetworkPoliciesReply,
    handle: (d, s, _q, p) => d.networks.podPolicies(s, p.uid),
  },
];

const QUEUED = "queued for the node's agent, which runs it once on its next push (decision 36)";

/** Writes of networks: each queues a `network.*` action, audited by the actions service. */
export const NETWORK_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/networks',
    summary: `Create a Docker network on a node in scope (editor or admin); ${QUEUED}`,
    access: 'editor',
    body: api.NetworkCreateRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such node in your scope',
      '409':
        'not a Docker node, a network of that name exists or is being created, or the agent does not run this kind',
    },
    handle: (d, c, i) => d.networks.create(c!, i.body),
  },
  {
    method: 'delete',
    path: '/networks/:id',
    summary: `Remove a Docker network (editor or admin); ${QUEUED}`,
    access: 'editor',
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such network in your scope',
      '409': 'a pre-defined network, containers still attached, or the agent does not run this kind',
    },
    handle: (d, c, i) => d.networks.remove(c!, i.params.id),
  },
  {
    method: 'post',
    path: '/networks/:id/connect',
    summary: `Connect a container of the network's node to it (editor or admin); ${QUEUED}`,
    access: 'editor',
    body: api.NetworkConnectRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such network or container in your scope',
      '409': 'the container is on another node, gone, already connected, or the agent does not run this kind',
    },
    handle: (d, c, i) => d.networks.connect(c!, i.params.id, i.body),
  },
  {
    method: 'post',
    path: '/networks/:id/disconnect',
    summary: `Disconnect a container from the network (editor or admin); ${QUEUED}`,
    access: 'editor',
    body: api.NetworkDisconnectRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such network or container in your scope',
      '409': 'the container is not connected, gone, or the agent does not run this kind',
    },
    handle: (d, c, i) => d.networks.disconnect(c!, i.params.id, i.body),
  },
];

/** Router for NETWORK_WRITES. */
export const networkRoutes = (deps: AppDeps) => mountRoutes(deps, NETWORK_WRITES);

import { api } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';

/** Reads of manual scaling (merged into ENDPOINTS: routed and documented with the query API). */
export const SCALING_READS: Endpoint[] = [
  {
    path: '/compose/services',
    summary:
      'Compose services on Docker hosts in scope (containers sharing the com.docker.compose.project and .service labels on one host), with running and total replicas',
    query: api.ComposeServiceListQuery,
    reply: api.ComposeServiceListReply,
    handle: (d, s, q) => d.scaling.composeServices(s, q),
  },
];

/** Scale and restart requests (editor or admin); the actions service audits them as it queues them. */
export const SCALING_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/compose/services/scale',
    summary: `Queue compose.scale for a Compose service in scope: its host's node agent creates copies of the newest container or removes the newest ones (decision 35); at most ${api.MAX_SCALE_UP_STEP} more at once`,
    access: 'editor',
    body: api.ComposeScaleRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such Compose service in your scope',
      '409': 'the node agent does not run compose.scale',
    },
    handle: (d, c, i) => d.scaling.scaleCompose(c!, i.body),
  },
  {
    method: 'post',
    path: '/k8s/workloads/:id/scale',
    summary:
      'Queue workload.scale (the scale subresource) for a Deployment or StatefulSet in scope; the cluster agent runs it on its next push',
    access: 'editor',
    body: api.WorkloadScaleRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such workload in your scope',
      '409': 'not a Deployment or StatefulSet, or the cluster agent does not run workload.scale',
    },
    handle: (d, c, i) => d.scaling.scaleWorkload(c!, i.params.id, i.body),
  },
  {
    method: 'post',
    path: '/k8s/workloads/:id/restart',
    summary:
      'Queue workload.restart (a rollout restart) for a Deployment, StatefulSet or DaemonSet in scope; the cluster agent runs it on its next push',
    access: 'editor',
    body: api.WorkloadRestartRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such workload in your scope',
      '409': 'not a Deployment, StatefulSet or DaemonSet, or the cluster agent does not run workload.restart',
    },
    handle: (d, c, i) => d.scaling.restartWorkload(c!, i.params.id, i.body),
  },
];

/** Router for SCALING_WRITES. */
export const scalingRoutes = (deps: AppDeps) => mountRoutes(deps, SCALING_WRITES);

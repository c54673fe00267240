import { api } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';

/** Reads of container actions (merged into ENDPOINTS: routed and documented with the query API). */
export const ACTION_READS: Endpoint[] = [
  {
    path: '/actions',
    summary: 'Container actions in scope, newest first, by container (entity id) and state',
    query: api.ActionListQuery,
    reply: api.ActionListReply,
    handle: (d, s, q) => d.actions.list(s, q),
  },
  {
    path: '/actions/:id',
    summary: 'One container action: state (queued, running, done, failed, expired) and the engine message',
    reply: api.Action,
    handle: (d, s, _q, p) => d.actions.get(s, p.id),
  },
];

/** Writes of container actions; the service audits them in the transaction that queues them. */
export const ACTION_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/containers/:id/actions',
    summary:
      "Queue an action (start, stop, restart, pause, unpause, remove) on a Docker container in scope (editor or admin); the node's agent runs it once on its next push (decision 32)",
    access: 'editor',
    body: api.ContainerActionRequest,
    reply: api.Action,
    status: 202,
    responses: {
      '404': 'no such container in your scope',
      '409': 'the container is gone, not on Docker, or its agent does not run this kind',
    },
    handle: (d, c, i) => d.actions.request(c!, i.params.id, i.body),
  },
];

/** Router for ACTION_WRITES. */
export const actionRoutes = (deps: AppDeps) => mountRoutes(deps, ACTION_WRITES);

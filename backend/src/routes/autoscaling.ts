import { api } from '@fleetlens/protocol';
import type { AppDeps } from '../app';
import { actorOf } from '../services/access/audit';
import { mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';

/** Autoscaling rules and their history, read (any role, within scope; decision 37). */
export const AUTOSCALING_READS: Endpoint[] = [
  {
    path: '/autoscaling/rules',
    summary: 'Autoscaling rules in scope, each with its newest decision',
    query: api.AutoscalingRuleListQuery,
    reply: api.AutoscalingRuleListReply,
    handle: (d, s, q) => d.autoscaling.rules.list(s, q),
  },
  {
    path: '/autoscaling/rules/:id',
    summary: 'One autoscaling rule',
    reply: api.AutoscalingRule,
    handle: (d, s, _q, p) => d.autoscaling.rules.get(s, p.id),
  },
  {
    path: '/autoscaling/rules/:id/history',
    summary:
      "A rule's decisions within [from, to] (default the last hour, at most 7 days and 5000 decisions), newest first, and the replicas and metric series for the chart",
    query: api.AutoscalingHistoryQuery,
    reply: api.AutoscalingHistoryReply,
    handle: (d, s, q, p) => d.autoscaling.rules.history(s, p.id, q),
  },
];

/** Autoscaling rules, written: editor or admin within scope; the service audits each change. */
export const AUTOSCALING_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/autoscaling/rules',
    summary: 'Create an autoscaling rule for a Deployment, StatefulSet or Compose service in scope (editor or admin)',
    access: 'editor',
    body: api.AutoscalingRuleInput,
    reply: api.AutoscalingRule,
    status: 201,
    handle: (d, c, i) => d.autoscaling.rules.create(actorOf(c!), c!.scope, i.body),
  },
  {
    method: 'put',
    path: '/autoscaling/rules/:id',
    summary: 'Replace an autoscaling rule in scope (editor or admin)',
    access: 'editor',
    body: api.AutoscalingRuleInput,
    reply: api.AutoscalingRule,
    handle: (d, c, i) => d.autoscaling.rules.replace(actorOf(c!), c!.scope, i.params.id, i.body),
  },
  {
    method: 'delete',
    path: '/autoscaling/rules/:id',
    summary: 'Delete an autoscaling rule and its history (editor or admin, within scope)',
    access: 'editor',
    handle: (d, c, i) => d.autoscaling.rules.remove(actorOf(c!), c!.scope, i.params.id),
  },
];

/** Router for AUTOSCALING_WRITES. */
export const autoscalingRoutes = (deps: AppDeps) => mountRoutes(deps, AUTOSCALING_WRITES);

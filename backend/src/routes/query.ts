import Router from '@koa/router';
import { api } from '@fleetlens/protocol';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { validate } from '../http';
import { AgentsService } from '../services/agents';
import { narrow, type Scope } from '../services/scope';
import { ALERTING_READS } from './alerting';
import { SECURITY_READS } from './security';
import { SERVICE_READS } from './services';
import { ACTION_READS } from './actions';
import { SCALING_READS } from './scaling';
import { AUTOSCALING_READS } from './autoscaling';
import { NETWORK_READS } from './networks';

/** One read endpoint: its path, docs, schemas and handler. The router and the OpenAPI document both come from this list. */
export interface Endpoint {
  path: string;
  summary: string;
  query?: z.ZodObject;
  reply: z.ZodType;
  handle(deps: AppDeps, scope: Scope, query: any, params: Record<string, string>): Promise<unknown> | unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const ClusterFilter = api.K8sListQuery.pick({ cluster: true });

/** Every read endpoint under /api/v1. Each passes the caller's scope to its service. */
export const ENDPOINTS: Endpoint[] = [
  {
    path: '/version',
    summary: 'Backend name and version (the plugin checks it on "Test connection")',
    reply: api.VersionReply,
    handle: (deps) => ({ name: 'fleetlens-backend', version: deps.version, apiVersion: 'v1' }),
  },
  {
    path: '/clusters',
    summary: 'Clusters the caller may see',
    reply: api.ClusterListReply,
    handle: (d, s) => d.queries.inventory.clusters(s),
  },
  {
    path: '/overview',
    summary: 'Counts and usage per cluster and overall',
    query: ClusterFilter,
    reply: api.OverviewReply,
    handle: (d, s, q) => d.queries.inventory.overview(narrow(s, { clusters: q.cluster })),
  },
  {
    path: '/nodes',
    summary: 'Nodes with current usage, filtered and sorted',
    query: api.NodeListQuery,
    reply: api.NodeListReply,
    handle: (d, s, q) => d.queries.inventory.nodes(s, q),
  },
  {
    path: '/nodes/:id',
    summary: 'One node with its containers',
    reply: api.NodeDetailReply,
    handle: (d, s, _q, p) => d.queries.inventory.node(s, p.id),
  },
  {
    path: '/containers',
    summary: 'Containers, filtered, sorted and paged',
    query: api.ContainerListQuery,
    reply: api.ContainerListReply,
    handle: (d, s, q) => d.queries.inventory.containers(s, q),
  },
  {
    path: '/containers/:id',
    summary: 'One container with its labels',
    reply: api.ContainerDetailReply,
    handle: (d, s, _q, p) => d.queries.inventory.container(s, p.id),
  },
  {
    path: '/k8s/namespaces',
    summary: 'Kubernetes namespaces with counts and summed usage',
    query: api.K8sListQuery,
    reply: api.NamespaceListReply,
    handle: (d, s, q) => d.queries.kubernetes.namespaces(s, q),
  },
  {
    path: '/k8s/workloads',
    summary: 'Kubernetes workloads with replicas, pods and summed usage',
    query: api.K8sListQuery,
    reply: api.WorkloadListReply,
    handle: (d, s, q) => d.queries.kubernetes.workloads(s, q),
  },
  {
    path: '/k8s/workloads/:id',
    summary: 'One workload with its pods',
    reply: api.WorkloadDetailReply,
    handle: (d, s, _q, p) => d.queries.kubernetes.workload(s, p.id),
  },
  {
    path: '/k8s/pods',
    summary: 'Kubernetes pods with their containers summed',
    query: api.K8sListQuery,
    reply: api.PodListReply,
    handle: (d, s, q) => d.queries.kubernetes.pods(s, q),
  },
  {
    path: '/series',
    summary: 'Time series of an entity or aggregate, from the tier that fits the step',
    query: api.SeriesQuery,
    reply: api.SeriesReply,
    handle: (d, s, q) => d.queries.timeseries.series(s, q),
  },
  {
    path: '/top',
    summary: 'Top-N containers by the average of a metric over a window',
    query: api.TopQuery,
    reply: api.TopReply,
    handle: (d, s, q) => d.queries.timeseries.top(s, q),
  },
  {
    path: '/heatmap',
    summary: 'Node heatmap: current value per node, and a nodes × time matrix when from/to are given',
    query: api.HeatmapQuery,
    reply: api.HeatmapReply,
    handle: (d, s, q) => d.queries.timeseries.heatmap(s, q),
  },
  {
    path: '/agents',
    summary: 'Agents: version, last report, health counters of the newest batch (spool, drops, clock skew)',
    query: api.AgentListQuery,
    reply: api.AgentListReply,
    handle: (d, s, q) => new AgentsService(d.db).list(s, q),
  },
  // Alerts, rules, silences, channels, deliveries, events, logs (routes/alerting.ts).
  ...ALERTING_READS,
  // Risky containers and counts per risk (routes/security.ts).
  ...SECURITY_READS,
  // Service health: services, their series, response times, status classes (routes/services.ts).
  ...SERVICE_READS,
  // Container actions (routes/actions.ts).
  ...ACTION_READS,
  // Compose services (routes/scaling.ts).
  ...SCALING_READS,
  // Autoscaling rules and their history (routes/autoscaling.ts).
  ...AUTOSCALING_READS,
  // Docker networks and the NetworkPolicies of a pod (routes/networks.ts).
  ...NETWORK_READS,
];

/** Registers ENDPOINTS; authentication has already put the caller's scope in ctx.state. */
export function queryRoutes(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1' });
  for (const e of ENDPOINTS) {
    r.get(e.path, async (ctx) => {
      const query = e.query ? validate(e.query, ctx.query, 'query') : {};
      ctx.body = await e.handle(deps, ctx.state.scope as Scope, query, ctx.params as Record<string, string>);
    });
  }
  return r;
}

import { z } from 'zod';
import { CONTAINER_METRICS, NODE_METRICS } from './metrics';
import { ClusterKind, ContainerHealth, ContainerState, Environment, NodeStatus, WorkloadKind } from '../v1/ingest';
import { ContainerSecurity, RiskKind } from '../v1/security';
import { csv } from './params';

/**
 * Query API (backend → plugin, datasource, scripts), version v1. The backend validates its
 * query strings with the *Query schemas and documents its replies with the *Reply schemas in
 * its OpenAPI document; the plugin imports only the types (no zod in the bundle).
 */

const Num = z.number();
const NullableNum = z.number().nullable();

/**
 * How a container's state is shown: stopped covers created, exited and dead; unknown is any
 * container on a silent node (one that has sent nothing for SILENT_AFTER_INTERVALS agent
 * intervals): its last reported state is not current, so it does not count as running.
 */
export const DisplayState = z.enum(['running', 'stopped', 'paused', 'restarting', 'unhealthy', 'unknown', 'gone']);

/** Kinds of entity a time series can be asked for. */
export const SeriesKind = z.enum(['node', 'container', 'pod', 'namespace', 'workload', 'cluster', 'all']);

/**
 * Metric names of the query API. Nodes and aggregates of nodes (cluster, all) have the node
 * metrics; containers and aggregates of containers (pod, namespace, workload) the container ones.
 */
export const NodeMetric = z.enum(NODE_METRICS);
export const ContainerMetric = z.enum(CONTAINER_METRICS);
export const AnyMetric = z.enum([...new Set([...NodeMetric.options, ...ContainerMetric.options])] as [
  string,
  ...string[],
]);

export { METRIC_UNITS } from './units';
export { NODE_METRICS, CONTAINER_METRICS } from './metrics';
export * from './actions';
export * from './agents';
export * from './networks';
export * from './security';
export * from './services';
export * from './scaling';
export * from './autoscaling';
export { RiskKind, ContainerSecurity, SENSITIVE_HOST_PATHS } from '../v1/security';

export const Usage = z.object({
  usedCores: Num,
  capacityCores: Num,
  cpuPercent: NullableNum,
  memUsedBytes: Num,
  memTotalBytes: Num,
  memPercent: NullableNum,
  fsUsedBytes: Num,
  fsTotalBytes: Num,
  /** Available to unprivileged users, over the nodes that report it (null when none does). */
  fsAvailBytes: NullableNum,
  /** As `df` computes it: used / (used + available), each node's total where it reports no available bytes. */
  fsPercent: NullableNum,
  netRxBps: Num,
  netTxBps: Num,
  diskReadBps: Num,
  diskWriteBps: Num,
});

/** Nodes: notReady counts every node not ready, silent ones included; silent counts those alone. */
export const NodeCounts = z.object({ total: Num, ready: Num, notReady: Num, silent: Num });
export const ContainerCounts = z.object({
  total: Num,
  running: Num,
  stopped: Num,
  paused: Num,
  restarting: Num,
  unhealthy: Num,
  /** On a silent node: state not known. */
  unknown: Num,
});

export const ClusterSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: ClusterKind,
  environment: Environment,
  labels: z.record(z.string(), z.string()),
  lastSeen: Num,
  nodes: NodeCounts,
  containers: ContainerCounts,
  usage: Usage,
});

export const OverviewReply = z.object({
  generatedAt: Num,
  clusters: z.array(ClusterSummary),
  totals: z.object({ clusters: Num, nodes: NodeCounts, containers: ContainerCounts, usage: Usage }),
});

export const ClusterListReply = z.object({
  items: z.array(
    z.object({ id: z.string(), name: z.string(), kind: ClusterKind, environment: Environment, lastSeen: Num })
  ),
});

export const NodeRow = z.object({
  id: z.string(),
  name: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  environment: Environment,
  role: z.string(),
  status: NodeStatus,
  /**
   * Nothing received for SILENT_AFTER_INTERVALS agent intervals (since `lastSeen`): status is
   * unknown, usage null, and no container counts as running.
   */
  silent: z.boolean(),
  os: z.string(),
  kernel: z.string(),
  cores: Num,
  memoryBytes: Num,
  bootTime: NullableNum,
  uptimeSeconds: NullableNum,
  lastSeen: Num,
  sampleTs: NullableNum,
  cpuCores: NullableNum,
  cpuPercent: NullableNum,
  memUsedBytes: NullableNum,
  memPercent: NullableNum,
  fsUsedBytes: NullableNum,
  fsTotalBytes: NullableNum,
  /** Bytes available to unprivileged users (df's Avail); null from agents that do not report it. */
  fsAvailBytes: NullableNum,
  /** As `df` computes it: used / (used + available); used / total where available is unknown. */
  fsPercent: NullableNum,
  netRxBps: NullableNum,
  netTxBps: NullableNum,
  diskReadBps: NullableNum,
  diskWriteBps: NullableNum,
  load1: NullableNum,
  containersTotal: Num,
  containersRunning: Num,
});

export const NodeSortKey = z.enum([
  'name',
  'cluster',
  'status',
  'role',
  'cpu',
  'cpuPercent',
  'memory',
  'memPercent',
  'disk',
  'fsPercent',
  'containers',
  'uptime',
  'lastSeen',
]);
export const SortOrder = z.enum(['asc', 'desc']);

export const NodeListQuery = z.object({
  cluster: csv,
  status: NodeStatus.optional(),
  q: z.string().max(200).optional(),
  sort: NodeSortKey.default('name'),
  order: SortOrder.default('asc'),
});

export const NodeListReply = z.object({ total: Num, items: z.array(NodeRow) });

export const ContainerRow = z.object({
  id: z.string(),
  runtimeId: z.string(),
  name: z.string(),
  image: z.string(),
  state: ContainerState,
  health: ContainerHealth,
  displayState: DisplayState,
  statusText: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  environment: Environment,
  nodeId: z.string(),
  nodeName: z.string(),
  namespace: z.string().nullable(),
  pod: z.string().nullable(),
  podUid: z.string().nullable(),
  workloadKind: WorkloadKind.nullable(),
  workloadName: z.string().nullable(),
  createdAt: NullableNum,
  startedAt: NullableNum,
  exitCode: NullableNum,
  oomKilled: z.boolean(),
  restartCount: Num,
  hostNetwork: z.boolean(),
  lastSeen: Num,
  goneAt: NullableNum,
  sampleTs: NullableNum,
  cpuCores: NullableNum,
  cpuPercent: NullableNum,
  memBytes: NullableNum,
  memLimitBytes: NullableNum,
  memPercent: NullableNum,
  netRxBps: NullableNum,
  netTxBps: NullableNum,
  diskReadBps: NullableNum,
  diskWriteBps: NullableNum,
  pids: NullableNum,
  /** Risk names computed from `security` (issue 17; docs/security.md); empty without posture facts. */
  risks: z.array(RiskKind),
  /** The agent's posture facts; null from agents that do not report them. */
  security: ContainerSecurity.nullable(),
});

export const ContainerSortKey = z.enum([
  'name',
  'image',
  'state',
  'cpu',
  'memory',
  'netRx',
  'netTx',
  'diskRead',
  'diskWrite',
  'node',
  'cluster',
  'namespace',
  'created',
  'restarts',
]);

export const ContainerListQuery = z.object({
  cluster: csv,
  node: csv,
  namespace: csv,
  state: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(DisplayState))
    .optional(),
  q: z.string().max(200).optional(),
  includeGone: z.enum(['true', 'false']).default('false'),
  sort: ContainerSortKey.default('name'),
  order: SortOrder.default('asc'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const ContainerListReply = z.object({
  total: Num,
  page: Num,
  pageSize: Num,
  items: z.array(ContainerRow),
});

export const NodeDetailReply = NodeRow.extend({
  arch: z.string(),
  labels: z.record(z.string(), z.string()),
  containers: z.array(ContainerRow),
});

/**
 * What a container's memory is made of, from its latest sample (null where unknown or not live):
 * usage (page cache included), anonymous memory, page cache on the active and inactive lists, the
 * working set (usage − inactive file, the `memBytes` figure) and its percent of the limit.
 */
export const ContainerMemoryParts = z.object({
  usageBytes: NullableNum,
  anonBytes: NullableNum,
  activeFileBytes: NullableNum,
  inactiveFileBytes: NullableNum,
  workingSetBytes: NullableNum,
  limitBytes: NullableNum,
  workingSetPercentOfLimit: NullableNum,
});

/** CPU throttling (CFS bandwidth) in the latest sample and the OOM kills stored for the container. */
export const ContainerPressure = z.object({
  memory: ContainerMemoryParts,
  cpuThrottledPercent: NullableNum,
  cpuThrottledSecondsPerSecond: NullableNum,
  /** OOM kills stored as events (one per kill) within the events' retention, and the newest one's time. */
  oomKills: Num,
  lastOomKillAt: NullableNum,
});

export const ContainerDetailReply = ContainerRow.extend({
  labels: z.record(z.string(), z.string()),
  pressure: ContainerPressure,
});

/** Summed usage of the running containers of a group (namespace, workload, pod). */
export const GroupUsage = z.object({
  cpuCores: Num,
  memBytes: Num,
  netRxBps: Num,
  netTxBps: Num,
  diskReadBps: Num,
  diskWriteBps: Num,
});

export const PodRow = z.object({
  uid: z.string(),
  name: z.string(),
  namespace: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  nodeId: z.string(),
  nodeName: z.string(),
  workloadKind: WorkloadKind.nullable(),
  workloadName: z.string().nullable(),
  containers: Num,
  runningContainers: Num,
  restarts: Num,
  phase: z.enum(['running', 'pending', 'failed', 'succeeded', 'unknown']),
  usage: GroupUsage,
});

export const WorkloadRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  namespace: z.string(),
  kind: WorkloadKind,
  name: z.string(),
  desiredReplicas: NullableNum,
  readyReplicas: NullableNum,
  pods: Num,
  runningPods: Num,
  usage: GroupUsage,
});

export const NamespaceRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  name: z.string(),
  workloads: Num,
  pods: Num,
  runningPods: Num,
  containers: Num,
  usage: GroupUsage,
});

export const K8sListQuery = z.object({ cluster: csv, namespace: csv });
export const NamespaceListReply = z.object({ items: z.array(NamespaceRow) });
export const WorkloadListReply = z.object({ items: z.array(WorkloadRow) });
export const PodListReply = z.object({ items: z.array(PodRow) });
export const WorkloadDetailReply = WorkloadRow.extend({ pods: z.array(PodRow) });

export const SeriesQuery = z
  .object({
    kind: SeriesKind,
    id: z.string().max(256).optional(),
    metrics: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(AnyMetric).min(1).max(12)),
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0),
    step: z.coerce.number().int().min(1).max(86_400).optional(),
    agg: z.enum(['avg', 'max', 'min']).default('avg'),
    /** Forces a tier (normally picked from the step). */
    tier: z.enum(['raw', '1m', '1h']).optional(),
    cluster: csv,
  })
  .refine((q) => q.to > q.from, { message: 'must be after from', path: ['to'] })
  .refine((q) => q.kind === 'all' || !!q.id, { message: 'required unless kind is all', path: ['id'] });

export const Tier = z.enum(['raw', '1m', '1h']);

export const SeriesReply = z.object({
  kind: SeriesKind,
  id: z.string().nullable(),
  from: Num,
  to: Num,
  step: Num,
  tier: Tier,
  series: z.array(
    z.object({
      metric: z.string(),
      unit: z.string(),
      points: z.array(z.tuple([Num, NullableNum])),
    })
  ),
});

export const TopQuery = z.object({
  metric: ContainerMetric.default('cpuCores'),
  window: z.coerce
    .number()
    .int()
    .min(60)
    .max(31 * 86_400)
    .default(3600),
  limit: z.coerce.number().int().min(1).max(100).default(10),
  cluster: csv,
  node: csv,
  namespace: csv,
});

export const TopReply = z.object({
  metric: z.string(),
  window: Num,
  tier: Tier,
  items: z.array(
    z.object({
      rank: Num,
      id: z.string(),
      name: z.string(),
      image: z.string(),
      displayState: DisplayState,
      clusterName: z.string(),
      nodeId: z.string(),
      nodeName: z.string(),
      namespace: z.string().nullable(),
      value: Num,
      cpuCores: NullableNum,
      cpuPercent: NullableNum,
      memBytes: NullableNum,
      netRxBps: NullableNum,
      netTxBps: NullableNum,
      diskReadBps: NullableNum,
      diskWriteBps: NullableNum,
    })
  ),
});

export const HeatmapMetric = z.enum(['cpuPercent', 'memPercent', 'fsPercent']);

export const HeatmapQuery = z.object({
  metric: HeatmapMetric.default('cpuPercent'),
  cluster: csv,
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  step: z.coerce.number().int().min(1).max(86_400).optional(),
});

export const HeatmapReply = z.object({
  metric: HeatmapMetric,
  nodes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      clusterName: z.string(),
      environment: Environment,
      status: NodeStatus,
      value: NullableNum,
    })
  ),
  /** Present when from/to were given: bucket start times and one row of values per node (same order). */
  times: z.array(Num).optional(),
  matrix: z.array(z.array(NullableNum)).optional(),
  tier: Tier.optional(),
});

export const VersionReply = z.object({ name: z.string(), version: z.string(), apiVersion: z.literal('v1') });

export type DisplayState = z.infer<typeof DisplayState>;
export type SeriesKind = z.infer<typeof SeriesKind>;
export type NodeMetric = z.infer<typeof NodeMetric>;
export type ContainerMetric = z.infer<typeof ContainerMetric>;
export type Usage = z.infer<typeof Usage>;
export type NodeCounts = z.infer<typeof NodeCounts>;
export type ContainerCounts = z.infer<typeof ContainerCounts>;
export type ClusterSummary = z.infer<typeof ClusterSummary>;
export type OverviewReply = z.infer<typeof OverviewReply>;
export type ClusterListReply = z.infer<typeof ClusterListReply>;
export type NodeRow = z.infer<typeof NodeRow>;
export type NodeSortKey = z.infer<typeof NodeSortKey>;
export type SortOrder = z.infer<typeof SortOrder>;
export type NodeListQuery = z.infer<typeof NodeListQuery>;
export type NodeListQueryInput = z.input<typeof NodeListQuery>;
export type NodeListReply = z.infer<typeof NodeListReply>;
export type NodeDetailReply = z.infer<typeof NodeDetailReply>;
export type ContainerRow = z.infer<typeof ContainerRow>;
export type ContainerSortKey = z.infer<typeof ContainerSortKey>;
export type ContainerListQuery = z.infer<typeof ContainerListQuery>;
export type ContainerListQueryInput = z.input<typeof ContainerListQuery>;
export type ContainerListReply = z.infer<typeof ContainerListReply>;
export type ContainerDetailReply = z.infer<typeof ContainerDetailReply>;
export type ContainerMemoryParts = z.infer<typeof ContainerMemoryParts>;
export type ContainerPressure = z.infer<typeof ContainerPressure>;
export type GroupUsage = z.infer<typeof GroupUsage>;
export type PodRow = z.infer<typeof PodRow>;
export type WorkloadRow = z.infer<typeof WorkloadRow>;
export type NamespaceRow = z.infer<typeof NamespaceRow>;
export type K8sListQuery = z.infer<typeof K8sListQuery>;
export type NamespaceListReply = z.infer<typeof NamespaceListReply>;
export type WorkloadListReply = z.infer<typeof WorkloadListReply>;
export type PodListReply = z.infer<typeof PodListReply>;
export type WorkloadDetailReply = z.infer<typeof WorkloadDetailReply>;
export type SeriesQuery = z.infer<typeof SeriesQuery>;
export type SeriesQueryInput = z.input<typeof SeriesQuery>;
export type Tier = z.infer<typeof Tier>;
export type SeriesReply = z.infer<typeof SeriesReply>;
export type TopQuery = z.infer<typeof TopQuery>;
export type TopReply = z.infer<typeof TopReply>;
export type HeatmapMetric = z.infer<typeof HeatmapMetric>;
export type HeatmapQuery = z.infer<typeof HeatmapQuery>;
export type HeatmapReply = z.infer<typeof HeatmapReply>;
export type VersionReply = z.infer<typeof VersionReply>;

import type { DataQuery, DataSourceJsonData } from '@grafana/schema';
import { CONTAINER_METRICS, NODE_METRICS } from '@fleetlens/protocol/api/metrics';

/**
 * What a query returns:
 * - `timeseries`: one frame per series (time + value with labels and the metric's unit);
 * - `nodes`: a table, one row per node with its current usage (the node heatmap panel reads it);
 * - `top`: a table of the top-N containers by a metric over the time range (the top containers panel reads it);
 * - `events`: a table of container / Kubernetes events (time, title, text, tags), also used for annotations;
 * - `serviceResponseTime`: average response time per service (seconds), one frame per service;
 * - `statusClasses`: requests per HTTP status class (2xx…5xx) over the range, one row (pie charts).
 */
export type QueryType = 'timeseries' | 'nodes' | 'top' | 'events' | 'serviceResponseTime' | 'statusClasses';

export type EntityKind = 'node' | 'container' | 'pod' | 'namespace' | 'workload' | 'cluster';
export type Aggregation = 'avg' | 'max' | 'min' | 'sum';
/** `entity`: one series per matched entity; `none`: one series for all; otherwise one per label value. */
export type GroupBy = 'none' | 'entity' | 'cluster' | 'node' | 'namespace' | 'workload';

export interface FleetlensQuery extends DataQuery {
  queryType?: QueryType;
  kind?: EntityKind;
  metric?: string;
  /** Filters; comma lists and template variables ($cluster, multi-value too) allowed. Names, not ids. */
  cluster?: string;
  node?: string;
  namespace?: string;
  /** Name pattern of the entities: `*` wildcards (`api-*`), or a regular expression in slashes (`/^web-\d+$/`). */
  name?: string;
  agg?: Aggregation;
  groupBy?: GroupBy;
  /** Top: how many containers; service response time: how many services. */
  limit?: number;
  /** Events: only this type. */
  eventType?: '' | 'normal' | 'warning';
}

export const DEFAULT_QUERY: Partial<FleetlensQuery> = {
  queryType: 'timeseries',
  kind: 'node',
  metric: 'cpuCores',
  agg: 'avg',
  groupBy: 'entity',
  limit: 10,
};

export interface FleetlensOptions extends DataSourceJsonData {
  /** Where Grafana's server reaches the Fleetlens backend, e.g. http://fleetlens-backend:8480. */
  backendUrl?: string;
}

export interface FleetlensSecureOptions {
  /**
   * A Fleetlens API key (`flk_…`): the datasource acts as its owner's role and scopes. Sent as
   * X-Api-Key by the route in plugin.json; stored encrypted by Grafana.
   */
  apiKey?: string;
}

/** Metrics of node-level entities (node, cluster) and of container-level ones (container, pod, namespace, workload). */
export { NODE_METRICS, CONTAINER_METRICS };
export const TOP_METRICS = CONTAINER_METRICS;

export const METRIC_LABELS: Record<string, string> = {
  cpuCores: 'CPU (cores)',
  memBytes: 'Memory (working set / used)',
  memTotalBytes: 'Memory total',
  memLimitBytes: 'Memory limit',
  fsUsedBytes: 'Disk used',
  fsTotalBytes: 'Disk total',
  fsAvailBytes: 'Disk available (non-root)',
  netRxBps: 'Network receive',
  netTxBps: 'Network transmit',
  diskReadBps: 'Disk read',
  diskWriteBps: 'Disk write',
  load1: 'Load (1 min)',
  pids: 'Processes',
};

export function metricsOfKind(kind: EntityKind): readonly string[] {
  return kind === 'node' || kind === 'cluster' ? NODE_METRICS : CONTAINER_METRICS;
}

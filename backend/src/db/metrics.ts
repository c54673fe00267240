import { PROM_METRIC_NAMES, type ContainerSample, type NodeSample } from '@fleetlens/protocol';

/** One stored metric: its wire field, its column, its query-API name, its Prometheus-API name and help. */
export interface MetricDef<S> {
  field: keyof S & string;
  column: string;
  api: string;
  /** Name on the Prometheus-compatible read API (base units, Prometheus naming conventions). */
  prom: string;
  help: string;
  /**
   * The migration that added this metric's columns (absent: 0001 created them). 0001 creates only
   * the columns without `since`, so a fresh install and an upgraded one end with the same schema.
   */
  since?: string;
}

/** Node sample columns, in table order. Node memory used is stored as mem_used_bytes, exposed as memBytes. */
export const NODE_METRICS: MetricDef<NodeSample>[] = [
  {
    field: 'cpuCores',
    column: 'cpu_cores',
    api: 'cpuCores',
    prom: PROM_METRIC_NAMES.node.cpuCores,
    help: 'CPU in use on the node, in cores',
  },
  {
    field: 'memUsedBytes',
    column: 'mem_used_bytes',
    api: 'memBytes',
    prom: PROM_METRIC_NAMES.node.memBytes,
    help: 'Memory in use on the node (total minus available)',
  },
  {
    field: 'memTotalBytes',
    column: 'mem_total_bytes',
    api: 'memTotalBytes',
    prom: PROM_METRIC_NAMES.node.memTotalBytes,
    help: 'Memory installed on the node',
  },
  {
    field: 'fsUsedBytes',
    column: 'fs_used_bytes',
    api: 'fsUsedBytes',
    prom: PROM_METRIC_NAMES.node.fsUsedBytes,
    help: 'Root filesystem space in use',
  },
  {
    field: 'fsTotalBytes',
    column: 'fs_total_bytes',
    api: 'fsTotalBytes',
    prom: PROM_METRIC_NAMES.node.fsTotalBytes,
    help: 'Root filesystem size',
  },
  {
    field: 'fsAvailBytes',
    column: 'fs_avail_bytes',
    api: 'fsAvailBytes',
    prom: PROM_METRIC_NAMES.node.fsAvailBytes,
    help: 'Root filesystem space available to unprivileged users (free minus reserved blocks, as df shows)',
    since: '0004_weights_fs_avail',
  },
  {
    field: 'netRxBps',
    column: 'net_rx_bps',
    api: 'netRxBps',
    prom: PROM_METRIC_NAMES.node.netRxBps,
    help: 'Bytes received per second on physical interfaces',
  },
  {
    field: 'netTxBps',
    column: 'net_tx_bps',
    api: 'netTxBps',
    prom: PROM_METRIC_NAMES.node.netTxBps,
    help: 'Bytes sent per second on physical interfaces',
  },
  {
    field: 'diskReadBps',
    column: 'disk_read_bps',
    api: 'diskReadBps',
    prom: PROM_METRIC_NAMES.node.diskReadBps,
    help: 'Bytes read per second from whole disks',
  },
  {
    field: 'diskWriteBps',
    column: 'disk_write_bps',
    api: 'diskWriteBps',
    prom: PROM_METRIC_NAMES.node.diskWriteBps,
    help: 'Bytes written per second to whole disks',
  },
  {
    field: 'load1',
    column: 'load1',
    api: 'load1',
    prom: PROM_METRIC_NAMES.node.load1,
    help: 'One-minute load average',
  },
];

/** Container sample columns, in table order. Memory is the working set. */
export const CONTAINER_METRICS: MetricDef<ContainerSample>[] = [
  {
    field: 'cpuCores',
    column: 'cpu_cores',
    api: 'cpuCores',
    prom: PROM_METRIC_NAMES.container.cpuCores,
    help: 'CPU used by the container, in cores',
  },
  {
    field: 'memBytes',
    column: 'mem_bytes',
    api: 'memBytes',
    prom: PROM_METRIC_NAMES.container.memBytes,
    help: 'Container memory working set (usage minus inactive file cache)',
  },
  {
    field: 'memLimitBytes',
    column: 'mem_limit_bytes',
    api: 'memLimitBytes',
    prom: PROM_METRIC_NAMES.container.memLimitBytes,
    help: 'Container memory limit (absent when unlimited)',
  },
  {
    field: 'netRxBps',
    column: 'net_rx_bps',
    api: 'netRxBps',
    prom: PROM_METRIC_NAMES.container.netRxBps,
    help: 'Bytes received per second by the container',
  },
  {
    field: 'netTxBps',
    column: 'net_tx_bps',
    api: 'netTxBps',
    prom: PROM_METRIC_NAMES.container.netTxBps,
    help: 'Bytes sent per second by the container',
  },
  {
    field: 'diskReadBps',
    column: 'disk_read_bps',
    api: 'diskReadBps',
    prom: PROM_METRIC_NAMES.container.diskReadBps,
    help: 'Bytes read per second by the container',
  },
  {
    field: 'diskWriteBps',
    column: 'disk_write_bps',
    api: 'diskWriteBps',
    prom: PROM_METRIC_NAMES.container.diskWriteBps,
    help: 'Bytes written per second by the container',
  },
  {
    field: 'pids',
    column: 'pids',
    api: 'pids',
    prom: PROM_METRIC_NAMES.container.pids,
    help: 'Processes and threads in the container',
  },
  {
    field: 'memUsageBytes',
    column: 'mem_usage_bytes',
    api: 'memUsageBytes',
    prom: PROM_METRIC_NAMES.container.memUsageBytes,
    help: 'Container memory usage including page cache (cgroup memory.usage_in_bytes / memory.current)',
    since: '0005_container_pressure',
  },
  {
    field: 'memAnonBytes',
    column: 'mem_anon_bytes',
    api: 'memAnonBytes',
    prom: PROM_METRIC_NAMES.container.memAnonBytes,
    help: 'Anonymous memory of the container (cgroup v1 total_rss, v2 anon)',
    since: '0005_container_pressure',
  },
  {
    field: 'memActiveFileBytes',
    column: 'mem_active_file_bytes',
    api: 'memActiveFileBytes',
    prom: PROM_METRIC_NAMES.container.memActiveFileBytes,
    help: 'Page cache on the active list (cgroup v1 total_active_file, v2 active_file)',
    since: '0005_container_pressure',
  },
  {
    field: 'memInactiveFileBytes',
    column: 'mem_inactive_file_bytes',
    api: 'memInactiveFileBytes',
    prom: PROM_METRIC_NAMES.container.memInactiveFileBytes,
    help: 'Page cache on the inactive list, the first reclaimed (cgroup v1 total_inactive_file, v2 inactive_file)',
    since: '0005_container_pressure',
  },
  {
    field: 'cpuThrottledPercent',
    column: 'cpu_throttled_pct',
    api: 'cpuThrottledPercent',
    prom: PROM_METRIC_NAMES.container.cpuThrottledPercent,
    help: 'CFS periods in which the container was throttled, percent of the periods in the interval',
    since: '0005_container_pressure',
  },
  {
    field: 'cpuThrottledSecondsPerSecond',
    column: 'cpu_throttled_sps',
    api: 'cpuThrottledSecondsPerSecond',
    prom: PROM_METRIC_NAMES.container.cpuThrottledSecondsPerSecond,
    help: 'Seconds the container was throttled per second of wall time (cpu.stat throttled time)',
    since: '0005_container_pressure',
  },
];

export type SampleFamily = 'node' | 'container';

/** Table names per family and tier. */
export const TABLES = {
  node: { raw: 'node_samples', '1m': 'node_samples_1m', '1h': 'node_samples_1h', latest: 'node_latest' },
  container: {
    raw: 'container_samples',
    '1m': 'container_samples_1m',
    '1h': 'container_samples_1h',
    latest: 'container_latest',
  },
} as const;

export const metricsOf = (family: SampleFamily): MetricDef<Record<string, unknown>>[] =>
  (family === 'node' ? NODE_METRICS : CONTAINER_METRICS) as unknown as MetricDef<Record<string, unknown>>[];

/** Seconds per bucket of each rollup tier. */
export const TIER_SECONDS = { '1m': 60, '1h': 3600 } as const;

/**
 * Raw column holding the seconds a sample covers (the agent's interval, else the time since the
 * entity's previous sample), by which averages are weighted (docs/decisions.md #20).
 */
export const SPAN_COLUMN = 'span_s';
/** Weight of a sample whose span is unknown (its entity's first, or stored before spans existed): the agents' default interval. */
export const NOMINAL_SPAN_SECONDS = 10;
/** Most seconds one sample may weigh, so that the first sample after an outage does not weigh hours. */
export const MAX_SPAN_SECONDS = 300;

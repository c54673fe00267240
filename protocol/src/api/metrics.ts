/*
 * Kept free of zod so that the plugin can import it without bundling the schema library;
 * `v1.ts` builds its metric enums from these lists.
 */

/** Query-API metrics of nodes and of aggregates of nodes (cluster, all). */
export const NODE_METRICS = [
  'cpuCores',
  'memBytes',
  'memTotalBytes',
  'fsUsedBytes',
  'fsTotalBytes',
  'fsAvailBytes',
  'netRxBps',
  'netTxBps',
  'diskReadBps',
  'diskWriteBps',
  'load1',
] as const;

/** Query-API metrics of containers and of aggregates of containers (pod, namespace, workload). */
export const CONTAINER_METRICS = [
  'cpuCores',
  'memBytes',
  'memLimitBytes',
  'netRxBps',
  'netTxBps',
  'diskReadBps',
  'diskWriteBps',
  'pids',
  'memUsageBytes',
  'memAnonBytes',
  'memActiveFileBytes',
  'memInactiveFileBytes',
  'cpuThrottledPercent',
  'cpuThrottledSecondsPerSecond',
] as const;

/**
 * Metric names on the Prometheus-compatible API (docs/prometheus.md) by query-API metric name.
 * The backend serves these names; the datasource's query editor writes PromQL with them.
 */
export const PROM_METRIC_NAMES: {
  node: Record<(typeof NODE_METRICS)[number], string>;
  container: Record<(typeof CONTAINER_METRICS)[number], string>;
} = {
  node: {
    cpuCores: 'fleetlens_node_cpu_usage_cores',
    memBytes: 'fleetlens_node_memory_used_bytes',
    memTotalBytes: 'fleetlens_node_memory_total_bytes',
    fsUsedBytes: 'fleetlens_node_filesystem_used_bytes',
    fsTotalBytes: 'fleetlens_node_filesystem_size_bytes',
    fsAvailBytes: 'fleetlens_node_filesystem_avail_bytes',
    netRxBps: 'fleetlens_node_network_receive_bytes_per_second',
    netTxBps: 'fleetlens_node_network_transmit_bytes_per_second',
    diskReadBps: 'fleetlens_node_disk_read_bytes_per_second',
    diskWriteBps: 'fleetlens_node_disk_written_bytes_per_second',
    load1: 'fleetlens_node_load1',
  },
  container: {
    cpuCores: 'fleetlens_container_cpu_usage_cores',
    memBytes: 'fleetlens_container_memory_working_set_bytes',
    memLimitBytes: 'fleetlens_container_memory_limit_bytes',
    netRxBps: 'fleetlens_container_network_receive_bytes_per_second',
    netTxBps: 'fleetlens_container_network_transmit_bytes_per_second',
    diskReadBps: 'fleetlens_container_disk_read_bytes_per_second',
    diskWriteBps: 'fleetlens_container_disk_written_bytes_per_second',
    pids: 'fleetlens_container_pids',
    memUsageBytes: 'fleetlens_container_memory_usage_bytes',
    memAnonBytes: 'fleetlens_container_memory_anon_bytes',
    memActiveFileBytes: 'fleetlens_container_memory_active_file_bytes',
    memInactiveFileBytes: 'fleetlens_container_memory_inactive_file_bytes',
    cpuThrottledPercent: 'fleetlens_container_cpu_throttled_periods_percent',
    cpuThrottledSecondsPerSecond: 'fleetlens_container_cpu_throttled_seconds_per_second',
  },
};

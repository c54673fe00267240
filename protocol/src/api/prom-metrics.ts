/*
 * Kept free of zod so that the plugin can import it without bundling the schema library.
 */

/**
 * Metric names on the Prometheus-compatible API (docs/prometheus.md) by query-API metric name:
 * node-level metrics (nodes, clusters) and container-level ones (containers, pods, namespaces,
 * workloads). The backend serves these names; the datasource's query editor writes PromQL with them.
 */
export const PROM_METRIC_NAMES = {
  node: {
    cpuCores: 'fleetlens_node_cpu_usage_cores',
    memBytes: 'fleetlens_node_memory_used_bytes',
    memTotalBytes: 'fleetlens_node_memory_total_bytes',
    fsUsedBytes: 'fleetlens_node_filesystem_used_bytes',
    fsTotalBytes: 'fleetlens_node_filesystem_size_bytes',
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
  },
} as const;

import type { ContainerSample, NodeSample } from '@fleetlens/protocol';

/** One stored metric: its wire field, its column, its query-API name. */
export interface MetricDef<S> {
  field: keyof S & string;
  column: string;
  api: string;
}

/** Node sample columns, in table order. Node memory used is stored as mem_used_bytes, exposed as memBytes. */
export const NODE_METRICS: MetricDef<NodeSample>[] = [
  { field: 'cpuCores', column: 'cpu_cores', api: 'cpuCores' },
  { field: 'memUsedBytes', column: 'mem_used_bytes', api: 'memBytes' },
  { field: 'memTotalBytes', column: 'mem_total_bytes', api: 'memTotalBytes' },
  { field: 'fsUsedBytes', column: 'fs_used_bytes', api: 'fsUsedBytes' },
  { field: 'fsTotalBytes', column: 'fs_total_bytes', api: 'fsTotalBytes' },
  { field: 'netRxBps', column: 'net_rx_bps', api: 'netRxBps' },
  { field: 'netTxBps', column: 'net_tx_bps', api: 'netTxBps' },
  { field: 'diskReadBps', column: 'disk_read_bps', api: 'diskReadBps' },
  { field: 'diskWriteBps', column: 'disk_write_bps', api: 'diskWriteBps' },
  { field: 'load1', column: 'load1', api: 'load1' },
];

/** Container sample columns, in table order. Memory is the working set. */
export const CONTAINER_METRICS: MetricDef<ContainerSample>[] = [
  { field: 'cpuCores', column: 'cpu_cores', api: 'cpuCores' },
  { field: 'memBytes', column: 'mem_bytes', api: 'memBytes' },
  { field: 'memLimitBytes', column: 'mem_limit_bytes', api: 'memLimitBytes' },
  { field: 'netRxBps', column: 'net_rx_bps', api: 'netRxBps' },
  { field: 'netTxBps', column: 'net_tx_bps', api: 'netTxBps' },
  { field: 'diskReadBps', column: 'disk_read_bps', api: 'diskReadBps' },
  { field: 'diskWriteBps', column: 'disk_write_bps', api: 'diskWriteBps' },
  { field: 'pids', column: 'pids', api: 'pids' },
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

export interface TopContainersOptions {
  /** How many containers to show. */
  limit: number;
  /** Rank by this metric; `auto`: the metric the query ranked by. */
  metric: 'auto' | 'cpuCores' | 'memBytes' | 'netRxBps' | 'netTxBps' | 'diskReadBps' | 'diskWriteBps';
}

export const TOP_METRIC_LABELS: Record<string, string> = {
  cpuCores: 'CPU',
  memBytes: 'Memory',
  netRxBps: 'Network receive',
  netTxBps: 'Network transmit',
  diskReadBps: 'Disk read',
  diskWriteBps: 'Disk write',
};

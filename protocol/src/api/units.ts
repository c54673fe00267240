/*
 * Kept free of zod so that the plugin can import it without bundling the schema library.
 */

/** Grafana value-format id per metric, so every client formats with the same unit. */
export const METRIC_UNITS: Record<string, string> = {
  cpuCores: 'short',
  memBytes: 'bytes',
  memTotalBytes: 'bytes',
  memLimitBytes: 'bytes',
  fsUsedBytes: 'bytes',
  fsTotalBytes: 'bytes',
  fsAvailBytes: 'bytes',
  netRxBps: 'Bps',
  netTxBps: 'Bps',
  diskReadBps: 'Bps',
  diskWriteBps: 'Bps',
  load1: 'short',
  pids: 'short',
  memUsageBytes: 'bytes',
  memAnonBytes: 'bytes',
  memActiveFileBytes: 'bytes',
  memInactiveFileBytes: 'bytes',
  cpuThrottledPercent: 'percent',
  // Seconds of throttling per second of wall time (0.5 = throttled half of the time on average).
  cpuThrottledSecondsPerSecond: 'short',
  cpuPercent: 'percent',
  memPercent: 'percent',
  fsPercent: 'percent',
};

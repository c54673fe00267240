export type HeatmapPanelMetric = 'cpuPercent' | 'memPercent' | 'fsPercent';

export interface NodeHeatmapOptions {
  metric: HeatmapPanelMetric;
  /** Yellow from this percentage, red from `crit`. */
  warn: number;
  crit: number;
}

export const METRIC_NAMES: Record<HeatmapPanelMetric, string> = {
  cpuPercent: 'CPU',
  memPercent: 'Memory',
  fsPercent: 'Disk',
};

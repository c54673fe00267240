import React, { useState } from 'react';
import type { HeatmapMetric, HeatmapReply } from '@fleetlens/protocol/api';
import { RadioButtonGroup } from '@grafana/ui';
import { useApiData, type ApiData } from '../api/useApiData';
import { useFleetlens } from '../components/FleetlensContext';
import { HeatmapGrid } from '../components/HeatmapGrid';
import { NoData } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { appUrl, ROUTES } from '../constants';

export const HEATMAP_METRICS: Array<{ label: string; value: HeatmapMetric }> = [
  { label: 'CPU', value: 'cpuPercent' },
  { label: 'Memory', value: 'memPercent' },
  { label: 'Disk', value: 'fsPercent' },
];

/** Loads the latest heatmap values of the selected clusters for a metric. */
export function useHeatmap(metric: HeatmapMetric): ApiData<HeatmapReply> {
  const { clusters } = useFleetlens();
  return useApiData<HeatmapReply>(`heatmap:${metric}:${clusters.join(',')}`, (c, signal) =>
    c.heatmap({ metric, cluster: clusters }, signal)
  );
}

/** The heatmap of a reply, or the empty state. */
export function NodeHeatmap({ data, metric }: { data?: HeatmapReply; metric: HeatmapMetric }) {
  const { thresholds } = useFleetlens();
  if (!data) {
    return null;
  }
  if (data.nodes.length === 0) {
    return <NoData message="No nodes have reported yet" />;
  }
  const label = HEATMAP_METRICS.find((m) => m.value === metric)?.label ?? metric;
  return (
    <HeatmapGrid
      nodes={data.nodes}
      metricLabel={label}
      thresholds={thresholds}
      hrefOf={(n) => appUrl(ROUTES.nodes, n.id)}
    />
  );
}

/** Radio buttons choosing the heatmap metric. */
export function HeatmapMetricPicker({ value, onChange }: { value: HeatmapMetric; onChange(m: HeatmapMetric): void }) {
  return <RadioButtonGroup options={HEATMAP_METRICS} value={value} onChange={onChange} aria-label="Heatmap metric" />;
}

/** One tile per node, coloured by CPU, memory or disk use. */
export function HeatmapPage() {
  const [metric, setMetric] = useState<HeatmapMetric>('cpuPercent');
  const heatmap = useHeatmap(metric);
  return (
    <PageLayout
      error={heatmap.error}
      loading={heatmap.loading}
      controls={<HeatmapMetricPicker value={metric} onChange={setMetric} />}
    >
      <NodeHeatmap data={heatmap.data} metric={metric} />
    </PageLayout>
  );
}

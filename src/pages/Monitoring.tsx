import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Select, useStyles2 } from '@grafana/ui';
import type { ContainerMetric, HeatmapMetric, SeriesReply, TopReply } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { TopList } from '../components/TopList';
import { ServiceHealthCharts } from '../components/services/ServiceHealthCharts';
import { appUrl, ROUTES } from '../constants';
import { seriesToFrames } from '../utils/frames';
import { rangeKey, toSeconds } from '../utils/time';
import { HeatmapMetricPicker, NodeHeatmap, useHeatmap } from './Heatmap';

export const TOP_METRICS: Array<{ label: string; value: ContainerMetric }> = [
  { label: 'CPU', value: 'cpuCores' },
  { label: 'Memory', value: 'memBytes' },
  { label: 'Network receive', value: 'netRxBps' },
  { label: 'Network transmit', value: 'netTxBps' },
  { label: 'Disk read', value: 'diskReadBps' },
  { label: 'Disk write', value: 'diskWriteBps' },
];

/**
 * Fleet network and disk I/O over time, response time per service and the HTTP status donut, the
 * node heatmap, and the top-10 containers.
 */
export function MonitoringPage() {
  const styles = useStyles2(getStyles);
  const { clusters, range, rawRange } = useFleetlens();
  const [topMetric, setTopMetric] = useState<ContainerMetric>('cpuCores');
  const [heatMetric, setHeatMetric] = useState<HeatmapMetric>('cpuPercent');

  const io = useApiData<SeriesReply>(`io:${clusters.join(',')}:${rangeKey(rawRange)}`, (c, signal) => {
    const { from, to, step } = toSeconds(range);
    return c.series(
      {
        kind: 'all',
        metrics: ['netRxBps', 'netTxBps', 'diskReadBps', 'diskWriteBps'],
        from,
        to,
        step,
        cluster: clusters,
      },
      signal
    );
  });
  // The ranking covers the chosen time range (the backend allows 1 minute to 31 days).
  const window = Math.min(31 * 86400, Math.max(60, Math.round((range.to.valueOf() - range.from.valueOf()) / 1000)));
  const top = useApiData<TopReply>(`top:${topMetric}:${window}:${clusters.join(',')}`, (c, signal) =>
    c.top({ metric: topMetric, window, limit: 10, cluster: clusters }, signal)
  );
  const heatmap = useHeatmap(heatMetric);

  const net = useMemo(
    () =>
      seriesToFrames(io.data, [
        { metric: 'netRxBps', label: 'Receive' },
        { metric: 'netTxBps', label: 'Transmit' },
      ]),
    [io.data]
  );
  const disk = useMemo(
    () =>
      seriesToFrames(io.data, [
        { metric: 'diskReadBps', label: 'Read' },
        { metric: 'diskWriteBps', label: 'Write' },
      ]),
    [io.data]
  );
  const topLabel = TOP_METRICS.find((m) => m.value === topMetric)?.label ?? topMetric;

  return (
    <PageLayout error={io.error ?? top.error ?? heatmap.error} loading={io.loading || top.loading}>
      <div className={styles.charts}>
        <TimeSeriesChart testId="chart-network" title="Network traffic" frames={net} timeRange={range} />
        <TimeSeriesChart testId="chart-disk" title="Disk I/O" frames={disk} timeRange={range} />
      </div>
      <ServiceHealthCharts />
      <section className={styles.section} aria-label="Top containers">
        <div className={styles.header}>
          <h3 className={styles.title}>Top 10 containers by {topLabel}</h3>
          <Select
            aria-label="Top metric"
            width={24}
            options={TOP_METRICS}
            value={topMetric}
            onChange={(o) => o.value && setTopMetric(o.value)}
          />
        </div>
        {top.data && top.data.items.length === 0 && (
          <div className={styles.empty}>No container samples in this time range yet.</div>
        )}
        {top.data && top.data.items.length > 0 && (
          <TopList
            items={top.data.items}
            metric={topMetric}
            metricLabel={topLabel}
            hrefOf={(it) => appUrl(ROUTES.containers, it.id)}
            nodeHrefOf={(it) => appUrl(ROUTES.nodes, it.nodeId)}
          />
        )}
      </section>
      <section className={styles.section} aria-label="Node heatmap">
        <div className={styles.header}>
          <h3 className={styles.title}>Node heatmap</h3>
          <HeatmapMetricPicker value={heatMetric} onChange={setHeatMetric} />
        </div>
        <NodeHeatmap data={heatmap.data} metric={heatMetric} />
      </section>
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  charts: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  }),
  section: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
    marginBottom: theme.spacing(2),
  }),
  header: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    marginBottom: theme.spacing(1),
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, margin: 0 }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(2) }),
});

import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { SeriesKind, SeriesReply } from '@fleetlens/protocol/api';
import { useApiData, type ApiData } from '../api/useApiData';
import { seriesToFrames, type SeriesSpec } from '../utils/frames';
import { rangeKey, toSeconds } from '../utils/time';
import { useFleetlens } from './FleetlensContext';
import { TimeSeriesChart } from './TimeSeriesChart';

export interface ChartSpec {
  title: string;
  series: SeriesSpec[];
}

const CPU_CHART: ChartSpec = { title: 'CPU used (cores)', series: [{ metric: 'cpuCores', label: 'Used' }] };

/** Network and disk charts read the same for nodes and containers. */
const IO_CHARTS: ChartSpec[] = [
  {
    title: 'Network',
    series: [
      { metric: 'netRxBps', label: 'Receive' },
      { metric: 'netTxBps', label: 'Transmit' },
    ],
  },
  {
    title: 'Disk I/O',
    series: [
      { metric: 'diskReadBps', label: 'Read' },
      { metric: 'diskWriteBps', label: 'Write' },
    ],
  },
];

/** CPU, memory, network and disk charts of a node. */
export const NODE_CHARTS: ChartSpec[] = [
  CPU_CHART,
  {
    title: 'Memory',
    series: [
      { metric: 'memBytes', label: 'Used' },
      { metric: 'memTotalBytes', label: 'Total' },
    ],
  },
  ...IO_CHARTS,
];

/** The same for a container or a group of containers (pod, workload, namespace). */
export const CONTAINER_CHARTS: ChartSpec[] = [
  CPU_CHART,
  {
    title: 'Memory working set',
    series: [
      { metric: 'memBytes', label: 'Working set' },
      { metric: 'memLimitBytes', label: 'Limit' },
    ],
  },
  ...IO_CHARTS,
];

/** Loads every metric the charts need in one /series request. */
export function useEntitySeries(kind: SeriesKind, id: string | undefined, charts: ChartSpec[]): ApiData<SeriesReply> {
  const { range, rawRange } = useFleetlens();
  const metrics = [...new Set(charts.flatMap((c) => c.series.map((s) => s.metric)))];
  return useApiData<SeriesReply>(
    `series:${kind}:${id}:${metrics.join(',')}:${rangeKey(rawRange)}`,
    (c, signal) => {
      const { from, to, step } = toSeconds(range);
      return c.series({ kind, id, metrics, from, to, step }, signal);
    },
    { enabled: !!id }
  );
}

/** A grid of time-series charts of one entity. */
export function EntityCharts({ reply, charts }: { reply?: SeriesReply; charts: ChartSpec[] }) {
  const styles = useStyles2(getStyles);
  const { range } = useFleetlens();
  const frames = useMemo(() => charts.map((c) => seriesToFrames(reply, c.series)), [reply, charts]);
  return (
    <div className={styles.grid}>
      {charts.map((c, i) => (
        <TimeSeriesChart key={c.title} title={c.title} frames={frames[i]} timeRange={range} height={200} />
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(380px, 1fr))',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  }),
});

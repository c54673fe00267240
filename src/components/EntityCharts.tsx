import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { createDataFrame, FieldType, type DataFrame, type GrafanaTheme2 } from '@grafana/data';
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
  /** A CPU chart in cores: gets the capacity line and the 0–capacity axis when one is known. */
  cpu?: boolean;
}

const CPU_CHART: ChartSpec = {
  title: 'CPU used (cores)',
  series: [{ metric: 'cpuCores', label: 'Used' }],
  cpu: true,
};

/**
 * A CPU chart's frames with the capacity drawn: a dashed line at `cores` across the time range,
 * and every field's axis from 0 to `cores` (a node cannot use more than its cores).
 */
export function withCpuCapacity(frames: DataFrame[], cores: number, range: { from: number; to: number }): DataFrame[] {
  if (!(cores > 0) || frames.length === 0) {
    return frames;
  }
  const bounded = frames.map((f) => ({
    ...f,
    fields: f.fields.map((field, i) =>
      i === 0 ? field : { ...field, config: { ...field.config, min: 0, max: cores } }
    ),
  }));
  const label = `Capacity (${cores} ${cores === 1 ? 'core' : 'cores'})`;
  const capacity = createDataFrame({
    name: label,
    refId: 'capacity',
    fields: [
      { name: 'Time', type: FieldType.time, values: [range.from, range.to], config: {} },
      {
        name: label,
        type: FieldType.number,
        values: [cores, cores],
        config: {
          displayName: label,
          min: 0,
          max: cores,
          color: { mode: 'fixed', fixedColor: '#9fa7b3' },
          custom: {
            fillOpacity: 0,
            lineWidth: 1,
            lineStyle: { fill: 'dash', dash: [10, 10] },
            lineInterpolation: 'linear',
          },
        },
      },
    ],
  });
  return [...bounded, capacity];
}

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

/**
 * A grid of time-series charts of one entity; `cpuCapacity` (cores) bounds its CPU chart, and
 * `annotations` (annotation frames) are marked on every chart.
 */
export function EntityCharts({
  reply,
  charts,
  cpuCapacity,
  annotations,
}: {
  reply?: SeriesReply;
  charts: ChartSpec[];
  cpuCapacity?: number;
  annotations?: DataFrame[];
}) {
  const styles = useStyles2(getStyles);
  const { range } = useFleetlens();
  const frames = useMemo(
    () =>
      charts.map((c) => {
        const f = seriesToFrames(reply, c.series);
        return c.cpu && cpuCapacity
          ? withCpuCapacity(f, cpuCapacity, { from: range.from.valueOf(), to: range.to.valueOf() })
          : f;
      }),
    [reply, charts, cpuCapacity, range]
  );
  return (
    <div className={styles.grid}>
      {charts.map((c, i) => (
        <TimeSeriesChart
          key={c.title}
          title={c.title}
          frames={frames[i]}
          timeRange={range}
          height={200}
          testId={c.cpu ? 'chart-cpu' : undefined}
          annotations={annotations}
        />
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

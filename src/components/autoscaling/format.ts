import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { AutoscalingDecision, AutoscalingHistoryReply, AutoscalingMetric } from '@fleetlens/protocol/api';
import { formatUnit, NO_VALUE } from '../../utils/format';

/** What each metric is called and its Grafana unit. */
export const METRICS: Record<AutoscalingMetric, { label: string; unit: string }> = {
  cpuCores: { label: 'CPU per replica (cores)', unit: 'none' },
  cpuPercentOfLimit: { label: 'CPU, % of limit', unit: 'percent' },
  memBytes: { label: 'Memory per replica (working set)', unit: 'bytes' },
  memPercentOfLimit: { label: 'Memory, % of limit', unit: 'percent' },
};

/** A metric value in its unit ("0.53 cores", "60.0%", "256 MiB"). */
export function formatMetricValue(metric: AutoscalingMetric, v: number | null | undefined): string {
  if (v === null || v === undefined) {
    return NO_VALUE;
  }
  return metric === 'cpuCores' ? `${formatUnit('none', v, 2)} cores` : formatUnit(METRICS[metric].unit, v, 1);
}

/** How a decision reads in the table's Outcome column. */
export function outcomeText(d: Pick<AutoscalingDecision, 'outcome' | 'reason'>): string {
  return d.outcome === 'held' ? `held (${d.reason ?? 'unknown'})` : d.outcome;
}

/**
 * The history chart's frames: replicas and desired replicas (left axis), the metric and its target
 * (right axis, the rule's unit), one point per decision.
 */
export function historyFrames(h: AutoscalingHistoryReply | undefined, metric: AutoscalingMetric): DataFrame[] {
  if (!h) {
    return [];
  }
  const time = { name: 'Time', type: FieldType.time, values: h.series.ts.map((t) => t * 1000), config: {} };
  const unit = METRICS[metric].unit;
  const line = (name: string, values: Array<number | null>, u: string, right: boolean, color: string) =>
    createDataFrame({
      name,
      refId: name,
      fields: [
        time,
        {
          name,
          type: FieldType.number,
          values,
          config: {
            unit: u,
            displayName: name,
            color: { mode: 'fixed', fixedColor: color },
            custom: { axisPlacement: right ? 'right' : 'left', lineInterpolation: 'stepAfter', spanNulls: true },
          },
        },
      ],
    });
  return [
    line('Replicas', h.series.replicas, 'none', false, 'blue'),
    line('Desired', h.series.desired, 'none', false, 'purple'),
    line(METRICS[metric].label, h.series.metric, unit, true, 'orange'),
    line(
      'Target',
      h.series.ts.map(() => h.series.target),
      unit,
      true,
      'red'
    ),
  ];
}

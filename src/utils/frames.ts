import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { SeriesReply } from '@fleetlens/protocol/api';

export interface SeriesSpec {
  /** Metric name in the reply, e.g. 'netRxBps'. */
  metric: string;
  /** Legend label, e.g. 'Receive'. */
  label: string;
  /** Multiply values (e.g. -1 to draw transmit below the axis); the legend shows the true sign. */
  scale?: number;
}

/**
 * Data frames for Grafana's TimeSeries from a /series reply: one frame per requested metric with
 * a time field (ms) and a value field carrying the unit the backend reports.
 */
export function seriesToFrames(reply: SeriesReply | undefined, specs: SeriesSpec[], prefix = ''): DataFrame[] {
  if (!reply) {
    return [];
  }
  const frames: DataFrame[] = [];
  for (const spec of specs) {
    const s = reply.series.find((x) => x.metric === spec.metric);
    if (!s) {
      continue;
    }
    const name = prefix ? `${prefix} ${spec.label}` : spec.label;
    frames.push(
      createDataFrame({
        name,
        refId: spec.metric,
        fields: [
          { name: 'Time', type: FieldType.time, values: s.points.map((p) => p[0] * 1000), config: {} },
          {
            name,
            type: FieldType.number,
            values: s.points.map((p) => p[1]),
            // Buckets finer than the agents' interval alternate with empty ones: join points closer
            // than a few steps, so only real outages (a missing agent) show as gaps.
            config: { unit: s.unit, displayName: name, custom: { spanNulls: Math.max(3 * reply.step, 90) * 1000 } },
          },
        ],
      })
    );
  }
  return frames;
}

/** True when a reply has at least one non-null point. */
export function hasPoints(reply: SeriesReply | undefined): boolean {
  return !!reply?.series.some((s) => s.points.some((p) => p[1] !== null));
}

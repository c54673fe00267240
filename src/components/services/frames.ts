import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { ResponseTimesReply, ServiceSeriesReply } from '@fleetlens/protocol/api';

type Points = Array<[number, number | null]>;

/** One chart series: Time (ms) and the values with their unit, points closer than a few steps joined. */
function frame(name: string, refId: string, unit: string, points: Points, step: number, scale = 1): DataFrame {
  return createDataFrame({
    name,
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: points.map((p) => p[0] * 1000), config: {} },
      {
        name,
        type: FieldType.number,
        values: points.map((p) => (p[1] === null ? null : p[1] * scale)),
        config: { unit, displayName: name, custom: { spanNulls: Math.max(3 * step, 90) * 1000 } },
      },
    ],
  });
}

/** Frames of chosen metrics of a /services/:id/series reply, in the order given, with legend labels. */
export function serviceFrames(
  reply: ServiceSeriesReply | undefined,
  specs: Array<{ metric: string; label: string; color?: string }>
): DataFrame[] {
  if (!reply) {
    return [];
  }
  return specs.flatMap((spec) => {
    const s = reply.series.find((x) => x.metric === spec.metric);
    if (!s) {
      return [];
    }
    const f = frame(spec.label, spec.metric, s.unit, s.points, reply.step);
    if (spec.color) {
      f.fields[1].config.color = { mode: 'fixed', fixedColor: spec.color };
    }
    return [f];
  });
}

/** A service's name as the pages show it: `namespace/name` on Kubernetes, the name elsewhere. */
export function serviceLabel(s: { namespace: string | null; name: string }): string {
  return s.namespace ? `${s.namespace}/${s.name}` : s.name;
}

/** One average-response-time frame per service of a /services/response-times reply (seconds). */
export function responseTimeFrames(reply: ResponseTimesReply | undefined, multiCluster: boolean): DataFrame[] {
  if (!reply) {
    return [];
  }
  return reply.series.map((s) =>
    frame(multiCluster ? `${serviceLabel(s)} (${s.cluster})` : serviceLabel(s), s.serviceId, 's', s.points, reply.step)
  );
}

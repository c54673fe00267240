import { createDataFrame, DataFrameType, FieldType, type DataFrame } from '@grafana/data';
import type { ResponseTimesReply, StatusClassesReply } from '@fleetlens/protocol/api';
import type { FleetlensClient } from '../api/client';
import { responseTimes, STATUS_CLASSES, statusClasses } from '../components/services/api';
import { namePredicate, parseList } from './query';
import type { FleetlensQuery } from './types';

/** At most this many services per response-time query (the backend's bound). */
export const MAX_SERVICES = 50;

/**
 * The `serviceResponseTime` query: average response time (seconds) per service over the range,
 * one frame per service labelled with cluster, namespace, service and source (access logs or
 * probes), the busiest `limit` services as the backend ranks them, narrowed by the name pattern.
 */
export async function serviceResponseTimeFrames(
  client: FleetlensClient,
  q: FleetlensQuery,
  from: number,
  to: number,
  step: number
): Promise<DataFrame[]> {
  const limit = Math.min(MAX_SERVICES, Math.max(1, Math.round(Number(q.limit) || 10)));
  const r: ResponseTimesReply = await responseTimes(client, {
    cluster: parseList(q.cluster),
    namespace: parseList(q.namespace),
    from,
    to,
    step,
    limit,
  });
  const match = namePredicate(q.name);
  return r.series
    .filter((s) => match(s.name))
    .map((s) => {
      const labels: Record<string, string> = { cluster: s.cluster, service: s.name, source: s.source };
      if (s.namespace) {
        labels.namespace = s.namespace;
      }
      const display = s.namespace ? `${s.namespace}/${s.name}` : s.name;
      return createDataFrame({
        refId: q.refId,
        name: display,
        meta: {
          type: DataFrameType.TimeSeriesMulti,
          executedQueryString: `service response time avg step=${r.step}s limit=${limit}`,
          custom: { step: r.step, from: r.from, to: r.to, serviceId: s.serviceId },
        },
        fields: [
          {
            name: 'Time',
            type: FieldType.time,
            values: s.points.map((p) => p[0] * 1000),
            config: { interval: r.step * 1000 },
          },
          {
            name: 'avgSeconds',
            type: FieldType.number,
            values: s.points.map((p) => p[1]),
            labels,
            config: { unit: 's', displayNameFromDS: display },
          },
        ],
      });
    });
}

/**
 * The `statusClasses` query: requests per HTTP status class over the range, one row with a field
 * per class (2xx, 3xx, 4xx, 5xx), what Grafana's pie chart and bar gauge draw as one slice each.
 */
export async function statusClassFrames(
  client: FleetlensClient,
  q: FleetlensQuery,
  from: number,
  to: number
): Promise<DataFrame[]> {
  const r: StatusClassesReply = await statusClasses(client, {
    cluster: parseList(q.cluster),
    namespace: parseList(q.namespace),
    from,
    to,
  });
  return [
    createDataFrame({
      refId: q.refId,
      name: 'HTTP status classes',
      meta: { custom: { fleetlens: 'statusClasses', total: r.total, from: r.from, to: r.to } },
      fields: STATUS_CLASSES.map((c) => ({
        name: c,
        type: FieldType.number,
        values: [r.counts[c] ?? 0],
        config: { unit: 'short', displayName: c },
      })),
    }),
  ];
}

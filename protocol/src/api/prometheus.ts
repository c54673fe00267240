import { z } from 'zod';

/**
 * The Prometheus-compatible read API (`/prometheus/api/v1/...`, docs/prometheus.md): request
 * parameters and replies in the shapes of the Prometheus HTTP API, so that Grafana's built-in
 * Prometheus datasource (which Grafana alerting evaluates on the server) can read Fleetlens data.
 */

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Parses a Prometheus duration ("90s", "1h30m", "500ms") or a number of seconds; undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * UNITS[m[2]];
  return total;
}

/** Parses a Prometheus timestamp: Unix seconds (fractions allowed) or RFC 3339; undefined when invalid. */
export function parseTime(text: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

const Time = z.string().transform((s, ctx) => {
  const t = parseTime(s);
  if (t === undefined || t < 0 || t > 4102444800) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a Unix time in seconds or an RFC 3339 time` });
    return z.NEVER;
  }
  return t;
});

const Duration = z.string().transform((s, ctx) => {
  const d = parseDuration(s);
  if (d === undefined || d <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a positive duration (seconds, or like 15s, 1m, 1h30m)` });
    return z.NEVER;
  }
  return d;
});

/** `match[]` may come once (a string) or repeated (an array). */
const Matches = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((m) => (Array.isArray(m) ? m : [m]));

/** Parameters Prometheus accepts that do not change our answer (Grafana sends some of them). */
const Ignored = { timeout: z.string().optional(), stats: z.string().optional(), limit: z.string().optional() };

export const InstantQuery = z.object({
  query: z.string().min(1, 'query is required').max(10000),
  time: Time.optional(),
  lookback_delta: Duration.optional(),
  ...Ignored,
});
export type InstantQuery = z.infer<typeof InstantQuery>;

/** Most points a range query may return per series, as in Prometheus. */
export const MAX_POINTS = 11000;

export const RangeQuery = z
  .object({
    query: z.string().min(1, 'query is required').max(10000),
    start: Time,
    end: Time,
    step: Duration,
    lookback_delta: Duration.optional(),
    ...Ignored,
  })
  .superRefine((q, ctx) => {
    // The points limit (MAX_POINTS by default, configurable) is the backend's, checked with Prometheus' message.
    if (q.end < q.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end is before start' });
  });
export type RangeQuery = z.infer<typeof RangeQuery>;

export const SeriesQuery = z.object({ 'match[]': Matches, start: Time.optional(), end: Time.optional(), ...Ignored });
export type SeriesQuery = z.infer<typeof SeriesQuery>;

export const LabelsQuery = z.object({
  'match[]': Matches.optional(),
  start: Time.optional(),
  end: Time.optional(),
  ...Ignored,
});
export type LabelsQuery = z.infer<typeof LabelsQuery>;

export const MetadataQuery = z.object({ metric: z.string().optional(), ...Ignored });

/** A sample value as Prometheus writes it: a string, so that NaN and ±Inf survive JSON. */
const Sample = z.tuple([z.number(), z.string()]);
const Labels = z.record(z.string(), z.string());

export const QueryData = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('scalar'), result: Sample }),
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: Labels, value: Sample })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: Labels, values: z.array(Sample) })) }),
]);
export type QueryData = z.infer<typeof QueryData>;

const success = <T extends z.ZodType>(data: T) => z.object({ status: z.literal('success'), data });

export const QueryReply = success(QueryData);
export const SeriesReply = success(z.array(Labels));
export const LabelsReply = success(z.array(z.string()));
export const MetadataReply = success(
  z.record(z.string(), z.array(z.object({ type: z.string(), help: z.string(), unit: z.string() })))
);
export type MetadataReply = z.infer<typeof MetadataReply>;

/** Errors: `errorType` as in Prometheus (bad_data, execution, unavailable, ...) and a message naming the field. */
export const ErrorReply = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });

import type { TimeRange } from '@grafana/data';

/** A time range as epoch seconds, with a step giving about `points` buckets (at least 10 s). */
export function toSeconds(range: TimeRange, points = 240): { from: number; to: number; step: number } {
  const from = Math.floor(range.from.valueOf() / 1000);
  const to = Math.max(from + 1, Math.ceil(range.to.valueOf() / 1000));
  const step = Math.max(10, Math.ceil((to - from) / points));
  return { from, to, step };
}

/** A stable key of a raw (possibly relative) range: it changes when the user picks another range, not when "now" moves. */
export function rangeKey(raw: { from: unknown; to: unknown }): string {
  const part = (v: unknown) => (typeof v === 'string' ? v : (v as { valueOf(): number }).valueOf());
  return `${part(raw.from)}..${part(raw.to)}`;
}

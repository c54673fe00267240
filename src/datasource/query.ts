import type { Aggregation } from './types';

/** Epoch seconds of a Grafana time range, `to` rounded up so that the last partial second is included. */
export function rangeSeconds(range: { from: { valueOf(): number }; to: { valueOf(): number } }): {
  from: number;
  to: number;
} {
  const from = Math.floor(range.from.valueOf() / 1000);
  const to = Math.max(from + 1, Math.ceil(range.to.valueOf() / 1000));
  return { from, to };
}

/**
 * The series step in seconds: no finer than Grafana's interval for the panel and no more points
 * than maxDataPoints over the range, at least 1 s and at most one day (the backend's limit). The
 * backend may coarsen it further to the resolution of the tier it reads (1 min, 1 h).
 */
export function stepFor(
  from: number,
  to: number,
  intervalMs: number | undefined,
  maxDataPoints: number | undefined
): number {
  const byInterval = intervalMs && intervalMs > 0 ? Math.ceil(intervalMs / 1000) : 1;
  const byPoints = maxDataPoints && maxDataPoints > 0 ? Math.ceil((to - from) / maxDataPoints) : 1;
  return Math.min(86_400, Math.max(1, byInterval, byPoints));
}

/** A filter value after template interpolation: a comma list, `*`/`All`/empty meaning no filter. */
export function parseList(value: string | undefined): string[] | undefined {
  if (!value) {
    return undefined;
  }
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== '*' && s !== '$__all');
  return list.length ? [...new Set(list)] : undefined;
}

/** The name pattern as a predicate: `/regex/flags`, or a glob with `*` and `?`; a comma list matches any. */
export function namePredicate(pattern: string | undefined): (name: string) => boolean {
  const p = pattern?.trim();
  if (!p || p === '*') {
    return () => true;
  }
  const re = /^\/(.+)\/([a-z]*)$/.exec(p);
  if (re) {
    const rx = new RegExp(re[1], re[2]);
    return (name) => rx.test(name);
  }
  const globs = p
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map(
      (g) =>
        new RegExp(
          `^${g
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`
        )
    );
  return (name) => globs.some((g) => g.test(name));
}

/** Combines the values of several series at one timestamp; null when no series has a value. */
export function aggregate(values: Array<number | null>, agg: Aggregation): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) {
    return null;
  }
  switch (agg) {
    case 'sum':
      return v.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...v);
    case 'min':
      return Math.min(...v);
    default:
      return v.reduce((a, b) => a + b, 0) / v.length;
  }
}

/** Merges series point lists (same step) into one timeline, combining values per timestamp. */
export function combineSeries(
  series: Array<Array<[number, number | null]>>,
  agg: Aggregation
): Array<[number, number | null]> {
  if (series.length === 1) {
    return series[0];
  }
  const byTs = new Map<number, Array<number | null>>();
  for (const points of series) {
    for (const [ts, v] of points) {
      const list = byTs.get(ts);
      if (list) {
        list.push(v);
      } else {
        byTs.set(ts, [v]);
      }
    }
  }
  return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, vs]) => [ts, aggregate(vs, agg)]);
}

/** Runs tasks with at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

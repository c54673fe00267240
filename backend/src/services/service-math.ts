import { LATENCY_BUCKETS_SECONDS } from '@fleetlens/protocol';

/*
 * The arithmetic of service health (issue 16; decision 29), shared by the list, the detail, the
 * series and the alert evaluation so that every page and rule reads the same figures.
 */

/** Access-log sums of one service (or one bucket) over some window. */
export interface StatSums {
  requests: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  latencyCount: number;
  latencySum: number;
  /** Σ per histogram bucket (LATENCY_BUCKETS_SECONDS, then +Inf), not cumulative. */
  buckets: number[];
  /** Seconds covered: per container Σ intervalSeconds, then the largest over containers. */
  covered: number;
}

export const emptySums = (): StatSums => ({
  requests: 0,
  s2xx: 0,
  s3xx: 0,
  s4xx: 0,
  s5xx: 0,
  latencyCount: 0,
  latencySum: 0,
  buckets: new Array(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
  covered: 0,
});

/** Adds one container's sums into a service's: counts add up, covered seconds take the largest. */
export function addContainer(into: StatSums, c: StatSums): void {
  into.requests += c.requests;
  into.s2xx += c.s2xx;
  into.s3xx += c.s3xx;
  into.s4xx += c.s4xx;
  into.s5xx += c.s5xx;
  into.latencyCount += c.latencyCount;
  into.latencySum += c.latencySum;
  c.buckets.forEach((b, i) => (into.buckets[i] += b));
  into.covered = Math.max(into.covered, c.covered);
}

/**
 * The q-quantile of a histogram (non-cumulative counts per LATENCY_BUCKETS_SECONDS bound, then
 * +Inf), as Prometheus' histogram_quantile (promql/quantile.go bucketQuantile): rank q × total,
 * linear interpolation inside the bucket that holds it (from 0 for the first), and the highest
 * finite bound when the rank falls in +Inf. Null for an empty histogram.
 */
export function histogramQuantile(q: number, buckets: number[]): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < buckets.length; i++) {
    const before = cum;
    cum += buckets[i];
    if (cum >= rank && buckets[i] > 0) {
      if (i >= LATENCY_BUCKETS_SECONDS.length) return LATENCY_BUCKETS_SECONDS[LATENCY_BUCKETS_SECONDS.length - 1];
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_SECONDS[i - 1];
      const upper = LATENCY_BUCKETS_SECONDS[i];
      return lower + ((upper - lower) * (rank - before)) / buckets[i];
    }
  }
  return LATENCY_BUCKETS_SECONDS[LATENCY_BUCKETS_SECONDS.length - 1];
}

/** Nearest-rank q-quantile of exact values (the ⌈q·n⌉-th smallest); null without values. */
export function nearestRank(q: number, values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

/** Latency figures and where they come from: access logs when any line carried a duration, else probe runs. */
export interface Latency {
  avgSeconds: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
  latencySource: 'logs' | 'probe' | null;
}

/** Latency from log sums, or (when no log carried a duration) from probe totals. */
export function latencyOf(sums: StatSums | undefined, probeTotals: number[] | undefined): Latency {
  if (sums && sums.latencyCount > 0) {
    const hasHistogram = sums.buckets.some((b) => b > 0);
    return {
      avgSeconds: sums.latencySum / sums.latencyCount,
      p50Seconds: hasHistogram ? histogramQuantile(0.5, sums.buckets) : null,
      p95Seconds: hasHistogram ? histogramQuantile(0.95, sums.buckets) : null,
      latencySource: 'logs',
    };
  }
  if (probeTotals && probeTotals.length)
    return {
      avgSeconds: probeTotals.reduce((a, b) => a + b, 0) / probeTotals.length,
      p50Seconds: nearestRank(0.5, probeTotals),
      p95Seconds: nearestRank(0.95, probeTotals),
      latencySource: 'probe',
    };
  return { avgSeconds: null, p50Seconds: null, p95Seconds: null, latencySource: null };
}

/** Requests per second and error percent from log sums (null without stats / without requests). */
export function rates(sums: StatSums | undefined): { requestsPerSecond: number | null; errorPercent: number | null } {
  if (!sums || sums.covered <= 0) return { requestsPerSecond: null, errorPercent: null };
  return {
    requestsPerSecond: sums.requests / sums.covered,
    errorPercent: sums.requests > 0 ? (sums.s5xx / sums.requests) * 100 : null,
  };
}

import type { Db } from '../../db/connection';
import { TABLES, type SampleFamily } from '../../db/metrics';
import type { Budget } from '../limits';
import { ROWS_PER_STATEMENT, timeSlices } from '../timeseries';
import type { Reduction, Samples } from './source';

/**
 * Per-step-interval aggregates (sum, count, min, max) for the decomposable *_over_time functions,
 * read from the 1-minute tier where that is exact and from raw rows elsewhere (issue 13,
 * docs/decisions.md #34). An interval (lo, hi] holds integer stamps lo + 1 … hi; a minute bucket
 * [m, m + 60) stands for its raw samples only when it lies wholly inside the interval, has been
 * rolled up (before the watermark) and is not marked dirty by late data. The rest of the interval
 * (at most the minute at each edge, and anything newer than the rollup) is read raw. The buckets'
 * sums, counts, minima and maxima are those of the same raw samples, so the answer is the raw one
 * (sums up to the order of float additions); avg_over_time is Σ sum ÷ Σ count, Prometheus' plain
 * mean, not the tier's time-weighted one.
 */

const MINUTE = 60;
const mod = (a: number, b: number) => ((a % b) + b) % b;

/** How one run of equal intervals splits between the tier and raw rows. */
export interface TierSplit {
  /** Minute stamps [from, to) whose whole buckets are read from the tier. */
  tier: [number, number];
  /** Within an interval (lo, hi], the buckets m with (m − lo − 1) in [first, last] are whole. */
  whole: [number, number];
  /** Inclusive stamp ranges read raw, ascending, adjacent ones merged. */
  raw: [number, number][];
}

/**
 * Splits the intervals (base + (k − 1)·width, base + k·width], k = 1 … count, given that minutes
 * before `cutoff` are rolled up. Null when the tier would not cover at least half of the seconds
 * (then raw rows alone are cheaper) or the widths do not keep every interval on the same minute
 * phase (a width that is not a whole number of minutes).
 */
export function splitIntervals(base: number, width: number, count: number, cutoff: number): TierSplit | null {
  if (![base, width, count, cutoff].every(Number.isInteger) || width % MINUTE !== 0 || count < 1) return null;
  // First whole bucket after lo (the smallest minute > lo) and the end of the last whole bucket
  // (m + 59 ≤ hi): the same offsets from lo in every interval, as width is whole minutes.
  const first = MINUTE - mod(base, MINUTE);
  const end = width + 1 - mod(base + width + 1, MINUTE);
  const raw: [number, number][] = [];
  let tierSeconds = 0;
  let tierTo = -Infinity;
  for (let k = 0; k < count; k++) {
    const lo = base + k * width;
    const hi = lo + width;
    const a = lo + first;
    const e = Math.min(lo + end, cutoff - mod(cutoff, MINUTE));
    if (e - a < MINUTE) {
      raw.push([lo + 1, hi]);
      continue;
    }
    if (a - 1 >= lo + 1) raw.push([lo + 1, a - 1]);
    if (e <= hi) raw.push([e, hi]);
    tierSeconds += e - a;
    tierTo = Math.max(tierTo, e);
  }
  if (tierSeconds * 2 < count * width) return null;
  const merged: [number, number][] = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return { tier: [base + first, tierTo], whole: [first - 1, end - MINUTE - 1], raw: merged };
}

type Agg = { s: number; c: number; lo: number; hi: number };

/**
 * Reads the interval aggregates of `column` for the entities into `out` (keys entity id and
 * `asked`), from the tier and raw rows as `split` says. Statements stay near ROWS_PER_STATEMENT rows.
 */
export async function tieredBuckets(
  db: Db,
  budget: Budget,
  family: SampleFamily,
  column: string,
  asked: string,
  ids: string[],
  reduction: Reduction,
  split: TierSplit,
  out: Map<string, Samples>
): Promise<void> {
  const k = db.knex;
  const { base, width } = reduction;
  // (ts − base − 1) mod width, kept non-negative for MariaDB's unsigned ts.
  const shift = width - mod(base + 1, width);
  const phase = `((ts + ${shift}) % ${width})`;
  const intervalEnd = `(ts + ${width - 1} - ${phase})`;
  const aggregates = (sum: string, cnt: string, lo: string, hi: string) =>
    [`${sum} as s`, `${cnt} as c`, `${lo} as lo`, `${hi} as hi`].map((x) => k.raw(x));
  const acc = new Map<string, Map<number, Agg>>();
  const add = (r: Record<string, unknown>) => {
    const id = String(r.entity_id);
    let byEnd = acc.get(id);
    if (!byEnd) acc.set(id, (byEnd = new Map()));
    const end = Number(r.e);
    const [s, c, lo, hi] = [Number(r.s), Number(r.c), Number(r.lo), Number(r.hi)];
    const have = byEnd.get(end);
    if (!have) byEnd.set(end, { s, c, lo, hi });
    else Object.assign(have, { s: have.s + s, c: have.c + c, lo: Math.min(have.lo, lo), hi: Math.max(have.hi, hi) });
  };
  // Raw seconds per statement, so that one reads about ROWS_PER_STATEMENT rows of 10 s samples.
  const rawSeconds = Math.max(MINUTE, Math.floor((ROWS_PER_STATEMENT * 10) / Math.max(1, ids.length)));
  const rawGroups: [number, number][][] = [[]];
  let seconds = 0;
  for (const r of split.raw) {
    if (seconds > 0 && seconds + r[1] - r[0] + 1 > rawSeconds) {
      rawGroups.push([]);
      seconds = 0;
    }
    rawGroups[rawGroups.length - 1].push(r);
    seconds += r[1] - r[0] + 1;
  }
  for (const ranges of rawGroups.filter((g) => g.length)) {
    const qb = k(TABLES[family].raw)
      .whereIn('entity_id', ids)
      .whereNotNull(column)
      .where((q) => {
        for (const r of ranges) q.orWhereBetween('ts', r);
      })
      .select('entity_id', k.raw(`${intervalEnd} as e`))
      .select(aggregates(`SUM(${column})`, `COUNT(${column})`, `MIN(${column})`, `MAX(${column})`))
      .groupByRaw(`entity_id, ${intervalEnd}`);
    for (const r of await budget.select(db, qb)) add(r);
  }
  const [from, to] = split.tier;
  for (const [lo, hi] of timeSlices(from, to, MINUTE, ids.length, MINUTE)) {
    const qb = k(TABLES[family]['1m'])
      .whereIn('entity_id', ids)
      .where(`${column}_cnt`, '>', 0)
      .where('ts', '>=', lo)
      .where('ts', '<', hi)
      .whereRaw(`${phase} BETWEEN ${split.whole[0]} AND ${split.whole[1]}`)
      .select('entity_id', k.raw(`${intervalEnd} as e`))
      .select(aggregates(`SUM(${column}_sum)`, `SUM(${column}_cnt)`, `MIN(${column}_min)`, `MAX(${column}_max)`))
      .groupByRaw(`entity_id, ${intervalEnd}`);
    for (const r of await budget.select(db, qb)) add(r);
  }
  for (const [id, byEnd] of acc) {
    await budget.tick();
    const s: Samples = { ts: [], sum: [], cnt: [], min: [], max: [], wsum: [], secs: [] };
    for (const end of [...byEnd.keys()].sort((a, b) => a - b)) {
      const a = byEnd.get(end)!;
      s.ts.push(end);
      s.sum.push(a.s);
      s.cnt.push(a.c);
      s.min.push(a.lo);
      s.max.push(a.hi);
      // Prometheus' avg_over_time is the plain mean: each raw sample weighs one.
      s.wsum.push(a.s);
      s.secs.push(a.c);
    }
    out.set(`${id}\u0000${asked}`, s);
  }
}

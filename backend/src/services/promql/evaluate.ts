import type { api } from '@fleetlens/protocol';
import { isComparison, PromqlError, type AggOp, type ArithOp, type CompareOp, type Expr, type RangeFn } from './parse';
import { sampleKey, type Labels, type PromSource, type Samples, type SeriesRef } from './source';
import { checkSeries, type Budget, type QueryLimits } from '../limits';

/** A value at every evaluation step; null where the series has no sample. */
export interface Series {
  labels: Labels;
  values: (number | null)[];
}
export type Value = { kind: 'scalar'; values: number[] } | { kind: 'vector'; series: Series[] };

/** Where and when to evaluate: the steps, how far back a selector looks, and which tier it reads. */
export interface EvalPlan {
  steps: number[];
  lookback: number;
  tier: api.Tier;
  /** Series per query (and points per reply) are bounded before samples are read. */
  limits: QueryLimits;
  budget: Budget;
}

/**
 * Evaluates a parsed query at every step, with Prometheus semantics: a selector takes the newest
 * sample in (t − lookback, t]; a range function the samples in (t − range, t]; aggregations,
 * arithmetic and comparisons work step by step with Prometheus' label rules.
 */
export class Evaluator {
  constructor(
    private readonly source: PromSource,
    private readonly plan: EvalPlan
  ) {}

  async evaluate(e: Expr): Promise<Value> {
    const n = this.plan.steps.length;
    switch (e.type) {
      case 'number':
        return { kind: 'scalar', values: Array<number>(n).fill(e.value) };
      case 'negate': {
        const v = await this.evaluate(e.expr);
        if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
        return {
          kind: 'vector',
          series: v.series.map((s) => ({
            labels: dropName(s.labels),
            values: s.values.map((x) => (x === null ? null : -x)),
          })),
        };
      }
      case 'selector':
        return this.select(e.matchers, this.plan.lookback, RANGE_FNS.last_over_time, {
          dropsName: false,
          newestOnly: true,
        });
      case 'range':
        // As in Prometheus, *_over_time results lose the metric name, but last_over_time keeps it.
        return this.select(e.matchers, e.seconds, RANGE_FNS[e.fn], {
          dropsName: e.fn !== 'last_over_time',
          newestOnly: e.fn === 'last_over_time',
        });
      case 'aggregate':
        return aggregate(e.op, e.grouping, await this.vector(e.expr, e.op));
      case 'binary':
        return binary(e, await this.evaluate(e.left), await this.evaluate(e.right), n);
    }
  }

  private async vector(e: Expr, what: string): Promise<Series[]> {
    const v = await this.evaluate(e);
    if (v.kind !== 'vector') throw new PromqlError(`${what}() expects an instant vector, got a scalar`);
    return v.series;
  }

  /** Samples for the refs; at a single step, a reduction needing only the newest sample starts from the latest tables. */
  private async read(refs: SeriesRef[], window: number, newestOnly: boolean): Promise<Map<string, Samples>> {
    const { steps, tier } = this.plan;
    if (!newestOnly || steps.length !== 1 || tier !== 'raw')
      return this.source.samples(refs, steps[0] - window, steps[steps.length - 1], tier);
    const { found, unresolved } = await this.source.latest(refs, steps[0], window);
    if (unresolved.length)
      for (const [k, v] of await this.source.samples(unresolved, steps[0] - window, steps[0], tier)) found.set(k, v);
    return found;
  }

  /** Reads the selected series and reduces, at each step, the samples in (t − window, t]. */
  private async select(
    matchers: Parameters<PromSource['select']>[0],
    window: number,
    reduce: (s: Samples, lo: number, hi: number) => number,
    opts: { dropsName: boolean; newestOnly: boolean }
  ): Promise<Value> {
    const { steps } = this.plan;
    const refs = await this.source.select(matchers);
    checkSeries(this.plan.limits, refs.length, steps.length, 'query');
    const data = await this.read(refs, window, opts.newestOnly);
    const series: Series[] = [];
    for (const ref of refs) {
      await this.plan.budget.tick();
      const s = data.get(sampleKey(ref));
      if (!s) continue;
      let lo = 0;
      let hi = 0;
      const values = steps.map((t) => {
        while (hi < s.ts.length && s.ts[hi] <= t) hi++;
        while (lo < hi && s.ts[lo] <= t - window) lo++;
        return lo < hi ? reduce(s, lo, hi) : null;
      });
      if (values.some((v) => v !== null))
        series.push({ labels: opts.dropsName ? dropName(ref.labels) : ref.labels, values });
    }
    return { kind: 'vector', series };
  }
}

const span = (s: Samples, lo: number, hi: number, f: (i: number) => number, op: (a: number, b: number) => number) => {
  let acc = f(lo);
  for (let i = lo + 1; i < hi; i++) acc = op(acc, f(i));
  return acc;
};
const add = (a: number, b: number) => a + b;

const RANGE_FNS: Record<RangeFn, (s: Samples, lo: number, hi: number) => number> = {
  avg_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.sum[i], add) / span(s, lo, hi, (i) => s.cnt[i], add),
  sum_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.sum[i], add),
  count_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.cnt[i], add),
  min_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.min[i], Math.min),
  max_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.max[i], Math.max),
  last_over_time: (s, lo, hi) => s.sum[hi - 1] / s.cnt[hi - 1],
};

const dropName = (l: Labels): Labels => {
  const { __name__: _, ...rest } = l;
  return rest;
};
const pick = (l: Labels, keys: string[]): Labels =>
  Object.fromEntries(keys.filter((k) => k in l).map((k) => [k, l[k]]));
const omit = (l: Labels, keys: string[]): Labels =>
  Object.fromEntries(Object.entries(l).filter(([k]) => !keys.includes(k)));

/** A stable key for a label set. */
export const labelKey = (l: Labels) =>
  JSON.stringify(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k]])
  );

function aggregate(op: AggOp, grouping: { by: boolean; labels: string[] } | null, input: Series[]): Value {
  const groups = new Map<string, { labels: Labels; members: Series[] }>();
  for (const s of input) {
    const labels = !grouping
      ? {}
      : grouping.by
        ? pick(s.labels, grouping.labels)
        : omit(dropName(s.labels), grouping.labels);
    const key = labelKey(labels);
    const g = groups.get(key) ?? { labels, members: [] };
    g.members.push(s);
    groups.set(key, g);
  }
  const n = input[0]?.values.length ?? 0;
  const series: Series[] = [];
  for (const g of groups.values()) {
    const values = Array.from({ length: n }, (_, i) => {
      const xs = g.members.map((m) => m.values[i]).filter((v): v is number => v !== null);
      if (!xs.length) return null;
      switch (op) {
        case 'sum':
          return xs.reduce(add, 0);
        case 'avg':
          return xs.reduce(add, 0) / xs.length;
        case 'min':
          return xs.reduce((a, b) => (Number.isNaN(a) || b < a ? b : a));
        case 'max':
          return xs.reduce((a, b) => (Number.isNaN(a) || b > a ? b : a));
        case 'count':
          return xs.length;
      }
    });
    series.push({ labels: g.labels, values });
  }
  return { kind: 'vector', series };
}

function apply(op: ArithOp | CompareOp, a: number, b: number): number | boolean {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
  }
}

/**
 * One step of a binary operation: arithmetic gives a number; a comparison gives 0/1 with `bool`,
 * else keeps the vector side's value or drops the sample.
 */
function combine(e: Extract<Expr, { type: 'binary' }>, a: number, b: number, keep: number): number | null {
  const r = apply(e.op, a, b);
  if (typeof r === 'number') return r;
  if (e.bool) return r ? 1 : 0;
  return r ? keep : null;
}

function binary(e: Extract<Expr, { type: 'binary' }>, left: Value, right: Value, n: number): Value {
  const comparison = isComparison(e.op);
  const drop = !comparison || e.bool;
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    if (comparison && !e.bool) throw new PromqlError('comparisons between scalars must use the bool modifier');
    return { kind: 'scalar', values: left.values.map((a, i) => combine(e, a, right.values[i], a) as number) };
  }
  if (left.kind === 'scalar' || right.kind === 'scalar') {
    const vec = (left.kind === 'vector' ? left : right) as Extract<Value, { kind: 'vector' }>;
    const sc = (left.kind === 'scalar' ? left : right) as Extract<Value, { kind: 'scalar' }>;
    const series = vec.series.map((s) => ({
      labels: drop ? dropName(s.labels) : s.labels,
      values: s.values.map((v, i) => {
        if (v === null) return null;
        return left.kind === 'scalar' ? combine(e, sc.values[i], v, v) : combine(e, v, sc.values[i], v);
      }),
    }));
    return { kind: 'vector', series: merge(series.filter((s) => s.values.some((v) => v !== null))) };
  }
  // Vector to vector: one-to-one matching on all labels but the name, or on/ignoring a list.
  const m = e.matching;
  const signature = (l: Labels) => labelKey(m?.on ? pick(l, m.labels) : omit(dropName(l), m?.labels ?? []));
  const rights = new Map<string, Series[]>();
  for (const s of right.series) {
    const sig = signature(s.labels);
    const list = rights.get(sig);
    if (list) list.push(s);
    else rights.set(sig, [s]);
  }
  const out: Series[] = [];
  const usedRight = new Map<string, number>(); // signature + step → matches, to refuse many-to-one
  for (const l of left.series) {
    const sig = signature(l.labels);
    const candidates = rights.get(sig) ?? [];
    if (!candidates.length) continue;
    let labels = m?.on ? pick(l.labels, m.labels) : omit(l.labels, m?.labels ?? []);
    if (drop) labels = dropName(labels);
    const values = l.values.map((a, i) => {
      if (a === null) return null;
      const hits = candidates.filter((c) => c.values[i] !== null);
      if (!hits.length) return null;
      if (hits.length > 1)
        throw new PromqlError(
          `found duplicate series for the match group ${sig} on the right-hand side of the operation; many-to-many matching is not supported`
        );
      const k = `${sig}@${i}`;
      usedRight.set(k, (usedRight.get(k) ?? 0) + 1);
      if (usedRight.get(k)! > 1)
        throw new PromqlError(
          `multiple matches for labels ${sig}: many-to-one matching must be explicit (group_left/group_right), which is not supported`
        );
      return combine(e, a, hits[0].values[i]!, a);
    });
    if (values.some((v) => v !== null)) out.push({ labels, values });
  }
  return { kind: 'vector', series: merge(out, n) };
}

/** Joins series that ended up with the same labels; two values at one step is an error, as in Prometheus. */
function merge(series: Series[], n = series[0]?.values.length ?? 0): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of series) {
    const k = labelKey(s.labels);
    const have = byKey.get(k);
    if (!have) {
      byKey.set(k, { labels: s.labels, values: [...s.values] });
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (s.values[i] === null) continue;
      if (have.values[i] !== null) throw new PromqlError(`vector cannot contain metrics with the same labelset ${k}`);
      have.values[i] = s.values[i];
    }
  }
  return [...byKey.values()];
}

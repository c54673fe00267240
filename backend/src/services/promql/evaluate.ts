import type { api } from '@fleetlens/protocol';
import { RE2JS } from 're2js';
import {
  isComparison,
  isSetOp,
  PromqlError,
  type AggOp,
  type ArithOp,
  type CompareOp,
  type Expr,
  type ParamAggOp,
  type RangeFn,
  type SetOp,
} from './parse';
import { sampleKey, type Labels, type PromSource, type Reduction, type Samples, type SeriesRef } from './source';
import { rowSeconds } from '../timeseries';
import { checkSeries, type Budget, type QueryLimits } from '../limits';

/** A value at every evaluation step; null where the series has no sample. */
export interface Series {
  labels: Labels;
  values: (number | null)[];
}
/** `ordered`: the series order is the answer's (sort, topk), which an instant query keeps. */
export type Value = { kind: 'scalar'; values: number[] } | { kind: 'vector'; series: Series[]; ordered?: boolean };

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
          fn: 'selector',
          dropsName: false,
          newestOnly: true,
          offset: e.offset,
        });
      case 'range': {
        const param = e.param ? await this.scalar(e.param, e.fn) : null;
        // As in Prometheus, *_over_time results lose the metric name, but last_over_time keeps it.
        return this.select(e.matchers, e.seconds, RANGE_FNS[e.fn], {
          fn: e.fn,
          dropsName: e.fn !== 'last_over_time',
          newestOnly: e.fn === 'last_over_time',
          offset: e.offset,
          param,
        });
      }
      case 'aggregate':
        return aggregate(e.op, e.grouping, await this.vector(e.expr, e.op));
      case 'paramAggregate': {
        const param = await this.scalar(e.param, e.op);
        return paramAggregate(e.op, e.grouping, param, await this.vector(e.expr, e.op), n);
      }
      case 'binary': {
        const [left, right] = [await this.evaluate(e.left), await this.evaluate(e.right)];
        if (isSetOp(e.op)) {
          if (left.kind !== 'vector' || right.kind !== 'vector')
            throw new PromqlError(`set operator "${e.op}" not allowed in binary scalar expression`);
          return setOperation(e.op, e.matching, left.series, right.series, n);
        }
        return binary(e, left, right, n);
      }
      case 'sort':
        return sortByValue(await this.vector(e.expr, e.desc ? 'sort_desc' : 'sort'), e.desc, n);
      case 'labelReplace':
        return labelReplace(e, await this.vector(e.expr, 'label_replace'));
    }
  }

  private async vector(e: Expr, what: string): Promise<Series[]> {
    const v = await this.evaluate(e);
    if (v.kind !== 'vector') throw new PromqlError(`${what}() expects an instant vector, got a scalar`);
    return v.series;
  }

  /** A parameter that must be a scalar (topk's k, a quantile): its value at each step. */
  private async scalar(e: Expr, what: string): Promise<number[]> {
    const v = await this.evaluate(e);
    if (v.kind !== 'scalar') throw new PromqlError(`${what}() expects a scalar parameter, got an instant vector`);
    return v.values;
  }

  /** Samples for the refs; at a single step, a reduction needing only the newest sample starts from the latest tables. */
  private async read(
    refs: SeriesRef[],
    steps: number[],
    window: number,
    newestOnly: boolean,
    reduction: Reduction | null
  ): Promise<Map<string, Samples>> {
    const { tier } = this.plan;
    if (!newestOnly || steps.length !== 1 || tier !== 'raw')
      return this.source.samples(refs, steps[0] - window, steps[steps.length - 1], tier, reduction);
    const { found, unresolved } = await this.source.latest(refs, steps[0], window);
    if (unresolved.length)
      for (const [k, v] of await this.source.samples(unresolved, steps[0] - window, steps[0], tier)) found.set(k, v);
    return found;
  }

  /**
   * The SQL-side reduction that gives the evaluator exactly what its windows need from fewer rows,
   * where it pays: for a selector or last_over_time, the newest row per step interval (the newest
   * sample in any window (t − w, t] is the newest of the newest rows of the intervals it meets);
   * for avg/sum/count/min/max_over_time, one aggregate row per step interval when the range is a
   * whole number of steps (a window is then a union of whole intervals). Integral times only.
   */
  private reduction(steps: number[], window: number, fn: RangeFn | 'selector'): Reduction | null {
    const step = steps.length > 1 ? steps[1] - steps[0] : window;
    const whole = [steps[0], step, window].every(Number.isInteger) && step > 0;
    // Below two stored rows per interval the reduction costs more than it saves.
    if (!whole || step < 2 * rowSeconds(this.plan.tier)) return null;
    if (fn === 'selector' || fn === 'last_over_time')
      return { kind: 'newest', base: steps[0] - Math.ceil(window / step) * step, width: step };
    if (!DECOMPOSABLE.includes(fn) || window % step !== 0) return null;
    return { kind: 'buckets', base: steps[0] - window, width: step };
  }

  /**
   * Reads the selected series and reduces, at each step t, the samples in (t − offset − window,
   * t − offset]; `param` is the range function's scalar argument at each step.
   */
  private async select(
    matchers: Parameters<PromSource['select']>[0],
    window: number,
    reduce: RangeReducer,
    opts: {
      fn: RangeFn | 'selector';
      dropsName: boolean;
      newestOnly: boolean;
      offset: number;
      param?: number[] | null;
    }
  ): Promise<Value> {
    const steps = this.plan.steps;
    const at = opts.offset ? steps.map((t) => t - opts.offset) : steps;
    const refs = await this.source.select(matchers);
    checkSeries(this.plan.limits, refs.length, steps.length, 'query');
    const data = await this.read(refs, at, window, opts.newestOnly, this.reduction(at, window, opts.fn));
    const series: Series[] = [];
    for (const ref of refs) {
      await this.plan.budget.tick();
      const s = data.get(sampleKey(ref));
      if (!s) continue;
      let lo = 0;
      let hi = 0;
      const values = at.map((t, i) => {
        while (hi < s.ts.length && s.ts[hi] <= t) hi++;
        while (lo < hi && s.ts[lo] <= t - window) lo++;
        return lo < hi ? reduce(s, lo, hi, steps[i], opts.param?.[i] ?? 0) : null;
      });
      if (values.some((v) => v !== null))
        series.push({ labels: opts.dropsName ? dropName(ref.labels) : ref.labels, values });
    }
    return { kind: 'vector', series };
  }
}

/** Range functions whose value over a union of intervals follows from per-interval aggregates. */
const DECOMPOSABLE: readonly RangeFn[] = [
  'avg_over_time',
  'sum_over_time',
  'count_over_time',
  'min_over_time',
  'max_over_time',
];

/** Reduces the samples [lo, hi) of one window; `t` is the evaluation step, `param` the scalar argument. */
type RangeReducer = (s: Samples, lo: number, hi: number, t: number, param: number) => number | null;

const span = (s: Samples, lo: number, hi: number, f: (i: number) => number, op: (a: number, b: number) => number) => {
  let acc = f(lo);
  for (let i = lo + 1; i < hi; i++) acc = op(acc, f(i));
  return acc;
};
const add = (a: number, b: number) => a + b;

/** A sample's value: a rollup bucket stands as one sample, its time-weighted mean. */
const valueAt = (s: Samples, i: number) => s.wsum[i] / s.secs[i];

const RANGE_FNS: Record<RangeFn, RangeReducer> = {
  // Raw samples weigh one each (Prometheus' mean); rollup buckets the seconds they cover (decision 20).
  avg_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.wsum[i], add) / span(s, lo, hi, (i) => s.secs[i], add),
  sum_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.sum[i], add),
  count_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.cnt[i], add),
  min_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.min[i], Math.min),
  max_over_time: (s, lo, hi) => span(s, lo, hi, (i) => s.max[i], Math.max),
  last_over_time: (s, lo, hi) => valueAt(s, hi - 1),
  quantile_over_time: (s, lo, hi, _t, q) => {
    const values: number[] = [];
    for (let i = lo; i < hi; i++) values.push(valueAt(s, i));
    return quantile(q, values);
  },
  // Prometheus: the regression's slope per second, its intercept at the first sample.
  deriv: (s, lo, hi) => (hi - lo < 2 ? null : linearRegression(s, lo, hi, s.ts[lo]).slope),
  // The value the regression predicts `param` seconds after the evaluation time.
  predict_linear: (s, lo, hi, t, seconds) => {
    if (hi - lo < 2) return null;
    const { slope, intercept } = linearRegression(s, lo, hi, t);
    return slope * seconds + intercept;
  },
};

/** Kahan–Neumaier summation step, as Prometheus sums a regression's terms. */
function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  c += Math.abs(sum) >= Math.abs(inc) ? sum - t + inc : inc - t + sum;
  return [t, c];
}

/** Least-squares line through the window's samples, x in seconds from `interceptTime` (Prometheus' linearRegression). */
function linearRegression(s: Samples, lo: number, hi: number, interceptTime: number) {
  let [sumX, cX, sumY, cY, sumXY, cXY, sumX2, cX2] = [0, 0, 0, 0, 0, 0, 0, 0];
  const initY = valueAt(s, lo);
  let constY = true;
  const n = hi - lo;
  for (let i = lo; i < hi; i++) {
    const y = valueAt(s, i);
    if (constY && i > lo && y !== initY) constY = false;
    const x = s.ts[i] - interceptTime;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(y, sumY, cY);
    [sumXY, cXY] = kahanInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) return Number.isFinite(initY) ? { slope: 0, intercept: initY } : { slope: NaN, intercept: NaN };
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const slope = (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n);
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

/** Prometheus' quantile: linear interpolation between the closest ranks; −Inf/+Inf outside [0, 1]. */
function quantile(q: number, values: number[]): number {
  if (!values.length) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const rank = q * (sorted.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(sorted.length - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

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

type Grouping = { by: boolean; labels: string[] } | null;

/** Input series by aggregation group, groups in order of first appearance (as Prometheus orders them). */
function groupsOf(grouping: Grouping, input: Series[]) {
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
  return groups;
}

function aggregate(op: AggOp, grouping: Grouping, input: Series[]): Value {
  const groups = groupsOf(grouping, input);
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
  const r = apply(e.op as ArithOp | CompareOp, a, b);
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
  return { kind: 'vector', series: vectorMatch(e, left.series, right.series, n) };
}

/** The label set two series are matched by: on(...) labels, or all but ignoring(...) and the name. */
const signatureOf = (m: Extract<Expr, { type: 'binary' }>['matching']) => (l: Labels) =>
  labelKey(m?.on ? pick(l, m.labels) : omit(dropName(l), m?.labels ?? []));

/**
 * Vector-to-vector arithmetic and comparison, step by step as Prometheus' VectorBinop: each series
 * of the "many" side (both sides one-to-one; the left with group_left, the right with group_right)
 * meets the one series of the other side with the same signature. The result keeps the many
 * side's labels (only the on(...) labels, or without the ignoring(...) ones, one-to-one), plus
 * group_x's labels copied from the "one" side.
 */
function vectorMatch(e: Extract<Expr, { type: 'binary' }>, left: Series[], right: Series[], n: number): Series[] {
  const m = e.matching;
  const signature = signatureOf(m);
  const oneToMany = m?.group?.side === 'right';
  const [many, one] = oneToMany ? [right, left] : [left, right];
  const manySigs = many.map((s) => signature(s.labels));
  const oneSigs = one.map((s) => signature(s.labels));
  const drop = !isComparison(e.op) || e.bool;
  const resultLabels = (manyLabels: Labels, oneLabels: Labels): Labels => {
    let labels = drop ? dropName(manyLabels) : { ...manyLabels };
    if (!m?.group) labels = m?.on ? pick(labels, m.labels) : omit(labels, m?.labels ?? []);
    for (const name of m?.group?.include ?? []) {
      if (oneLabels[name]) labels[name] = oneLabels[name];
      else delete labels[name];
    }
    return labels;
  };
  const out = new Map<string, Series>();
  for (let i = 0; i < n; i++) {
    const oneBySig = new Map<string, Series>();
    one.forEach((s, j) => {
      if (s.values[i] === null) return;
      if (oneBySig.has(oneSigs[j]))
        throw new PromqlError(
          `found duplicate series for the match group ${oneSigs[j]} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation; many-to-many matching is not supported`
        );
      oneBySig.set(oneSigs[j], s);
    });
    const matched = new Map<string, Set<string>>();
    many.forEach((s, j) => {
      const v = s.values[i];
      const o = v === null ? undefined : oneBySig.get(manySigs[j]);
      if (v === null || !o) return;
      const [a, b] = oneToMany ? [o.values[i]!, v] : [v, o.values[i]!];
      const r = combine(e, a, b, a);
      if (r === null) return;
      const labels = resultLabels(s.labels, o.labels);
      const key = labelKey(labels);
      const seen = matched.get(manySigs[j]);
      if (seen && (!m?.group || seen.has(key)))
        throw new PromqlError(
          m?.group
            ? `multiple matches for labels ${manySigs[j]}: grouping labels must ensure unique matches`
            : `multiple matches for labels ${manySigs[j]}: many-to-one matching must be explicit (group_left/group_right)`
        );
      matched.set(manySigs[j], (seen ?? new Set<string>()).add(key));
      put(out, labels, key, i, r, n);
    });
  }
  return [...out.values()];
}

/** Sets step i of the output series with these labels; a second value there is Prometheus' duplicate-labelset error. */
function put(out: Map<string, Series>, labels: Labels, key: string, i: number, v: number, n: number) {
  let series = out.get(key);
  if (!series) {
    series = { labels, values: Array<number | null>(n).fill(null) };
    out.set(key, series);
  }
  if (series.values[i] !== null) throw new PromqlError(`vector cannot contain metrics with the same labelset ${key}`);
  series.values[i] = v;
}

/**
 * and / or / unless, step by step (many-to-many, by signature): `and` keeps the left series that
 * have a match on the right, `unless` those that have none, `or` all left series plus the right
 * ones without a match on the left. Series keep their labels, name included.
 */
function setOperation(
  op: SetOp,
  matching: Extract<Expr, { type: 'binary' }>['matching'],
  left: Series[],
  right: Series[],
  n: number
): Value {
  const signature = signatureOf(matching);
  const leftSigs = left.map((s) => signature(s.labels));
  const rightSigs = right.map((s) => signature(s.labels));
  const out = new Map<string, Series>();
  const keys = new Map<Series, string>();
  const keyOf = (s: Series) => keys.get(s) ?? keys.set(s, labelKey(s.labels)).get(s)!;
  for (let i = 0; i < n; i++) {
    const present = (side: Series[], sigs: string[]) => new Set(sigs.filter((_, j) => side[j].values[i] !== null));
    const others = present(op === 'or' ? left : right, op === 'or' ? leftSigs : rightSigs);
    left.forEach((s, j) => {
      const v = s.values[i];
      if (v === null) return;
      if (op === 'or' || (op === 'and') === others.has(leftSigs[j])) put(out, s.labels, keyOf(s), i, v, n);
    });
    if (op === 'or')
      right.forEach((s, j) => {
        const v = s.values[i];
        if (v !== null && !others.has(rightSigs[j])) put(out, s.labels, keyOf(s), i, v, n);
      });
  }
  return { kind: 'vector', series: [...out.values()] };
}

/** A step's k from topk/bottomk's scalar, as Prometheus converts it (truncated; below 1 selects nothing). */
function kOf(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > Number.MAX_SAFE_INTEGER)
    throw new PromqlError(`scalar value ${x} overflows int64`);
  return Math.trunc(x);
}

/**
 * topk/bottomk keep, per group and step, the k series with the largest (smallest) values, with
 * their own labels, NaN last in either; quantile gives each group's φ-quantile. At a single step
 * the output is ordered as Prometheus orders it: groups by first appearance, topk descending,
 * bottomk ascending.
 */
function paramAggregate(op: ParamAggOp, grouping: Grouping, param: number[], input: Series[], n: number): Value {
  const groups = [...groupsOf(grouping, input).values()];
  if (op === 'quantile') {
    const series = groups.map((g) => ({
      labels: g.labels,
      values: Array.from({ length: n }, (_, i) => {
        const xs = g.members.map((s) => s.values[i]).filter((v): v is number => v !== null);
        return xs.length ? quantile(param[i], xs) : null;
      }),
    }));
    return { kind: 'vector', series: series.filter((s) => s.values.some((v) => v !== null)) };
  }
  const rank = (a: number, b: number) => {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    const first = op === 'topk' ? a > b : a < b;
    return first ? -1 : a === b ? 0 : 1;
  };
  const picked = new Map<Series, (number | null)[]>();
  const order: Series[] = [];
  for (let i = 0; i < n; i++) {
    const k = kOf(param[i]);
    if (k < 1) continue;
    for (const g of groups) {
      const present = g.members.filter((s) => s.values[i] !== null);
      present.sort((a, b) => rank(a.values[i]!, b.values[i]!));
      for (const s of present.slice(0, k)) {
        let values = picked.get(s);
        if (!values) {
          values = Array<number | null>(n).fill(null);
          picked.set(s, values);
          order.push(s);
        }
        values[i] = s.values[i];
      }
    }
  }
  return { kind: 'vector', series: order.map((s) => ({ labels: s.labels, values: picked.get(s)! })), ordered: n === 1 };
}

/** sort()/sort_desc(): at a single step the series ordered by value (NaN first ascending, last descending). */
function sortByValue(input: Series[], desc: boolean, n: number): Value {
  if (n !== 1) return { kind: 'vector', series: input };
  const v = (s: Series) => s.values[0]!;
  const series = [...input].sort((a, b) => {
    if (Number.isNaN(v(a)) || Number.isNaN(v(b))) return (Number.isNaN(v(a)) ? -1 : 1) * (desc ? -1 : 1);
    return desc ? v(b) - v(a) : v(a) - v(b);
  });
  return { kind: 'vector', series, ordered: true };
}

/**
 * label_replace(v, dst, replacement, src, regex): where the fully anchored RE2 regex matches the
 * value of src, dst becomes the replacement with $1, ${1}, $name and ${name} expanded as Go's
 * regexp.Expand does (an empty result removes dst); other series pass unchanged.
 */
function labelReplace(e: Extract<Expr, { type: 'labelReplace' }>, input: Series[]): Value {
  const re = RE2JS.compile(`^(?:${e.regex})$`, RE2JS.DOTALL);
  const named = re.namedGroups();
  const series = input.map((s) => {
    const m = re.matcher(s.labels[e.src] ?? '');
    if (!m.matches()) return s;
    const group = (name: string) => {
      const index = /^\d+$/.test(name) && !(name.length > 1 && name[0] === '0') ? Number(name) : named[name];
      return index !== undefined && index <= re.groupCount() ? (m.group(index) ?? '') : '';
    };
    const value = expandTemplate(e.replacement, group);
    const labels = { ...s.labels };
    if (value) labels[e.dst] = value;
    else delete labels[e.dst];
    return { labels, values: s.values };
  });
  return { kind: 'vector', series: merge(series) };
}

/** Go's regexp.Expand template syntax: $$ is a dollar, $name/${name} a group, anything malformed literal. */
export function expandTemplate(template: string, group: (name: string) => string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at < 0) return out + rest;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const m = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!m) {
      out += '$';
      continue;
    }
    out += group(m[1] ?? m[2]);
    rest = rest.slice(m[0].length);
  }
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

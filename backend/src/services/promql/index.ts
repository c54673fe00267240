import type { api, prometheus } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import { TIER_SECONDS } from '../../db/metrics';
import type { QueryContext } from '../context';
import { Budget, checkRange, DEFAULT_QUERY_LIMITS, QueryLimitError, withCommas, type QueryLimits } from '../limits';
import type { Scope } from '../scope';
import type { Retention } from '../tiers';
import { Evaluator, labelKey, type Value } from './evaluate';
import { parsePromql, PromqlError, type Expr } from './parse';
import { PROBE_METRICS, PROM_METRICS, PromSource, REQUEST_METRICS, type Labels } from './source';
import { RISK_HELP, RISK_METRIC } from './risk';

export { PromqlError } from './parse';

/** Prometheus' default lookback for instant selectors. */
export const DEFAULT_LOOKBACK = 300;

/**
 * The Prometheus-compatible read API (docs/prometheus.md): PromQL subset evaluation over the
 * stored samples, series and label discovery, metric metadata. Every read is limited to the
 * caller's scope by PromSource.
 */
export class PrometheusQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly retention: Retention,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS
  ) {}

  private get knex(): Knex {
    return this.ctx.db.knex;
  }

  /** An instant query at `time` (default now). */
  async instant(scope: Scope, q: prometheus.InstantQuery): Promise<prometheus.QueryData> {
    const t = q.time ?? this.ctx.now();
    const v = await this.run(scope, q.query, [t], 0, q.lookback_delta ?? DEFAULT_LOOKBACK);
    if (v.kind === 'scalar') return { resultType: 'scalar', result: [t, formatValue(v.values[0])] };
    return {
      resultType: 'vector',
      // sort(), sort_desc(), topk() and bottomk() order an instant answer; everything else by labels.
      result: (v.ordered ? v.series : sortSeries(v.series)).map((s) => ({
        metric: s.labels,
        value: [t, formatValue(s.values[0]!)],
      })),
    };
  }

  /** A range query: the expression at start, start + step, ... up to end. */
  async range(scope: Scope, q: prometheus.RangeQuery): Promise<prometheus.QueryData> {
    // Prometheus' own check and words: (end − start) / step over the limit is bad_data.
    if ((q.end - q.start) / q.step > this.limits.maxPointsPerSeries)
      throw new QueryLimitError(
        'step',
        `exceeded maximum resolution of ${withCommas(this.limits.maxPointsPerSeries)} points per timeseries. Try decreasing the query resolution (?step=XX)`
      );
    const prometheusPoints = { ...this.limits, maxPointsPerSeries: this.limits.maxPointsPerSeries + 1 };
    checkRange(
      prometheusPoints,
      { from: q.start, to: q.end, step: q.step },
      { from: 'start', to: 'end', step: 'step' }
    );
    const steps: number[] = [];
    for (let i = 0; q.start + i * q.step <= q.end + 1e-9; i++) steps.push(round(q.start + i * q.step));
    const v = await this.run(scope, q.query, steps, q.step, q.lookback_delta ?? DEFAULT_LOOKBACK);
    const series = v.kind === 'scalar' ? [{ labels: {}, values: v.values }] : sortSeries(v.series);
    return {
      resultType: 'matrix',
      result: series.map((s) => ({
        metric: s.labels,
        values: s.values.flatMap((x, i) => (x === null ? [] : [[steps[i], formatValue(x)] as [number, string]])),
      })),
    };
  }

  private async run(scope: Scope, query: string, steps: number[], step: number, lookback: number): Promise<Value> {
    const expr = parsePromql(query);
    const reach = Math.max(lookback, longestRange(expr, lookback));
    const tier = pickSourceTier(steps, step, reach, this.ctx.now(), this.retention);
    const width = tier === 'raw' ? 0 : TIER_SECONDS[tier];
    const budget = new Budget(this.limits.timeoutMs);
    const source = new PromSource(this.ctx.db, scope, steps[0] - reach - width, budget);
    return new Evaluator(source, {
      steps,
      tier,
      lookback: Math.max(lookback, width),
      limits: this.limits,
      budget,
    }).evaluate(expr);
  }

  /** Label sets of the series that `match[]` selectors pick. */
  async series(scope: Scope, q: prometheus.SeriesQuery): Promise<Labels[]> {
    const found = new Map<string, Labels>();
    const source = new PromSource(this.ctx.db, scope, this.since(q.start), new Budget(this.limits.timeoutMs));
    for (const m of q['match[]']) {
      const refs = await source.withData(await source.select(selectorOf(m)), this.since(q.start));
      for (const r of refs) found.set(labelKey(r.labels), r.labels);
    }
    return [...found.values()].sort((a, b) => labelKey(a).localeCompare(labelKey(b)));
  }

  /** Label names present on the matched series (all series when no `match[]`). */
  async labelNames(scope: Scope, q: prometheus.LabelsQuery): Promise<string[]> {
    const names = new Set<string>();
    for (const l of await this.matched(scope, q)) for (const k of Object.keys(l)) names.add(k);
    return [...names].sort();
  }

  /** Values of one label on the matched series. */
  async labelValues(scope: Scope, name: string, q: prometheus.LabelsQuery): Promise<string[]> {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new PromqlError(`invalid label name "${name}"`);
    const values = new Set<string>();
    for (const l of await this.matched(scope, q)) if (l[name] !== undefined) values.add(l[name]);
    return [...values].sort();
  }

  /** HELP, type and unit of every metric (all are gauges: rates are computed by the agent). */
  metadata(metric?: string): prometheus.MetadataReply['data'] {
    const out: prometheus.MetadataReply['data'] = {};
    for (const [name, { def }] of PROM_METRICS) {
      if (metric && metric !== name) continue;
      const unit = /_bytes_per_second$/.test(name)
        ? 'bytes_per_second'
        : /_bytes$/.test(name)
          ? 'bytes'
          : /_cores$/.test(name)
            ? 'cores'
            : '';
      out[name] = [{ type: 'gauge', help: def.help, unit }];
    }
    if (!metric || metric === RISK_METRIC) out[RISK_METRIC] = [{ type: 'gauge', help: RISK_HELP, unit: '' }];
    for (const m of REQUEST_METRICS)
      if (!metric || metric === m.name) out[m.name] = [{ type: 'gauge', help: m.help, unit: m.unit }];
    for (const [name, p] of PROBE_METRICS)
      if (!metric || metric === name) out[name] = [{ type: 'gauge', help: p.help, unit: p.unit }];
    return out;
  }

  private async matched(scope: Scope, q: prometheus.LabelsQuery): Promise<Labels[]> {
    const source = new PromSource(this.ctx.db, scope, this.since(q.start), new Budget(this.limits.timeoutMs));
    const selectors = q['match[]']?.map(selectorOf) ?? [[{ label: '__name__', op: '=~' as const, value: '.+' }]];
    const refs = (await Promise.all(selectors.map((s) => source.select(s)))).flat();
    return (await source.withData(refs, this.since(q.start))).map((r) => r.labels);
  }

  /** Discovery without a start looks back over the raw retention, where selectors can find samples. */
  private since(start?: number) {
    return start ?? this.ctx.now() - this.retention.raw;
  }
}

/** `match[]` and series discovery take plain selectors only. */
function selectorOf(text: string) {
  const e = parsePromql(text);
  if (e.type !== 'selector')
    throw new PromqlError(`match[] "${text}" must be a series selector, like metric{label="value"}`);
  return e.matchers;
}

/** How far before a step the expression reads: the longest range or lookback plus its offset. */
function longestRange(e: Expr, lookback: number): number {
  switch (e.type) {
    case 'range':
      return e.seconds + e.offset;
    case 'selector':
      return lookback + e.offset;
    case 'aggregate':
    case 'negate':
    case 'sort':
    case 'labelReplace':
      return longestRange(e.expr, lookback);
    case 'paramAggregate':
      return Math.max(longestRange(e.param, lookback), longestRange(e.expr, lookback));
    case 'binary':
      return Math.max(longestRange(e.left, lookback), longestRange(e.right, lookback));
    default:
      return 0;
  }
}

/**
 * Raw samples answer with Prometheus' exact semantics; they are read for instant queries, steps
 * under a minute and ranges up to an hour. Longer, coarser ranges read the 1-minute tier (steps of
 * an hour or more the 1-hour tier), where each bucket is one sample; so does any query reaching
 * past a tier's retention.
 */
export function pickSourceTier(
  steps: number[],
  step: number,
  reach: number,
  now: number,
  retention: Retention
): api.Tier {
  const first = steps[0] - reach;
  const span = steps[steps.length - 1] - steps[0];
  if ((step < 60 || span <= 3600) && first >= now - retention.raw) return 'raw';
  if (step < 3600 && first >= now - retention.m1) return '1m';
  return '1h';
}

const sortSeries = <T extends { labels: Labels }>(s: T[]) =>
  [...s].sort((a, b) => labelKey(a.labels).localeCompare(labelKey(b.labels)));
const round = (t: number) => Math.round(t * 1000) / 1000;

/** A value as Prometheus prints it: shortest round-trip decimal without an exponent, NaN, +Inf, -Inf. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return (
    sign +
    (digits.length > exp + 1
      ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
      : digits + '0'.repeat(exp + 1 - digits.length))
  );
}

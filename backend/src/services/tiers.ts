import type { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';
import type { Budget } from './limits';
import { metricsOf, NOMINAL_SPAN_SECONDS, SPAN_COLUMN, TABLES, TIER_SECONDS, type SampleFamily } from '../db/metrics';

/** Retention per tier in seconds, to keep a query off a tier that no longer holds its range. */
export interface Retention {
  raw: number;
  m1: number;
}

/**
 * Picks the tier for a step and range, and aligns the step to the tier's bucket so that every
 * tier puts a sample in the same bucket (which is what makes their answers agree).
 */
export function pickTier(
  step: number,
  from: number,
  now: number,
  retention: Retention,
  forced?: api.Tier
): { tier: api.Tier; step: number } {
  let tier: api.Tier = forced ?? (step >= 3600 ? '1h' : step >= 60 ? '1m' : 'raw');
  if (!forced) {
    if (tier === 'raw' && from < now - retention.raw) tier = '1m';
    if (tier === '1m' && from < now - retention.m1) tier = '1h';
  }
  const unit = tier === 'raw' ? 1 : TIER_SECONDS[tier];
  return { tier, step: Math.max(unit, Math.ceil(step / unit) * unit) };
}

/** A default step giving about `points` buckets over the range, at least 10 s. */
export const defaultStep = (from: number, to: number, points = 300) => Math.max(10, Math.ceil((to - from) / points));

export type Agg = 'avg' | 'max' | 'min';

/**
 * SQL for the time-weighted sum (Σ value × seconds covered) and the weight (Σ seconds, over the
 * samples that carry the column) of `col` on a tier, as two aggregate expressions; their ratio is
 * the time-weighted mean. A raw sample weighs its span, or the nominal interval when that is
 * unknown; a rollup row its stored weights, or (rows written before weights existed) the nominal
 * interval per sample it counted.
 */
export function weightedSql(tier: api.Tier, col: string, alias = ''): { wsum: string; secs: string } {
  const t = weightedTerms(tier, col, alias);
  return { wsum: `SUM(${t.wsum})`, secs: `SUM(${t.secs})` };
}

/** The per-row terms that weightedSql sums: one row's weighted value and its weight in seconds. */
export function weightedTerms(tier: api.Tier, col: string, alias = ''): { wsum: string; secs: string } {
  const a = alias ? `${alias}.` : '';
  if (tier === 'raw') {
    const w = `COALESCE(${a}${SPAN_COLUMN}, ${NOMINAL_SPAN_SECONDS})`;
    return { wsum: `${a}${col} * ${w}`, secs: `CASE WHEN ${a}${col} IS NOT NULL THEN ${w} END` };
  }
  return {
    wsum: `COALESCE(${a}${col}_wsum, ${a}${col}_sum * ${NOMINAL_SPAN_SECONDS})`,
    secs: `COALESCE(${a}${col}_secs, ${a}${col}_cnt * ${NOMINAL_SPAN_SECONDS})`,
  };
}

/**
 * SQL selecting, per entity and bucket, the chosen aggregate of each metric column, from any tier.
 * Averages are time-weighted (weightedSql): a sample covering 6 s weighs three times one covering 2 s.
 */
export function bucketSelect(
  knex: Knex,
  family: SampleFamily,
  tier: api.Tier,
  columns: string[],
  agg: Agg,
  step: number
): Knex.Raw[] {
  const out = [knex.raw('entity_id'), knex.raw(`(ts - (ts % ${Number(step)})) as b`)];
  for (const col of columns) {
    if (!metricsOf(family).some((m) => m.column === col)) throw new Error(`unknown column ${col}`);
    const expr =
      agg === 'avg'
        ? weightedAvg(tier, col)
        : tier === 'raw'
          ? `${agg.toUpperCase()}(${col})`
          : `${agg.toUpperCase()}(${col}_${agg})`;
    out.push(knex.raw(`${expr} as ${col}`));
  }
  return out;
}

/** SQL: the time-weighted mean of `col` over the grouped rows of a tier. */
export function weightedAvg(tier: api.Tier, col: string, alias = ''): string {
  const w = weightedSql(tier, col, alias);
  return `${w.wsum} / NULLIF(${w.secs}, 0)`;
}

/** The table of a family's tier. */
export const tierTable = (family: SampleFamily, tier: api.Tier) => TABLES[family][tier];

/**
 * The time before which the family's 1-minute tier holds exactly what raw rows hold: the rollup
 * watermark, or the minute of the oldest late sample not yet rolled up again (rollup_dirty);
 * −Infinity before the first rollup.
 */
export async function rolledUpBefore(db: Db, budget: Budget, family: SampleFamily): Promise<number> {
  const [state] = await budget.select(db, db.knex('rollup_state').where('name', `${family}_1m`).select('watermark'));
  const [dirty] = await budget.select(db, db.knex('rollup_dirty').where('family', family).min({ ts: 'ts_from' }));
  const wm = state ? Number(state.watermark) : -Infinity;
  const late = dirty?.ts != null ? Number(dirty.ts) - (Number(dirty.ts) % 60) : Infinity;
  return Math.min(wm, late);
}

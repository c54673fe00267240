import type { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import { metricsOf, TABLES, TIER_SECONDS, type SampleFamily } from '../db/metrics';

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
 * SQL selecting, per entity and bucket, the chosen aggregate of each metric column, from any tier.
 * Averages are sum/count of the tier (so 1 m and 1 h rows weigh by their sample counts).
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
      tier === 'raw'
        ? `${agg.toUpperCase()}(${col})`
        : agg === 'avg'
          ? `SUM(${col}_sum) / NULLIF(SUM(${col}_cnt), 0)`
          : `${agg.toUpperCase()}(${col}_${agg})`;
    out.push(knex.raw(`${expr} as ${col}`));
  }
  return out;
}

/** The table of a family's tier. */
export const tierTable = (family: SampleFamily, tier: api.Tier) => TABLES[family][tier];

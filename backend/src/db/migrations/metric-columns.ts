import type { Knex } from 'knex';
import { metricsOf, TABLES, type SampleFamily } from '../metrics';

/**
 * Adds the columns of the metrics that migration `since` introduced (`MetricDef.since`) to every
 * tier of a sample family: a nullable double in the raw and latest tables, `_min`/`_max`/`_sum`
 * and a `_cnt` defaulting to 0 in the rollups, as 0001 creates them. Existing rows read null.
 */
export async function addMetricColumns(knex: Knex, family: SampleFamily, since: string): Promise<void> {
  const defs = metricsOf(family).filter((m) => m.since === since);
  if (!defs.length) return;
  const t = TABLES[family];
  for (const table of [t.raw, t.latest])
    await knex.schema.alterTable(table, (tb) => {
      for (const m of defs) tb.double(m.column).nullable();
    });
  for (const table of [t['1m'], t['1h']])
    await knex.schema.alterTable(table, (tb) => {
      for (const m of defs) {
        tb.double(`${m.column}_min`).nullable();
        tb.double(`${m.column}_max`).nullable();
        tb.double(`${m.column}_sum`).nullable();
        tb.integer(`${m.column}_cnt`).unsigned().notNullable().defaultTo(0);
      }
    });
}

/** Drops what `addMetricColumns` added (for a migration's `down`). */
export async function dropMetricColumns(knex: Knex, family: SampleFamily, since: string): Promise<void> {
  const defs = metricsOf(family).filter((m) => m.since === since);
  if (!defs.length) return;
  const t = TABLES[family];
  for (const table of [t.raw, t.latest])
    await knex.schema.alterTable(table, (tb) => {
      tb.dropColumns(...defs.map((m) => m.column));
    });
  for (const table of [t['1m'], t['1h']])
    await knex.schema.alterTable(table, (tb) => {
      tb.dropColumns(...defs.flatMap((m) => ['_min', '_max', '_sum', '_cnt'].map((s) => m.column + s)));
    });
}

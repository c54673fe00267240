import type { Knex } from 'knex';
import { metricsOf, SPAN_COLUMN, TABLES, type SampleFamily } from '../metrics';
import type { Migration } from './types';

/**
 * Adds the columns to `table` that are not there yet. fs_avail_bytes is `since` this migration
 * (0001 leaves it out); the weight columns cover every metric in the registry when this runs,
 * including those later migrations add (0005's: their base columns come later, their weights here).
 */
async function addMissing(
  knex: Knex,
  table: string,
  cols: string[],
  add: (t: Knex.AlterTableBuilder, c: string) => void
) {
  const missing: string[] = [];
  for (const c of cols) if (!(await knex.schema.hasColumn(table, c))) missing.push(c);
  if (missing.length) await knex.schema.alterTable(table, (t) => missing.forEach((c) => add(t, c)));
}

/**
 * Time-weighted averages and filesystem space as df shows it (issue 12): raw samples get the
 * seconds they cover (`span_s`, null when unknown), rollup rows per metric the time-weighted sum
 * (`<col>_wsum`, Σ value × seconds) and the seconds it covers (`<col>_secs`); nodes get
 * `fs_avail_bytes` in every tier. Existing rollup rows keep null weights, read as the nominal
 * interval per sample (tiers.ts), so no table is rewritten.
 */
export const weightsFsAvail: Migration = {
  name: '0004_weights_fs_avail',
  async up(knex) {
    const double = (t: Knex.AlterTableBuilder, c: string) => {
      t.double(c).nullable();
    };
    for (const family of ['node', 'container'] as const satisfies readonly SampleFamily[]) {
      const fs = family === 'node' ? ['fs_avail_bytes'] : [];
      await addMissing(knex, TABLES[family].raw, [...fs, SPAN_COLUMN], double);
      await addMissing(knex, TABLES[family].latest, fs, double);
      for (const tier of ['1m', '1h'] as const) {
        const table = TABLES[family][tier];
        await addMissing(
          knex,
          table,
          fs.flatMap((c) => [`${c}_min`, `${c}_max`, `${c}_sum`]),
          double
        );
        await addMissing(
          knex,
          table,
          fs.map((c) => `${c}_cnt`),
          (t, c) => {
            t.integer(c).unsigned().notNullable().defaultTo(0);
          }
        );
        await addMissing(
          knex,
          table,
          metricsOf(family).flatMap((m) => [`${m.column}_wsum`, `${m.column}_secs`]),
          double
        );
      }
    }
  },
  async down(knex) {
    for (const family of ['node', 'container'] as const) {
      const drop = async (table: string, cols: string[]) => {
        const present: string[] = [];
        for (const c of cols) if (await knex.schema.hasColumn(table, c)) present.push(c);
        if (present.length) await knex.schema.alterTable(table, (t) => t.dropColumns(...present));
      };
      const fs = family === 'node' ? ['fs_avail_bytes'] : [];
      await drop(TABLES[family].raw, [...fs, SPAN_COLUMN]);
      await drop(TABLES[family].latest, fs);
      for (const tier of ['1m', '1h'] as const)
        await drop(TABLES[family][tier], [
          ...fs.flatMap((c) => [`${c}_min`, `${c}_max`, `${c}_sum`, `${c}_cnt`]),
          ...metricsOf(family).flatMap((m) => [`${m.column}_wsum`, `${m.column}_secs`]),
        ]);
    }
  },
};

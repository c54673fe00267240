import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Knex } from 'knex';
import { chunkSize, type Db } from './connection';

type Row = Record<string, unknown>;

const q = (db: Db, ident: string) => (db.dialect === 'mysql' ? `\`${ident}\`` : `"${ident}"`);

function valuesClause(rows: Row[], cols: string[]): { sql: string; bindings: Knex.Value[] } {
  const one = `(${cols.map(() => '?').join(',')})`;
  const bindings: Knex.Value[] = [];
  for (const r of rows) for (const c of cols) bindings.push((r[c] ?? null) as Knex.Value);
  return { sql: rows.map(() => one).join(','), bindings };
}

/**
 * Inserts rows; on a key conflict the new row replaces the stored values of `update`
 * (default: every non-key column), so a replayed batch overwrites itself.
 */
export async function upsertRows(
  db: Db,
  trx: Knex | Knex.Transaction,
  table: string,
  rows: Row[],
  key: string[],
  updateColumns?: string[]
) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const update = updateColumns ?? cols.filter((c) => !key.includes(c));
  for (let i = 0; i < rows.length; i += chunkSize(cols.length)) {
    // Between statements, let other requests in (SQLite statements run synchronously).
    if (i > 0) await yieldToLoop();
    const part = rows.slice(i, i + chunkSize(cols.length));
    const { sql, bindings } = valuesClause(part, cols);
    const colList = cols.map((c) => q(db, c)).join(',');
    const tail =
      db.dialect === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${update.map((c) => `${q(db, c)}=VALUES(${q(db, c)})`).join(',')}`
        : `ON CONFLICT(${key.map((c) => q(db, c)).join(',')}) DO UPDATE SET ${update
            .map((c) => `${q(db, c)}=excluded.${q(db, c)}`)
            .join(',')}`;
    await trx.raw(`INSERT INTO ${q(db, table)} (${colList}) VALUES ${sql} ${tail}`, bindings);
  }
}

/**
 * Inserts rows, silently keeping the stored row on a key conflict. A VALUES list, not knex's
 * multi-row insert: on SQLite knex writes that as a compound SELECT, which fails beyond 500 rows
 * ("too many terms in compound SELECT").
 */
export async function insertIgnore(db: Db, trx: Knex | Knex.Transaction, table: string, rows: Row[]) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const colList = cols.map((c) => q(db, c)).join(',');
  for (let i = 0; i < rows.length; i += chunkSize(cols.length)) {
    if (i > 0) await yieldToLoop();
    const { sql, bindings } = valuesClause(rows.slice(i, i + chunkSize(cols.length)), cols);
    await trx.raw(
      db.dialect === 'mysql'
        ? `INSERT IGNORE INTO ${q(db, table)} (${colList}) VALUES ${sql}`
        : `INSERT INTO ${q(db, table)} (${colList}) VALUES ${sql} ON CONFLICT DO NOTHING`,
      bindings
    );
  }
}

/**
 * Upserts one row per key, but only where the incoming `tsColumn` (default `ts`) is at least the
 * stored one, so a replayed old batch never overwrites a newer reading (the `latest` tables, agents),
 * whatever a concurrent transaction read before. On a conflict `update` (default: every column
 * but the key and the time) takes the new values; the time becomes the greater.
 */
export async function upsertIfNewer(
  db: Db,
  trx: Knex | Knex.Transaction,
  table: string,
  rows: Row[],
  key: string,
  tsColumn = 'ts',
  updateColumns?: string[]
) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const update = (updateColumns ?? cols).filter((c) => c !== key && c !== tsColumn);
  const ts = q(db, tsColumn);
  for (let i = 0; i < rows.length; i += chunkSize(cols.length)) {
    // Between statements, let other requests in (SQLite statements run synchronously).
    if (i > 0) await yieldToLoop();
    const part = rows.slice(i, i + chunkSize(cols.length));
    const { sql, bindings } = valuesClause(part, cols);
    const colList = cols.map((c) => q(db, c)).join(',');
    const tail =
      db.dialect === 'mysql'
        ? // The time column is assigned last: MySQL evaluates assignments left to right against the updated row.
          `ON DUPLICATE KEY UPDATE ${update
            .map((c) => `${q(db, c)}=IF(VALUES(${ts}) >= ${ts}, VALUES(${q(db, c)}), ${q(db, c)})`)
            .join(',')}, ${ts}=GREATEST(${ts}, VALUES(${ts}))`
        : `ON CONFLICT(${q(db, key)}) DO UPDATE SET ${[...update, tsColumn]
            .map((c) => `${q(db, c)}=excluded.${q(db, c)}`)
            .join(',')} WHERE excluded.${ts} >= ${q(db, table)}.${ts}`;
    await trx.raw(`INSERT INTO ${q(db, table)} (${colList}) VALUES ${sql} ${tail}`, bindings);
  }
}

/** Quotes an identifier for the dialect (only for names from our own code, never user input). */
export const ident = q;

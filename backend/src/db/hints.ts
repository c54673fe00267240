import type { Knex } from 'knex';
import type { Db } from './connection';

/**
 * Adds `first, ...rest` to the select list so that MySQL/MariaDB read the tables in the order the
 * query names them (`SELECT STRAIGHT_JOIN`), for a LIMIT read that an index of the first table
 * returns in order: MariaDB 10.11 otherwise starts from the smaller joined table and sorts every
 * row of the range (bench/suites/logs-join.js). SQLite's planner already reads it that way.
 */
export function selectStraight(db: Db, qb: Knex.QueryBuilder, first: string, ...rest: string[]): Knex.QueryBuilder {
  return db.dialect === 'mysql' ? qb.select(db.knex.raw(`STRAIGHT_JOIN ${first}`), ...rest) : qb.select(first, ...rest);
}

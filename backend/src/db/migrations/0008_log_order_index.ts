import type { Migration } from './types';

/**
 * Log lines are read in (ts, nanos, id) order, newest or oldest first, with a limit (issue 14
 * point 5). With indexes on (ts) and (container_id, ts) only, MariaDB sorts every line of the range
 * before it can return the first page (seconds for 100 000 lines in the hour,
 * bench/suites/logs-join.js); indexes that end in (ts, nanos, id) give the rows in order, so a page
 * reads one page of index. They replace the old ones, which are their prefixes.
 */
export const logOrderIndex: Migration = {
  name: '0008_log_order_index',
  async up(knex) {
    await knex.schema.alterTable('logs', (t) => {
      t.index(['ts', 'nanos', 'id'], 'logs_ts_nanos_id_index');
      t.index(['container_id', 'ts', 'nanos', 'id'], 'logs_container_ts_nanos_id_index');
    });
    await knex.schema.alterTable('logs', (t) => {
      t.dropIndex(['ts']);
      t.dropIndex(['container_id', 'ts']);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('logs', (t) => {
      t.index(['container_id', 'ts']);
      t.index(['ts']);
    });
    await knex.schema.alterTable('logs', (t) => {
      t.dropIndex([], 'logs_container_ts_nanos_id_index');
      t.dropIndex([], 'logs_ts_nanos_id_index');
    });
  },
};

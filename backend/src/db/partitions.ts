import type { Knex } from 'knex';

/**
 * Daily RANGE partitions on MySQL/MariaDB raw sample tables, so that retention drops a whole
 * day with one cheap DDL instead of deleting millions of rows (and the raw tables need no
 * secondary `ts` index). Partitions are named `pYYYYMMDD`, each holding ts < next midnight UTC;
 * `pmax` catches anything beyond the newest day.
 */

const DAY = 86_400;
const dayStart = (t: number) => t - (t % DAY);
const pname = (dayStartTs: number) => `p${new Date(dayStartTs * 1000).toISOString().slice(0, 10).replace(/-/g, '')}`;

interface PartitionRow {
  name: string;
  bound: string | null;
}

async function partitionsOf(knex: Knex, table: string): Promise<PartitionRow[]> {
  const [rows] = await knex.raw(
    `SELECT PARTITION_NAME AS name, PARTITION_DESCRIPTION AS bound
       FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL
      ORDER BY PARTITION_ORDINAL_POSITION`,
    [table]
  );
  return rows as PartitionRow[];
}

/** True when the table is partitioned. */
export async function isPartitioned(knex: Knex, table: string): Promise<boolean> {
  return (await partitionsOf(knex, table)).length > 0;
}

/**
 * Partitions an (empty, new) table by day from `now`'s day to `daysAhead` days later.
 * Returns false when the server has no partitioning (the caller then indexes `ts` instead).
 */
export async function partitionByDay(knex: Knex, table: string, now: number, daysAhead = 3): Promise<boolean> {
  const first = dayStart(now);
  const parts: string[] = [];
  for (let d = 0; d <= daysAhead; d++) {
    const start = first + d * DAY;
    parts.push(`PARTITION ${pname(start)} VALUES LESS THAN (${start + DAY})`);
  }
  parts.push('PARTITION pmax VALUES LESS THAN MAXVALUE');
  try {
    await knex.raw(`ALTER TABLE \`${table}\` PARTITION BY RANGE (ts) (${parts.join(', ')})`);
    return true;
  } catch {
    return false;
  }
}

/** Adds day partitions (split from `pmax`) so that days up to `now + daysAhead` have their own. */
export async function ensureFuturePartitions(knex: Knex, table: string, now: number, daysAhead = 3): Promise<number> {
  const parts = await partitionsOf(knex, table);
  if (!parts.length) return 0;
  const bounds = parts.filter((p) => p.name !== 'pmax').map((p) => Number(p.bound));
  let last = bounds.length ? Math.max(...bounds) : dayStart(now);
  const want = dayStart(now) + (daysAhead + 1) * DAY;
  const add: string[] = [];
  while (last < want) {
    add.push(`PARTITION ${pname(last)} VALUES LESS THAN (${last + DAY})`);
    last += DAY;
  }
  if (!add.length) return 0;
  await knex.raw(
    `ALTER TABLE \`${table}\` REORGANIZE PARTITION pmax INTO (${add.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`
  );
  return add.length;
}

/** Drops every day partition whose rows are all older than `cutoff`; returns how many. */
export async function dropPartitionsBefore(knex: Knex, table: string, cutoff: number): Promise<number> {
  const parts = await partitionsOf(knex, table);
  const old = parts.filter((p) => p.name !== 'pmax' && Number(p.bound) <= cutoff).map((p) => p.name);
  // Never drop the last day partition: MySQL needs at least one besides pmax to keep the layout.
  if (old.length && old.length >= parts.length - 1) old.pop();
  if (old.length) await knex.raw(`ALTER TABLE \`${table}\` DROP PARTITION ${old.join(', ')}`);
  return old.length;
}

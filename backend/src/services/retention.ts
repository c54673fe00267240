import type { Db } from '../db/connection';
import { TABLES } from '../db/metrics';
import { dropPartitionsBefore, ensureFuturePartitions, isPartitioned } from '../db/partitions';

const DAY = 86_400;
const BATCH = 50_000;

/** Deletes data older than each tier's retention, in batches so no statement holds locks for long. */
export class RetentionService {
  constructor(
    private readonly db: Db,
    private readonly days: { raw: number; m1: number; h1: number; logs?: number }
  ) {}

  /**
   * Runs every tier's retention as of `now`; returns the rows deleted. Partitioned (MySQL) raw
   * tables lose whole days instead: a day goes once all of it is past retention.
   */
  async run(now: number): Promise<number> {
    const plan: [string, number][] = [];
    for (const f of ['node', 'container'] as const) {
      plan.push([TABLES[f].raw, now - this.days.raw * DAY]);
      plan.push([TABLES[f]['1m'], now - this.days.m1 * DAY]);
      plan.push([TABLES[f]['1h'], now - this.days.h1 * DAY]);
    }
    plan.push(['logs', now - (this.days.logs ?? this.days.raw) * DAY], ['events', now - this.days.m1 * DAY]);
    // Service health (decision 29): raw rows only, no rollups, kept as long as the raw tier.
    plan.push(['probe_runs', now - this.days.raw * DAY], ['request_stats', now - this.days.raw * DAY]);
    let deleted = 0;
    for (const [table, cutoff] of plan) {
      if (this.db.dialect === 'mysql' && (await isPartitioned(this.db.knex, table))) {
        await dropPartitionsBefore(this.db.knex, table, cutoff);
        await ensureFuturePartitions(this.db.knex, table, now);
      } else deleted += await this.deleteBefore(table, cutoff);
    }
    // Services and probes with nothing left to show.
    const cutoff = now - this.days.raw * DAY;
    deleted += Number(await this.db.knex('probes').where('last_ts', '<', cutoff).delete());
    deleted += Number(await this.db.knex('services').where('last_seen', '<', cutoff).delete());
    return deleted;
  }

  private async deleteBefore(table: string, cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n =
        this.db.dialect === 'mysql'
          ? Number(
              (await this.db.knex.raw(`DELETE FROM \`${table}\` WHERE ts < ? LIMIT ${BATCH}`, [cutoff]))[0].affectedRows
            )
          : Number(
              (
                await this.db.knex.raw(
                  `DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE ts < ? LIMIT ${BATCH})`,
                  [cutoff]
                )
              ).changes ?? 0
            );
      total += n;
      if (n < BATCH) return total;
    }
  }
}

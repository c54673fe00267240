import type { Db } from '../db/connection';

/**
 * A lease row that makes one backend replica the leader for jobs. The holder renews it well
 * within its time-to-live; if the holder dies, another replica takes it once it has expired.
 */
export class Lease {
  constructor(
    private readonly db: Db,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now
  ) {}

  /** Takes or renews the lease; true while this holder has it. */
  async tryAcquire(): Promise<boolean> {
    const now = this.clock();
    const k = this.db.knex;
    const updated = await k('leases')
      .where('name', this.name)
      .andWhere((w) => w.where('holder', this.holder).orWhere('expires_at_ms', '<', now))
      .update({ holder: this.holder, expires_at_ms: now + this.ttlMs });
    if (updated > 0) return true;
    await k('leases')
      .insert({ name: this.name, holder: this.holder, expires_at_ms: now + this.ttlMs })
      .onConflict('name')
      .ignore();
    const row = await k('leases').where('name', this.name).first('holder', 'expires_at_ms');
    return row?.holder === this.holder && Number(row.expires_at_ms) > now;
  }

  /** Gives the lease up (clean shutdown), so another replica need not wait for it to expire. */
  async release(): Promise<void> {
    await this.db.knex('leases').where({ name: this.name, holder: this.holder }).update({ expires_at_ms: 0 });
  }
}

/**
 * Remembers for a short while, per key, that a read found nothing (no queued actions, no defined
 * probes in a cluster), so that the reply to every agent push need not read it again (decision 39).
 * A change made on this replica forgets the key at once; one made on another replica is seen
 * within `ms`.
 */
export class AbsenceCache {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ms: number,
    /** The clock in milliseconds: the services pass their own (injected) one, so a test can age entries. */
    private readonly nowMs: () => number = Date.now,
    /** Keys remembered at most (emptied beyond: agents may name any cluster). */
    private readonly max = 10_000
  ) {}

  /** Whether `key` was found absent less than `ms` ago and not forgotten since. */
  absent(key: string): boolean {
    const u = this.until.get(key);
    return u !== undefined && u > this.nowMs();
  }

  remember(key: string): void {
    if (this.until.size >= this.max) this.until.clear();
    this.until.set(key, this.nowMs() + this.ms);
  }

  forget(key?: string): void {
    if (key === undefined) this.until.clear();
    else this.until.delete(key);
  }
}

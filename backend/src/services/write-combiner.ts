/** Raised by `submit` when more than `maxWaiting` weight already waits: answer "busy, retry". */
export class CombinerBusyError extends Error {}

/**
 * Combines work items that arrive while earlier ones are being written into one write of many
 * (decision 39): with `maxInFlight` writes running, what arrives meanwhile waits and goes in the
 * next write, up to `maxWeight` in all (an item heavier than that goes alone). A lone item starts
 * at once, so a quiet server adds no delay. If a combined write fails, each of its items is
 * written alone, so that one item's failure reaches only its own caller (unless the failure is
 * the store's: then every caller has it at once). At most `maxWaiting`
 * weight waits; beyond it `submit` refuses at once rather than hold requests without bound.
 */
export class WriteCombiner<T, R> {
  private readonly queue: { item: T; weight: number; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;
  private waitingWeight = 0;

  constructor(
    /** Writes the items together; answers one result per item, in their order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxWeight: number,
    private readonly maxInFlight: number,
    private readonly maxWaiting: number,
    /** Whether a failure is the store's, not an item's (the database is down): no item is retried alone. */
    private readonly failsEveryItem: (err: unknown) => boolean = () => false
  ) {}

  /** Queues one item; resolves with its result once the write that took it has committed. */
  submit(item: T, weight: number): Promise<R> {
    if (this.running >= this.maxInFlight && this.waitingWeight + weight > this.maxWaiting)
      return Promise.reject(new CombinerBusyError(`${this.waitingWeight} rows already wait to be written`));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.waitingWeight += weight;
      this.next();
    });
  }

  /** Items waiting for a write (for tests and telemetry). */
  get waiting(): number {
    return this.queue.length;
  }

  private next() {
    while (this.running < this.maxInFlight && this.queue.length) {
      const group = [this.queue.shift()!];
      let weight = group[0].weight;
      while (this.queue.length && weight + this.queue[0].weight <= this.maxWeight) {
        weight += this.queue[0].weight;
        group.push(this.queue.shift()!);
      }
      this.waitingWeight -= weight;
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async run(group: typeof this.queue) {
    try {
      const results = await this.write(group.map((g) => g.item));
      group.forEach((g, i) => g.resolve(results[i]));
    } catch (err) {
      // In an outage, each item alone would only wait for the same failure in turn.
      if (group.length === 1 || this.failsEveryItem(err)) return group.forEach((g) => g.reject(err));
      // Alone, one after another: the failure is one item's, or the database's for each.
      for (const g of group)
        await this.write([g.item]).then(
          (r) => g.resolve(r[0]),
          (e) => g.reject(e)
        );
    }
  }
}

import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ContainerAction } from '@fleetlens/protocol';
import type { IngestClient } from './client';
import type { Spool, SpoolEntry } from './spool';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

export interface SenderOptions {
  /** First retry delay; doubles per failed attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  log?: (msg: string) => void;
  /** Gets the container actions of each accepted push's reply (issue 15). */
  onActions?: (actions: ContainerAction[]) => void;
}

/** Exponential backoff with full jitter: a random delay in [base·2^attempt / 2, base·2^attempt], capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Consecutive request timeouts of one batch after which it is split: a batch the backend cannot
 * store within the timeout would otherwise be retried for ever (the backend answers 413 for the
 * ones it knows are too large; this covers a slow backend or an older one).
 */
export const TIMEOUTS_BEFORE_SPLIT = 2;

/** Arrays a batch can be cut along when the backend says it is too large, biggest first. */
// Every list of independent items (an inventory is whole in itself, so a list of them splits too).
const SPLITTABLE = [
  'logs',
  'containers',
  'events',
  'workloads',
  'nodes',
  'inventories',
  'probeResults',
  'requestStats',
] as const;

/** What every part of a split batch repeats: the batch's identity and sender. */
const ENVELOPE = ['version', 'batchId', 'sentAt', 'agent', 'cluster'];

/** Cuts one encoded batch into two halves along its largest array; null when it cannot be cut. */
export async function splitBatch(gz: Buffer): Promise<Buffer[] | null> {
  const batch = JSON.parse((await gunzipAsync(gz)).toString('utf8')) as Record<string, unknown>;
  const arrays = SPLITTABLE.map((k) => [k, (batch[k] as unknown[] | undefined) ?? []] as const);
  const [key, arr] = arrays.reduce((a, b) => (b[1].length > a[1].length ? b : a));
  if (arr.length < 2) return null;
  const half = Math.ceil(arr.length / 2);
  const parts: Buffer[] = [];
  for (const [i, slice] of [arr.slice(0, half), arr.slice(half)].entries()) {
    // Everything else stays with the first half so that nothing is sent twice: the second carries
    // only the envelope (who sends, when) beside its slice.
    const rest = i === 0 ? batch : Object.fromEntries(ENVELOPE.filter((k) => k in batch).map((k) => [k, batch[k]]));
    const copy: Record<string, unknown> = { ...rest, batchId: `${String(batch.batchId).slice(0, 120)}.${i + 1}` };
    copy[key] = slice;
    parts.push(await gzipAsync(Buffer.from(JSON.stringify(copy))));
  }
  return parts;
}

/**
 * Drains the spool oldest first, one batch at a time, for as long as the agent runs. Retries
 * network errors, 429 and 5xx with backoff (honouring Retry-After); drops 400s (counted as
 * rejected) and splits 413s; keeps everything on 401 so that fixing the token loses nothing.
 */
export class Sender {
  lastPushAt: number | null = null;
  rejectedBatches = 0;
  /** Batches dropped because even a single item was too large for the backend. */
  tooLargeDropped = 0;
  lastError: string | null = null;
  /** The agent's clock minus the backend's, from the latest accepted push (null until then). */
  clockSkewSeconds: number | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private sleepResolve: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private readonly base: number;
  private readonly max: number;
  private readonly random: () => number;
  private readonly log: (msg: string) => void;
  private readonly onActions?: (actions: ContainerAction[]) => void;

  constructor(
    private readonly spool: Spool,
    private readonly client: IngestClient,
    opts: SenderOptions = {}
  ) {
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 60_000;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? ((m) => console.error(m));
    this.onActions = opts.onActions;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Signals that a new batch was spooled (wakes an idle sender; a backoff wait is not cut short). */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepResolve?.();
    this.wake?.();
    await this.loop;
    this.client.close();
  }

  /** Resolves when the spool is empty (or the sender stopped); for shutdown and tests. */
  async drained(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.spool.batches > 0 && Date.now() < until && !this.stopped) await new Promise((r) => setTimeout(r, 50));
    return this.spool.batches === 0;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let timeouts = 0;
    let current: SpoolEntry | null = null;
    while (!this.stopped) {
      try {
        const next = await this.spool.oldest();
        if (!next) {
          await new Promise<void>((r) => (this.wake = r));
          this.wake = null;
          continue;
        }
        if (current !== next.entry) {
          current = next.entry;
          timeouts = 0;
        }
        const result = await this.client.push(next.data);
        if (this.stopped && result.kind !== 'accepted') break;
        switch (result.kind) {
          case 'accepted':
            attempt = 0;
            this.lastPushAt = Math.floor(Date.now() / 1000);
            this.lastError = null;
            if (result.clockSkewSeconds !== null) this.clockSkewSeconds = result.clockSkewSeconds;
            await this.spool.remove(next.entry);
            if (result.actions.length) this.onActions?.(result.actions);
            break;
          case 'rejected':
            attempt = 0;
            this.rejectedBatches++;
            this.lastError = result.message;
            this.log(`fleetlens-agent: backend rejected a batch, dropping it: ${result.message}`);
            await this.spool.remove(next.entry);
            break;
          case 'too_large':
            await this.handleTooLarge(next.entry, next.data);
            break;
          case 'unauthorized':
            this.lastError = result.message;
            this.log(`fleetlens-agent: backend refused the agent token (${result.message}); keeping batches`);
            await this.sleep(backoffDelay(attempt++, this.base, this.max, this.random));
            break;
          case 'retry': {
            this.lastError = result.message;
            if (result.timedOut && ++timeouts >= TIMEOUTS_BEFORE_SPLIT) {
              const parts = await splitBatch(next.data).catch(() => null);
              if (parts) {
                this.log(`fleetlens-agent: a batch timed out ${timeouts} times; splitting it in two`);
                await this.spool.split(next.entry, parts);
                break;
              }
            }
            const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(attempt++, this.base, this.max, this.random));
            await this.sleep(Math.min(delay, Math.max(this.max, result.retryAfterMs ?? 0)));
            break;
          }
        }
      } catch (e) {
        // A spool operation failed (a disk gone bad, say): keep the loop alive and retry later.
        this.lastError = (e as Error).message;
        this.log(`fleetlens-agent: sender: ${(e as Error).message}`);
        await this.sleep(backoffDelay(attempt++, this.base, this.max, this.random));
      }
    }
  }

  private async handleTooLarge(entry: SpoolEntry, data: Buffer): Promise<void> {
    const parts = await splitBatch(data).catch(() => null);
    if (parts) {
      await this.spool.split(entry, parts);
      return;
    }
    this.tooLargeDropped++;
    this.rejectedBatches++;
    this.log('fleetlens-agent: backend says a single-item batch is too large; dropping it');
    await this.spool.remove(entry);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepResolve = resolve;
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = null;
        this.sleepResolve = null;
        resolve();
      }, ms);
    });
  }
}

import { mkdir, readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

const SUFFIX = '.batch.gz';

/** Batches kept in memory at most while the spool cannot be written (full or read-only disk). */
export const DEFAULT_MEMORY_BATCHES = 16;

/** Oldest spooled batches deleted per append to make room on a full disk before giving up on it. */
const MAX_DROPS_PER_WRITE = 4;

/**
 * One spooled batch: its ordering key (file name without suffix) and size on disk. A batch the
 * disk refused is held in memory instead (`mem`) and takes its turn in the same order.
 */
export interface SpoolEntry {
  key: string;
  bytes: number;
  /** Metric samples (node and container samples) in the batch, when known (queued by this run). */
  samples?: number;
  mem?: Buffer;
}

/** Why a write to the spool failed: the errno code (ENOSPC, EDQUOT, EROFS, …) or the message. */
function errorCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? err?.message ?? String(e);
}

/**
 * A bounded on-disk queue of encoded batches, one file each, oldest first. Every batch is
 * written here before it is sent, so an agent crash or restart loses nothing; when the size
 * limit is reached, or the disk is full, the oldest batches are deleted and counted. When the
 * disk refuses a batch all the same (full, quota, read-only), it is held in a small in-memory
 * queue (DEFAULT_MEMORY_BATCHES, oldest dropped and counted beyond it) and sent from there.
 */
export class Spool {
  private entries: SpoolEntry[] = [];
  private seq = 0;
  private totalBytes = 0;
  private memCount = 0;
  /** Batches deleted to stay under the size limit, to make room on a full disk, or over the memory bound. */
  droppedBatches = 0;
  /** Metric samples in those dropped batches, as far as known (0 for batches left by a previous run). */
  droppedSamples = 0;
  /** Failed writes of a spool file since this agent started. */
  writeErrors = 0;
  /** The latest write failure (errno code), null when none happened. */
  lastWriteError: string | null = null;
  /** Spool files found truncated or unreadable as gzip, deleted instead of being sent. */
  corruptBatches = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    readonly maxMemoryBatches: number
  ) {}

  /** Opens (or creates) the spool directory and indexes what a previous run left behind. */
  static async open(dir: string, maxBytes: number, maxMemoryBatches = DEFAULT_MEMORY_BATCHES): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const s = new Spool(dir, maxBytes, Math.max(1, maxMemoryBatches));
    for (const name of await readdir(dir)) {
      if (name.endsWith('.tmp')) {
        // A write interrupted by a crash or refused by a full disk; a read-only disk keeps it.
        await rm(join(dir, name), { force: true }).catch(() => undefined);
        continue;
      }
      if (!name.endsWith(SUFFIX)) continue;
      const key = name.slice(0, -SUFFIX.length);
      const st = await stat(join(dir, name));
      s.entries.push({ key, bytes: st.size });
      s.totalBytes += st.size;
      s.seq = Math.max(s.seq, Number(key.split('.')[0]) || 0);
    }
    s.entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return s;
  }

  /** Bytes of the batches on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Batches waiting, on disk and in memory. */
  get batches(): number {
    return this.entries.length;
  }

  /** Batches held in memory because the disk refused them. */
  get memoryBatches(): number {
    return this.memCount;
  }

  /**
   * Queues one encoded batch. It is written to disk after dropping the oldest batches needed to
   * stay under the size limit; on a full disk more of the oldest are dropped to make room; when
   * the disk still refuses it, it is kept in memory. Never throws for a write error; resolves to
   * true when the batch is on disk.
   */
  async append(data: Buffer, samples?: number): Promise<boolean> {
    this.seq++;
    const key = String(this.seq).padStart(16, '0');
    await this.enforceLimit(data.length);
    if (data.length > this.maxBytes) {
      // Larger than the whole spool: dropped (counted) like the oldest batch it would be.
      this.droppedBatches++;
      this.droppedSamples += samples ?? 0;
      return false;
    }
    for (let drops = 0; ; drops++) {
      const err = await this.tryWrite(key, data);
      if (err === null) {
        this.entries.push({ key, bytes: data.length, samples });
        this.totalBytes += data.length;
        return true;
      }
      const full = err === 'ENOSPC' || err === 'EDQUOT';
      if (!full || drops >= MAX_DROPS_PER_WRITE || !(await this.dropOldest((e) => !e.mem))) break;
    }
    if (this.memCount >= this.maxMemoryBatches) await this.dropOldest((e) => e.mem !== undefined);
    this.entries.push({ key, bytes: 0, samples, mem: data });
    this.memCount++;
    return false;
  }

  /** The oldest batch, or null when the spool is empty. Truncated or unreadable files are skipped and counted. */
  async oldest(): Promise<{ entry: SpoolEntry; data: Buffer } | null> {
    while (this.entries.length > 0) {
      const entry = this.entries[0];
      if (entry.mem) return { entry, data: entry.mem };
      let data: Buffer;
      try {
        data = await readFile(this.path(entry.key));
      } catch {
        this.forget(entry); // deleted underneath us
        continue;
      }
      if (this.entries[0] !== entry) continue; // dropped for space while reading
      try {
        await gunzipAsync(data); // checks the gzip trailer (CRC and length): a cut file fails
        return { entry, data };
      } catch {
        this.corruptBatches++;
        await this.remove(entry);
      }
    }
    return null;
  }

  /** Removes a batch once it was delivered (or refused for good). */
  async remove(entry: SpoolEntry): Promise<void> {
    if (!this.forget(entry)) return;
    if (!entry.mem) await rm(this.path(entry.key), { force: true }).catch(() => undefined);
  }

  /** Replaces one batch by several smaller ones at the same place in the order (after a 413). */
  async split(entry: SpoolEntry, parts: Buffer[]): Promise<void> {
    const idx = this.entries.indexOf(entry);
    if (idx < 0) return;
    const added: SpoolEntry[] = [];
    for (let i = 0; i < parts.length; i++) {
      const key = `${entry.key}.${i + 1}`;
      // A part the disk refuses stays in memory in its place (a split never drops data).
      if ((await this.tryWrite(key, parts[i])) === null) added.push({ key, bytes: parts[i].length });
      else added.push({ key, bytes: 0, mem: parts[i] });
    }
    const at = this.entries.indexOf(entry);
    if (at < 0) {
      // Dropped for space meanwhile: its parts go too.
      for (const a of added) if (!a.mem) await rm(this.path(a.key), { force: true }).catch(() => undefined);
      return;
    }
    this.forget(entry);
    this.entries.splice(at, 0, ...added);
    for (const a of added) {
      if (a.mem) this.memCount++;
      else this.totalBytes += a.bytes;
    }
    if (!entry.mem) await rm(this.path(entry.key), { force: true }).catch(() => undefined);
  }

  /** Drops the oldest on-disk batches until `incoming` more bytes fit under the size limit. */
  private async enforceLimit(incoming: number): Promise<void> {
    while (this.totalBytes + incoming > this.maxBytes && (await this.dropOldest((e) => !e.mem)));
  }

  /** Deletes the oldest batch matching `which` and counts it; false when there is none. */
  private async dropOldest(which: (e: SpoolEntry) => boolean): Promise<boolean> {
    const victim = this.entries.find(which);
    if (!victim) return false;
    this.droppedBatches++;
    this.droppedSamples += victim.samples ?? 0;
    await this.remove(victim);
    return true;
  }

  private forget(entry: SpoolEntry): boolean {
    const i = this.entries.indexOf(entry);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    if (entry.mem) this.memCount--;
    else this.totalBytes -= entry.bytes;
    return true;
  }

  private path(key: string): string {
    return join(this.dir, key + SUFFIX);
  }

  /** Writes one batch file (temp file, then rename); on failure removes the partial temp file and returns the error code. */
  private async tryWrite(key: string, data: Buffer): Promise<string | null> {
    const tmp = join(this.dir, `${key}.tmp`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, this.path(key));
      return null;
    } catch (e) {
      this.writeErrors++;
      this.lastWriteError = errorCode(e);
      await rm(tmp, { force: true }).catch(() => undefined);
      return this.lastWriteError;
    }
  }
}

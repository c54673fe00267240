import { mkdir, readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const SUFFIX = '.batch.gz';

/** One spooled batch: its ordering key (file name without suffix) and size on disk. */
export interface SpoolEntry {
  key: string;
  bytes: number;
}

/**
 * A bounded on-disk queue of encoded batches, one file each, oldest first. Every batch is
 * written here before it is sent, so an agent crash or restart loses nothing; when the size
 * limit is reached the oldest batches are deleted and counted.
 */
export class Spool {
  private entries: SpoolEntry[] = [];
  private seq = 0;
  private totalBytes = 0;
  /** Batches deleted to stay under the size limit since this agent started. */
  droppedBatches = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number
  ) {}

  /** Opens (or creates) the spool directory and indexes what a previous run left behind. */
  static async open(dir: string, maxBytes: number): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const s = new Spool(dir, maxBytes);
    for (const name of await readdir(dir)) {
      if (name.endsWith('.tmp')) {
        await rm(join(dir, name), { force: true }); // an append interrupted by a crash
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

  get bytes(): number {
    return this.totalBytes;
  }

  get batches(): number {
    return this.entries.length;
  }

  /** Appends one encoded batch, then drops the oldest batches while over the size limit. */
  async append(data: Buffer): Promise<void> {
    this.seq++;
    const key = String(this.seq).padStart(16, '0');
    await this.write(key, data);
    this.entries.push({ key, bytes: data.length });
    this.totalBytes += data.length;
    await this.enforceLimit();
  }

  /** The oldest batch, or null when the spool is empty. */
  async oldest(): Promise<{ entry: SpoolEntry; data: Buffer } | null> {
    while (this.entries.length > 0) {
      const entry = this.entries[0];
      try {
        return { entry, data: await readFile(this.path(entry.key)) };
      } catch {
        this.forget(entry); // deleted underneath us (dropped for space meanwhile)
      }
    }
    return null;
  }

  /** Removes a batch once it was delivered (or refused for good). */
  async remove(entry: SpoolEntry): Promise<void> {
    if (!this.forget(entry)) return;
    await rm(this.path(entry.key), { force: true });
  }

  /** Replaces one batch by several smaller ones at the same place in the order (after a 413). */
  async split(entry: SpoolEntry, parts: Buffer[]): Promise<void> {
    const idx = this.entries.indexOf(entry);
    if (idx < 0) return;
    const added: SpoolEntry[] = [];
    for (let i = 0; i < parts.length; i++) {
      const key = `${entry.key}.${i + 1}`;
      await this.write(key, parts[i]);
      added.push({ key, bytes: parts[i].length });
    }
    this.entries.splice(this.entries.indexOf(entry), 1, ...added);
    this.totalBytes += added.reduce((n, e) => n + e.bytes, 0) - entry.bytes;
    await rm(this.path(entry.key), { force: true });
  }

  private async enforceLimit(): Promise<void> {
    while (this.totalBytes > this.maxBytes && this.entries.length > 0) {
      const victim = this.entries[0];
      this.forget(victim);
      this.droppedBatches++;
      await rm(this.path(victim.key), { force: true });
    }
  }

  private forget(entry: SpoolEntry): boolean {
    const i = this.entries.indexOf(entry);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    this.totalBytes -= entry.bytes;
    return true;
  }

  private path(key: string): string {
    return join(this.dir, key + SUFFIX);
  }

  private async write(key: string, data: Buffer): Promise<void> {
    const tmp = join(this.dir, `${key}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, this.path(key));
  }
}

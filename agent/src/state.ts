import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A small JSON document kept on disk across agent restarts, written atomically (temp + rename). */
export class JsonState<T extends object> {
  private constructor(
    private readonly path: string,
    public value: T
  ) {}

  /** Loads the file, or starts from `initial` when it is missing or unreadable. */
  static async open<T extends object>(path: string, initial: T): Promise<JsonState<T>> {
    await mkdir(dirname(path), { recursive: true });
    try {
      return new JsonState(path, JSON.parse(await readFile(path, 'utf8')) as T);
    } catch {
      return new JsonState(path, initial);
    }
  }

  async save(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify(this.value));
    await rename(tmp, this.path);
  }
}

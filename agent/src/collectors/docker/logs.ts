import type { DockerEngine } from './engine';
import type { LogLine } from '@fleetlens/protocol';
import type { JsonState } from '../../state';
import { demultiplex, toLines } from './demux';
import { detectLevel } from './level';

/** Position of the last line shipped per container: (epoch seconds, nanoseconds). */
export type LogCursors = Record<string, { sec: number; nanos: number }>;

const MAX_MESSAGE = 16_384;

function after(a: { sec: number; nanos: number }, b: { sec: number; nanos: number }): boolean {
  return a.sec > b.sec || (a.sec === b.sec && a.nanos > b.nanos);
}

/**
 * Fetches each container's new log lines once per cycle (no open stream per container), from
 * the persisted cursor up to the cycle time, keeping at most `cap` lines per container per cycle.
 * Lines over the cap are skipped, not deferred, so a noisy container cannot make the agent fall
 * ever further behind; a marker line says how many were skipped.
 */
export class LogTailer {
  /** Lines skipped by the per-cycle cap since start (reported in the agent's logs). */
  skipped = 0;
  /** Sees every new line of a container, before the cap (access-log request counts). */
  onLines: ((id: string, texts: string[]) => void) | null = null;

  constructor(
    private readonly docker: DockerEngine,
    private readonly cursors: JsonState<LogCursors>,
    private readonly cap: number,
    /** Where a container never seen before starts: epoch seconds (agent start for pre-existing ones). */
    private readonly defaultSince: (id: string) => number
  ) {}

  /** Fetches lines with timestamps in (cursor, untilMs] for one container. */
  async fetch(id: string, tty: boolean, untilMs: number): Promise<LogLine[]> {
    const cursor = this.cursors.value[id] ?? { sec: this.defaultSince(id), nanos: 0 };
    const untilSec = Math.floor(untilMs / 1000);
    if (cursor.sec > untilSec) return [];
    // `since` takes "seconds.nanoseconds" and is inclusive: lines at or before the cursor are
    // filtered below. `until` is a whole second and lines of that second wait for the next
    // cycle, so a line can never be missed by racing with the cursor.
    const buf = await this.docker.logs(id, `${cursor.sec}.${String(cursor.nanos).padStart(9, '0')}`, untilSec);
    const lines = toLines(demultiplex(buf, tty))
      .filter((l) => after(l, cursor) && l.sec < untilSec)
      .sort((a, b) => a.sec - b.sec || a.nanos - b.nanos);
    if (lines.length === 0) {
      // Remember where this container starts even without lines, so that a restarted agent
      // does not take its older history for new lines.
      this.cursors.value[id] ??= cursor;
      return [];
    }
    this.onLines?.(
      id,
      lines.map((l) => l.text)
    ); // all of them: the cap below is for shipping only
    const kept = this.cap > 0 ? lines.slice(0, this.cap) : [];
    const last = lines[lines.length - 1];
    this.cursors.value[id] = { sec: last.sec, nanos: last.nanos };
    const out: LogLine[] = kept.map((l) => ({
      ts: l.sec,
      nanos: l.nanos,
      containerId: id,
      stream: l.stream,
      level: detectLevel(l.text),
      message: l.text.length > MAX_MESSAGE ? l.text.slice(0, MAX_MESSAGE) : l.text,
    }));
    const dropped = lines.length - kept.length;
    if (dropped > 0) {
      this.skipped += dropped;
      out.push({
        ts: last.sec,
        nanos: last.nanos,
        containerId: id,
        stream: 'stderr',
        level: 'warning',
        message: `[fleetlens-agent] ${dropped} log lines skipped: over the limit of ${this.cap} lines per container per interval`,
      });
    }
    return out;
  }

  /** Drops cursors of containers that no longer exist. */
  retain(ids: Set<string>): void {
    for (const id of Object.keys(this.cursors.value)) if (!ids.has(id)) delete this.cursors.value[id];
  }

  save(): Promise<void> {
    return this.cursors.save();
  }
}

import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLine } from '@fleetlens/protocol';
import type { JsonState } from '../../state';
import { detectLevel } from '../docker/level';
import { parseDockerTime } from '../docker/demux';

/** Where reading stopped in one container's current log file. */
export interface FileCursor {
  file: string;
  ino: number;
  offset: number;
}
export type PodLogCursors = Record<string, FileCursor>;

/** Reads at most this much per container per cycle; the rest waits (the line cap applies first). */
const MAX_READ = 4 * 1024 * 1024;
const MAX_MESSAGE = 16_384;

/**
 * Parses one CRI log line: "<RFC3339Nano> <stdout|stderr> <F|P> <message>". P marks a partial
 * line that continues in the next entry of the same stream.
 */
export function parseCriLine(
  line: string
): { sec: number; nanos: number; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | null {
  const m = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/.exec(line);
  if (!m) return null;
  const t = parseDockerTime(m[1]);
  if (!t) return null;
  return { ...t, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4] ?? '' };
}

/**
 * Tails the kubelet's container log files (/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log, CRI
 * format) from the node's filesystem, the way node log shippers do: no API server or kubelet load.
 * Resumes from a persisted (file, inode, offset); a rotated file restarts at the new file's start.
 * At most `cap` lines per container per cycle are kept; the excess is skipped with a marker line.
 */
export class PodLogTailer {
  skipped = 0;

  constructor(
    private readonly podLogDir: string,
    private readonly cursors: JsonState<PodLogCursors>,
    private readonly cap: number
  ) {}

  /** The newest "<n>.log" of a container, or null when there is none (yet). */
  private async currentFile(ns: string, pod: string, uid: string, container: string): Promise<string | null> {
    const dir = join(this.podLogDir, `${ns}_${pod}_${uid}`, container);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /^\d+\.log$/.test(n));
    } catch {
      return null;
    }
    if (!names.length) return null;
    names.sort((a, b) => parseInt(b, 10) - parseInt(a, 10));
    return join(dir, names[0]);
  }

  /**
   * New lines of one container. `fromStart` is true for containers that appeared after the agent
   * started (their whole log is new); pre-existing ones without a cursor start at the end.
   */
  async fetch(
    id: string,
    ref: { namespace: string; pod: string; podUid: string; container: string },
    fromStart: boolean
  ): Promise<LogLine[]> {
    const file = await this.currentFile(ref.namespace, ref.pod, ref.podUid, ref.container);
    if (!file) return [];
    const st = await stat(file);
    let cur = this.cursors.value[id];
    if (!cur || cur.file !== file || cur.ino !== st.ino || st.size < cur.offset) {
      // First sight, a restart of the container (new n.log) or a rotation (new inode / truncated).
      cur = { file, ino: st.ino, offset: !this.cursors.value[id] && !fromStart ? st.size : 0 };
    }
    if (st.size <= cur.offset) {
      this.cursors.value[id] = cur;
      return [];
    }
    const startOffset = cur.offset;
    const len = Math.min(st.size - cur.offset, MAX_READ);
    const fh = await open(file, 'r');
    let text: string;
    try {
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, cur.offset);
      // Only whole lines: a line still being written is read next cycle.
      const lastNl = buf.lastIndexOf(0x0a);
      if (lastNl < 0) return [];
      text = buf.subarray(0, lastNl + 1).toString('utf8');
    } finally {
      await fh.close();
    }
    const lines: Array<{ sec: number; nanos: number; stream: 'stdout' | 'stderr'; text: string }> = [];
    const partial: Record<string, string> = { stdout: '', stderr: '' };
    // Bytes up to the end of the last line that completed every pending partial line: a long
    // line split across reads (P … P | … F) is read again whole next cycle instead of cut.
    let consumed = 0;
    let safeEnd = 0;
    for (const raw of text.split('\n').slice(0, -1)) {
      consumed += Buffer.byteLength(raw) + 1;
      const p = raw ? parseCriLine(raw) : null;
      if (p?.partial) {
        partial[p.stream] += p.text;
        continue;
      }
      if (p) {
        lines.push({ sec: p.sec, nanos: p.nanos, stream: p.stream, text: partial[p.stream] + p.text });
        partial[p.stream] = '';
      }
      if (!partial.stdout && !partial.stderr) safeEnd = consumed;
    }
    cur = { ...cur, offset: startOffset + safeEnd };
    this.cursors.value[id] = cur;
    const kept = lines.slice(0, this.cap);
    const out: LogLine[] = kept.map((l) => ({
      ts: l.sec,
      nanos: l.nanos,
      containerId: id,
      stream: l.stream,
      level: detectLevel(l.text),
      message: l.text.slice(0, MAX_MESSAGE),
    }));
    if (lines.length > kept.length) {
      const last = lines[lines.length - 1];
      this.skipped += lines.length - kept.length;
      out.push({
        ts: last.sec,
        nanos: last.nanos,
        containerId: id,
        stream: 'stderr',
        level: 'warning',
        message: `[fleetlens-agent] ${lines.length - kept.length} log lines skipped: over the limit of ${this.cap} lines per container per interval`,
      });
    }
    return out;
  }

  retain(ids: Set<string>): void {
    for (const id of Object.keys(this.cursors.value)) if (!ids.has(id)) delete this.cursors.value[id];
  }

  save(): Promise<void> {
    return this.cursors.save();
  }
}

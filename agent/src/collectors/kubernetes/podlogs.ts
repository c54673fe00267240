import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { LogLine } from '@fleetlens/protocol';
import type { JsonState } from '../../state';
import { detectLevel } from '../docker/level';
import { parseDockerTime } from '../docker/demux';

const gunzipAsync = promisify(gunzip);

/** A logical line (P entries joined) not finished yet: kept across reads, files and agent restarts. */
interface Pending {
  sec: number;
  nanos: number;
  /** The text so far, at most MAX_MESSAGE characters. */
  text: string;
  /** Bytes of text seen in all, also beyond the cap. */
  bytes: number;
}

/**
 * Where reading stopped in one container's logs, kept per log directory
 * (<ns>_<pod>_<uid>/<container>), which outlives the container's restarts.
 */
export interface LogCursor {
  /** n of the <n>.log chain being read: the restart count the runtime created that file for. */
  restart: number;
  /** The runtime container id of that chain (its lines are reported under it). */
  id: string;
  /** "<n>.log" (live) or "<n>.log.<timestamp>" (rotated, maybe compressed since). */
  file: string;
  ino: number;
  offset: number;
  /**
   * The newest rotated name of this chain that existed while `file` was the live file: when the
   * kubelet renames the live file, it becomes the first rotated name after this one.
   */
  lastRotated: string;
  /**
   * The file's first bytes (latin1, up to HEAD bytes) once read: inode numbers are reused as soon as
   * the kubelet deletes a compressed original, so a file is recognised by its content too.
   */
  head?: string;
  partial: { stdout?: Pending; stderr?: Pending };
}
export type PodLogCursors = Record<string, LogCursor>;

/** The container whose logs are read, as the pod status reports it. */
export interface LogContainer {
  /** The current runtime container id (status.containerStatuses[].containerID). */
  id: string;
  restartCount: number;
  /** lastState.terminated.containerID: the container that wrote <restartCount - 1>.log. */
  previousId?: string | null;
}

/** Reads at most this much per container per cycle; the rest waits (the line cap applies first). */
const MAX_READ = 4 * 1024 * 1024;
/** Bytes of a file's beginning that identify it (a timestamp with nanoseconds, the stream, text). */
const HEAD = 64;
/** The longest message the protocol carries (LogLine.message). */
const MAX_MESSAGE = 16_384;

/**
 * Parses one CRI log line: "<RFC3339Nano> <stdout|stderr> <tags> <message>", where the first
 * ':'-separated tag is F (full) or P (partial: the line continues in the next entry of the same
 * stream). As the kubelet reads them: pkg/kubelet/kuberuntime/logs/logs.go (parseCRILog), which
 * keeps further tags for forward compatibility.
 */
export function parseCriLine(
  line: string
): { sec: number; nanos: number; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | null {
  const m = /^(\S+) (stdout|stderr) ([^ ]+)(?: (.*))?$/.exec(line);
  if (!m) return null;
  const t = parseDockerTime(m[1]);
  if (!t) return null;
  const tag = m[3].split(':')[0];
  if (tag !== 'F' && tag !== 'P') return null;
  return { ...t, stream: m[2] as 'stdout' | 'stderr', partial: tag === 'P', text: m[4] ?? '' };
}

/** One container directory's files, by restart number: rotated names (oldest first) and the live file. */
interface Chain {
  rotated: Array<{ name: string; plain: boolean; gz: boolean }>;
  live: boolean;
}

/**
 * The files of a container's log directory as the kubelet names them
 * (pkg/kubelet/logs/container_log_manager.go): "<n>.log" (written by the runtime),
 * "<n>.log.<YYYYMMDD-hhmmss>" (renamed at rotation so that shippers can finish it),
 * "<n>.log.<ts>.gz" (compressed at the next rotation), "*.tmp" (compression in progress: ignored).
 */
async function listChains(dir: string): Promise<Map<number, Chain>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return new Map();
  }
  const out = new Map<number, Chain>();
  const chain = (n: number) => {
    let c = out.get(n);
    if (!c) out.set(n, (c = { rotated: [], live: false }));
    return c;
  };
  const rotated = new Map<string, { n: number; plain: boolean; gz: boolean }>();
  for (const name of names) {
    let m = /^(\d+)\.log$/.exec(name);
    if (m) {
      chain(Number(m[1])).live = true;
      continue;
    }
    m = /^((\d+)\.log\.\d{8}-\d{6})(\.gz)?$/.exec(name);
    if (!m) continue;
    const r = rotated.get(m[1]) ?? { n: Number(m[2]), plain: false, gz: false };
    if (m[3]) r.gz = true;
    else r.plain = true;
    rotated.set(m[1], r);
  }
  for (const [name, r] of rotated) chain(r.n).rotated.push({ name, plain: r.plain, gz: r.gz });
  for (const c of out.values()) c.rotated.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

async function inode(path: string): Promise<{ ino: number; size: number } | null> {
  try {
    const st = await stat(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return null;
  }
}

/** Bytes of a file from `offset`, at most `max`; a compressed rotated file is read through gunzip. */
async function readFrom(path: string, gz: boolean, offset: number, max: number): Promise<Buffer | null> {
  try {
    if (gz) {
      const all = await gunzipAsync(await readFile(path));
      return all.subarray(offset, offset + max);
    }
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const len = Math.max(0, Math.min(size - offset, max));
      const buf = Buffer.alloc(len);
      if (len) await fh.read(buf, 0, len, offset);
      return buf;
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

async function headOf(path: string, gz: boolean): Promise<string | null> {
  const b = await readFrom(path, gz, 0, HEAD);
  return b === null ? null : b.toString('latin1');
}

/** Whether a file that starts with `head` can be the one recorded as `known` (unknown: yes). */
function sameHead(known: string | undefined, head: string | null): boolean {
  if (head === null) return false;
  if (!known) return true;
  return head.startsWith(known); // files only grow: a shorter beginning is another file
}

interface Entry {
  sec: number;
  nanos: number;
  id: string;
  stream: 'stdout' | 'stderr';
  text: string;
  /** Bytes of the whole logical line when it was longer than MAX_MESSAGE. */
  cutFrom?: number;
  marker?: boolean;
}

/**
 * Tails the kubelet's container log files (/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log, CRI
 * format) from the node's filesystem, the way node log shippers do: no API server or kubelet load.
 *
 * - Rotation (container_log_manager.go): the live file is renamed to <n>.log.<ts> and the runtime
 *   reopens <n>.log. The renamed file is read to its end before the new one (also when the kubelet
 *   compressed it to .gz meanwhile: the same bytes, so the offset still holds).
 * - Restarts: each container instance writes <restartCount>.log; when the restart count moves on,
 *   the previous file is read to its end (the crashed container's last words) under the previous
 *   container's id before the new file is started.
 * - Partial entries (P) are joined into one line, across reads and rotations; a line longer than
 *   the protocol's message limit is cut and marked, and never holds up the lines after it.
 *
 * Resumes from a persisted cursor per log directory. At most `cap` lines per container per cycle
 * are kept; the excess is skipped with a marker line.
 */
export class PodLogTailer {
  skipped = 0;
  /** Sees every new line of a container, before the cap (access-log request counts). */
  onLines: ((id: string, texts: string[]) => void) | null = null;

  constructor(
    private readonly podLogDir: string,
    private readonly cursors: JsonState<PodLogCursors>,
    private readonly cap: number
  ) {}

  static key(ref: { namespace: string; pod: string; podUid: string; container: string }): string {
    return `${ref.namespace}_${ref.pod}_${ref.podUid}/${ref.container}`;
  }

  /**
   * New lines of one container. `fromStart` is true for containers that appeared after the agent
   * started (their whole log is new); pre-existing ones without a cursor start at the end.
   */
  async fetch(
    ref: { namespace: string; pod: string; podUid: string; container: string },
    c: LogContainer,
    fromStart: boolean
  ): Promise<LogLine[]> {
    const key = PodLogTailer.key(ref);
    const dir = join(this.podLogDir, key);
    const idOf = (n: number) =>
      n === c.restartCount ? c.id : (c.previousId ?? c.id); /* older chains: the previous container, best effort */
    let cur = this.cursors.value[key] as LogCursor | undefined;
    if (!cur || typeof cur.restart !== 'number') {
      cur = (await this.initial(dir, c, idOf, fromStart)) ?? undefined;
      if (!cur) return [];
    }
    const entries: Entry[] = [];
    const lost = (what: string) =>
      entries.push({
        sec: Math.floor(Date.now() / 1000),
        nanos: 0,
        id: cur!.id,
        stream: 'stderr',
        text: `[fleetlens-agent] ${what}: some log lines of this container were lost`,
        marker: true,
      });
    let budget = MAX_READ;
    let misses = 0;
    for (let guard = 0; guard < 256 && budget > 0; guard++) {
      const chains = await listChains(dir);
      const chain = chains.get(cur.restart);
      const liveName: string = `${cur.restart}.log`;
      let path: string;
      let gz = false;
      let isLive = false;
      if (cur.file === liveName) {
        const st = await inode(join(dir, liveName));
        if (st && st.ino === cur.ino && sameHead(cur.head, await headOf(join(dir, liveName), false))) {
          isLive = true;
          path = join(dir, liveName);
          if (st.size < cur.offset) cur = { ...cur, offset: 0 }; // truncated in place (not the kubelet's way)
        } else {
          // Renamed away by the kubelet: it is the first rotated name after the newest one
          // that existed while it was live.
          const succ = chain?.rotated.find((r) => r.name > cur!.lastRotated);
          if (succ) {
            const h = await headOf(join(dir, succ.plain ? succ.name : `${succ.name}.gz`), !succ.plain);
            if (sameHead(cur.head, h)) cur = { ...cur, file: succ.name };
            else {
              // Ours was rotated and removed (MaxFiles) before it was read: go on with the oldest left.
              lost(`${liveName} was rotated away before it was read to its end`);
              cur = { ...cur, file: succ.name, offset: 0, head: undefined, partial: {} };
            }
            continue;
          }
          if (st) {
            lost(`${liveName} was replaced before it was read to its end`);
            cur = { ...cur, ino: st.ino, offset: 0, head: undefined, partial: {} };
            continue;
          }
          // Gone altogether (the container was removed): on to a newer restart, if any.
          const next = this.nextChain(chains, cur.restart, c.restartCount);
          if (next === null) break;
          cur = this.flush(cur, entries);
          cur = await this.startChain(dir, chains, next, idOf(next));
          continue;
        }
      } else {
        const r = chain?.rotated.find((x) => x.name === cur!.file);
        if (!r) {
          lost(`${cur.file} was removed by log rotation before it was read`);
          cur = await this.after(dir, chain, cur);
          continue;
        }
        gz = !r.plain;
        path = join(dir, r.plain ? r.name : `${r.name}.gz`);
      }
      if ((cur.head ?? '').length < HEAD) {
        const h = await headOf(path, gz);
        if (h !== null) cur = { ...cur, head: h };
      }
      const buf = await readFrom(path, gz, cur.offset, budget);
      if (buf === null) {
        if (++misses > 3) break;
        continue; // renamed or compressed while opening: look again
      }
      const used = this.parse(buf, cur, entries);
      cur = { ...cur, offset: cur.offset + used };
      const hitBudget = buf.length >= budget;
      budget -= used;
      if (hitBudget) break; // read as much as allowed this cycle; the rest next time
      // At the end of the file.
      if (!isLive) {
        // A rotated file is final once a newer file exists (the runtime reopened the live file).
        const c2 = (await listChains(dir)).get(cur.restart);
        const later = c2?.rotated.find((x) => x.name > cur!.file);
        if (later) {
          cur = { ...cur, file: later.name, offset: 0, ino: 0, head: undefined };
          continue;
        }
        const st: { ino: number; size: number } | null = c2?.live ? await inode(join(dir, liveName)) : null;
        if (st) {
          cur = { ...cur, file: liveName, ino: st.ino, offset: 0, lastRotated: cur.file, head: undefined };
          continue;
        }
        break; // between the kubelet's rename and the runtime's reopen: more may still arrive
      }
      // At the end of the live file: a newer restart means this container has exited for good.
      const next = this.nextChain(chains, cur.restart, c.restartCount);
      if (next === null) break;
      cur = this.flush(cur, entries);
      cur = await this.startChain(dir, chains, next, idOf(next));
    }
    this.cursors.value[key] = cur;
    if (this.onLines) {
      const byId = new Map<string, string[]>();
      for (const e of entries) if (!e.marker) byId.set(e.id, [...(byId.get(e.id) ?? []), e.text]);
      for (const [id, texts] of byId) this.onLines(id, texts);
    }
    return this.toLines(entries);
  }

  /** The next restart number with files, not beyond what the pod status knows of (its id is known then). */
  private nextChain(chains: Map<number, Chain>, after: number, restartCount: number): number | null {
    const later = [...chains.keys()].filter((n) => n > after && n <= restartCount).sort((a, b) => a - b);
    return later.length ? later[0] : null;
  }

  /** The first file of a restart's chain (its oldest rotated file, else its live file), offset 0. */
  private async startChain(dir: string, chains: Map<number, Chain>, n: number, id: string): Promise<LogCursor> {
    const chain = chains.get(n);
    const first = chain?.rotated[0];
    if (first) return { restart: n, id, file: first.name, ino: 0, offset: 0, lastRotated: '', partial: {} };
    const st = await inode(join(dir, `${n}.log`));
    return { restart: n, id, file: `${n}.log`, ino: st?.ino ?? 0, offset: 0, lastRotated: '', partial: {} };
  }

  /** The file after a rotated one that vanished: the next rotated name, else the live file. */
  private async after(dir: string, chain: Chain | undefined, cur: LogCursor): Promise<LogCursor> {
    const later = chain?.rotated.find((x) => x.name > cur.file);
    if (later) return { ...cur, file: later.name, offset: 0, ino: 0, head: undefined, partial: {} };
    const st = await inode(join(dir, `${cur.restart}.log`));
    return {
      ...cur,
      file: `${cur.restart}.log`,
      ino: st?.ino ?? 0,
      offset: 0,
      lastRotated: cur.file,
      head: undefined,
      partial: {},
    };
  }

  /** Where a container's reading starts the first time it is seen. */
  private async initial(
    dir: string,
    c: LogContainer,
    idOf: (n: number) => string,
    fromStart: boolean
  ): Promise<LogCursor | null> {
    const chains = await listChains(dir);
    const known = [...chains.keys()].filter((n) => n <= c.restartCount).sort((a, b) => a - b);
    if (!known.length) return null;
    const n = known[known.length - 1];
    if (fromStart) return this.startChain(dir, chains, n, idOf(n));
    const chain = chains.get(n)!;
    const newestRotated = chain.rotated.length ? chain.rotated[chain.rotated.length - 1].name : '';
    const st = chain.live ? await inode(join(dir, `${n}.log`)) : null;
    if (!st) return null;
    return {
      restart: n,
      id: idOf(n),
      file: `${n}.log`,
      ino: st.ino,
      offset: st.size,
      lastRotated: newestRotated,
      partial: {},
    };
  }

  /** Parses whole entries of `buf` into `entries` (joining P entries in `cur.partial`); returns the bytes used. */
  private parse(buf: Buffer, cur: LogCursor, entries: Entry[]): number {
    let used = 0;
    let nl: number;
    while ((nl = buf.indexOf(0x0a, used)) >= 0) {
      const raw = buf.subarray(used, nl).toString('utf8');
      used = nl + 1;
      const p = raw ? parseCriLine(raw) : null;
      if (!p) continue;
      const pend = cur.partial[p.stream];
      const joined: Pending = pend
        ? { ...pend, bytes: pend.bytes + Buffer.byteLength(p.text) }
        : { sec: p.sec, nanos: p.nanos, text: '', bytes: Buffer.byteLength(p.text) };
      if (joined.text.length < MAX_MESSAGE) joined.text = (joined.text + p.text).slice(0, MAX_MESSAGE);
      if (p.partial) {
        cur.partial = { ...cur.partial, [p.stream]: joined };
        continue;
      }
      cur.partial = { ...cur.partial, [p.stream]: undefined };
      entries.push(this.entry(cur.id, p.stream, joined));
    }
    // One entry that does not end within a whole read budget cannot be a runtime's entry (they are
    // split at 16 KiB): skip it rather than stall the container's logs.
    if (used === 0 && buf.length >= MAX_READ) return buf.length;
    return used;
  }

  private entry(id: string, stream: 'stdout' | 'stderr', p: Pending): Entry {
    const cut = p.bytes > Buffer.byteLength(p.text);
    return { sec: p.sec, nanos: p.nanos, id, stream, text: p.text, ...(cut ? { cutFrom: p.bytes } : {}) };
  }

  /** The container of this chain has exited: a partial line it left is a line. */
  private flush(cur: LogCursor, entries: Entry[]): LogCursor {
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = cur.partial[stream];
      if (p) entries.push(this.entry(cur.id, stream, p));
    }
    return { ...cur, partial: {} };
  }

  private toLines(entries: Entry[]): LogLine[] {
    const real = entries.filter((e) => !e.marker);
    const kept = real.slice(0, this.cap);
    const out: LogLine[] = [];
    for (const e of entries) {
      if (!e.marker && !kept.includes(e)) continue;
      let message = e.text;
      if (e.cutFrom !== undefined) {
        const note = ` [fleetlens-agent: line truncated, ${e.cutFrom} bytes in all]`;
        message = message.slice(0, MAX_MESSAGE - note.length) + note;
      }
      out.push({
        ts: e.sec,
        nanos: e.nanos,
        containerId: e.id,
        stream: e.stream,
        level: e.marker ? 'warning' : detectLevel(e.text),
        message: message.slice(0, MAX_MESSAGE),
        ...(e.cutFrom !== undefined ? { truncated: true } : {}),
      });
    }
    if (real.length > kept.length) {
      const last = real[real.length - 1];
      this.skipped += real.length - kept.length;
      out.push({
        ts: last.sec,
        nanos: last.nanos,
        containerId: last.id,
        stream: 'stderr',
        level: 'warning',
        message: `[fleetlens-agent] ${real.length - kept.length} log lines skipped: over the limit of ${this.cap} lines per container per interval`,
      });
    }
    return out;
  }

  /** Forgets the cursors of log directories that are not in `keys` (pods gone). */
  retain(keys: Set<string>): void {
    for (const k of Object.keys(this.cursors.value)) if (!keys.has(k)) delete this.cursors.value[k];
  }

  save(): Promise<void> {
    return this.cursors.save();
  }
}

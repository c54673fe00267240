/** One demultiplexed chunk of a Docker log stream. */
export interface Frame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/**
 * Splits Docker's multiplexed log format (8-byte header: stream, 3 zero bytes, big-endian size)
 * into frames. A container with a TTY has no headers: everything is stdout.
 */
export function demultiplex(buf: Buffer, tty: boolean): Frame[] {
  if (tty) return [{ stream: 'stdout', data: buf }];
  const frames: Frame[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const type = buf[off];
    const size = buf.readUInt32BE(off + 4);
    const end = Math.min(buf.length, off + 8 + size);
    // 0 (stdin, only with attach) and 1 are stdout; 2 is stderr.
    frames.push({ stream: type === 2 ? 'stderr' : 'stdout', data: buf.subarray(off + 8, end) });
    off = end;
  }
  return frames;
}

/** A log line with its Docker timestamp split into epoch seconds and nanoseconds. */
export interface TimedLine {
  stream: 'stdout' | 'stderr';
  sec: number;
  nanos: number;
  text: string;
}

/** Parses Docker's RFC 3339 nano timestamp ("2024-01-02T03:04:05.123456789Z"). */
export function parseDockerTime(ts: string): { sec: number; nanos: number } | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return null;
  return { sec: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

/** Splits frames (requested with timestamps=true) into timestamped lines. */
export function toLines(frames: Frame[]): TimedLine[] {
  const out: TimedLine[] = [];
  // Docker emits one frame per line normally, but long lines are split across frames and a
  // frame may hold several lines: join per stream and split on newlines.
  const pending: Record<string, string> = { stdout: '', stderr: '' };
  const flush = (stream: 'stdout' | 'stderr', raw: string) => {
    const sp = raw.indexOf(' ');
    const t = sp > 0 ? parseDockerTime(raw.slice(0, sp)) : null;
    if (!t) return;
    out.push({ stream, sec: t.sec, nanos: t.nanos, text: raw.slice(sp + 1).replace(/\r$/, '') });
  };
  for (const f of frames) {
    pending[f.stream] += f.data.toString('utf8');
    let nl: number;
    while ((nl = pending[f.stream].indexOf('\n')) >= 0) {
      flush(f.stream, pending[f.stream].slice(0, nl));
      pending[f.stream] = pending[f.stream].slice(nl + 1);
    }
  }
  for (const s of ['stdout', 'stderr'] as const) if (pending[s]) flush(s, pending[s]);
  return out;
}

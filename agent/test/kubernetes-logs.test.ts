import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '@fleetlens/protocol';
import { LogLine as LogLineSchema } from '@fleetlens/protocol';
import { PodLogTailer, parseCriLine, type PodLogCursors } from '../src/collectors/kubernetes/podlogs';
import { JsonState } from '../src/state';
import { CriLogDir } from './helpers/cri-logs';

// No kubelet or container runtime can run here: CriLogDir (helpers/cri-logs.ts) is a stand-in that
// writes and rotates CRI log files the way Kubernetes' source does (each rule names its file).

const REF = { namespace: 'shop', pod: 'web-1', podUid: 'u1', container: 'web' };

describe('pod log files against a stand-in kubelet/runtime (CRI files written and rotated as container_log_manager.go does)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fl-k8slogs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const tailer = async (cap = 100_000) =>
    new PodLogTailer(root, await JsonState.open<PodLogCursors>(join(root, 'state', 'cursors.json'), {}), cap);
  /** One collector cycle: what the pod status says of the container decides which files are whose. */
  const cycle = (t: PodLogTailer, c: CriLogDir, fromStart = true, status = c.status()) =>
    t.fetch(
      REF,
      {
        id: status.containerID.replace('containerd://', ''),
        restartCount: status.restartCount,
        previousId: status.lastState.terminated?.containerID.replace('containerd://', ''),
      },
      fromStart
    );
  const text = (lines: LogLine[]) => lines.map((l) => l.message);
  const numbered = (from: number, to: number, prefix = 'line') =>
    Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(5, '0')}`);

  describe('the stand-in refuses what the kubelet refuses', () => {
    it('MaxFiles must be > 1; only running containers and only files at MaxSize are rotated; an exited container writes nothing', () => {
      expect(() => new CriLogDir(root, REF, { maxSize: 100, maxFiles: 1 })).toThrow('must be > 1');
      const c = new CriLogDir(root, REF, { maxSize: 200, maxFiles: 3 });
      c.write('stdout', 'short');
      expect(c.rotate()).toBe(false); // below MaxSize
      for (const l of numbered(0, 10)) c.write('stdout', l);
      c.exit();
      expect(c.rotate()).toBe(false); // not running
      expect(() => c.write('stdout', 'x')).toThrow('not running');
      expect(c.files()).toEqual(['0.log']);
    });

    it('rotation renames the live file, compresses older rotated files at the next rotation, keeps MaxFiles-2 rotated ones', () => {
      const c = new CriLogDir(root, REF, { maxSize: 100, maxFiles: 3 });
      const fill = () => numbered(0, 5).forEach((l) => c.write('stdout', l));
      fill();
      expect(c.rotate()).toBe(true);
      expect(c.files()).toEqual(['0.log', '0.log.20260101-000001']);
      fill();
      c.rotate();
      expect(c.files()).toEqual(['0.log', '0.log.20260101-000001.gz', '0.log.20260101-000002']);
      fill();
      c.rotate(); // MaxFiles 3: the oldest rotated file goes
      expect(c.files()).toEqual(['0.log', '0.log.20260101-000002.gz', '0.log.20260101-000003']);
      const line = parseCriLine(readFileSync(join(c.dir, '0.log.20260101-000003'), 'utf8').split('\n')[0]);
      expect(line).toMatchObject({ stream: 'stdout', partial: false, text: 'line-00000' });
    });
  });

  it('parses CRI lines as logs.go does (tags after ":" ignored, unknown tags refused) and joins partial ones', async () => {
    expect(parseCriLine('2026-01-01T00:00:01.5Z stderr F oops')).toEqual({
      sec: 1767225601,
      nanos: 500000000,
      stream: 'stderr',
      partial: false,
      text: 'oops',
    });
    expect(parseCriLine('2026-01-01T00:00:01.5Z stdout F:x more')).toMatchObject({ partial: false, text: 'more' });
    expect(parseCriLine('2026-01-01T00:00:01.5Z stdout X more')).toBeNull();
    expect(parseCriLine('2026-01-01T00:00:01.5Z stdin F more')).toBeNull();
    const c = new CriLogDir(root, REF, { maxSize: 10 * 2 ** 20, maxFiles: 5, maxEntry: 10 });
    c.write('stdout', 'first half, second half');
    c.write('stderr', 'ERROR bad');
    const lines = await cycle(await tailer(), c);
    expect(lines.map((l) => [l.stream, l.level, l.message, l.containerId])).toEqual([
      ['stdout', 'unknown', 'first half, second half', 'web-c0'],
      ['stderr', 'error', 'ERROR bad', 'web-c0'],
    ]);
  });

  it('item 3: a rotated file is read to its end before the new live file, also after the kubelet compressed it; nothing lost or repeated', async () => {
    const c = new CriLogDir(root, REF, { maxSize: 2000, maxFiles: 5 });
    const t = await tailer();
    const got: string[] = [];
    const written: string[] = [];
    const write = (from: number, to: number) =>
      numbered(from, to).forEach((l) => {
        c.write('stdout', l);
        written.push(l);
      });
    write(0, 30);
    got.push(...text(await cycle(t, c)));
    write(30, 80); // written after the last read, before the rotation
    expect(c.rotate()).toBe(true);
    write(80, 100);
    got.push(...text(await cycle(t, c)));
    expect(got).toEqual(written);
    // Two rotations between reads: the first rotated file is compressed by the second.
    write(100, 160);
    c.rotate();
    write(160, 230);
    c.rotate();
    write(230, 240);
    expect(c.files().filter((f) => f.endsWith('.gz')).length).toBeGreaterThan(0);
    got.push(...text(await cycle(t, c)));
    expect(got).toEqual(written);
    // Between the rename and the runtime's reopen: the renamed file may still grow.
    write(240, 250);
    c.renameOnly();
    got.push(...text(await cycle(t, c)));
    c.reopen();
    write(250, 260);
    got.push(...text(await cycle(t, c)));
    expect(got).toEqual(written);
  });

  it('item 3: a resumed agent (new process, same state file) continues inside a rotated file', async () => {
    const c = new CriLogDir(root, REF, { maxSize: 500, maxFiles: 5 });
    const t1 = await tailer();
    numbered(0, 5).forEach((l) => c.write('stdout', l));
    expect(text(await cycle(t1, c))).toEqual(numbered(0, 5));
    await t1.save();
    numbered(5, 40).forEach((l) => c.write('stdout', l));
    c.rotate();
    numbered(40, 45).forEach((l) => c.write('stdout', l));
    const t2 = await tailer();
    expect(text(await cycle(t2, c))).toEqual(numbered(5, 45));
  });

  it('item 3: a rotated file removed before it was read (MaxFiles) is reported as lost, and reading goes on', async () => {
    const c = new CriLogDir(root, REF, { maxSize: 100, maxFiles: 2 });
    const t = await tailer();
    c.write('stdout', 'first');
    expect(text(await cycle(t, c))).toEqual(['first']);
    for (let r = 0; r < 3; r++) {
      numbered(0, 10, `r${r}`).forEach((l) => c.write('stdout', l));
      c.rotate();
    }
    c.write('stdout', 'now');
    const lines = await cycle(t, c);
    expect(lines[0]).toMatchObject({ level: 'warning', stream: 'stderr' });
    expect(lines[0].message).toContain('lost');
    expect(text(lines).slice(-1)).toEqual(['now']);
  });

  it("item 4: when the restart count moves on, the crashed container's file is read to its end under its own id first", async () => {
    const c = new CriLogDir(root, REF);
    const t = await tailer();
    c.write('stdout', 'starting');
    expect((await cycle(t, c)).map((l) => [l.containerId, l.message])).toEqual([['web-c0', 'starting']]);
    c.write('stderr', 'panic: out of cheese');
    c.write('stderr', 'goroutine 1 [running]');
    c.exit();
    c.restart(); // within one interval
    c.write('stdout', 'starting again');
    const lines = await cycle(t, c);
    expect(lines.map((l) => [l.containerId, l.stream, l.message])).toEqual([
      ['web-c0', 'stderr', 'panic: out of cheese'],
      ['web-c0', 'stderr', 'goroutine 1 [running]'],
      ['web-c1', 'stdout', 'starting again'],
    ]);
    expect(await cycle(t, c)).toEqual([]);
  });

  it('item 4: a pod status that lags behind the new file (restart count not updated yet) finishes the old file and waits with the new one', async () => {
    const c = new CriLogDir(root, REF);
    const t = await tailer();
    c.write('stdout', 'a');
    const before = c.status();
    await cycle(t, c, true, before);
    c.write('stdout', 'last words');
    c.exit();
    c.restart();
    c.write('stdout', 'new instance');
    expect((await cycle(t, c, true, before)).map((l) => [l.containerId, l.message])).toEqual([
      ['web-c0', 'last words'],
    ]);
    expect((await cycle(t, c)).map((l) => [l.containerId, l.message])).toEqual([['web-c1', 'new instance']]);
  });

  it('item 4: two restarts within one interval: every file in order, a line the crash left open is ended', async () => {
    const c = new CriLogDir(root, REF);
    const t = await tailer();
    await cycle(t, c);
    c.write('stdout', 'c0 end');
    c.write('stdout', 'c0 half', false);
    c.exit();
    c.restart();
    c.write('stdout', 'c1 only');
    c.exit();
    c.restart();
    c.write('stdout', 'c2');
    expect(text(await cycle(t, c))).toEqual(['c0 end', 'c0 half', 'c1 only', 'c2']);
  });

  it('item 5: a logical line over 4 MiB is cut and marked truncated, and the lines after it still arrive', async () => {
    const c = new CriLogDir(root, REF);
    const t = await tailer();
    await cycle(t, c);
    const big = 'x'.repeat(5 * 2 ** 20);
    c.write('stdout', 'before');
    c.write('stdout', big);
    c.write('stdout', 'after');
    c.write('stderr', 'err after');
    const got: LogLine[] = [];
    for (let i = 0; i < 4; i++) got.push(...(await cycle(t, c)));
    expect(got.map((l) => (l.message.length > 100 ? `long:${l.truncated}` : l.message))).toEqual([
      'before',
      'long:true',
      'after',
      'err after',
    ]);
    const long = got[1];
    expect(long.message.length).toBeLessThanOrEqual(16_384);
    expect(long.message).toMatch(/^x+ \[fleetlens-agent: line truncated, 5242880 bytes in all\]$/);
    expect(LogLineSchema.safeParse(long).success).toBe(true);
    expect(got.filter((l) => !l.truncated).every((l) => l.truncated === undefined)).toBe(true);
  });

  it('item 5: stderr lines written while a stdout line is open (P) are delivered once, and the stdout line whole', async () => {
    const c = new CriLogDir(root, REF);
    const t = await tailer();
    await cycle(t, c);
    c.write('stdout', 'progress: 10%', false);
    c.write('stderr', 'warning: slow disk');
    const first = await cycle(t, c);
    c.write('stdout', ' done');
    c.write('stderr', 'bye');
    const second = await cycle(t, c);
    expect([...first, ...second].map((l) => [l.stream, l.message])).toEqual([
      ['stderr', 'warning: slow disk'],
      ['stdout', 'progress: 10% done'],
      ['stderr', 'bye'],
    ]);
  });

  it('starts at the end for containers that existed before the agent, and caps lines per cycle (skipped, not deferred)', async () => {
    const c = new CriLogDir(root, REF);
    c.write('stdout', 'old news');
    const t = await tailer(3);
    expect(await cycle(t, c, false)).toEqual([]);
    numbered(0, 10, 'n').forEach((l) => c.write('stdout', l));
    const lines = await cycle(t, c, false);
    expect(text(lines).slice(0, 3)).toEqual(['n-00000', 'n-00001', 'n-00002']);
    expect(lines[3].message).toContain('7 log lines skipped');
    expect(await cycle(t, c, false)).toEqual([]);
  });

  it('retain forgets the cursors of pods that are gone', async () => {
    const c = new CriLogDir(root, REF);
    c.write('stdout', 'x');
    const state = await JsonState.open<PodLogCursors>(join(root, 'state', 'c.json'), {});
    const t = new PodLogTailer(root, state, 100);
    await cycle(t, c);
    expect(Object.keys(state.value)).toEqual([PodLogTailer.key(REF)]);
    t.retain(new Set());
    expect(state.value).toEqual({});
  });
});

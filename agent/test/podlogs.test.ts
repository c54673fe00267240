import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodLogTailer, parseCriLine, type PodLogCursors } from '../src/collectors/kubernetes/podlogs';
import { JsonState } from '../src/state';

// The kubelet writes container logs as CRI-format files under /var/log/pods; these tests write
// such files in a temporary directory laid out the same way.
const ref = { namespace: 'shop', pod: 'web-1', podUid: 'u1', container: 'web' };
const cri = (sec: number, stream: string, tag: string, msg: string) =>
  `${new Date(sec * 1000).toISOString().replace('.000Z', '.123456789Z')} ${stream} ${tag} ${msg}\n`;

describe('pod log files (CRI format, kubelet layout)', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fl-podlogs-'));
    dir = join(root, 'shop_web-1_u1', 'web');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const tailer = async (cap = 100) =>
    new PodLogTailer(root, await JsonState.open<PodLogCursors>(join(root, 'state', 'cursors.json'), {}), cap);

  it('parses CRI lines and joins partial ones', async () => {
    expect(parseCriLine('2026-01-01T00:00:01.5Z stderr F oops')).toEqual({
      sec: 1767225601,
      nanos: 500000000,
      stream: 'stderr',
      partial: false,
      text: 'oops',
    });
    writeFileSync(
      join(dir, '0.log'),
      cri(1767225600, 'stdout', 'P', 'first half, ') +
        cri(1767225600, 'stdout', 'F', 'second half') +
        cri(1767225601, 'stderr', 'F', 'ERROR bad')
    );
    const t = await tailer();
    const lines = await t.fetch('c1', ref, true);
    expect(lines.map((l) => [l.stream, l.level, l.message, l.containerId])).toEqual([
      ['stdout', 'unknown', 'first half, second half', 'c1'],
      ['stderr', 'error', 'ERROR bad', 'c1'],
    ]);
    expect(lines[0].nanos).toBe(123456789);
  });

  it('resumes after a restart of the agent, follows rotation, and never re-reads a line', async () => {
    const f = join(dir, '0.log');
    writeFileSync(f, cri(100, 'stdout', 'F', 'a') + cri(101, 'stdout', 'F', 'b'));
    const t1 = await tailer();
    expect((await t1.fetch('c1', ref, true)).map((l) => l.message)).toEqual(['a', 'b']);
    appendFileSync(f, cri(102, 'stdout', 'F', 'c') + '2026-01-01T00:00:00Z stdout F half-writ'); // last line incomplete
    expect((await t1.fetch('c1', ref, true)).map((l) => l.message)).toEqual(['c']);
    await t1.save();
    appendFileSync(f, 'ten\n');
    const t2 = await tailer(); // a new agent process, same state dir
    expect((await t2.fetch('c1', ref, true)).map((l) => l.message)).toEqual(['half-written']);
    // kubelet rotates: 0.log is renamed away and a new one starts
    renameSync(f, `${f}.20260101-000000`);
    writeFileSync(f, cri(200, 'stdout', 'F', 'after rotation'));
    expect((await t2.fetch('c1', ref, true)).map((l) => l.message)).toEqual(['after rotation']);
    // container restarted: kubelet writes 1.log
    writeFileSync(join(dir, '1.log'), cri(300, 'stdout', 'F', 'restarted'));
    expect((await t2.fetch('c1', ref, true)).map((l) => l.message)).toEqual(['restarted']);
  });

  it('starts at the end for containers that existed before the agent, and caps lines per cycle', async () => {
    writeFileSync(join(dir, '0.log'), cri(100, 'stdout', 'F', 'old news'));
    const t = await tailer(3);
    expect(await t.fetch('c1', ref, false)).toEqual([]);
    appendFileSync(join(dir, '0.log'), Array.from({ length: 10 }, (_, i) => cri(101, 'stdout', 'F', `n${i}`)).join(''));
    const lines = await t.fetch('c1', ref, false);
    expect(lines.slice(0, 3).map((l) => l.message)).toEqual(['n0', 'n1', 'n2']);
    expect(lines[3].message).toContain('7 log lines skipped');
    expect(await t.fetch('c1', ref, false)).toEqual([]); // skipped, not deferred
  });
});

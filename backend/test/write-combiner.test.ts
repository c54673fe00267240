import { CombinerBusyError, WriteCombiner } from '../src/services/write-combiner';

// Decision 39: batches that arrive while others are written go in together. What each caller
// relies on: its own answer, soon when the server is quiet, and only its own failure.

/** A write that records its groups and finishes when the test says so. */
function gatedWrite(fail: (item: string) => boolean = () => false) {
  const groups: string[][] = [];
  const gates: (() => void)[] = [];
  const write = (items: string[]) => {
    groups.push(items);
    return new Promise<string[]>((resolve, reject) => {
      gates.push(() =>
        items.some(fail) ? reject(new Error(`bad in ${items.join('+')}`)) : resolve(items.map((i) => `ok:${i}`))
      );
    });
  };
  const open = async () => {
    while (gates.length) gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { groups, write, open };
}

describe('WriteCombiner', () => {
  it('writes a lone item at once, and what arrives meanwhile together in the next write', async () => {
    const w = gatedWrite();
    const c = new WriteCombiner(w.write, 100, 1, 1000);
    const a = c.submit('a', 1);
    expect(w.groups).toEqual([['a']]); // no waiting for company
    const rest = ['b', 'c', 'd'].map((x) => c.submit(x, 1));
    expect(w.groups).toHaveLength(1);
    await w.open();
    expect(await a).toBe('ok:a');
    expect(w.groups).toEqual([['a'], ['b', 'c', 'd']]);
    await w.open();
    expect(await Promise.all(rest)).toEqual(['ok:b', 'ok:c', 'ok:d']);
  });

  it('puts at most maxWeight in one write, and a heavier item alone', async () => {
    const w = gatedWrite();
    const c = new WriteCombiner(w.write, 10, 1, 1000);
    const all = [c.submit('first', 1), c.submit('x', 4), c.submit('y', 4), c.submit('z', 4), c.submit('huge', 50)];
    for (let i = 0; i < 4; i++) await w.open();
    await Promise.all(all);
    expect(w.groups).toEqual([['first'], ['x', 'y'], ['z'], ['huge']]);
  });

  it('runs maxInFlight writes at once', async () => {
    const w = gatedWrite();
    const c = new WriteCombiner(w.write, 100, 2, 1000);
    const all = ['a', 'b', 'c', 'd'].map((x) => c.submit(x, 1));
    expect(w.groups).toEqual([['a'], ['b']]);
    await w.open();
    await w.open();
    await Promise.all(all);
    expect(w.groups).toEqual([['a'], ['b'], ['c', 'd']]);
  });

  it('when a combined write fails, writes each item alone: only the bad one fails', async () => {
    const w = gatedWrite((i) => i === 'bad');
    const c = new WriteCombiner(w.write, 100, 1, 1000);
    const first = c.submit('first', 1);
    const group = ['p', 'bad', 'q'].map((x) => c.submit(x, 1).catch((e: Error) => e));
    for (let i = 0; i < 5; i++) await w.open();
    await first;
    const [p, bad, q] = await Promise.all(group);
    expect(p).toBe('ok:p');
    expect(q).toBe('ok:q');
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toBe('bad in bad');
    expect(w.groups).toEqual([['first'], ['p', 'bad', 'q'], ['p'], ['bad'], ['q']]);
  });

  it('when the store itself fails (not an item), fails every item of the group at once, without retrying each', async () => {
    const down = new Error('connect ECONNREFUSED');
    const groups: string[][] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((r) => (release = r));
    const write = async (items: string[]) => {
      groups.push(items);
      if (items[0] === 'first') await firstDone;
      throw down;
    };
    const c = new WriteCombiner(write, 100, 1, 1000, (e) => e === down);
    const first = c.submit('first', 1).catch((e: Error) => e);
    const group = ['p', 'q', 'r'].map((x) => c.submit(x, 1).catch((e: Error) => e));
    release();
    expect(await first).toBe(down);
    expect(await Promise.all(group)).toEqual([down, down, down]);
    expect(groups).toEqual([['first'], ['p', 'q', 'r']]);
  });

  it('refuses at once, holding nothing, when more than maxWaiting already waits', async () => {
    const w = gatedWrite();
    const c = new WriteCombiner(w.write, 100, 1, 5);
    const running = c.submit('running', 1);
    const queued = [c.submit('w1', 3), c.submit('w2', 2)];
    await expect(c.submit('over', 1)).rejects.toBeInstanceOf(CombinerBusyError);
    expect(c.waiting).toBe(2);
    await w.open();
    await w.open();
    expect(await running).toBe('ok:running');
    expect(await Promise.all(queued)).toEqual(['ok:w1', 'ok:w2']);
    expect(w.groups.flat()).not.toContain('over');
  });
});

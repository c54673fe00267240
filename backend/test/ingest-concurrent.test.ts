import { IngestReply } from '@fleetlens/protocol';
import { DIALECTS } from './helpers/databases';
import { liveBackend, tableCounts, type Live } from './helpers/backend';

// Decision 39: batches pushed at the same moment are stored together, in one transaction. What
// agents rely on is checked against hand counts: each gets its own answer, every row of every
// batch is stored once, the newer of two batches of one node wins whatever their order, and each
// node's inventory marks only its own containers gone.

const NODES = 12;
const PER_NODE = 4;
const cid = (n: number, i: number) => `${String(n).padStart(2, '0')}${String(i).padStart(2, '0')}`.padEnd(64, 'e');

function nodeBatch(n: number, sentAt: number, o: { cpu?: number; inventory?: number[]; samples?: number } = {}) {
  const host = `cc-${n}`;
  const times = Array.from({ length: o.samples ?? 1 }, (_, k) => sentAt - 10 * k);
  return {
    version: 'v1',
    batchId: `cc-${n}-${sentAt}-${Math.random().toString(36).slice(2)}`,
    sentAt,
    agent: { id: `agent-${host}`, version: '1', mode: 'node', hostname: host },
    cluster: { name: 'concurrent', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: host, cores: 4, memoryBytes: 8e9, samples: times.map((ts) => ({ ts, cpuCores: o.cpu ?? n })) }],
    containers: Array.from({ length: PER_NODE }, (_, i) => ({
      id: cid(n, i),
      nodeName: host,
      name: `c-${n}-${i}`,
      image: 'busybox',
      state: 'running',
      samples: times.map((ts) => ({ ts, cpuCores: (o.cpu ?? n) / 10 + i })),
    })),
    inventories: o.inventory ? [{ nodeName: host, ts: sentAt, containerIds: o.inventory.map((i) => cid(n, i)) }] : [],
  };
}

describe.each(DIALECTS)('ingest of batches pushed at once (%s)', (dialect) => {
  let live: Live;
  const t = Math.floor(Date.now() / 1000) - 300;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('stores every batch once, answers each with its own counts, in fewer transactions than batches', async () => {
    let transactions = 0;
    const count = (q: { sql?: string }) => {
      if (/^begin/i.test(q.sql ?? '')) transactions++;
    };
    live.backend.db.on('query', count);
    const before = await tableCounts(live);
    const batches = Array.from({ length: NODES }, (_, n) => nodeBatch(n, t, { samples: (n % 3) + 1 }));
    const replies = await Promise.all(batches.map((b) => live.ingest(b)));
    live.backend.db.off('query', count);
    replies.forEach((r, n) => {
      expect(r.status).toBe(202);
      const { accepted } = IngestReply.parse(r.body);
      expect(accepted).toMatchObject({
        nodes: 1,
        nodeSamples: (n % 3) + 1,
        containers: PER_NODE,
        containerSamples: PER_NODE * ((n % 3) + 1),
      });
    });
    // Hand sums: 12 nodes with 1, 2 or 3 samples each (4 of each), 4 containers per node.
    const samples = 4 * (1 + 2 + 3);
    const after = await tableCounts(live);
    expect(after.nodes - before.nodes).toBe(NODES);
    expect(after.containers - before.containers).toBe(NODES * PER_NODE);
    expect(after.node_samples - before.node_samples).toBe(samples);
    expect(after.container_samples - before.container_samples).toBe(samples * PER_NODE);
    expect(after.agents - before.agents).toBe(NODES);
    expect(after.clusters - before.clusters).toBe(1);
    // The same batches again (an agent's retry): nothing new.
    await Promise.all(batches.map((b) => live.ingest(b)));
    expect(await tableCounts(live)).toEqual(after);
    // Were they combined? Twelve at once on a server that was idle: the first goes alone.
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(NODES);
  });

  it('keeps the newer of two batches of one node pushed at once, in either order', async () => {
    for (const [first, second] of [
      [t + 20, t + 30],
      [t + 50, t + 40],
    ]) {
      const others = Array.from({ length: 6 }, (_, n) => nodeBatch(n + 1, first));
      const replies = await Promise.all(
        [nodeBatch(0, first, { cpu: first }), ...others, nodeBatch(0, second, { cpu: second })].map((b) =>
          live.ingest(b)
        )
      );
      expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
      const newer = Math.max(first, second);
      const latest = await live.backend
        .db('node_latest as l')
        .join('nodes as n', 'n.id', 'l.entity_id')
        .where('n.name', 'cc-0')
        .first('l.ts', 'l.cpu_cores');
      expect([Number(latest.ts), Number(latest.cpu_cores)]).toEqual([newer, newer]);
      const node = await live.backend.db('nodes').where('name', 'cc-0').first('last_seen');
      expect(Number(node.last_seen)).toBe(newer);
      const agent = await live.backend.db('agents').where('id', 'agent-cc-0').first('last_seen');
      expect(Number(agent.last_seen)).toBe(newer);
    }
  });

  it("applies each node's inventory to its own containers only, when several arrive at once", async () => {
    // Node 1 lost its containers 0 and 1; node 2 lost container 3; node 3 reports all four.
    const replies = await Promise.all([
      live.ingest({ ...nodeBatch(1, t + 60, { inventory: [2, 3] }), containers: [] }),
      live.ingest({ ...nodeBatch(2, t + 60, { inventory: [0, 1, 2] }), containers: [] }),
      live.ingest(nodeBatch(3, t + 60, { inventory: [0, 1, 2, 3] })),
    ]);
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202]);
    const gone: { name: string; gone_at: number | null }[] = await live.backend
      .db('containers')
      .whereIn('name', ['c-1-0', 'c-1-1', 'c-1-2', 'c-1-3', 'c-2-0', 'c-2-3', 'c-3-0', 'c-3-3', 'c-4-0'])
      .orderBy('name')
      .select('name', 'gone_at');
    expect(Object.fromEntries(gone.map((g) => [g.name, g.gone_at === null ? null : Number(g.gone_at)]))).toEqual({
      'c-1-0': t + 60,
      'c-1-1': t + 60,
      'c-1-2': null,
      'c-1-3': null,
      'c-2-0': null,
      'c-2-3': t + 60,
      'c-3-0': null,
      'c-3-3': null,
      'c-4-0': null,
    });
  });
});

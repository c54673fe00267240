import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Issue 13 (live ingest, decision 39): the ingest reads each entity table once and writes the
// cluster row, which every agent of a cluster shares, only when it changed or its last_seen is
// 10 s behind. What users rely on is checked here: the cluster's description and last seen, the
// agent row against replays, each sample's covered seconds, and inventories.

const CID = 'c'.repeat(64);

function batch(
  sentAt: number,
  o: { env?: string; version?: string; sampleTs?: number[]; inventories?: [number, string[]][] } = {}
) {
  return {
    version: 'v1',
    batchId: `shared-${sentAt}-${Math.random().toString(36).slice(2)}`,
    sentAt,
    agent: { id: 'agent-shared', version: o.version ?? '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'shared', kind: 'docker', environment: o.env ?? 'on-prem' },
    nodes: [{ name: 'n1', cores: 2, memoryBytes: 4e9, samples: [{ ts: sentAt, cpuCores: 1 }] }],
    containers: [
      {
        id: CID,
        nodeName: 'n1',
        name: 'app',
        image: 'busybox',
        state: 'running',
        samples: (o.sampleTs ?? [sentAt]).map((ts) => ({ ts, cpuCores: 0.5 })),
      },
    ],
    inventories: (o.inventories ?? []).map(([ts, containerIds]) => ({ nodeName: 'n1', ts, containerIds })),
  };
}

describe.each(DIALECTS)('ingest rows shared by many batches (%s)', (dialect) => {
  let live: Live;
  const t = Math.floor(Date.now() / 1000) - 600;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  const cluster = async () =>
    (
      await live.get<{ items: { name: string; environment: string; lastSeen: number }[] }>('/api/v1/clusters')
    ).items.find((c) => c.name === 'shared')!;
  const push = async (b: unknown) => expect((await live.ingest(b)).status).toBe(202);

  it("keeps the cluster's last seen within one agent interval, and writes a changed description at once", async () => {
    await push(batch(t));
    expect(await cluster()).toMatchObject({ environment: 'on-prem', lastSeen: t });
    await push(batch(t + 5)); // within 10 s: the shared row is not written
    expect((await cluster()).lastSeen).toBe(t);
    await push(batch(t + 12));
    expect((await cluster()).lastSeen).toBe(t + 12);
    await push(batch(t + 13, { env: 'public-cloud' })); // a new description is not held back
    expect(await cluster()).toMatchObject({ environment: 'public-cloud', lastSeen: t + 13 });
    await push(batch(t - 100, { env: 'private-cloud' })); // a replayed older batch does not undo it
    expect(await cluster()).toMatchObject({ environment: 'public-cloud', lastSeen: t + 13 });
  });

  it('a replayed older batch does not overwrite the agent row', async () => {
    await push(batch(t + 20, { version: '2' }));
    await push(batch(t + 15, { version: '1' }));
    const row = await live.backend.db('agents').where('id', 'agent-shared').first('version', 'last_seen');
    expect(row.version).toBe('2');
    expect(Number(row.last_seen)).toBe(t + 20);
  });

  it("gives each sample the seconds since the container's previous one, stored or in the batch", async () => {
    await push(batch(t + 30, { sampleTs: [t + 30] }));
    await push(batch(t + 45, { sampleTs: [t + 45, t + 50] }));
    // A late sample between stored ones: its span comes from the raw table (t+30 → t+40).
    await push(batch(t + 40, { sampleTs: [t + 40] }));
    const rows: { ts: number; span_s: number | null }[] = await live.backend
      .db('container_samples')
      .whereBetween('ts', [t + 30, t + 50])
      .orderBy('ts')
      .select('ts', 'span_s');
    expect(rows.map((r) => [Number(r.ts), Number(r.span_s)])).toEqual([
      [t + 30, 10], // after t+20 (the agent-row test's batch)
      [t + 40, 10],
      [t + 45, 15],
      [t + 50, 5],
    ]);
  });

  it('applies the newer of two inventories of one batch, and ignores an older one later', async () => {
    await push(
      batch(t + 60, {
        inventories: [
          [t + 59, []],
          [t + 60, [CID]],
        ],
      })
    );
    const gone = async () =>
      (await live.backend.db('containers').where('runtime_id', CID).first('gone_at')).gone_at as number | null;
    expect(await gone()).toBeNull();
    await push(batch(t + 61, { sampleTs: [], inventories: [[t + 61, []]] }));
    expect(Number(await gone())).toBe(t + 61);
    // An inventory older than the node's newest, in a batch that does not report the container.
    await push({ ...batch(t + 62, { inventories: [[t + 58, [CID]]] }), containers: [] });
    expect(Number(await gone())).toBe(t + 61);
  });
});

import { RollupService } from '../src/services/rollup';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, tableCounts, type Live } from './helpers/backend';

// Issue 11 item 3: timestamps from nowhere. Samples, events and log lines stamped before their
// retention or more than INGEST_MAX_FUTURE_SECONDS ahead are refused with 400 naming the field,
// nothing stored; the reply tells the agent its clock skew; rollups start from data that exists.

const now = () => Math.floor(Date.now() / 1000);

function batch(o: { sampleTs?: number; sentAt?: number; eventTs?: number; logTs?: number; id?: string } = {}) {
  const t = now();
  return {
    version: 'v1',
    batchId: o.id ?? `ts-${Math.random().toString(36).slice(2)}`,
    sentAt: o.sentAt ?? t,
    agent: { id: 'agent-ts', version: '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'clock', kind: 'docker', environment: 'on-prem' },
    nodes: [
      {
        name: 'n1',
        cores: 2,
        memoryBytes: 4e9,
        samples: [
          { ts: t - 20, cpuCores: 1 },
          { ts: o.sampleTs ?? t - 10, cpuCores: 1 },
        ],
      },
    ],
    containers: [
      {
        id: 'f'.repeat(64),
        nodeName: 'n1',
        name: 'app',
        image: 'busybox',
        state: 'running',
        samples: [{ ts: t - 10, cpuCores: 0.1 }],
      },
    ],
    events:
      o.eventTs === undefined
        ? []
        : [
            {
              ts: o.eventTs,
              source: 'docker',
              type: 'normal',
              reason: 'start',
              objectKind: 'container',
              objectName: 'app',
            },
          ],
    logs:
      o.logTs === undefined
        ? []
        : [{ ts: o.logTs, containerId: 'f'.repeat(64), stream: 'stdout', level: 'info', message: 'hello' }],
  };
}

describe.each(DIALECTS)('ingest timestamps (%s)', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a sample at ts=0 with 400 naming its path, and stores nothing of the batch', async () => {
    const before = await tableCounts(live);
    const r = await live.ingest(batch({ sampleTs: 0 }));
    expect(r.status).toBe(400);
    expect(issuesOf(r.body)).toEqual([{ path: 'nodes.0.samples.1.ts', message: expect.stringMatching(/retention/) }]);
    expect(await tableCounts(live)).toEqual(before);
  });

  it('refuses a sample in the year 2100 and a sentAt ahead of the clock, naming INGEST_MAX_FUTURE_SECONDS', async () => {
    const before = await tableCounts(live);
    const r = await live.ingest(batch({ sampleTs: 4102444000 }));
    expect(r.status).toBe(400);
    expect(issuesOf(r.body)[0].path).toBe('nodes.0.samples.1.ts');
    expect((r.body as { issues: { message: string }[] }).issues[0].message).toMatch(
      /ahead .*INGEST_MAX_FUTURE_SECONDS/
    );
    const s = await live.ingest(batch({ sentAt: now() + 3600 }));
    expect(s.status).toBe(400);
    expect(issuesOf(s.body)[0].path).toBe('sentAt');
    expect(await tableCounts(live)).toEqual(before);
    // A few minutes ahead (an agent clock a little fast) is still accepted.
    expect((await live.ingest(batch({ sampleTs: now() + 60 }))).status).toBe(202);
  });

  it('refuses events and log lines older than their retention, naming events.N.ts and logs.N.ts', async () => {
    const before = await tableCounts(live);
    const e = await live.ingest(batch({ eventTs: 5 }));
    expect(e.status).toBe(400);
    expect(issuesOf(e.body).map((i) => i.path)).toEqual(['events.0.ts']);
    const l = await live.ingest(batch({ logTs: now() - 30 * 86400 }));
    expect(l.status).toBe(400);
    expect(issuesOf(l.body).map((i) => i.path)).toEqual(['logs.0.ts']);
    const f = await live.ingest(batch({ logTs: now() + 86400 }));
    expect(issuesOf(f.body).map((i) => i.path)).toEqual(['logs.0.ts']);
    expect(await tableCounts(live)).toEqual(before);
    // Recent ones are stored.
    expect((await live.ingest(batch({ eventTs: now() - 5, logTs: now() - 5 }))).status).toBe(202);
  });

  it('tells the agent the server clock, for its clock-skew status', async () => {
    const r = await live.ingest(batch({ sentAt: now() - 7 }));
    expect(r.status).toBe(202);
    expect(Math.abs((r.body as { serverTime: number }).serverTime - now())).toBeLessThanOrEqual(2);
  });

  it('rolls up from the data that exists: an ancient sample already stored costs a few statements, not 56 years of hours', async () => {
    // A sample stamped 1970 that reached the table before this fix (written directly).
    const node = await live.backend.db('nodes').first('id');
    const ancient = dialect === 'sqlite' ? 86_400 : now() - 3 * 86400;
    await live.backend
      .db('node_samples')
      .insert({ entity_id: node.id, ts: ancient, cpu_cores: 1 })
      .catch(() => undefined); // MySQL's daily partitions may have nowhere to put it: then it cannot exist there
    await live.backend.db('rollup_state').del();
    let statements = 0;
    const count = () => statements++;
    live.backend.db.on('query', count);
    try {
      const r = await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(now() + 120);
      expect(r.m1).toBeGreaterThan(0);
    } finally {
      live.backend.db.off('query', count);
    }
    // Walking hour by hour from 1970 is ~490,000 chunks; from the data, a handful per family.
    expect(statements).toBeLessThan(200);
    const minutes = await live.backend.db('node_samples_1m').where('entity_id', node.id).count({ n: '*' }).first();
    expect(Number(minutes!.n)).toBeGreaterThanOrEqual(2); // the ancient minute and the recent ones
  }, 60_000);
});

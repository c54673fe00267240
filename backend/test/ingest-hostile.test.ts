import { openDb, withConflictRetry } from '../src/db/connection';
import { AGENT_TOKEN, liveBackend, tableCounts, type Live } from './helpers/backend';
import { createTestDatabase, DIALECTS } from './helpers/databases';

// Issue 11 item 7 (smaller faults): ingest checks Content-Type, refuses absurdly deep JSON and a
// "__proto__" name with 400 instead of dropping it silently; MariaDB deadlocks are retried inside.

const t = () => Math.floor(Date.now() / 1000) - 5;
const good = (labels: unknown = {}) =>
  JSON.stringify({
    version: 'v1',
    batchId: `h-${Math.random().toString(36).slice(2)}`,
    sentAt: t(),
    agent: { id: 'agent-h', version: '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'hostile', kind: 'docker', environment: 'on-prem', labels },
    nodes: [{ name: 'n1', cores: 1, memoryBytes: 1e9, samples: [{ ts: t(), cpuCores: 0.5 }] }],
  });

describe.each(DIALECTS)('hostile ingest bodies (%s)', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });
  const post = async (body: string, contentType = 'application/json') => {
    const res = await fetch(`${live.backend.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': contentType },
      body,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as { error: string; issues?: unknown[] } };
  };

  it('refuses a body that is not application/json with 415', async () => {
    const before = await tableCounts(live);
    const r = await post(good(), 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.error).toMatch(/application\/json/);
    expect(await tableCounts(live)).toEqual(before);
    expect((await post(good(), 'application/json; charset=utf-8')).status).toBe(202);
  });

  it('refuses a 1,000,000-deep nested body with 400 before parsing it', async () => {
    const r = await post(`{"version":"v1","x":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/deeper than 32 levels/);
    // Brackets inside strings are text, not nesting.
    expect((await post(good({ note: '['.repeat(100) }))).status).toBe(202);
    expect((await fetch(`${live.backend.url}/healthz`)).status).toBe(200);
  });

  it('refuses a "__proto__" label (object or string) with 400 naming its path, storing nothing', async () => {
    const before = await tableCounts(live);
    for (const v of ['{"polluted":true}', '"x"']) {
      const body = good({ team: 'a' }).replace('"labels":{"team":"a"}', `"labels":{"team":"a","__proto__":${v}}`);
      expect(body).toContain('__proto__');
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(r.body.issues).toEqual([
        { path: 'cluster.labels.__proto__', message: expect.stringMatching(/__proto__/) },
      ]);
    }
    expect(await tableCounts(live)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const describeMysql = DIALECTS.includes('mysql') ? describe : describe.skip;
describeMysql('deadlocks on MariaDB are retried inside, reported in one line', () => {
  it('the deadlock victim runs again and commits; the log line carries the code, not the SQL', async () => {
    const db = await createTestDatabase('mysql');
    const { knex } = openDb(db.url, 4);
    try {
      await knex.schema.createTable('dl', (tb) => {
        tb.integer('id').primary();
        tb.integer('v');
      });
      await knex('dl').insert([
        { id: 1, v: 0 },
        { id: 2, v: 0 },
      ]);
      const lines: string[] = [];
      let runs = 0;
      let release!: () => void;
      const firstHasB = new Promise<void>((r) => (release = r));
      // Transaction 1 locks row 2 then wants row 1; transaction 2 (retried) locks row 1 then wants 2.
      // Transaction 1 writes more rows first, so InnoDB picks the lighter transaction 2 as the victim.
      const one = knex.transaction(async (trx) => {
        await trx('dl').insert(Array.from({ length: 50 }, (_, i) => ({ id: 100 + i, v: 0 })));
        await trx('dl').where('id', 2).update({ v: 1 });
        release();
        await new Promise((r) => setTimeout(r, 200));
        await trx('dl').where('id', 1).update({ v: 1 });
      });
      const two = withConflictRetry(
        'test transaction',
        () =>
          knex.transaction(async (trx) => {
            runs++;
            await firstHasB;
            await trx('dl').where('id', 1).update({ v: 2 });
            await new Promise((r) => setTimeout(r, runs === 1 ? 50 : 0));
            await trx('dl').where('id', 2).update({ v: 2 });
          }),
        (l) => lines.push(l)
      );
      const results = await Promise.allSettled([one, two]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(runs).toBe(2);
      expect(lines).toEqual(['test transaction: ER_LOCK_DEADLOCK (attempt 1 of 4), retrying']);
      expect(await knex('dl').whereIn('id', [1, 2]).pluck('v')).toEqual([2, 2]); // the retry committed last
    } finally {
      await knex.destroy();
      await db.drop();
    }
  });
});

import { IngestBatch } from '@fleetlens/protocol';
import { openDb } from '../src/db/connection';
import { HttpError, VALIDATION_SLICE, parseJson, validate, validateSliced } from '../src/http';
import { liveBackend, tableCounts, type Live } from './helpers/backend';
import { createTestDatabase } from './helpers/databases';

// Issue 11 ("/healthz answers within 1 s"): a 48,000-row batch on SQLite held the event loop for
// 0.6–1.5 s, in two places: validating the whole batch at once, and better-sqlite3 running every
// statement of the transaction synchronously, chained by promises only (no turn of the loop
// between statements). These tests count turns of the event loop (setImmediate callbacks that
// run) while that work happens — a count, not a time — and check that results are unchanged.

/** Counts event-loop turns until stopped. */
function loopTurns() {
  let turns = 0;
  let on = true;
  const tick = () => {
    if (!on) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      on = false;
      return turns;
    },
  };
}

const now = () => Math.floor(Date.now() / 1000) - 30;

function bigBatch(containers: number, samplesEach = 2, tag = 'a') {
  const t = now();
  return {
    version: 'v1',
    batchId: `loop-${tag}`,
    sentAt: t,
    agent: { id: 'agent-loop', version: '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'loop', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'n1', cores: 2, memoryBytes: 4e9, samples: [{ ts: t, cpuCores: 1 }] }],
    containers: Array.from({ length: containers }, (_, i) => ({
      id: i.toString(16).padStart(64, '0'),
      nodeName: 'n1',
      name: `c${i}`,
      image: 'busybox',
      state: 'running',
      labels: { app: `a${i % 50}` },
      samples: Array.from({ length: samplesEach }, (_, d) => ({ ts: t - d, cpuCores: 0.01, memBytes: 1e6 + i })),
    })),
  };
}

describe('validation in slices (validateSliced)', () => {
  it('gives what validate() gives for a 5,000-container batch, letting the loop turn between slices', async () => {
    const input = bigBatch(5000);
    const turns = loopTurns();
    const sliced = await validateSliced(IngestBatch, input, 'ingest batch');
    expect(turns.stop()).toBeGreaterThanOrEqual(Math.ceil(5000 / VALIDATION_SLICE));
    expect(sliced).toEqual(validate(IngestBatch, input, 'ingest batch'));
    expect(sliced.containers).toHaveLength(5000);
    expect(sliced.inventories).toEqual([]); // defaults applied as before
  });

  it('names the same bad fields as validate(), with their indexes in the whole array', async () => {
    const input = bigBatch(3500);
    (input.containers[2345].samples[1] as Record<string, unknown>).ts = 'soon';
    (input.containers[10] as Record<string, unknown>).state = 'melting';
    (input as Record<string, unknown>).sentAt = -1;
    const issues = (e: unknown) => (e as HttpError).issues!.map((i) => i.path).sort();
    let whole: unknown;
    let sliced: unknown;
    try {
      validate(IngestBatch, input, 'ingest batch');
    } catch (e) {
      whole = e;
    }
    await validateSliced(IngestBatch, input, 'ingest batch').catch((e) => (sliced = e));
    expect(sliced).toBeInstanceOf(HttpError);
    expect((sliced as HttpError).status).toBe(400);
    expect(issues(sliced)).toEqual(issues(whole));
    expect(issues(sliced)).toEqual(['containers.10.state', 'containers.2345.samples.1.ts', 'sentAt']);
  });

  it('keeps the array length limits (more than 100,000 containers is refused naming the field)', async () => {
    const input = { ...bigBatch(1), containers: new Array(100_001).fill(bigBatch(1).containers[0]) };
    const err = (await validateSliced(IngestBatch, input, 'ingest batch').catch((e) => e)) as HttpError;
    expect(err.status).toBe(400);
    expect(err.issues!.some((i) => i.path === 'containers' && /100000/.test(i.message))).toBe(true);
  });
});

describe('parseJson skips its __proto__ walk only where the text cannot name one', () => {
  it('still refuses a "__proto__" key, also one spelled with \\u escapes', () => {
    for (const text of [
      '{"a":{"__proto__":{"x":1}}}',
      '{"a":{"\\u005f_proto__":{"x":1}}}',
      '{"a":[{"\\u005F\\u005Fproto\\u005F\\u005F":1}]}',
    ]) {
      expect(() => parseJson(Buffer.from(text))).toThrow(HttpError);
    }
    expect(parseJson(Buffer.from('{"a":{"proto":"\\u00e9"}}'))).toEqual({ a: { proto: 'é' } });
  });
});

describe('SQLite statements and the event loop', () => {
  it('the loop turns before every statement, also inside a transaction', async () => {
    const database = await createTestDatabase('sqlite');
    const db = openDb(database.url);
    try {
      await db.knex.raw('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      const turns = loopTurns();
      await db.knex.transaction(async (trx) => {
        for (let i = 0; i < 40; i++) await trx('t').insert({ id: i, v: `row ${i}` });
      });
      expect(turns.stop()).toBeGreaterThanOrEqual(40);
      expect(Number((await db.knex('t').count({ n: '*' }))[0].n)).toBe(40);
      // Still one transaction: a failure rolls every statement back. (Whether it settles with the
      // driver's UNIQUE error or knex's rollback reason varied between runs: what counts is that it
      // fails and leaves nothing behind.)
      let failed = false;
      try {
        await db.knex.transaction(async (trx) => {
          for (let i = 100; i < 110; i++) await trx('t').insert({ id: i, v: 'x' });
          await trx('t').insert({ id: 0, v: 'duplicate key' });
        });
      } catch {
        failed = true;
      }
      expect(failed).toBe(true);
      expect(Number((await db.knex('t').count({ n: '*' }))[0].n)).toBe(40);
    } finally {
      await db.knex.destroy();
      await database.drop();
    }
  });
});

describe('a 48,000-row batch on SQLite', () => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend('sqlite');
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('is stored whole and once (replayed: same rows), and /healthz is answered while it is being stored', async () => {
    const batch = bigBatch(11_900, 2, 'big'); // 11,900 × (2 samples + entity + latest) ≈ 47,600 rows
    const before = await tableCounts(live);
    let healthAt = 0;
    let ingestAt = 0;
    const ingest = live.ingest(batch).then((r) => ((ingestAt = performance.now()), r));
    // Asked once the request is under way; answered before the ingest finishes.
    await new Promise((r) => setTimeout(r, 50));
    const health = fetch(`${live.backend.url}/healthz`).then((r) => ((healthAt = performance.now()), r.status));
    const [r, h] = await Promise.all([ingest, health]);
    expect(r.status).toBe(202);
    expect(h).toBe(200);
    expect(healthAt).toBeLessThan(ingestAt);
    const after = await tableCounts(live);
    expect(after.container_samples - before.container_samples).toBe(11_900 * 2);
    expect(after.containers - before.containers).toBe(11_900);
    const replay = await live.ingest(batch);
    expect(replay.status).toBe(202);
    expect(await tableCounts(live)).toEqual(after);
  }, 120_000);
});

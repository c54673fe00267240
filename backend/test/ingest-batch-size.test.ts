import { DIALECTS } from './helpers/databases';
import { liveBackend, tableCounts, type Live } from './helpers/backend';

// Issue 11 item 4: every batch the schema accepts is stored, or refused with a 413 that tells the
// agent to split it (the agent splits 413s: agent/test/transport.test.ts). Real SQLite and MariaDB.

const now = () => Math.floor(Date.now() / 1000);
const CID = 'e'.repeat(64);

function batch(o: { logs?: number; events?: number; containers?: number }) {
  const t = now() - 5;
  return {
    version: 'v1',
    batchId: `size-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: 'agent-size', version: '1', mode: 'node', hostname: 'n1' },
    cluster: { name: 'size', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'n1', cores: 2, memoryBytes: 4e9, samples: [{ ts: t, cpuCores: 1 }] }],
    containers: [
      { id: CID, nodeName: 'n1', name: 'chatty', image: 'busybox', state: 'running', samples: [] },
      ...Array.from({ length: o.containers ?? 0 }, (_, i) => ({
        id: i.toString(16).padStart(64, 'a'),
        nodeName: 'n1',
        name: `c${i}`,
        image: 'busybox',
        state: 'running',
        samples: [{ ts: t, cpuCores: 0.01, memBytes: 1e6 }],
      })),
    ],
    events: Array.from({ length: o.events ?? 0 }, (_, i) => ({
      ts: t - (i % 60),
      source: 'docker',
      type: 'normal',
      reason: `r${i}`,
      message: `event ${i}`,
      objectKind: 'container',
      objectName: 'chatty',
      containerId: CID,
    })),
    logs: Array.from({ length: o.logs ?? 0 }, (_, i) => ({
      ts: t - (i % 60),
      nanos: i,
      containerId: CID,
      stream: 'stdout',
      level: 'info',
      message: `line ${i}`,
    })),
  };
}

describe.each(DIALECTS)('ingest batch sizes (%s)', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('stores 3,000 log lines and 3,000 events in one batch (SQLite once failed beyond 500)', async () => {
    const before = await tableCounts(live);
    const r = await live.ingest(batch({ logs: 3000, events: 3000 }));
    expect(r.status).toBe(202);
    const after = await tableCounts(live);
    expect(after.logs - before.logs).toBe(3000);
    expect(after.events - before.events).toBe(3000);
    // A replay is idempotent.
    expect((await live.ingest(batch({ logs: 3000, events: 3000 }))).status).toBe(202);
  });

  it('refuses a batch beyond INGEST_MAX_ROWS with 413 telling the agent to split it, storing nothing', async () => {
    const before = await tableCounts(live);
    const r = await live.ingest(batch({ logs: 60_000 }));
    expect(r.status).toBe(413);
    expect((r.body as { error: string }).error).toMatch(/INGEST_MAX_ROWS.*split it/);
    expect(await tableCounts(live)).toEqual(before);
  });

  it('stores a batch just under the limit within the agent’s 30 s request timeout, /healthz answering meanwhile', async () => {
    // 16,000 containers with one sample each: about 48,000 rows.
    const body = batch({ containers: 16_000 });
    const started = Date.now();
    const pending = live.ingest(body);
    let done = false;
    void pending.then(() => (done = true));
    let worst = 0;
    while (!done) {
      const t = Date.now();
      expect((await fetch(`${live.backend.url}/healthz`)).status).toBe(200);
      worst = Math.max(worst, Date.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await pending;
    const ms = Date.now() - started;
    console.log(`${dialect}: 16,000-container batch stored in ${ms} ms, /healthz worst ${worst} ms`);
    expect(r.status).toBe(202);
    expect(ms).toBeLessThan(30_000);
  }, 90_000);
});

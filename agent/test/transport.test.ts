import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { IngestClient, parseRetryAfter } from '../src/transport/client';
import { Sender, backoffDelay, splitBatch } from '../src/transport/sender';
import { Spool } from '../src/transport/spool';
import { startReceiver } from './helpers/receiver';

const enc = (o: unknown) => gzipSync(Buffer.from(JSON.stringify(o)));
const dec = (b: Buffer) => JSON.parse(gunzipSync(b).toString('utf8')) as Record<string, unknown>;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fl-spool-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('on-disk spool', () => {
  it('keeps batches in order across a reopen (agent restart) and cleans half-written files', async () => {
    const dir = tmp();
    const s = await Spool.open(dir, 10 * 1024 * 1024);
    for (let i = 1; i <= 12; i++) await s.append(enc({ n: i }));
    writeFileSync(join(dir, '0000000000000099.tmp'), 'partial'); // crash in the middle of an append
    const again = await Spool.open(dir, 10 * 1024 * 1024);
    expect(again.batches).toBe(12);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const order: number[] = [];
    for (let next = await again.oldest(); next; next = await again.oldest()) {
      order.push(dec(next.data).n as number);
      await again.remove(next.entry);
    }
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await again.append(enc({ n: 13 })); // numbering continues after a restart: stays after older ones
    expect(readdirSync(dir)).toEqual(['0000000000000013.batch.gz']);
  });

  it('drops the oldest batches when full, counts them, and keeps the newest', async () => {
    const dir = tmp();
    const one = enc({ pad: 'x'.repeat(100), n: 0 }).length;
    const s = await Spool.open(dir, one * 5 + 10); // room for five
    for (let i = 1; i <= 8; i++) await s.append(enc({ pad: 'x'.repeat(100), n: i }));
    expect(s.batches).toBe(5);
    expect(s.droppedBatches).toBe(3);
    expect(s.bytes).toBeLessThanOrEqual(one * 5 + 10);
    expect(dec((await s.oldest())!.data).n).toBe(4);
  });

  it('splits a batch in place, before newer ones', async () => {
    const s = await Spool.open(tmp(), 1 << 20);
    await s.append(enc({ batchId: 'a', logs: [1, 2, 3, 4] }));
    await s.append(enc({ batchId: 'b' }));
    const first = (await s.oldest())!;
    await s.split(first.entry, (await splitBatch(first.data))!);
    const ids: unknown[] = [];
    for (let next = await s.oldest(); next; next = await s.oldest()) {
      const b = dec(next.data);
      ids.push([b.batchId, b.logs]);
      await s.remove(next.entry);
    }
    expect(ids).toEqual([
      ['a.1', [1, 2]],
      ['a.2', [3, 4]],
      ['b', undefined],
    ]);
  });
});

describe('sender against a local HTTP receiver', () => {
  const fast = { baseDelayMs: 20, maxDelayMs: 200, log: () => {} };

  it('posts gzip JSON with the bearer token and empties the spool', async () => {
    const rx = await startReceiver();
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 'tok-123', timeoutMs: 5000 }), fast);
    try {
      for (let i = 0; i < 3; i++) await spool.append(enc({ batchId: `b${i}` }));
      sender.start();
      expect(await sender.drained(5000)).toBe(true);
      expect(rx.received.map((r) => r.body?.batchId)).toEqual(['b0', 'b1', 'b2']);
      const h = rx.received[0].headers;
      expect(h.authorization).toBe('Bearer tok-123');
      expect(h['content-encoding']).toBe('gzip');
      expect(h['content-type']).toBe('application/json');
      expect(sender.lastPushAt).not.toBeNull();
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('never retries a 400: drops that batch, counts it, goes on with the next', async () => {
    const rx = await startReceiver((_n, body) =>
      body?.batchId === 'bad'
        ? {
            status: 400,
            body: { error: 'invalid ingest batch', issues: [{ path: 'nodes.0.cores', message: 'too small' }] },
          }
        : { status: 202 }
    );
    const logs: string[] = [];
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 5000 }), {
      ...fast,
      log: (m) => logs.push(m),
    });
    try {
      for (const id of ['ok1', 'bad', 'ok2']) await spool.append(enc({ batchId: id }));
      sender.start();
      expect(await sender.drained(5000)).toBe(true);
      expect(rx.received.map((r) => r.body?.batchId)).toEqual(['ok1', 'bad', 'ok2']); // 'bad' sent once
      expect(sender.rejectedBatches).toBe(1);
      expect(logs.join('\n')).toContain('nodes.0.cores: too small'); // the backend's message is logged
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('retries 503 (honouring Retry-After), 429 and 500, in order, without loss', async () => {
    const script = [{ status: 503, headers: { 'retry-after': '1' } }, { status: 429 }, { status: 500 }];
    const rx = await startReceiver((n) => script[n] ?? { status: 202 });
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 5000 }), fast);
    try {
      await spool.append(enc({ batchId: 'x' }));
      await spool.append(enc({ batchId: 'y' }));
      sender.start();
      expect(await sender.drained(10_000)).toBe(true);
      const seq = rx.received.map((r) => `${r.body?.batchId}:${r.status}`);
      expect(seq).toEqual(['x:503', 'x:429', 'x:500', 'x:202', 'y:202']);
      // The 503 said "retry after 1 s": the next try came no sooner.
      expect(rx.received[1].at - rx.received[0].at).toBeGreaterThanOrEqual(950);
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('keeps batches on 401 (wrong token) and delivers them once the token is accepted', async () => {
    let accept = false;
    const rx = await startReceiver(() =>
      accept ? { status: 202 } : { status: 401, body: { error: 'missing or invalid agent token' } }
    );
    const logs: string[] = [];
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 5000 }), {
      ...fast,
      log: (m) => logs.push(m),
    });
    try {
      await spool.append(enc({ batchId: 'k1' }));
      await spool.append(enc({ batchId: 'k2' }));
      sender.start();
      await new Promise((r) => setTimeout(r, 300));
      expect(spool.batches).toBe(2); // nothing dropped while refused
      expect(logs.join('\n')).toContain('missing or invalid agent token');
      accept = true; // the admin fixed the token on the backend side
      expect(await sender.drained(5000)).toBe(true);
      expect(rx.received.filter((r) => r.status === 202).map((r) => r.body?.batchId)).toEqual(['k1', 'k2']);
      expect(sender.rejectedBatches).toBe(0);
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('keeps batches while the backend is unreachable and delivers them when it comes back', async () => {
    // A port with nothing listening: connection refused.
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    const spool = await Spool.open(tmp(), 1 << 20);
    const client = new IngestClient({ backendUrl: url, token: 't', timeoutMs: 2000 });
    const sender = new Sender(spool, client, fast);
    sender.start();
    for (let i = 0; i < 4; i++) await spool.append(enc({ batchId: `o${i}` }));
    sender.notify();
    await new Promise((r) => setTimeout(r, 500));
    expect(spool.batches).toBe(4);
    expect(sender.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    await sender.stop();
    const rx = await startReceiver();
    const sender2 = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 2000 }), fast);
    try {
      sender2.start();
      expect(await sender2.drained(5000)).toBe(true);
      expect(rx.received.map((r) => r.body?.batchId)).toEqual(['o0', 'o1', 'o2', 'o3']);
    } finally {
      await sender2.stop();
      await rx.close();
    }
  });

  it('splits a batch the backend calls too large (413) and delivers every item once', async () => {
    // The receiver accepts at most 2 log lines per batch.
    const rx = await startReceiver((_n, body) =>
      (body?.logs as unknown[]).length > 2 ? { status: 413 } : { status: 202 }
    );
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 5000 }), fast);
    try {
      await spool.append(enc({ batchId: 'big', nodes: [{ n: 1 }], logs: [1, 2, 3, 4, 5, 6, 7] }));
      sender.start();
      expect(await sender.drained(5000)).toBe(true);
      const accepted = rx.received.filter((r) => r.status === 202).map((r) => r.body!);
      expect(accepted.flatMap((b) => b.logs as number[]).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(accepted.flatMap((b) => (b.nodes as unknown[]) ?? [])).toHaveLength(1); // not duplicated by the split
      expect(sender.rejectedBatches).toBe(0);
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('splits a batch of probe results and request counts too (413), each delivered once', async () => {
    // The receiver accepts at most 3 probe results and 3 request-count rows per batch.
    const rx = await startReceiver((_n, body) =>
      ((body?.probeResults as unknown[]) ?? []).length > 3 || ((body?.requestStats as unknown[]) ?? []).length > 3
        ? { status: 413 }
        : { status: 202 }
    );
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: rx.url, token: 't', timeoutMs: 5000 }), fast);
    try {
      const probeResults = Array.from({ length: 10 }, (_, i) => ({ p: i }));
      const requestStats = Array.from({ length: 7 }, (_, i) => ({ r: i }));
      await spool.append(enc({ batchId: 'svc', actionResults: [{ a: 1 }], probeResults, requestStats }));
      sender.start();
      expect(await sender.drained(5000)).toBe(true);
      const accepted = rx.received.filter((r) => r.status === 202).map((r) => r.body!);
      const all = (k: string) => accepted.flatMap((b) => (b[k] as unknown[]) ?? []);
      expect(all('probeResults')).toEqual(expect.arrayContaining(probeResults));
      expect(all('probeResults')).toHaveLength(10);
      expect(all('requestStats')).toEqual(expect.arrayContaining(requestStats));
      expect(all('requestStats')).toHaveLength(7);
      expect(all('actionResults')).toHaveLength(1); // not duplicated by the splits
      expect(sender.rejectedBatches).toBe(0);
    } finally {
      await sender.stop();
      await rx.close();
    }
  });

  it('splits a batch that times out again and again (a backend too slow to store it), instead of retrying it for ever', async () => {
    // A backend that stores up to 2 log lines at once quickly and needs longer than the agent's
    // request timeout (300 ms) for more; it never answers 413.
    const seen: number[][] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as { logs: number[] };
        const answer = () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
        if (body.logs.length <= 2) {
          seen.push(body.logs);
          answer();
        } else setTimeout(answer, 1500);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const spool = await Spool.open(tmp(), 1 << 20);
    const sender = new Sender(spool, new IngestClient({ backendUrl: url, token: 't', timeoutMs: 300 }), fast);
    try {
      await spool.append(enc({ batchId: 'slow', logs: [1, 2, 3, 4, 5, 6, 7, 8] }));
      sender.start();
      expect(await sender.drained(20_000)).toBe(true);
      expect(seen.flat().sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(sender.rejectedBatches).toBe(0);
    } finally {
      await sender.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('backoff grows exponentially with jitter and is capped; Retry-After parses seconds and dates', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(4, 1000, 60_000, Math.random)));
    expect(spread.size).toBeGreaterThan(10); // jitter: agents restarting together do not retry in lockstep
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { IngestClient, skewOf } from '../src/transport/client';

// Issue 11 item 3: the agent reports how far its clock is off, from the serverTime the backend
// puts in every ingest reply (a local HTTP server stands in for a backend whose clock is 2 min behind).
describe('clock skew from the ingest reply', () => {
  it('is this clock minus serverTime, null when the backend does not say', () => {
    expect(skewOf(JSON.stringify({ serverTime: 1000 }), 1_120_400)).toBe(120);
    expect(skewOf(JSON.stringify({ batchId: 'x' }))).toBeNull();
    expect(skewOf('not json')).toBeNull();
  });

  it('comes back with an accepted push', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ batchId: 'b', accepted: {}, serverTime: Math.floor(Date.now() / 1000) - 120 }))
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new IngestClient({
      backendUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: 't',
      timeoutMs: 5000,
    });
    try {
      const r = await client.push(gzipSync('{}'));
      expect(r.kind).toBe('accepted');
      const skew = (r as { clockSkewSeconds: number }).clockSkewSeconds;
      expect(skew).toBeGreaterThanOrEqual(119);
      expect(skew).toBeLessThanOrEqual(122);
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
  });
});

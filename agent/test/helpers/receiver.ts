import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One request as the test receiver saw it. */
export interface Received {
  status: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
  at: number;
}

/**
 * A real HTTP server standing in for the ingest endpoint in transport tests: it decodes gzip
 * bodies and answers with whatever status the test scripts (default 202).
 */
export async function startReceiver(
  reply: (
    n: number,
    body: Record<string, unknown> | null
  ) => { status: number; headers?: Record<string, string>; body?: unknown } = () => ({ status: 202 }),
  /** Interface to listen on; containers reach the host on the bridge gateway, not on loopback. */
  host = '127.0.0.1'
) {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = null;
      }
      const r = reply(n++, body);
      received.push({ status: r.status, headers: req.headers, body, at: Date.now() });
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
      res.end(JSON.stringify(r.body ?? { batchId: body?.batchId ?? '' }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    received,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

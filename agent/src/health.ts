import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What /healthz reports; `healthy` decides between 200 and 503. */
export interface HealthSnapshot {
  healthy: boolean;
  [key: string]: unknown;
}

/** Serves GET /healthz (liveness: the collection loop is turning) and /readyz (started). */
export async function startHealthServer(
  port: number,
  snapshot: () => HealthSnapshot,
  ready: () => boolean
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) {
      res.writeHead(404).end();
      return;
    }
    const snap = snapshot();
    const ok = path === '/healthz' ? snap.healthy : ready();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(snap));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

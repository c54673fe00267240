import { createServer, connect, type Server } from 'node:net';
import { startBackend } from '../src/server';
import { testBackendOptions } from './helpers/backend';
import { createTestDatabase, DIALECTS } from './helpers/databases';

// Issue 11 item 7: a backend started while its database is down waits for it instead of exiting.
// The database is real MariaDB behind a TCP forwarder that only starts listening 2 s later.

const describeMysql = DIALECTS.includes('mysql') ? describe : describe.skip;

describeMysql('start-up while MariaDB is unreachable', () => {
  it('waits, logging one line per attempt, and serves once the database answers', async () => {
    const db = await createTestDatabase('mysql');
    // A free port, closed again: nothing listens there until the forwarder starts.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    let forwarder: Server | null = null;
    const lines: string[] = [];
    const log = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (msg: string, f?: Record<string, unknown>) => lines.push(`${msg} ${JSON.stringify(f)}`),
    };
    const timer = setTimeout(() => {
      forwarder = createServer((client) => {
        const upstream = connect(3306, '127.0.0.1');
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      forwarder.listen(port, '127.0.0.1');
    }, 2000);
    const started = Date.now();
    try {
      const be = await startBackend(
        testBackendOptions(db.url.replace('127.0.0.1:3306', `127.0.0.1:${port}`), { dbWaitSeconds: 30 }),
        { log: log as never }
      );
      try {
        expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
        expect((await fetch(`${be.url}/readyz`)).status).toBe(200);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines[0]).toMatch(/^database not reachable yet, waiting .*ECONNREFUSED/);
        for (const l of lines) expect(l.length).toBeLessThan(400); // one short line, no SQL
      } finally {
        await be.stop();
      }
    } finally {
      clearTimeout(timer);
      await new Promise((r) => (forwarder ? forwarder.close(r) : r(null)));
      await db.drop();
    }
  }, 60_000);
});

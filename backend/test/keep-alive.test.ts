import { connect, type Socket } from 'node:net';
import { liveBackend } from './helpers/backend';

// A client that keeps a connection idle for longer than Node's default 5 s keep-alive (Node's own
// global agent, Grafana's proxy for up to 90 s) must find it still open: a backend that closed it
// at 5 s races the client's reuse and the request fails (ECONNRESET, a 502 in Grafana).
describe('keep-alive connections', () => {
  let live: Awaited<ReturnType<typeof liveBackend>>;
  beforeAll(async () => {
    live = await liveBackend('sqlite');
  });
  afterAll(async () => {
    await live?.close();
  });

  /** Sends one GET /healthz on the socket and resolves with the status line of its answer. */
  const get = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (c: Buffer) => {
        text += c.toString('latin1');
        // /healthz answers a small JSON body with a Content-Length; the headers and body are in.
        const head = text.indexOf('\r\n\r\n');
        const len = /content-length: (\d+)/i.exec(text);
        if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) {
          socket.off('data', onData);
          resolve(text.split('\r\n')[0]);
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(
        `GET /healthz HTTP/1.1\r\nHost: ${new URL(live.backend.url).host}\r\nConnection: keep-alive\r\n\r\n`
      );
    });

  it('answers a second request on a connection left idle for 7 s', async () => {
    const { hostname, port } = new URL(live.backend.url);
    const socket = connect(Number(port), hostname);
    await new Promise((r) => socket.once('connect', r));
    let closedAt: number | null = null;
    socket.once('close', () => (closedAt = Date.now()));
    try {
      expect(await get(socket)).toBe('HTTP/1.1 200 OK');
      await new Promise((r) => setTimeout(r, 7000));
      expect(closedAt).toBeNull();
      expect(await get(socket)).toBe('HTTP/1.1 200 OK');
    } finally {
      socket.destroy();
    }
  }, 30_000);
});

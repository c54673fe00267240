import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProbeRunner } from '../src/services/runner';
import { ProbeCollector } from '../src/services/collector';
import type { ProbeTarget } from '../src/services/target';

// A real local HTTP server that holds each answer for a while and counts, on its side, how many
// requests it has open at once: the independent measure of the runner's concurrency bound.
describe('probe runner bounds (local HTTP server counting open requests)', () => {
  let server: Server;
  let url: string;
  let open = 0;
  let maxOpen = 0;
  let served = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open--;
        served++;
        res.writeHead(200).end('ok');
      }, 300);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });

  const target = (i: number): ProbeTarget => ({
    key: `def:p${i}`,
    source: 'defined',
    definitionId: `p${i}`,
    service: { namespace: null, name: 'svc' },
    containerId: null,
    kind: 'http',
    target: `${url}/p/${i}`,
    method: 'GET',
    intervalSeconds: 3600,
    timeoutSeconds: 10,
    expectStatus: null,
    bodyMatch: null,
  });

  it('keeps at most `concurrency` probes in flight and runs at most `maxProbes`, counting and logging the rest', async () => {
    const logs: string[] = [];
    const runner = new ProbeRunner({
      nodeName: 'n1',
      concurrency: 4,
      maxProbes: 25,
      log: (m) => logs.push(m),
      tickMs: 20,
    });
    runner.setTargets(
      'defined',
      Array.from({ length: 40 }, (_, i) => target(i))
    );
    expect(runner.size).toBe(25);
    expect(runner.overLimit).toBe(15);
    // …and the agent's status says so (the probe collector's share of it).
    expect(new ProbeCollector(runner).status()).toEqual({ probesOverLimit: 15 });
    expect(logs).toEqual([
      'fleetlens-agent: 15 probes over the limit of 25 per agent are not run (FLEETLENS_PROBE_MAX)',
    ]);
    runner.start();
    const results = [];
    for (let i = 0; i < 200 && results.length < 25; i++) {
      await new Promise((r) => setTimeout(r, 100));
      results.push(...runner.take());
    }
    await runner.stop();
    expect(results).toHaveLength(25);
    expect(served).toBe(25);
    expect(new Set(results.map((r) => r.key))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => `def:p${i}`)));
    expect(results.every((r) => r.up && r.statusCode === 200 && r.nodeName === 'n1')).toBe(true);
    // The server never saw more than 4 at once, and did see 4: the bound is the setting, not lower.
    expect(maxOpen).toBe(4);
  }, 60_000);

  it('drops the result of a probe removed while it was in flight', async () => {
    const runner = new ProbeRunner({ nodeName: 'n1', concurrency: 4, maxProbes: 10, log: () => {}, tickMs: 20 });
    runner.start();
    runner.setTargets('docker', [target(100)]);
    const before = served;
    for (let i = 0; i < 150 && open === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(1); // the server holds its request now
    runner.setTargets('docker', []);
    for (let i = 0; i < 100 && served === before; i++) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(served).toBe(before + 1); // it was answered…
    expect(runner.take()).toEqual([]); // …but belongs to no current probe
    expect(runner.size).toBe(0);
  }, 30_000);
});

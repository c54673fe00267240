import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestBatch } from '@fleetlens/protocol';
import { dockerAvailable } from './helpers/docker';
import { startReceiver } from './helpers/receiver';

const HAVE_DOCKER = dockerAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

describe('the agent process (src/main.ts) end to end against a local receiver', () => {
  it('auto-detects its collectors, pushes valid batches with its status, serves /healthz and /readyz, stops on SIGTERM', async () => {
    const rx = await startReceiver();
    const state = mkdtempSync(join(tmpdir(), 'fl-main-'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')],
      {
        env: {
          PATH: process.env.PATH,
          TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
          FLEETLENS_BACKEND_URL: rx.url,
          FLEETLENS_AGENT_TOKEN: 'process-test-token',
          FLEETLENS_CLUSTER_NAME: 'proc-test',
          FLEETLENS_INTERVAL_SECONDS: '1',
          FLEETLENS_STATE_DIR: state,
          FLEETLENS_HEALTH_PORT: String(port),
          FLEETLENS_LOGS_ENABLED: 'false',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      }
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      for (let i = 0; i < 150 && rx.received.length < 3; i++) await sleep(100);
      expect(rx.received.length).toBeGreaterThanOrEqual(3);
      const batches = rx.received.map((r) => IngestBatch.parse(r.body));
      expect(batches.every((b) => b.cluster.name === 'proc-test' && b.agent.mode === 'node')).toBe(true);
      expect(batches.every((b) => b.nodes.length === 1)).toBe(true);
      // Docker present → host + docker (an inventory every cycle); absent → host only.
      expect(batches.every((b) => b.inventories.length === (HAVE_DOCKER ? 1 : 0))).toBe(true);
      expect(stderr).toContain(HAVE_DOCKER ? 'collectors host, docker' : 'collectors host');
      // Timestamps: one batch per second, never repeated.
      const ts = batches.map((b) => b.nodes[0].samples[0].ts);
      expect(new Set(ts).size).toBe(ts.length);
      const last = batches[batches.length - 1].agent.status!;
      expect(last.lastPushAt).not.toBeNull(); // an earlier batch was delivered
      expect(last.rssBytes!).toBeGreaterThan(10e6);
      expect(last.cpuCores).not.toBeNull();

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ healthy: true, spoolBatches: 0, droppedBatches: 0, rejectedBatches: 0 });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

      child.kill('SIGTERM');
      const code = await new Promise<number | null>((ok) => child.once('exit', ok));
      expect(code).toBe(0);
      expect(stderr).toContain('SIGTERM, stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rx.close();
      rmSync(state, { recursive: true, force: true });
    }
  }, 60_000);
});

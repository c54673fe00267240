/**
 * The health-check commands written into backend/Dockerfile, agent/Dockerfile and
 * docker-compose.yml, executed on this host (the images cannot be built here) against a real
 * backend (SQLite in a temporary folder) and a real agent health server: each must exit 0 while
 * the process is healthy and non-zero when it is not.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type RunningBackend } from '../../backend/src/server';
import { startHealthServer } from '../../agent/src/health';
import { instructionWords, loadYaml, parseDockerfile, read, stageEnv, type Dockerfile } from './helpers';

/** The HEALTHCHECK's command of a Dockerfile's final stage, as argv. */
function dockerHealthcheck(df: Dockerfile): string[] {
  const fin = df.stages[df.stages.length - 1];
  const hc = fin.instructions.filter((i) => i.cmd === 'HEALTHCHECK').pop()!;
  const cmdAt = hc.args.indexOf('CMD ');
  expect(cmdAt).toBeGreaterThan(-1);
  const command = hc.args.slice(cmdAt + 4).trim();
  // Exec form runs as is; shell form runs under /bin/sh -c, as Docker does.
  return command.startsWith('[') ? instructionWords({ ...hc, args: command }).words : ['/bin/sh', '-c', command];
}

/** Runs argv with an environment; resolves to the exit status. Asynchronous: the servers under test live in this process. */
function run(argv: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const compose = loadYaml('docker-compose.yml');
/** A Compose CMD health check as argv, with the container port replaced by the test's port. */
const composeCheck = (service: string, from: number, to: number): string[] => {
  const test: string[] = compose.services[service].healthcheck.test;
  expect(test[0]).toBe('CMD');
  return test.slice(1).map((a) => a.replaceAll(`:${from}/`, `:${to}/`));
};

describe('health-check commands run against live processes', () => {
  let dir: string;
  let backend: RunningBackend;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetlens-deploy-'));
    backend = await startBackend({
      databaseUrl: join(dir, 'monitor.db'),
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      serviceKey: 'deploy-test-service-key-0123',
      agentToken: 'deploy-test-agent-token-0123',
      jobsEnabled: false,
    });
    port = Number(new URL(backend.url).port);
  });

  afterAll(async () => {
    await backend?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('backend/Dockerfile HEALTHCHECK exits 0 against a running backend on $PORT and 1 when nothing listens', async () => {
    const argv = dockerHealthcheck(parseDockerfile(read('backend/Dockerfile')));
    expect(argv).toEqual(['node', '-e', expect.stringContaining('/healthz')]); // exec form; node is in the runtime image
    expect(await run(argv, { PORT: String(port) })).toBe(0);
    expect(await run(argv, { PORT: '1' })).toBe(1);
  });

  test('docker-compose backend health check (/readyz) exits 0 against a running backend, 1 when its database is gone', async () => {
    const argv = composeCheck('backend', 8480, port);
    expect(await run(argv, {})).toBe(0);
    // Readiness follows the database: close it and the same command fails.
    await backend.db.destroy();
    expect(await run(argv, {})).toBe(1);
  });

  test('agent/Dockerfile HEALTHCHECK and the compose agent health check exit 0 while the agent is healthy, 1 when it is not', async () => {
    let healthy = true;
    const server = await startHealthServer(
      0,
      () => ({ healthy }),
      () => true
    );
    try {
      const df = parseDockerfile(read('agent/Dockerfile'));
      const argv = dockerHealthcheck(df);
      const imagePort = stageEnv(df.stages[df.stages.length - 1]).FLEETLENS_HEALTH_PORT;
      expect(imagePort).toBe('8481');
      expect(await run(argv, { FLEETLENS_HEALTH_PORT: String(server.port) })).toBe(0);
      const composeArgv = composeCheck('agent', 8481, server.port);
      expect(await run(composeArgv, {})).toBe(0);
      healthy = false;
      expect(await run(argv, { FLEETLENS_HEALTH_PORT: String(server.port) })).toBe(1);
      expect(await run(composeArgv, {})).toBe(1);
    } finally {
      await server.close();
    }
  });
});

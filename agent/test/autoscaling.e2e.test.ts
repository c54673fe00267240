import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import {
  IMAGE,
  docker,
  dockerAvailable,
  dockerStatsCli,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// Issue 15 (decision 37) end to end: a real backend whose leader runs the autoscaler every 5 s, a
// real agent process (Docker collector, FLEETLENS_ACTIONS=compose.scale) and a Compose-labelled
// busybox service that burns CPU (`yes`) for its first 40 s. What the rule measured is checked
// against `docker stats`, the replicas against `docker ps`; the agent's compose.scale handler
// (agent/src/actions/compose.ts) runs each decision on the real engine.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'as-e2e-agent-token-0123456789';
const SERVICE_KEY = 'as-e2e-service-key-0123456789';

describeDocker('autoscaling: leader → action → agent process → Docker engine (SQLite, real Docker)', () => {
  const run = runLabel('as-e2e');
  const label = `fleetlens.test=${run}`;
  const node = `${run}-node`;
  let dir: string;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let agent: ChildProcess;
  let stderr = '';
  let admin: Record<string, string>;
  let burner: string;
  let ruleId: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${backend.url}/api/v1${path}`, {
      method,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  /** The service's running containers, as the engine lists them. */
  const replicas = () =>
    docker(
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${run}`,
      '--filter',
      'label=com.docker.compose.service=burn'
    )
      .split('\n')
      .filter(Boolean);
  /** Polls until `f` returns a value (at most `seconds`). */
  const until = async <T>(what: string, seconds: number, f: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < seconds * 2; i++) {
      const v = await f();
      if (v !== undefined) return v;
      await sleep(500);
    }
    throw new Error(`${what} did not happen in ${seconds} s; the agent said:\n${stderr.slice(-2000)}`);
  };

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'as-e2e-'));
    backend = await startBackend({
      databaseUrl: join(dir, 'monitor.db'),
      port: 0,
      host: '127.0.0.1',
      agentToken: TOKEN,
      serviceKey: SERVICE_KEY,
      jobsEnabled: true,
      autoscalingIntervalSeconds: 5,
      dataDir: join(dir, 'backend'),
    });
    admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
    burner = docker(
      'run',
      '-d',
      '--name',
      `${run}-burn-1`,
      '--label',
      label,
      '--label',
      `com.docker.compose.project=${run}`,
      '--label',
      'com.docker.compose.service=burn',
      '--label',
      'com.docker.compose.container-number=1',
      IMAGE,
      'sh',
      '-c',
      'yes > /dev/null & p=$!; sleep 40; kill $p; sleep 3600'
    );
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_CLUSTER_NAME: 'as-e2e',
        FLEETLENS_NODE_NAME: node,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '2',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        FLEETLENS_ACTIONS: 'compose.scale',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const rule = await api('POST', '/autoscaling/rules', {
      name: 'burn',
      cluster: 'as-e2e',
      workload: { kind: 'compose', node, project: run, service: 'burn' },
      metric: 'cpuCores',
      // Low, so that whatever share of a core `yes` gets on a busy machine (0.26 here) is far above it.
      target: 0.05,
      minReplicas: 1,
      maxReplicas: 3,
      step: 1,
      stabilisationSeconds: 20,
      cooldownSeconds: 10,
    });
    expect(rule.status).toBe(201);
    ruleId = rule.body.id;
  }, 120_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await new Promise((r) => (agent?.exitCode !== null ? r(null) : agent.once('exit', r)));
    await backend?.stop();
    removeLabelled(label);
    removeLabelled(`com.docker.compose.project=${run}`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first decision with a measured metric, checked against docker stats and the HPA formula by hand. */
  const firstMeasured = async () => {
    const d = await until('a measured decision', 60, async () => {
      const h = await api('GET', `/autoscaling/rules/${ruleId}/history?limit=50`);
      return (h.body?.decisions as { metricValue: number | null }[] | undefined)?.find((x) => x.metricValue !== null);
    });
    // docker stats, three readings right after: `yes` is one thread (at most one core), and on a
    // busy machine its share moves between readings (CI once read 0.49 cores apart from a single
    // one), so the rule's figure (the agent's newest 2 s sample) must fall within their range.
    const cli = [0, 1, 2].map(() => dockerStatsCli([burner]).get(burner)!.cpuCores);
    const metric = (d as { metricValue: number }).metricValue;
    console.log(
      `autoscaling e2e: rule metric ${metric.toFixed(3)} cores, docker stats ${cli.map((c) => c.toFixed(3)).join(', ')}`
    );
    expect(metric).toBeGreaterThanOrEqual(Math.min(...cli) - 0.15);
    expect(metric).toBeLessThanOrEqual(Math.max(...cli) + 0.15);
    expect(metric).toBeLessThanOrEqual(1.05);
    expect(Math.min(...cli)).toBeGreaterThan(0.1);
    return d as {
      metricValue: number;
      currentReplicas: number;
      recommendedReplicas: number;
      desiredReplicas: number;
      outcome: string;
      reason: string | null;
      message: string;
    };
  };

  it('scales the service up under load and back to 1 after it, every step audited', async () => {
    const d = await firstMeasured();
    expect(d).toMatchObject({ currentReplicas: 1, desiredReplicas: 2, outcome: 'applied' });
    // Up: the engine runs more replicas (each new one burns for its first 40 s too).
    await until('a second replica', 90, async () => (replicas().length >= 2 ? true : undefined));
    // Down: once nothing burns, stabilisation (20 s) and cooldown (10 s) pass and it returns to 1.
    await until('back to one replica', 240, async () => (replicas().length === 1 ? true : undefined));
    const audit = await api('GET', '/audit?action=autoscaling.applied&pageSize=100');
    const applied = audit.body.items as { actor: string; after: { desiredReplicas: number } }[];
    expect(applied.length).toBeGreaterThanOrEqual(2);
    expect(new Set(applied.map((a) => a.actor))).toEqual(new Set(['autoscaler:burn']));
    expect(applied[0].after.desiredReplicas).toBe(1); // newest first: the last step went to 1
    const actions = (await api('GET', '/actions?kind=compose.scale&limit=100')).body.items as { state: string }[];
    expect(actions.length).toBe(applied.length);
    expect(actions.every((a) => a.state === 'done')).toBe(true);
  }, 400_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestBatch } from '@fleetlens/protocol';
import { startBackend } from '../../backend/src/server';
import { Agent } from '../src/agent';
import { Spool } from '../src/transport/spool';
import { DockerCollector } from '../src/collectors/docker';
import { HostCollector } from '../src/collectors/host';
import { type AgentConfig, validateConfig } from '../src/config';
import {
  IMAGE,
  SOCKET,
  docker,
  dockerAvailable,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// End to end: the real agent (host + Docker collectors, real containers) pushing to the real
// backend on a temporary SQLite file, with the backend stopped and restarted underneath it.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'e2e-agent-token-0123456789';
type Backend = Awaited<ReturnType<typeof startBackend>>;

describeDocker('delivery to the real backend through outages (SQLite, real Docker)', () => {
  const run = runLabel('fltest-e2e');
  const label = `fleetlens.test=${run}`;
  let dir: string;
  let dbFile: string;
  let backend: Backend | null = null;
  let port = 0;
  const produced: IngestBatch[] = [];

  const up = async () => {
    backend = await startBackend({
      databaseUrl: dbFile,
      port,
      host: '127.0.0.1',
      agentToken: TOKEN,
      serviceKey: 'e2e-service-key-0123456789',
      jobsEnabled: false,
      dataDir: join(dir, 'backend'),
    });
    port = Number(new URL(backend.url).port);
  };
  const down = async () => {
    await backend?.stop();
    backend = null;
  };
  const newAgent = (config: AgentConfig) =>
    new Agent({
      config,
      clusterKind: 'docker',
      collectors: [
        new HostCollector({ nodeName: config.nodeName, hostProc: '/proc', hostSys: '/sys', hostRoot: '/' }),
        new DockerCollector({
          nodeName: config.nodeName,
          socketPath: SOCKET,
          hostProc: '/proc',
          hostSys: '/sys',
          stateDir: config.stateDir,
          logsEnabled: true,
          logLinesPerCycle: 100,
          labelFilter: { 'fleetlens.test': run },
        }),
      ],
      sender: { baseDelayMs: 100, maxDelayMs: 800, log: () => {} },
      log: () => {},
      onBatch: (b) => produced.push(b),
    });

  /** Every (entity, ts) the agent put into a batch, keyed by runtime id / node name. */
  const expected = () => {
    const containers: string[] = [];
    const nodes: string[] = [];
    for (const b of produced) {
      for (const c of b.containers) for (const s of c.samples) containers.push(`${c.id}@${s.ts}`);
      for (const n of b.nodes) for (const s of n.samples) nodes.push(`${n.name}@${s.ts}`);
    }
    return { containers, nodes };
  };
  /** What storage holds for this run's containers and node. */
  const stored = async (db: Backend['db'], nodeName: string) => {
    const containers = (await db('container_samples as s')
      .join('containers as c', 'c.id', 's.entity_id')
      .where('c.name', 'like', `${run}-%`)
      .select('c.runtime_id', 's.ts')) as Array<{ runtime_id: string; ts: number }>;
    const nodes = (await db('node_samples as s')
      .join('nodes as n', 'n.id', 's.entity_id')
      .where('n.name', nodeName)
      .select('n.name', 's.ts')) as Array<{ name: string; ts: number }>;
    return {
      containers: containers.map((r) => `${r.runtime_id}@${r.ts}`),
      nodes: nodes.map((r) => `${r.name}@${r.ts}`),
    };
  };

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'fl-e2e-'));
    dbFile = join(dir, 'monitor.db');
    for (const name of ['a', 'b']) {
      docker(
        'run',
        '-d',
        '--name',
        `${run}-${name}`,
        '--label',
        label,
        IMAGE,
        'sh',
        '-c',
        'while true; do echo "$(date) hello"; sleep 0.5; done'
      );
    }
    await up();
  }, 60_000);

  afterAll(async () => {
    await down();
    if (HAVE_DOCKER) removeLabelled(label);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('backend down for a while, then back: every sample collected meanwhile arrives exactly once', async () => {
    const config = validateConfig({
      backendUrl: backend!.url,
      agentToken: TOKEN,
      clusterName: `e2e-${process.pid}`,
      nodeName: `e2e-node-${process.pid}`,
      intervalSeconds: 1,
      stateDir: join(dir, 'agent'),
    });
    const agent = newAgent(config);
    await agent.start();
    try {
      await sleep(3500);
      expect(agent.sender.lastPushAt).not.toBeNull();
      await down(); // outage
      await sleep(5000);
      const during = agent.status();
      expect(during.spoolBatches).toBeGreaterThanOrEqual(3); // collection went on, into the spool
      await up(); // same port, same database file
      await sleep(2500);
      expect(await agent.sender.drained(15_000)).toBe(true);
    } finally {
      await agent.stop();
    }
    await sleep(200);
    const want = expected();
    const got = await stored(backend!.db, config.nodeName);
    // No loss, nothing twice: the stored multiset equals the collected one.
    expect(new Set(want.containers).size).toBe(want.containers.length); // the agent never repeats an (entity, ts)
    expect([...got.containers].sort()).toEqual([...want.containers].sort());
    expect([...got.nodes].sort()).toEqual([...want.nodes].sort());
    // The outage is covered: node samples are every second, with no gap longer than 2 s.
    const ts = got.nodes.map((k) => Number(k.split('@')[1])).sort((a, b) => a - b);
    expect(ts.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < ts.length; i++) expect(ts[i] - ts[i - 1]).toBeLessThanOrEqual(2);
    // Logs of both containers arrived too, once each.
    const logRows = (await backend!.db('logs').count({ n: '*' }))[0].n;
    const logsSent = produced.reduce((n, b) => n + b.logs.length, 0);
    expect(logsSent).toBeGreaterThan(10);
    expect(Number(logRows)).toBe(logsSent);
  }, 60_000);

  it('agent restarted with a non-empty spool replays it once the backend is back', async () => {
    produced.length = 0;
    const config = validateConfig({
      backendUrl: backend!.url,
      agentToken: TOKEN,
      clusterName: `e2e-${process.pid}`,
      nodeName: `e2e-restart-${process.pid}`,
      intervalSeconds: 1,
      stateDir: join(dir, 'agent2'),
    });
    await down();
    const first = newAgent(config);
    await first.start();
    await sleep(3500);
    await first.stop(); // the agent goes away with batches still spooled
    const left = first.spool.batches;
    expect(left).toBeGreaterThanOrEqual(2);
    const fromFirst = expected();
    expect(fromFirst.nodes.length).toBe(left);

    // What is on disk between the two runs (opened read-only here, as the next agent will).
    const onDisk = await Spool.open(join(config.stateDir, 'spool'), config.spoolMaxBytes);
    expect(onDisk.batches).toBe(left);
    await up();
    const second = newAgent(config);
    await second.start();
    try {
      await sleep(2500);
      expect(await second.sender.drained(15_000)).toBe(true);
    } finally {
      await second.stop();
    }
    await sleep(200);
    const got = await stored(backend!.db, config.nodeName);
    for (const k of fromFirst.nodes) expect(got.nodes).toContain(k); // the first run's samples
    const want = expected();
    expect([...got.nodes].sort()).toEqual([...want.nodes].sort());
    const mine = new Set(want.containers);
    expect(got.containers.filter((k) => mine.has(k)).length).toBe(want.containers.length);
  }, 60_000);
});

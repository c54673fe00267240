import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import knexFactory, { type Knex } from 'knex';
import { ENDPOINTS } from '../src/routes/query';
import { adminApiKeyViaApp } from '../src/testing/credentials';
import { AGENT_TOKEN, SERVICE_KEY } from './helpers/backend';
import {
  NodeProcess,
  PrivateMariaDb,
  entryPoint,
  fillLeaving,
  freePort,
  mariadbBinaries,
  seededRandom,
  sleep,
  startCountingProxy,
  startHealthPoller,
  waitHttp,
  type HealthProbe,
} from './helpers/faults';
import { ingestCorpus, readCorpus } from './helpers/fuzz-corpus';

// Issue 11, "Prove it, and keep proving it": a real agent process and a real backend process,
// SIGKILLed at seeded random points during ingest; a private MariaDB server (own datadir, socket
// and port) stopped cleanly and crashed, then restarted; the agent's spool filesystem (a tmpfs)
// filled; agents with skewed clocks; a seeded corpus of hostile ingest bodies and read requests.
// It asserts: nothing the agent queued is lost while its spool had room, nothing is stored twice,
// every drop is counted in the agent's status, no 5xx for bad input, and /healthz answers within
// 1 s whenever the backend process is up (polled every 100 ms from a separate process).
//
// What the agent produced is read from its batch log (FLEETLENS_BATCH_LOG, written apart from
// the spool) and from a counting proxy between agent and backend, never from the backend.
// Set FAULT_SEED to replay a run; the seed is printed first.

const binaries = mariadbBinaries();
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'fl-fault-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const MOUNTABLE = canMountTmpfs();
if (process.env.REQUIRE_MYSQL === '1' && (!binaries || !MOUNTABLE)) {
  throw new Error(
    `REQUIRE_MYSQL=1 but the fault suite cannot run: ${!binaries ? 'no mariadb-install-db/mariadbd' : 'cannot mount a tmpfs (root needed)'}`
  );
}
const describeFaults = binaries && MOUNTABLE ? describe : describe.skip;

const HEALTHZ_LIMIT_MS = 1000;
const LOAD_CONTAINERS = 300;
const LOAD_LOG_LINES = 10;

interface AgentHealth {
  spoolBatches: number;
  droppedBatches: number;
  droppedSamples?: number;
  rejectedBatches: number;
  spoolWriteErrors?: number;
  spoolLastWriteError?: string | null;
  clockSkewSeconds?: number | null;
  lastPushAt: number | null;
}

describeFaults(
  'fault suite: kills, database restarts, a full spool disk, skewed clocks, fuzzed input (private MariaDB)',
  () => {
    const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rnd = seededRandom(seed);
    const between = (lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo));
    const base = mkdtempSync(join(tmpdir(), 'fl-fault-'));
    const spoolFs = join(base, 'agent-state');
    let mounted = false;
    let mdb: PrivateMariaDb;
    let db: Knex;
    const cleanups: Array<() => Promise<unknown> | unknown> = [];

    beforeAll(async () => {
      process.stderr.write(`fault suite: seed ${seed} (FAULT_SEED=${seed} replays this schedule)\n`);
      mdb = await PrivateMariaDb.create(join(base, 'mariadb'));
      await mdb.start();
      cleanups.push(() => mdb.stop('SIGKILL'));
      const admin = knexFactory({ client: 'mysql2', connection: mdb.url(''), pool: { min: 0, max: 1 } });
      await admin.raw('CREATE DATABASE fleetlens_fault CHARACTER SET utf8mb4');
      await admin.destroy();
      mkdirSync(spoolFs);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1024k', 'tmpfs', spoolFs], { stdio: 'pipe' });
      mounted = true;
    }, 120_000);

    afterAll(async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
      await db?.destroy();
      if (mounted) execFileSync('umount', ['-l', spoolFs], { stdio: 'pipe' });
      rmSync(base, { recursive: true, force: true });
    }, 120_000);

    it('delivers every sample exactly once through SIGKILLs and database restarts, counts every drop, never answers 5xx to bad input, and /healthz stays under 1 s', async () => {
      const t0 = Date.now();
      // ---- the backend process, on the private MariaDB
      const backendPort = await freePort();
      const backendUrl = `http://127.0.0.1:${backendPort}`;
      const backend = new NodeProcess(
        'backend',
        () => {
          const e = entryPoint('backend');
          return {
            args: e.args,
            env: {
              ...e.env,
              PORT: String(backendPort),
              HOST: '127.0.0.1',
              DATABASE_URL: mdb.url('fleetlens_fault'),
              SERVICE_KEY,
              AGENT_TOKEN,
              JOBS_ENABLED: 'false',
              DATA_DIR: join(base, 'backend-data'),
              LOG_LEVEL: 'warn',
              DB_WAIT_SECONDS: '120',
            },
          };
        },
        `${backendUrl}/readyz`,
        true
      );
      await backend.start();
      cleanups.push(() => backend.stop('SIGKILL'));
      db = knexFactory({ client: 'mysql2', connection: mdb.url('fleetlens_fault'), pool: { min: 0, max: 2 } });
      const adminKey = (await adminApiKeyViaApp(backendUrl, SERVICE_KEY)).headers;
      const poller = startHealthPoller(`${backendUrl}/healthz`, 100);
      let probes: HealthProbe[] | null = null;
      cleanups.push(async () => probes ?? (await poller.stop()));

      // ---- the agent process (host collector, 1 s interval), spooling to the tmpfs, through the proxy
      const proxy = await startCountingProxy(() => backendPort);
      cleanups.push(() => proxy.close());
      const agentProc = (node: string, stateDir: string, skewSeconds = 0) => {
        const healthPort = { value: 0 };
        const batchLog = join(base, `${node}.batches.jsonl`);
        const preload = skewSeconds ? [join(__dirname, 'helpers', 'skewed-clock.js')] : [];
        const proc = new NodeProcess(
          `agent ${node}`,
          () => {
            const e = entryPoint('agent', preload);
            return {
              args: e.args,
              env: {
                ...e.env,
                FAULT_CLOCK_SKEW_SECONDS: String(skewSeconds),
                FLEETLENS_BACKEND_URL: proxy.url,
                FLEETLENS_AGENT_TOKEN: AGENT_TOKEN,
                FLEETLENS_CLUSTER_NAME: 'fault',
                FLEETLENS_NODE_NAME: node,
                FLEETLENS_INTERVAL_SECONDS: '1',
                FLEETLENS_COLLECTORS: 'host',
                FLEETLENS_STATE_DIR: stateDir,
                FLEETLENS_HEALTH_PORT: String(healthPort.value),
                FLEETLENS_LOGS_ENABLED: 'false',
                FLEETLENS_REQUEST_TIMEOUT_SECONDS: '10',
                FLEETLENS_BATCH_LOG: batchLog,
              },
            };
          },
          null
        );
        const health = async (): Promise<AgentHealth> => {
          const r = await fetch(`http://127.0.0.1:${healthPort.value}/healthz`, { signal: AbortSignal.timeout(5000) });
          return (await r.json()) as AgentHealth;
        };
        const start = async () => {
          healthPort.value = await freePort();
          await proc.start();
          if (!(await waitHttp(`http://127.0.0.1:${healthPort.value}/readyz`, 30_000)))
            throw new Error(`agent ${node} not ready: ${proc.stderr.slice(-2000)}`);
        };
        /** The batch log's lines; a line cut by a SIGKILL is left out (its batch counts as not logged). */
        const produced = () =>
          (existsSync(batchLog) ? readFileSync(batchLog, 'utf8').split('\n') : []).flatMap((l) => {
            try {
              return [JSON.parse(l) as { batchId: string; samples: string[] }];
            } catch {
              return [];
            }
          });
        cleanups.push(() => proc.stop('SIGKILL'));
        return { proc, start, health, produced };
      };
      const agent = agentProc('fault-node', spoolFs);
      await agent.start();

      // ---- a second, heavy writer: 300 containers × 2 samples + 10 log lines per batch, each
      // batch sent until it is answered 202 (as an agent replays), so that kills land mid-ingest.
      const loadT0 = Math.floor(Date.now() / 1000) - 7000;
      const load = { running: true, batches: 0, retries: 0, refused: [] as string[] };
      const loadBatch = (k: number) =>
        gzipSync(
          JSON.stringify({
            version: 'v1',
            batchId: `load-${k}`,
            sentAt: loadT0 + 2 * k + 1,
            agent: { id: 'load-agent', version: '1', mode: 'node', hostname: 'load-0' },
            cluster: { name: 'fault-load', kind: 'docker', environment: 'on-prem' },
            nodes: [{ name: 'load-0', cores: 8, memoryBytes: 32e9, samples: [] }],
            containers: Array.from({ length: LOAD_CONTAINERS }, (_, i) => ({
              id: i.toString(16).padStart(64, '0'),
              nodeName: 'load-0',
              name: `load-${i}`,
              image: 'busybox',
              state: 'running',
              samples: [0, 1].map((d) => ({ ts: loadT0 + 2 * k + d, cpuCores: (i % 7) / 10, memBytes: 1e6 + i })),
            })),
            logs: Array.from({ length: LOAD_LOG_LINES }, (_, j) => ({
              ts: loadT0 + 2 * k,
              nanos: j,
              containerId: '0'.repeat(64),
              stream: 'stdout',
              level: 'info',
              message: `load ${k} line ${j}`,
            })),
          })
        );
      const loader = (async () => {
        for (let k = 0; load.running; k++) {
          const body = loadBatch(k);
          for (;;) {
            try {
              const r = await fetch(`${backendUrl}/api/v1/ingest`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${AGENT_TOKEN}`,
                  'content-type': 'application/json',
                  'content-encoding': 'gzip',
                },
                body,
                signal: AbortSignal.timeout(20_000),
              });
              const text = await r.text();
              if (r.status === 202) break;
              if (r.status < 500) load.refused.push(`${r.status} ${text.slice(0, 200)}`);
            } catch {
              /* backend down: retry */
            }
            load.retries++;
            await sleep(200);
          }
          load.batches = k + 1;
        }
      })();

      // ---- the fault schedule: backend SIGKILLs, agent SIGKILLs, MariaDB stopped and crashed.
      type Fault = 'backend-kill' | 'agent-kill' | 'db-stop' | 'db-crash';
      const faults: Fault[] = ['backend-kill', 'backend-kill', 'backend-kill', 'agent-kill', 'agent-kill', 'agent-kill', 'db-stop', 'db-crash']; // prettier-ignore
      for (let i = faults.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [faults[i], faults[j]] = [faults[j], faults[i]];
      }
      const log: string[] = [];
      const note = (s: string) => log.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`);
      await sleep(2000);
      for (const f of faults) {
        await sleep(between(700, 3000));
        if (f === 'backend-kill') {
          note(`SIGKILL backend (loader at batch ${load.batches})`);
          await backend.stop('SIGKILL');
          await sleep(between(100, 1500));
          await backend.start();
          note('backend ready');
        } else if (f === 'agent-kill') {
          note('SIGKILL agent');
          await agent.proc.stop('SIGKILL');
          await sleep(between(0, 1500));
          await agent.start();
          note('agent ready');
        } else {
          note(`${f === 'db-stop' ? 'SIGTERM' : 'SIGKILL'} MariaDB`);
          await mdb.stop(f === 'db-stop' ? 'SIGTERM' : 'SIGKILL');
          await sleep(between(1500, 4000));
          await mdb.start();
          note('MariaDB up');
        }
      }

      // ---- fuzzed ingest and read corpus, with two agents whose clocks are 120 s and 900 s ahead.
      const skewed = agentProc('fault-skew120', join(base, 'skew120'), 120);
      const farAhead = agentProc('fault-skew900', join(base, 'skew900'), 900);
      await skewed.start();
      await farAhead.start();
      note('fuzzing');
      const fuzzNow = Math.floor(Date.now() / 1000);
      const ingestCases = ingestCorpus(rnd, 250, fuzzNow, AGENT_TOKEN);
      const readPaths = ENDPOINTS.map((e) => e.path);
      const reads = readCorpus(rnd, 250, readPaths);
      const serverErrors: string[] = [];
      const ingestStatus = new Map<number, number>();
      for (const c of ingestCases) {
        const r = await fetch(`${backendUrl}/api/v1/ingest`, { method: 'POST', headers: c.headers, body: c.body });
        const text = await r.text();
        ingestStatus.set(r.status, (ingestStatus.get(r.status) ?? 0) + 1);
        if (r.status >= 500) serverErrors.push(`ingest ${c.name} → ${r.status} ${text.slice(0, 200)}`);
      }
      const readStatus = new Map<number, number>();
      for (const path of reads) {
        const r = await fetch(`${backendUrl}${path}`, { headers: adminKey });
        await r.arrayBuffer();
        readStatus.set(r.status, (readStatus.get(r.status) ?? 0) + 1);
        if (r.status >= 500) serverErrors.push(`GET ${path.slice(0, 300)} → ${r.status}`);
      }
      note('fuzz done');
      // The skewed agents: 120 s ahead is accepted and reported; 900 s ahead is refused, every batch counted.
      const statusOf = async (id: string) => {
        const row = (await db('agents').where('id', id).first('status')) as { status: string } | undefined;
        return row ? (JSON.parse(row.status) as AgentHealth) : null;
      };
      const until = Date.now() + 20_000;
      let skewHealth = await skewed.health();
      // Until a batch that carries the measured skew is stored (the first one cannot know it yet).
      while ((await statusOf('node:fault-skew120'))?.clockSkewSeconds == null && Date.now() < until) await sleep(200);
      skewHealth = await skewed.health();
      const refusedBefore = () => proxy.seen.filter((b) => b.status === 400 && b.nodeSamples.some((k) => k.startsWith('node/fault-skew900@'))).length; // prettier-ignore
      while (refusedBefore() < 3 && Date.now() < until) await sleep(200);
      const before400 = refusedBefore();
      const farHealth = await farAhead.health();
      const after400 = refusedBefore();
      await skewed.proc.stop('SIGTERM');
      await farAhead.proc.stop('SIGTERM');

      // ---- the spool's filesystem filled while the backend is down: oldest batches dropped, counted.
      const spoolBefore = await agent.health();
      const filler = fillLeaving(spoolFs, 20 * 1024);
      note(`tmpfs filled (${spoolBefore.spoolBatches} batches spooled); SIGKILL backend`);
      const fullFrom = Math.floor(Date.now() / 1000);
      await backend.stop('SIGKILL');
      const fullUntil = Date.now() + 9000;
      let fullHealth = await agent.health();
      while (Date.now() < fullUntil || (fullHealth.droppedBatches === 0 && Date.now() < fullUntil + 15_000)) {
        await sleep(500);
        fullHealth = await agent.health();
      }
      rmSync(filler);
      const fullTo = Math.floor(Date.now() / 1000);
      await backend.start();
      note(`backend ready; agent dropped ${fullHealth.droppedBatches} batches while the disk was full`);

      // ---- wind down: the loader finishes its batch, the agent drains, one more report is delivered.
      load.running = false;
      await loader;
      const drainUntil = Date.now() + 90_000;
      let h = await agent.health();
      while (h.spoolBatches > 0 && Date.now() < drainUntil) {
        await sleep(250);
        h = await agent.health();
      }
      expect(h.spoolBatches).toBe(0);
      const delivered = proxy.seen.filter((b) => b.status === 202).length;
      while (proxy.seen.filter((b) => b.status === 202).length < delivered + 2 && Date.now() < drainUntil)
        await sleep(100);
      const final = await agent.health();
      await agent.proc.stop('SIGTERM');
      note('agent stopped');
      await sleep(300);
      probes = await poller.stop();
      await backend.stop('SIGTERM');

      // ================= the agent's samples: produced (batch log) vs stored
      const producedBatches = agent.produced();
      const produced = producedBatches.flatMap((b) => b.samples);
      const storedRows = (await db('node_samples as s')
        .join('nodes as n', 'n.id', 's.entity_id')
        .where('n.name', 'fault-node')
        .select('s.ts')) as Array<{ ts: number }>;
      const stored = storedRows.map((r) => `node/fault-node@${Number(r.ts)}`);
      const storedSet = new Set(stored);
      const producedSet = new Set(produced);
      const proxied = new Set(proxy.seen.flatMap((b) => b.nodeSamples));
      const missing = produced.filter((k) => !storedSet.has(k));
      const extra = stored.filter((k) => !producedSet.has(k));
      const redelivered = proxy.seen.filter((b) => b.status === 202).length - new Set(proxy.seen.filter((b) => b.status === 202).map((b) => b.batchId)).size; // prettier-ignore
      const tsOf = (k: string) => Number(k.split('@')[1]);

      // ================= the loader's rows
      const loadSamples = Number(
        (
          await db('container_samples as s')
            .join('containers as c', 'c.id', 's.entity_id')
            .join('clusters as k', 'k.id', 'c.cluster_id')
            .where('k.name', 'fault-load')
            .count({ n: '*' })
        )[0].n
      );
      const loadLogs = Number(
        (
          await db('logs as l')
            .join('containers as c', 'c.id', 'l.container_id')
            .join('clusters as k', 'k.id', 'c.cluster_id')
            .where('k.name', 'fault-load')
            .count({ n: '*' })
        )[0].n
      );
      const loadDistinctLogs = Number(
        (
          await db('logs as l')
            .join('containers as c', 'c.id', 'l.container_id')
            .join('clusters as k', 'k.id', 'c.cluster_id')
            .where('k.name', 'fault-load')
            .countDistinct({ n: 'l.message' })
        )[0].n
      );

      // ================= the skewed agents, as the backend stored them
      const stored120 = await statusOf('node:fault-skew120');
      const stored900 = Number((await db('node_samples as s').join('nodes as n', 'n.id', 's.entity_id').where('n.name', 'fault-skew900').count({ n: '*' }))[0].n); // prettier-ignore
      const storedMain = await statusOf('node:fault-node');

      // ================= /healthz while the backend was up
      const inWindow = (p: HealthProbe) => backend.upWindows.some(([a, b]) => p.at >= a && p.at + p.ms <= b);
      const counted = probes.filter(inWindow);
      const maxMs = Math.max(...counted.map((p) => p.ms));
      const sortedMs = counted.map((p) => p.ms).sort((a, b) => a - b);
      const failedProbes = counted.filter((p) => p.status !== 200);

      const figures = {
        seed,
        seconds: Math.round((Date.now() - t0) / 1000),
        backendKills: backend.kills,
        backendStarts: backend.starts,
        agentKills: agent.proc.kills,
        agentStarts: agent.proc.starts,
        mariadbRestarts: mdb.starts - 1,
        agentSamplesProduced: produced.length,
        agentSamplesStored: stored.length,
        agentSamplesDistinctStored: storedSet.size,
        agentBatchesRedelivered: redelivered,
        samplesMissing: missing.length,
        samplesDroppedAndCounted: final.droppedSamples,
        batchesDroppedAndCounted: final.droppedBatches,
        storedNotInBatchLog: extra.length,
        spoolWriteErrors: final.spoolWriteErrors,
        spoolLastWriteError: final.spoolLastWriteError,
        loadBatches: load.batches,
        loadRetries: load.retries,
        loadSamplesStored: loadSamples,
        loadLogLinesStored: loadLogs,
        fuzzIngestStatus: Object.fromEntries(ingestStatus),
        fuzzReadStatus: Object.fromEntries(readStatus),
        skew120Reported: skewHealth.clockSkewSeconds,
        skew900Refused: farHealth.rejectedBatches,
        healthzProbes: counted.length,
        healthzMaxMs: Math.round(maxMs),
        healthzP99Ms: Math.round(sortedMs[Math.floor(sortedMs.length * 0.99)] ?? 0),
        healthzFailed: failedProbes.length,
      };
      process.stderr.write(`fault suite figures ${JSON.stringify(figures)}\nfault schedule:\n  ${log.join('\n  ')}\n`);

      // Delivery: everything queued while the spool had room is stored; the only missing samples
      // are the ones the agent dropped (counted) while its disk was full, during that outage.
      expect(produced.length).toBeGreaterThan(30);
      expect(producedSet.size).toBe(produced.length); // the agent never queues an (entity, ts) twice
      expect(stored.length).toBe(storedSet.size); // stored once each
      expect(final.droppedBatches).toBeGreaterThan(0); // the full disk did force drops
      expect(missing.length).toBe(final.droppedSamples);
      for (const k of missing) {
        expect(tsOf(k)).toBeGreaterThanOrEqual(fullFrom - 2);
        expect(tsOf(k)).toBeLessThanOrEqual(fullTo + 2);
      }
      // A sample stored but not in the batch log was spooled by an agent killed before it wrote
      // its log line; it went through the proxy all the same, and there is at most one per kill.
      for (const k of extra) expect(proxied.has(k)).toBe(true);
      expect(extra.length).toBeLessThanOrEqual(agent.proc.kills);
      expect(final.spoolWriteErrors).toBeGreaterThan(0);
      expect(final.spoolLastWriteError).toBe('ENOSPC');
      expect(final.rejectedBatches).toBe(0);
      // The counters reach the backend with the agent's batches.
      expect(storedMain).toMatchObject({ droppedBatches: final.droppedBatches, droppedSamples: final.droppedSamples });
      // The loader: every batch stored once (samples by primary key, log lines by content).
      expect(load.refused).toEqual([]);
      expect(loadSamples).toBe(load.batches * LOAD_CONTAINERS * 2);
      expect(loadLogs).toBe(load.batches * LOAD_LOG_LINES);
      expect(loadDistinctLogs).toBe(loadLogs);
      // Skewed clocks: 120 s ahead is stored and reported as such; 900 s ahead is refused and counted.
      expect(skewHealth.clockSkewSeconds).toBeGreaterThanOrEqual(118);
      expect(skewHealth.clockSkewSeconds).toBeLessThanOrEqual(122);
      expect(stored120?.clockSkewSeconds).toBeGreaterThanOrEqual(118);
      expect(stored120?.clockSkewSeconds).toBeLessThanOrEqual(122);
      expect(stored900).toBe(0);
      expect(before400).toBeGreaterThanOrEqual(3);
      expect(farHealth.rejectedBatches).toBeGreaterThanOrEqual(before400 - 1); // one answer may be on its way
      expect(farHealth.rejectedBatches).toBeLessThanOrEqual(after400);
      // Bad input: never a 5xx.
      // With the backend's own account of each, when there are any.
      const failed = backend.stderr.split('\n').filter((l) => l.includes('"request failed"'));
      expect({ serverErrors, logged: failed.slice(-3).map((l) => l.slice(0, 1500)) }).toEqual({
        serverErrors: [],
        logged: [],
      });
      // /healthz while the backend process was up (also through both MariaDB outages).
      expect(counted.length).toBeGreaterThan(200);
      expect(failedProbes).toEqual([]);
      expect(maxMs).toBeLessThanOrEqual(HEALTHZ_LIMIT_MS);
      expect(backend.kills).toBe(4);
      expect(agent.proc.kills).toBe(3);
      expect(mdb.starts).toBe(3);
      expect(readdirSync(join(spoolFs, 'spool')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }, 290_000);
  }
);

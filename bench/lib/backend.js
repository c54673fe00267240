// Shared by the backend benchmark suites: a backend process on a fresh MariaDB database, the
// synthetic fleet pushed through the real ingest API, and percentile helpers.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

const root = join(__dirname, '..', '..');
const { fleetBatches } = require(join(root, 'backend/dist/testing/fleet.js'));
const knexFactory = require(join(root, 'node_modules/knex'));

const MYSQL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const KEY = 'bench-service-key-0123456789';
/** What Grafana's app proxy sends for a signed-in org Admin (pkg/api/pluginproxy/pluginproxy.go). */
const APP_ROUTE_ADMIN = {
  'x-fleetlens-key': KEY,
  'x-grafana-context': JSON.stringify({ Login: 'bench-admin', Email: 'bench-admin@example.com', OrgRole: 'Admin' }),
};
const TOKEN = 'bench-agent-token-0123456789';

/** The p-th percentile (nearest rank). */
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function waitReady(url) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('backend did not become ready');
}

/**
 * Starts `backend/dist/main.js` on a new MariaDB database (or, with `{ dialect: 'sqlite' }`, a new
 * SQLite file); `stop()` ends it and drops the database.
 */
async function startBenchBackend({ dialect = 'mysql' } = {}) {
  const dbName = `fleetlens_bench_${randomBytes(4).toString('hex')}`;
  const admin =
    dialect === 'mysql' ? knexFactory({ client: 'mysql2', connection: `${MYSQL}/`, pool: { min: 0, max: 1 } }) : null;
  const sqliteDir = dialect === 'sqlite' ? mkdtempSync(join(tmpdir(), 'fleetlens-bench-')) : null;
  const databaseUrl = sqliteDir ? join(sqliteDir, `${dbName}.db`) : `${MYSQL}/${dbName}`;
  if (admin) await admin.raw(`CREATE DATABASE \`${dbName}\``);
  const port = 18000 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(
    process.execPath,
    [...(process.env.BENCH_BACKEND_NODE_ARGS || '').split(' ').filter(Boolean), join(root, 'backend/dist/main.js')],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        ...(sqliteDir ? { DATA_DIR: sqliteDir } : {}),
        SERVICE_KEY: KEY,
        AGENT_TOKEN: TOKEN,
        JOBS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }
  );
  return {
    url,
    dbName,
    dialect,
    databaseUrl,
    pid: proc.pid,
    ready: () => waitReady(url),
    /**
     * GET as a page request arrives through Grafana's app route: the service key with a Grafana
     * org Admin in X-Grafana-Context (the bare service key is no one); throws on a non-2xx answer.
     */
    async get(path) {
      const res = await fetch(`${url}${path}`, { headers: APP_ROUTE_ADMIN });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    /** An agent token bound to `cluster`, created as an admin does (its pushes verify a stored hash). */
    async agentToken(cluster) {
      const res = await fetch(`${url}/api/v1/agent-tokens`, {
        method: 'POST',
        headers: { ...APP_ROUTE_ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', cluster }),
      });
      if (res.status !== 201) throw new Error(`agent-tokens: ${res.status} ${await res.text()}`);
      return (await res.json()).token;
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      const keep = process.env.BENCH_KEEP_DB === '1';
      if (admin && !keep) await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
      await admin?.destroy();
      if (sqliteDir && !keep) rmSync(sqliteDir, { recursive: true, force: true });
    },
  };
}

/**
 * Pushes the fleet's samples for [from, now) through the ingest API, an hour at a time; batches
 * are generated and gzipped ahead of each hour (untimed), so the time measured is the backend's.
 * With `stampSentAt`, each batch's sentAt is the time it is sent (gzipped then), so the backend
 * treats every push as live, as it does an agent's: its reply carries probes and actions.
 * `token` is the bootstrap agent token unless given.
 */
async function pushFleet(
  url,
  spec,
  { from, now, interval, intervalsPerBatch, concurrency, stampSentAt = false, token = TOKEN, onHour = () => {} }
) {
  const totals = { containerSamples: 0, nodeSamples: 0, requests: 0, seconds: 0 };
  const push = async (item, attempt = 1) => {
    const body = stampSentAt ? gzipSync(JSON.stringify({ ...item, sentAt: Math.floor(Date.now() / 1000) })) : item;
    let res;
    try {
      res = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
    } catch (err) {
      // A kept-alive socket the server closed as it was reused: send again, as an agent does
      // (batches are idempotent by id).
      if (attempt < 3) return push(item, attempt + 1);
      throw err;
    }
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  };
  for (let h = from; h < now; h += 3600) {
    const chunk = [];
    for (const b of fleetBatches(spec, { from: h, to: Math.min(h + 3600, now), interval, intervalsPerBatch })) {
      for (const c of b.containers || []) totals.containerSamples += c.samples.length;
      for (const n of b.nodes || []) totals.nodeSamples += n.samples.length;
      chunk.push(stampSentAt ? b : gzipSync(JSON.stringify(b)));
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < chunk.length) await push(chunk[next++]);
      })
    );
    totals.seconds += (performance.now() - t0) / 1000;
    totals.requests += chunk.length;
    onHour((h - from) / 3600 + 1, totals);
  }
  return totals;
}

/** Warms a request up, then times `runs` sequential calls: p50 and p95 in ms. */
async function timeRequest(run, runs) {
  for (let i = 0; i < 5; i++) await run();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await run();
    ms.push(performance.now() - s);
  }
  return { p50ms: round(pct(ms, 50)), p95ms: round(pct(ms, 95)), runs };
}

module.exports = { root, MYSQL, pct, round, waitReady, startBenchBackend, pushFleet, timeRequest };

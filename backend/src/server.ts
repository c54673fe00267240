import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { buildApp, createDeps, type AppDeps } from './app';
import { loadConfig, type Config } from './config';
import { openDb, waitForDatabase } from './db/connection';
import { migrate } from './db/migrations';
import { defaultJobs } from './jobs';
import { JobScheduler } from './jobs/scheduler';
import { createLogger, silentLogger, type Logger } from './logger';
import { createTelemetry } from './telemetry';

export const VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
})();

/** A running backend. */
export interface RunningBackend {
  url: string;
  db: Knex;
  config: Config;
  deps: AppDeps;
  scheduler: JobScheduler | null;
  stop(): Promise<void>;
}

/**
 * Fills in the service key and bootstrap agent token when not configured: generated once and
 * kept in DATA_DIR/bootstrap-secrets.json (mode 0600). Only the file's path is logged.
 */
export function ensureSecrets(config: Config, log: Logger): Config {
  if (config.serviceKey && config.agentToken) return config;
  const file = resolve(config.dataDir, 'bootstrap-secrets.json');
  let stored: { serviceKey?: string; agentToken?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
  const next = {
    serviceKey: config.serviceKey ?? stored.serviceKey ?? randomBytes(24).toString('base64url'),
    agentToken: config.agentToken ?? stored.agentToken ?? randomBytes(24).toString('base64url'),
  };
  if (next.serviceKey !== stored.serviceKey || next.agentToken !== stored.agentToken) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  }
  log.info('using generated secrets (service key and/or agent token)', { file });
  return { ...config, ...next };
}

/** Start-up warnings about access settings that widen who gets in (names and values only, never secrets). */
export function warnAboutAccess(config: Config, log: Logger): void {
  const role = config.access.serviceKeyAnonymousRole;
  if (role !== 'none')
    log.warn(
      `SERVICE_KEY_ANONYMOUS_ROLE=${role}: any request carrying only the service key acts as ${role} and sees the whole fleet; ` +
        'set it to none (the default) once datasources use API keys (docs/access.md)',
      { setting: 'SERVICE_KEY_ANONYMOUS_ROLE', value: role }
    );
  if (config.access.grafanaId)
    log.info("X-Grafana-Id is verified against Grafana's signing keys", {
      jwks: config.access.grafanaId.jwksUrl,
      issuer: config.access.grafanaId.issuer,
      audiences: config.access.grafanaId.audiences,
    });
  else log.info('GRAFANA_URL is not set: X-Grafana-Id is ignored; API keys alone decide what datasources see');
}

/** How long the backend keeps an idle keep-alive connection open (longer than Grafana's 90 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 95_000;

/** Opens the database, migrates, and serves the API; starts leader-only jobs when enabled. */
export async function startBackend(
  overrides: Partial<Config> = {},
  opts: { log?: Logger; env?: NodeJS.ProcessEnv } = {}
) {
  const base = loadConfig(opts.env ?? {});
  const log = opts.log ?? (opts.env ? createLogger(base.logLevel) : silentLogger);
  const config = ensureSecrets({ ...base, ...overrides }, log);
  warnAboutAccess(config, log);
  const db = openDb(config.databaseUrl, config.dbPoolMax);
  await waitForDatabase(db, config.dbWaitSeconds, log);
  await migrate(db.knex);
  const telemetry = createTelemetry();
  const deps = createDeps(config, db, log, telemetry, VERSION);
  const app = buildApp(deps);
  const server: Server = await new Promise((ok) => {
    const s = app.listen(config.port, config.host, () => ok(s));
  });
  // Idle keep-alive connections outlive the clients' own idle timeouts, so a client never reuses a
  // socket the backend is closing at that moment (ECONNRESET, a 502 from Grafana's proxy): Grafana
  // keeps idle connections for 90 s (grafana-plugin-sdk-go backend/httpclient/options.go,
  // DefaultTimeoutOptions.IdleConnTimeout), Node's global agent for 5 s. Node's default is 5 s.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  let scheduler: JobScheduler | null = null;
  if (config.jobsEnabled) {
    scheduler = new JobScheduler(
      db,
      defaultJobs(deps),
      log,
      telemetry,
      `${hostname()}:${process.pid}:${port}`,
      config.leaseTtlSeconds
    );
    await scheduler.start();
  }
  log.info('backend listening', { url: `http://${host}:${port}`, database: db.describe });
  const running: RunningBackend = {
    url: `http://${host}:${port}`,
    db: db.knex,
    config,
    deps,
    scheduler,
    async stop() {
      await scheduler?.stop();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await db.knex.destroy();
    },
  };
  return running;
}

import { z } from 'zod';
import { fieldIssues } from '@fleetlens/protocol';
import type { QueryLimits } from './services/limits';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every environment variable the backend reads, with its default. The README lists the same. */
export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(8480),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).default('./data/monitor.db'),
  DB_POOL_MAX: int(1, 200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  SERVICE_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  AGENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_BODY_BYTES: int(1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  RETENTION_RAW_DAYS: int(1, 3650).default(2),
  RETENTION_1M_DAYS: int(1, 3650).default(30),
  RETENTION_1H_DAYS: int(1, 36500).default(400),
  JOBS_ENABLED: bool.default(true),
  LEASE_TTL_SECONDS: int(5, 3600).default(30),
  GONE_AFTER_SECONDS: int(30, 86400 * 30).default(300),
  // When a node counts as silent (README: configuration): its agent's interval times this many.
  AGENT_INTERVAL_SECONDS: int(1, 3600).default(10),
  SILENT_AFTER_INTERVALS: int(2, 100_000).default(3),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Identity and access (docs/access.md).
  SERVICE_KEY_ANONYMOUS_ROLE: z.enum(['admin', 'viewer', 'none']).default('none'),
  GRAFANA_ADMIN_ROLE: z.enum(['admin', 'editor', 'viewer', 'none']).default('admin'),
  GRAFANA_DEFAULT_ROLE: z.enum(['admin', 'editor', 'viewer', 'none']).default('viewer'),
  GRAFANA_DEFAULT_SCOPE: z.enum(['none', 'all']).default('none'),
  GRAFANA_AUTO_PROVISION: bool.default(true),
  TOKEN_TTL_SECONDS: int(60, 7 * 86400).default(3600),
  LOGIN_MAX_FAILURES: int(1, 1000).default(5),
  LOGIN_WINDOW_SECONDS: int(1, 86400).default(60),
  TRUST_PROXY: bool.default(false),
  // Verified Grafana identity (X-Grafana-Id): where Grafana's server publishes its signing keys.
  GRAFANA_URL: z.url({ protocol: /^https?$/ }).optional(),
  GRAFANA_ID_ISSUER: z.string().trim().min(1).optional(),
  GRAFANA_ID_AUDIENCE: z.string().trim().min(1).default('org:1'),
  // Alerts, notifications and logs (docs/alerts.md).
  ALERT_HISTORY_DAYS: int(1, 3650).default(90),
  NOTIFY_MAX_ATTEMPTS: int(1, 50).default(5),
  NOTIFY_RETRY_BASE_SECONDS: int(1, 3600).default(30),
  NOTIFY_TIMEOUT_SECONDS: int(1, 300).default(10),
  LOG_RETENTION_DAYS: int(1, 3650).default(2),
  LOG_MAX_LINES_PER_CONTAINER: int(100, 10_000_000).default(10_000),
  // Bounds on one read request and on ingested timestamps (README: configuration).
  QUERY_MAX_POINTS: int(10, 1_000_000).default(11_000),
  QUERY_MAX_SERIES: int(1, 1_000_000).default(5_000),
  QUERY_MAX_POINTS_PER_REPLY: int(1000, 100_000_000).default(2_000_000),
  QUERY_MAX_RANGE_DAYS: int(1, 36500).default(400),
  QUERY_TIMEOUT_SECONDS: int(1, 3600).default(20),
  INGEST_MAX_FUTURE_SECONDS: int(0, 86400).default(300),
  INGEST_MAX_ROWS: int(100, 10_000_000).default(50_000),
  DB_WAIT_SECONDS: int(0, 3600).default(120),
  // Automatic scaling (docs/autoscaling.md): seconds between evaluations, a divisor of 60 (a cron step).
  AUTOSCALING_INTERVAL_SECONDS: int(5, 60)
    .refine((s) => 60 % s === 0, 'must divide 60 (5, 6, 10, 12, 15, 20, 30 or 60)')
    .default(15),
});

/** Resolved configuration. Secrets are filled in at start-up if not configured (see bootstrap). */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  dbPoolMax: number;
  dataDir: string;
  serviceKey?: string;
  agentToken?: string;
  maxBodyBytes: number;
  retentionDays: { raw: number; m1: number; h1: number };
  jobsEnabled: boolean;
  leaseTtlSeconds: number;
  goneAfterSeconds: number;
  /** The agents' sample interval (the agent's FLEETLENS_INTERVAL_SECONDS; its default is 10). */
  agentIntervalSeconds: number;
  /**
   * A node that has sent nothing for this many agent intervals is silent: shown as "no data
   * since", without current usage, its containers' state unknown (not running).
   */
  silentAfterIntervals: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  access: AccessConfig;
  alerts: AlertsConfig;
  logs: LogsConfig;
  /** Bounds on one read request (services/limits.ts). */
  query: QueryLimits;
  /** Samples, events and log lines stamped more than this many seconds ahead of the server clock are refused. */
  ingestMaxFutureSeconds: number;
  /** Rows one ingest request may write; a larger batch is refused with 413 (the agent splits it). */
  ingestMaxRows: number;
  /** How long start-up waits for an unreachable database before giving up. */
  dbWaitSeconds: number;
  /** Seconds between two evaluations of the autoscaling rules by the leader (divides 60). */
  autoscalingIntervalSeconds: number;
}

/** Alert history and notification delivery (docs/alerts.md). */
export interface AlertsConfig {
  /** Resolved alerts older than this are deleted with their transitions and deliveries. */
  historyDays: number;
  /** Attempts per notification before it is marked failed. */
  notifyMaxAttempts: number;
  /** Delay before the second attempt; doubles for each further one (at most one hour). */
  notifyRetryBaseSeconds: number;
  /** Timeout of one attempt (HTTP request or SMTP conversation). */
  notifyTimeoutSeconds: number;
}

/** Bounds on stored container log lines (docs/alerts.md). */
export interface LogsConfig {
  retentionDays: number;
  /** The newest lines kept per container; older ones are deleted by the retention job. */
  maxLinesPerContainer: number;
}

/** Identity and access settings (docs/access.md). */
export interface AccessConfig {
  /**
   * Role of a request that carries the service key but names no user. `none` (default) refuses it
   * with 401; `admin` and `viewer` are explicit opt-ins, warned about at start-up.
   */
  serviceKeyAnonymousRole: 'admin' | 'viewer' | 'none';
  /** Role given to a Grafana org Admin the backend has no record of; `none` refuses them (403). */
  grafanaAdminRole: 'admin' | 'editor' | 'viewer' | 'none';
  /** Role given to any other Grafana user the backend has no record of. */
  grafanaDefaultRole: 'admin' | 'editor' | 'viewer' | 'none';
  /** Scopes of such a non-admin user: `none` (sees nothing until an admin grants scopes) or `all`. */
  grafanaDefaultScope: 'none' | 'all';
  /** Create a user record for an unknown Grafana user with an e-mail, so admins can grant it scopes. */
  grafanaAutoProvision: boolean;
  /** Lifetime of a login token. */
  tokenTtlSeconds: number;
  /** Failed logins per e-mail and per client address within the window before 429. */
  loginMaxFailures: number;
  loginWindowSeconds: number;
  /**
   * Take the client address from the last X-Forwarded-For entry (the one the nearest proxy
   * added). Off by default: a directly reachable backend would otherwise let clients choose it.
   */
  trustProxy: boolean;
  /** Verification of Grafana's signed ID token (X-Grafana-Id); null: the header is ignored. */
  grafanaId: GrafanaIdConfig | null;
}

/** Where Grafana's ID-token signing keys are and what its tokens must say (docs/access.md). */
export interface GrafanaIdConfig {
  /** Grafana's public JWKS: `<GRAFANA_URL>/api/signing-keys/keys`. */
  jwksUrl: string;
  /** Expected `iss`: Grafana's root_url (compared without a trailing slash). */
  issuer: string;
  /** Accepted `aud` values (Grafana sets `org:<orgId>`). */
  audiences: string[];
}

export class ConfigError extends Error {}

/** Seconds without data after which a node is silent (AGENT_INTERVAL_SECONDS × SILENT_AFTER_INTERVALS). */
export const silentAfterSeconds = (c: Pick<Config, 'agentIntervalSeconds' | 'silentAfterIntervals'>): number =>
  c.agentIntervalSeconds * c.silentAfterIntervals;

/** Reads and validates configuration from an environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked = Object.fromEntries(
    Object.keys(ConfigSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]])
  );
  const r = ConfigSchema.safeParse(picked);
  if (!r.success) {
    const lines = fieldIssues(r.error).map((i) => `  ${i.path}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = r.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dbPoolMax: c.DB_POOL_MAX,
    dataDir: c.DATA_DIR,
    serviceKey: c.SERVICE_KEY,
    agentToken: c.AGENT_TOKEN,
    maxBodyBytes: c.MAX_BODY_BYTES,
    retentionDays: { raw: c.RETENTION_RAW_DAYS, m1: c.RETENTION_1M_DAYS, h1: c.RETENTION_1H_DAYS },
    jobsEnabled: c.JOBS_ENABLED,
    leaseTtlSeconds: c.LEASE_TTL_SECONDS,
    goneAfterSeconds: c.GONE_AFTER_SECONDS,
    agentIntervalSeconds: c.AGENT_INTERVAL_SECONDS,
    silentAfterIntervals: c.SILENT_AFTER_INTERVALS,
    logLevel: c.LOG_LEVEL,
    access: {
      serviceKeyAnonymousRole: c.SERVICE_KEY_ANONYMOUS_ROLE,
      grafanaAdminRole: c.GRAFANA_ADMIN_ROLE,
      grafanaDefaultRole: c.GRAFANA_DEFAULT_ROLE,
      grafanaDefaultScope: c.GRAFANA_DEFAULT_SCOPE,
      grafanaAutoProvision: c.GRAFANA_AUTO_PROVISION,
      tokenTtlSeconds: c.TOKEN_TTL_SECONDS,
      loginMaxFailures: c.LOGIN_MAX_FAILURES,
      loginWindowSeconds: c.LOGIN_WINDOW_SECONDS,
      trustProxy: c.TRUST_PROXY,
      grafanaId: c.GRAFANA_URL
        ? {
            jwksUrl: `${c.GRAFANA_URL.replace(/\/+$/, '')}/api/signing-keys/keys`,
            issuer: (c.GRAFANA_ID_ISSUER ?? c.GRAFANA_URL).replace(/\/+$/, ''),
            audiences: c.GRAFANA_ID_AUDIENCE.split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : null,
    },
    alerts: {
      historyDays: c.ALERT_HISTORY_DAYS,
      notifyMaxAttempts: c.NOTIFY_MAX_ATTEMPTS,
      notifyRetryBaseSeconds: c.NOTIFY_RETRY_BASE_SECONDS,
      notifyTimeoutSeconds: c.NOTIFY_TIMEOUT_SECONDS,
    },
    logs: { retentionDays: c.LOG_RETENTION_DAYS, maxLinesPerContainer: c.LOG_MAX_LINES_PER_CONTAINER },
    query: {
      maxPointsPerSeries: c.QUERY_MAX_POINTS,
      maxSeries: c.QUERY_MAX_SERIES,
      maxPointsPerReply: c.QUERY_MAX_POINTS_PER_REPLY,
      maxRangeSeconds: c.QUERY_MAX_RANGE_DAYS * 86_400,
      timeoutMs: c.QUERY_TIMEOUT_SECONDS * 1000,
    },
    ingestMaxFutureSeconds: c.INGEST_MAX_FUTURE_SECONDS,
    ingestMaxRows: c.INGEST_MAX_ROWS,
    dbWaitSeconds: c.DB_WAIT_SECONDS,
    autoscalingIntervalSeconds: c.AUTOSCALING_INTERVAL_SECONDS,
  };
}

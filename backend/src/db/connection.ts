import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import knexFactory, { type Knex } from 'knex';

// knex's own better-sqlite3 dialect (knex ships no types for its dialect modules).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BetterSqlite3Client = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => {
  _query(connection: unknown, obj: unknown): Promise<unknown>;
};

export type Dialect = 'mysql' | 'sqlite';

/** A knex handle and the dialect behind it; dialect-only SQL branches on `dialect`. */
export interface Db {
  knex: Knex;
  dialect: Dialect;
  /** Human-readable target without credentials, for logs. */
  describe: string;
}

/** Opens the database named by `url`: `mysql://…` for MySQL/MariaDB/TiDB, anything else is a SQLite file path. */
export function openDb(url: string, poolMax = 10): Db {
  if (/^mysql2?:\/\//i.test(url)) {
    const u = new URL(url);
    const knex = knexFactory({
      client: 'mysql2',
      connection: {
        host: u.hostname,
        port: u.port ? Number(u.port) : 3306,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.replace(/^\//, ''),
        // SUM() of integer columns comes back as DECIMAL; we want JS numbers everywhere.
        decimalNumbers: true,
        supportBigNumbers: true,
        charset: 'utf8mb4',
        timezone: 'Z',
      },
      pool: { min: 0, max: poolMax, acquireTimeoutMillis: 5000 },
      acquireConnectionTimeout: 5000,
    });
    return { knex, dialect: 'mysql', describe: `mysql://${u.hostname}:${u.port || 3306}${u.pathname}` };
  }
  const file = resolve(url.replace(/^sqlite:(\/\/)?/i, ''));
  mkdirSync(dirname(file), { recursive: true });
  const knex = knexFactory({
    client: YieldingSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
  return { knex, dialect: 'sqlite', describe: `sqlite:${file}` };
}

/**
 * knex's better-sqlite3 client, but every statement first lets the event loop turn. better-sqlite3
 * runs statements synchronously and knex chains them with promises only, so the statements of a
 * transaction (an ingest of 48,000 rows: about 40) otherwise ran as one block, with /healthz and
 * every other request waiting behind it. The transaction itself is unchanged (one connection).
 */
class YieldingSqliteClient extends BetterSqlite3Client {
  override async _query(connection: unknown, obj: unknown): Promise<unknown> {
    await yieldToLoop();
    return super._query(connection, obj);
  }
}

/** Number of bind variables one statement may safely carry on both dialects. */
export const MAX_BINDINGS = 30_000;

/**
 * Rows per multi-row statement. SQLite caps a compound SELECT at 500 terms (which is how knex
 * writes a multi-row insert there), so our statements use a VALUES list, and stay below this many
 * rows so that one statement never holds SQLite (synchronous) long.
 */
export const MAX_ROWS_PER_STATEMENT = 2000;

/** Rows per multi-row statement for a table with `columns` columns: by bindings and by rows. */
export const chunkSize = (columns: number) =>
  Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_BINDINGS / Math.max(1, columns))));

/** Errors after which a transaction may simply be run again: deadlock victim, lock wait, SQLite busy. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

/**
 * Runs `fn` (a whole transaction) again when the database picked it as a deadlock victim (MariaDB
 * under concurrent ingest and rollups), up to `attempts` times with a short random pause; each
 * retry is reported in one line (the error code, never the statement).
 */
export async function withConflictRetry<T>(
  what: string,
  fn: () => Promise<T>,
  onRetry: (line: string) => void = () => {},
  attempts = 4
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryableConflict(err) || i >= attempts) throw err;
      onRetry(`${what}: ${(err as { code?: string }).code} (attempt ${i} of ${attempts}), retrying`);
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 50 * i));
    }
  }
}

/**
 * Waits until the database answers (a backend started with its database, or before it, as in
 * docker compose), for at most `seconds`; logs one line per failed attempt, every few seconds.
 */
export async function waitForDatabase(
  db: Db,
  seconds: number,
  log: { warn(msg: string, fields?: Record<string, unknown>): void }
): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.knex.raw('SELECT 1');
      return;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (Date.now() >= until) throw err;
      log.warn('database not reachable yet, waiting', {
        database: db.describe,
        attempt,
        code: e?.code ?? null,
        error: String(e?.message ?? err).slice(0, 200),
      });
      await new Promise((r) =>
        setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5), Math.max(0, until - Date.now())))
      );
    }
  }
}

/** True for errors that mean "the database cannot be reached now" (answered 503, agents retry). */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string; errno?: number };
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'PROTOCOL_CONNECTION_LOST',
    'ER_CON_COUNT_ERROR',
    'ER_SERVER_SHUTDOWN',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_LOCK_DEADLOCK',
    'SQLITE_BUSY',
    'SQLITE_LOCKED',
    'SQLITE_IOERR',
    'SQLITE_FULL',
  ];
  return (
    (!!e?.code && codes.includes(e.code)) ||
    e?.name === 'KnexTimeoutError' ||
    // The last: mysql2's answer to a statement (a ROLLBACK) on a connection the server dropped.
    /connect ECONNREFUSED|Connection lost|Pool is closed|acquiring a connection|connection is in closed state/i.test(
      e?.message ?? ''
    )
  );
}

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';

/** Bounds on one read request (README configuration table: QUERY_*). */
export interface QueryLimits {
  /** Most points one series may have (Prometheus refuses more than 11,000). */
  maxPointsPerSeries: number;
  /** Most series one request may return or compute (heatmap rows, PromQL series). */
  maxSeries: number;
  /** Most points one reply may carry in all (series × points). */
  maxPointsPerReply: number;
  /** Longest from–to range of one request, in seconds. */
  maxRangeSeconds: number;
  /** Time budget of one request, in milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxPointsPerSeries: 11_000,
  maxSeries: 5_000,
  maxPointsPerReply: 2_000_000,
  maxRangeSeconds: 400 * 86_400,
  timeoutMs: 20_000,
};

/** A request beyond a configured bound: answered 400 naming the field and the limit, before the work. */
export class QueryLimitError extends Error {
  constructor(
    /** The request field to change (from, to, step, cluster, match[], …). */
    readonly path: string,
    message: string,
    /** The same refusal in Prometheus' words, for the Prometheus API. */
    readonly prometheusMessage: string = message
  ) {
    super(message);
  }
}

/** A request that ran out of its time budget (503: Prometheus answers a timeout the same way). */
export class QueryTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(
      `query timed out after ${timeoutMs / 1000} s (QUERY_TIMEOUT_SECONDS); use a shorter range, a larger step or a narrower selection`
    );
  }
}

/** MySQL (3024) and MariaDB (1969) errors for a statement stopped by its execution-time limit. */
export function isStatementTimeout(err: unknown): boolean {
  const e = err as { errno?: number; code?: string };
  return e?.errno === 3024 || e?.errno === 1969 || e?.code === 'ER_QUERY_TIMEOUT' || e?.code === 'ER_STATEMENT_TIMEOUT';
}

/**
 * The time budget of one request. Heavy work runs in chunks; between chunks `tick()` checks the
 * deadline and yields to the event loop, so other requests (and /healthz) are answered meanwhile.
 */
export class Budget {
  readonly deadline: number;
  private lastYield = Date.now();

  constructor(readonly timeoutMs: number) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Milliseconds left (at least 1). */
  get remainingMs(): number {
    return Math.max(1, this.deadline - Date.now());
  }

  /** Throws once the deadline has passed; yields to the event loop every few milliseconds of work. */
  async tick(): Promise<void> {
    const now = Date.now();
    if (now > this.deadline) throw new QueryTimeoutError(this.timeoutMs);
    if (now - this.lastYield >= 5) {
      await yieldToLoop();
      this.lastYield = Date.now();
      if (this.lastYield > this.deadline) throw new QueryTimeoutError(this.timeoutMs);
    }
  }

  /**
   * Runs one SELECT within the budget: on MySQL with a server-side execution-time limit
   * (MAX_EXECUTION_TIME on MySQL and TiDB, max_statement_time on MariaDB), so the server stops the
   * statement too; on SQLite statements are kept small by the caller's chunking.
   */
  async select<T = Record<string, unknown>>(db: Db, qb: Knex.QueryBuilder): Promise<T[]> {
    await this.tick();
    try {
      if (db.dialect !== 'mysql') return (await qb) as T[];
      const ms = this.remainingMs;
      if (await isMariaDb(db)) {
        const { sql, bindings } = qb.toSQL().toNative();
        const [rows] = (await db.knex.raw(`SET STATEMENT max_statement_time=${(ms / 1000).toFixed(3)} FOR ${sql}`, [
          ...bindings,
        ])) as unknown as [T[]];
        return rows;
      }
      return (await qb.hintComment(`MAX_EXECUTION_TIME(${Math.ceil(ms)})`)) as T[];
    } catch (err) {
      if (isStatementTimeout(err)) throw new QueryTimeoutError(this.timeoutMs);
      throw err;
    }
  }
}

const flavour = new WeakMap<Knex, Promise<boolean>>();

/** True when the MySQL-protocol server is MariaDB (its VERSION() says so). */
function isMariaDb(db: Db): Promise<boolean> {
  let p = flavour.get(db.knex);
  if (!p) {
    p = db.knex
      .raw('SELECT VERSION() AS v')
      .then((r: unknown) => /mariadb/i.test(String((r as [{ v: string }[]])[0][0]?.v ?? '')))
      .catch(() => false);
    flavour.set(db.knex, p);
  }
  return p;
}

/** Thousands with commas, as Prometheus writes its limits ("11,000"). */
export const withCommas = (n: number) => n.toLocaleString('en-US');

/**
 * Checks a from/to/step request against the limits before any work: the range, and the points
 * per series it would produce. `fields` name the request's parameters.
 */
export function checkRange(
  limits: QueryLimits,
  q: { from: number; to: number; step: number },
  fields: { from: string; to: string; step: string } = { from: 'from', to: 'to', step: 'step' }
): number {
  if (q.to < q.from) throw new QueryLimitError(fields.to, `${fields.to} must not be before ${fields.from}`);
  const range = q.to - q.from;
  if (range > limits.maxRangeSeconds)
    throw new QueryLimitError(
      fields.from,
      `the range ${fields.from}–${fields.to} is ${range} s, longer than the limit of ${limits.maxRangeSeconds} s (QUERY_MAX_RANGE_DAYS = ${
        limits.maxRangeSeconds / 86_400
      }); request a shorter range`
    );
  const points = Math.floor(range / q.step) + 1;
  if (points > limits.maxPointsPerSeries)
    throw new QueryLimitError(
      fields.step,
      `${points} points per series at ${fields.step}=${q.step} exceed the limit of ${limits.maxPointsPerSeries} (QUERY_MAX_POINTS); use a larger ${fields.step} or a shorter range`,
      `exceeded maximum resolution of ${withCommas(limits.maxPointsPerSeries)} points per timeseries. Try decreasing the query resolution (?step=XX)`
    );
  return points;
}

/** Checks the number of series (and the reply's total points) before the series are read. */
export function checkSeries(limits: QueryLimits, series: number, pointsPerSeries: number, field: string): void {
  if (series > limits.maxSeries)
    throw new QueryLimitError(
      field,
      `${series} series exceed the limit of ${limits.maxSeries} per request (QUERY_MAX_SERIES); narrow the selection with ${field}`,
      `the query selects ${series} series, more than the limit of ${withCommas(limits.maxSeries)} per query; narrow the selectors`
    );
  if (series * pointsPerSeries > limits.maxPointsPerReply)
    throw new QueryLimitError(
      field,
      `${series} series × ${pointsPerSeries} points exceed the limit of ${limits.maxPointsPerReply} points per reply (QUERY_MAX_POINTS_PER_REPLY); use a larger step, a shorter range or narrow with ${field}`,
      'query processing would load too many samples into memory in query execution'
    );
}

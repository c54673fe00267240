import type { Db } from '../db/connection';

/** What every query service needs: the database, the clock, and when a reading counts as stale. */
export interface QueryContext {
  db: Db;
  /** Current time in epoch seconds (injectable for tests). */
  now: () => number;
  /** A sample older than this many seconds is not shown as current usage. */
  staleAfter: number;
}

/** Raised when an entity does not exist or is outside the caller's scope (both answer 404). */
export class NotFoundError extends Error {}

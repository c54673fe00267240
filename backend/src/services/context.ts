import type { Db } from '../db/connection';

/** What every query service needs: the database, the clock, and when a reading counts as stale. */
export interface QueryContext {
  db: Db;
  /** Current time in epoch seconds (injectable for tests). */
  now: () => number;
  /**
   * Seconds without data after which a node is silent (AGENT_INTERVAL_SECONDS ×
   * SILENT_AFTER_INTERVALS): status unknown, "no data since", its containers' state unknown; and a
   * sample older than this is not shown as current usage.
   */
  staleAfter: number;
}

/** Raised when an entity does not exist or is outside the caller's scope (both answer 404). */
export class NotFoundError extends Error {}

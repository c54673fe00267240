import { alerts as wire } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';
import { selectStraight } from '../db/hints';
import { BadQueryError } from './timeseries';
import type { QueryContext } from './context';
import { checkWindow, ILIKE } from './events';
import { Budget, DEFAULT_QUERY_LIMITS, type QueryLimits } from './limits';
import { escapeLike } from './inventory';
import { applyScope, narrow, type Scope } from './scope';

type Row = Record<string, unknown>;

/** Cursor of a log line: its position in the (ts, nanos, id) order, opaque to clients. */
export const encodeCursor = (r: { ts: number; nanos: number; id: string }) =>
  Buffer.from(`${r.ts}:${r.nanos}:${r.id}`).toString('base64url');

export function decodeCursor(c: string, param = 'cursor'): { ts: number; nanos: number; id: string } {
  const m = /^(\d+):(\d+):([0-9a-f]{1,64})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw new BadQueryError(param, 'not a cursor this API returned');
  return { ts: Number(m[1]), nanos: Number(m[2]), id: m[3] };
}

const toLog = (r: Row): wire.LogRow => ({
  id: String(r.id),
  ts: Number(r.ts),
  nanos: Number(r.nanos),
  stream: r.stream as wire.LogRow['stream'],
  level: r.level as wire.LogRow['level'],
  message: String(r.message),
  containerId: String(r.container_id),
  containerName: String(r.container_name),
  pod: (r.pod as string) ?? null,
  namespace: (r.namespace as string) ?? null,
  nodeName: String(r.node_name),
  clusterName: String(r.cluster_name),
});

/** Lines strictly after (`>`) or before (`<`) a cursor in (ts, nanos, id) order. */
function beyond(qb: Knex.QueryBuilder, c: { ts: number; nanos: number; id: string }, op: '<' | '>') {
  qb.where((w) =>
    w
      .where('l.ts', op, c.ts)
      .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', op, c.nanos))
      .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', c.nanos).where('l.id', op, c.id))
  );
}

/** Round bucket widths (seconds) the volume picks from when the caller gives no step. */
const ROUND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** Buckets of `step` seconds from `from` (aligned down) through `to`. */
const bucketCount = (from: number, to: number, step: number) => Math.floor((to - (from - (from % step))) / step) + 1;

/** The smallest round step that covers from–to in at most `max` buckets (whole days beyond one day). */
export function volumeStep(from: number, to: number, max: number): number {
  for (const s of ROUND_STEPS) if (bucketCount(from, to, s) <= max) return s;
  let step = Math.ceil((to - from + 1) / max / 86_400) * 86_400;
  while (bucketCount(from, to, step) > max) step += 86_400;
  return step;
}

const LEVELS = ['error', 'warning', 'info', 'debug', 'unknown'] as const;
const noCounts = () => ({ error: 0, warning: 0, info: 0, debug: 0, unknown: 0, total: 0 });

/**
 * Container log lines within the caller's scope (by the container's cluster, namespace and node),
 * newest or oldest first, and their volume over time by level. Node and cluster names come from
 * joins on the primary keys of each line's container, not from copies on every line
 * (docs/decisions.md §23).
 */
export class LogQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS
  ) {}

  /**
   * The lines a filter selects, each joined to its container, node and cluster (for the scope,
   * the filters and the names). Measured against the alternatives in bench/suites/logs-join.js
   * (docs/decisions.md §23).
   */
  private filtered(
    scope: Scope,
    q: Omit<wire.LogVolumeQuery, 'step' | 'buckets' | 'from' | 'to'> & { from?: number; to?: number }
  ): Knex.QueryBuilder {
    const k = this.ctx.db.knex;
    const qb = applyScope(
      k('logs as l')
        .join('containers as c', 'c.id', 'l.container_id')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id'),
      narrow(scope, { clusters: q.cluster, namespaces: q.namespace }),
      { clusterName: 'cl.name', namespace: 'c.namespace', nodeName: 'n.name' }
    );
    if (q.container?.length) qb.whereIn('l.container_id', q.container);
    if (q.pod?.length) {
      // A pod's containers first, so the lines are found by container (an index) rather than by scanning.
      const ids = k('containers')
        .select('id')
        .where((w) => w.whereIn('pod_uid', q.pod!).orWhereIn('pod', q.pod!));
      qb.whereIn('l.container_id', ids);
    }
    if (q.level?.length) qb.whereIn('l.level', q.level);
    if (q.stream?.length) qb.whereIn('l.stream', q.stream);
    if (q.q) qb.whereRaw(ILIKE('l.message'), [`%${escapeLike(q.q)}%`]);
    if (q.from !== undefined) qb.where('l.ts', '>=', q.from);
    if (q.to !== undefined) qb.where('l.ts', '<=', q.to);
    return qb;
  }

  /** One page of lines: newest first (`order` desc, the default) or oldest first (asc), with cursors. */
  async query(scope: Scope, q: wire.LogQuery): Promise<wire.LogReply> {
    checkWindow(this.limits, q.from, q.to);
    const asc = q.order === 'asc';
    const qb = this.filtered(scope, q);
    if (q.cursor) beyond(qb, decodeCursor(q.cursor), asc ? '>' : '<');
    if (q.after) beyond(qb, decodeCursor(q.after, 'after'), '>');
    const dir = asc ? 'asc' : 'desc';
    const rows: Row[] = await new Budget(this.limits.timeoutMs).select(
      this.ctx.db,
      // The lines in index order, each joined for its names, until the page is full.
      selectStraight(
        this.ctx.db,
        qb,
        'l.*',
        'c.name as container_name',
        'c.pod',
        'c.namespace',
        'n.name as node_name',
        'cl.name as cluster_name'
      )
        .orderBy([
          { column: 'l.ts', order: dir },
          { column: 'l.nanos', order: dir },
          { column: 'l.id', order: dir },
        ])
        .limit(q.limit + 1)
        .offset(q.page ? (q.page - 1) * q.limit : 0)
    );
    const items = rows.slice(0, q.limit).map(toLog);
    const more = rows.length > q.limit;
    const nextCursor = more && items.length ? encodeCursor(items[items.length - 1]) : null;
    if (asc) {
      // Oldest first: the newest line returned is the last one.
      const newest = items.length ? encodeCursor(items[items.length - 1]) : null;
      return { items, nextCursor, headCursor: newest ?? q.after ?? q.cursor ?? null };
    }
    return {
      items,
      nextCursor,
      headCursor:
        items.length && !q.cursor && !q.page
          ? encodeCursor(items[0])
          : (q.after ?? (items.length ? encodeCursor(items[0]) : null)),
    };
  }

  /** Lines per time bucket and level over from–to (the same filters and scope as `query`). */
  async volume(scope: Scope, q: wire.LogVolumeQuery): Promise<wire.LogVolumeReply> {
    checkWindow(this.limits, q.from, q.to);
    const step = q.step ?? volumeStep(q.from, q.to, q.buckets);
    const n = bucketCount(q.from, q.to, step);
    if (n > wire.MAX_LOG_VOLUME_BUCKETS)
      throw new BadQueryError(
        'step',
        `${n} buckets, more than ${wire.MAX_LOG_VOLUME_BUCKETS}; use a larger step or a shorter range`
      );
    const first = q.from - (q.from % step);
    const rows: Row[] = await new Budget(this.limits.timeoutMs).select(
      this.ctx.db,
      this.filtered(scope, q)
        .select(this.ctx.db.knex.raw(`(l.ts - (l.ts % ${Number(step)})) as b`), 'l.level')
        .count({ n: '*' })
        .groupBy('b', 'l.level')
    );
    const buckets = Array.from({ length: n }, (_, i) => ({ ts: first + i * step, ...noCounts() }));
    const totals = noCounts();
    for (const r of rows) {
      const b = buckets[(Number(r.b) - first) / step];
      const level = (LEVELS as readonly string[]).includes(String(r.level))
        ? (r.level as (typeof LEVELS)[number])
        : 'unknown';
      const c = Number(r.n);
      if (b) {
        b[level] += c;
        b.total += c;
      }
      totals[level] += c;
      totals.total += c;
    }
    return { from: q.from, to: q.to, step, buckets, totals };
  }
}

/** Keeps at most `maxLines` log lines per container (the newest); returns the lines deleted. */
export async function capLogsPerContainer(db: Db, maxLines: number): Promise<number> {
  const k = db.knex;
  const over: Row[] = await k('logs')
    .select('container_id')
    .count({ n: '*' })
    .groupBy('container_id')
    .havingRaw('COUNT(*) > ?', [maxLines]);
  let deleted = 0;
  for (const o of over) {
    const id = String(o.container_id);
    // The oldest line to keep; everything before it in (ts, nanos, id) order goes.
    const keep = await k('logs')
      .where('container_id', id)
      .orderBy([
        { column: 'ts', order: 'desc' },
        { column: 'nanos', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset(maxLines - 1)
      .first('ts', 'nanos', 'id');
    if (!keep) continue;
    deleted += await k('logs')
      .where('container_id', id)
      .where((w) =>
        w
          .where('ts', '<', keep.ts)
          .orWhere((x) => x.where('ts', keep.ts).where('nanos', '<', keep.nanos))
          .orWhere((x) => x.where('ts', keep.ts).where('nanos', keep.nanos).where('id', '<', keep.id))
      )
      .delete();
  }
  return deleted;
}

/** Deletes log lines older than `cutoff`, in batches; returns the lines deleted. */
export async function deleteLogsBefore(db: Db, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = (await db.knex('logs').where('ts', '<', cutoff).limit(5000).select('id')).map(
      (r: { id: string }) => r.id
    );
    if (!ids.length) return total;
    total += await db.knex('logs').whereIn('id', ids).delete();
  }
}

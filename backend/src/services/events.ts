import type { alerts as wire } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { QueryContext } from './context';
import { Budget, DEFAULT_QUERY_LIMITS, QueryLimitError, type QueryLimits } from './limits';
import { escapeLike } from './inventory';
import { applyScope, narrow, type Scope } from './scope';
import { num } from './shapes';
import { BadQueryError } from './timeseries';

/** Most buckets one counts query may ask for. */
export const MAX_BUCKETS = 10_000;

type Row = Record<string, unknown>;

/** A case-insensitive LIKE on one of our own columns; the argument is escaped with `escapeLike`. */
export const ILIKE = (col: string) => `LOWER(${col}) LIKE LOWER(?) ESCAPE '!'`;

const toEvent = (r: Row): wire.EventRow => ({
  id: String(r.id),
  ts: Number(r.ts),
  clusterId: String(r.cluster_id),
  clusterName: String(r.cluster_name),
  source: String(r.source),
  type: r.type as wire.EventRow['type'],
  reason: String(r.reason),
  message: String(r.message),
  objectKind: String(r.object_kind),
  objectName: String(r.object_name),
  namespace: (r.namespace as string) ?? null,
  nodeName: (r.node_name as string) ?? null,
  containerId: (r.container_id as string) ?? null,
  exitCode: num(r.exit_code),
  count: Number(r.count),
  category: (r.category as string) ?? null,
});

/**
 * Container and Kubernetes events. The caller's scope applies by cluster, namespace and node; an
 * event without a namespace (or node) is outside a namespace- (or node-) restricted scope.
 */
export class EventQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS
  ) {}

  private filtered(scope: Scope, q: Omit<wire.EventListQuery, 'page' | 'pageSize'>): Knex.QueryBuilder {
    const s = narrow(scope, { clusters: q.cluster, namespaces: q.namespace, nodes: q.node });
    const qb = applyScope(this.ctx.db.knex('events as e').join('clusters as cl', 'cl.id', 'e.cluster_id'), s, {
      clusterName: 'cl.name',
      namespace: 'e.namespace',
      nodeName: 'e.node_name',
    });
    if (q.objectKind) qb.where('e.object_kind', q.objectKind);
    if (q.object) qb.where('e.object_name', q.object);
    if (q.type?.length) qb.whereIn('e.type', q.type);
    if (q.reason?.length) qb.whereIn('e.reason', q.reason);
    if (q.category) qb.where('e.category', q.category);
    if (q.container?.length) qb.whereIn('e.container_id', q.container);
    if (q.q) qb.whereRaw(ILIKE('e.message'), [`%${escapeLike(q.q)}%`]);
    if (q.from !== undefined) qb.where('e.ts', '>=', q.from);
    if (q.to !== undefined) qb.where('e.ts', '<=', q.to);
    return qb;
  }

  /** Events, newest first, paged. */
  async list(scope: Scope, q: wire.EventListQuery): Promise<wire.EventListReply> {
    checkWindow(this.limits, q.from, q.to);
    const budget = new Budget(this.limits.timeoutMs);
    const [{ n }] = await budget.select<{ n: number }>(this.ctx.db, this.filtered(scope, q).count({ n: '*' }));
    const rows = await budget.select(
      this.ctx.db,
      this.filtered(scope, q)
        .select('e.*', 'cl.name as cluster_name')
        .orderBy([
          { column: 'e.ts', order: 'desc' },
          { column: 'e.id', order: 'desc' },
        ])
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize)
    );
    return { total: Number(n), page: q.page, pageSize: q.pageSize, items: rows.map(toEvent) };
  }

  /** Number of event records per time bucket and type (buckets aligned to the step, empty ones included). */
  async counts(scope: Scope, q: wire.EventCountsQuery): Promise<wire.EventCountsReply> {
    const step = q.step ?? Math.max(10, Math.ceil((q.to - q.from) / 60));
    const first = q.from - (q.from % step);
    if ((q.to - first) / step >= MAX_BUCKETS)
      throw new BadQueryError(
        'step',
        `too many buckets (at most ${MAX_BUCKETS}); use a larger step or a shorter range`
      );
    checkWindow(this.limits, q.from, q.to);
    const rows: Row[] = await new Budget(this.limits.timeoutMs).select(
      this.ctx.db,
      this.filtered(scope, q)
        .select(this.ctx.db.knex.raw(`(e.ts - (e.ts % ${Number(step)})) as b`), 'e.type')
        .count({ n: '*' })
        .groupBy('b', 'e.type')
    );
    const buckets: wire.EventCountsReply['buckets'] = [];
    const index = new Map<number, number>();
    for (let t = first; t <= q.to; t += step) {
      index.set(t, buckets.length);
      buckets.push({ ts: t, normal: 0, warning: 0 });
    }
    const totals = { normal: 0, warning: 0 };
    for (const r of rows) {
      const i = index.get(Number(r.b));
      const type = r.type === 'warning' ? 'warning' : 'normal';
      if (i !== undefined) buckets[i][type] += Number(r.n);
      totals[type] += Number(r.n);
    }
    return { from: q.from, to: q.to, step, buckets, totals };
  }
}

/** A from/to window of an events or logs read: from not after to, and not longer than the range limit. */
export function checkWindow(limits: QueryLimits, from?: number, to?: number): void {
  if (from !== undefined && to !== undefined && from > to)
    throw new QueryLimitError('from', `from (${from}) is after to (${to})`);
  const span = from !== undefined && to !== undefined ? to - from : 0;
  if (span > limits.maxRangeSeconds)
    throw new QueryLimitError(
      'from',
      `the range from–to is ${span} s, longer than the limit of ${limits.maxRangeSeconds} s (QUERY_MAX_RANGE_DAYS); request a shorter range`
    );
}

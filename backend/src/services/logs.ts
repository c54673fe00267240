import type { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../db/connection';
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

/** Container log lines, newest first, within the caller's scope (by the container's cluster, namespace and node). */
export class LogQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS
  ) {}

  async query(scope: Scope, q: wire.LogQuery): Promise<wire.LogReply> {
    checkWindow(this.limits, q.from, q.to);
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
    if (q.pod?.length) qb.where((w) => w.whereIn('c.pod_uid', q.pod!).orWhereIn('c.pod', q.pod!));
    if (q.level?.length) qb.whereIn('l.level', q.level);
    if (q.stream?.length) qb.whereIn('l.stream', q.stream);
    if (q.q) qb.whereRaw(ILIKE('l.message'), [`%${escapeLike(q.q)}%`]);
    if (q.from !== undefined) qb.where('l.ts', '>=', q.from);
    if (q.to !== undefined) qb.where('l.ts', '<=', q.to);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      qb.where((w) =>
        w
          .where('l.ts', '<', c.ts)
          .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', '<', c.nanos))
          .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', c.nanos).where('l.id', '<', c.id))
      );
    }
    if (q.after) {
      const c = decodeCursor(q.after, 'after');
      qb.where((w) =>
        w
          .where('l.ts', '>', c.ts)
          .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', '>', c.nanos))
          .orWhere((x) => x.where('l.ts', c.ts).where('l.nanos', c.nanos).where('l.id', '>', c.id))
      );
    }
    const rows: Row[] = await new Budget(this.limits.timeoutMs).select(
      this.ctx.db,
      qb
        .select(
          'l.*',
          'c.name as container_name',
          'c.pod',
          'c.namespace',
          'n.name as node_name',
          'cl.name as cluster_name'
        )
        .orderBy([
          { column: 'l.ts', order: 'desc' },
          { column: 'l.nanos', order: 'desc' },
          { column: 'l.id', order: 'desc' },
        ])
        .limit(q.limit + 1)
        .offset(q.page ? (q.page - 1) * q.limit : 0)
    );
    const items = rows.slice(0, q.limit).map(toLog);
    const more = rows.length > q.limit;
    return {
      items,
      nextCursor: more && items.length ? encodeCursor(items[items.length - 1]) : null,
      headCursor:
        items.length && !q.cursor && !q.page
          ? encodeCursor(items[0])
          : (q.after ?? (items.length ? encodeCursor(items[0]) : null)),
    };
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

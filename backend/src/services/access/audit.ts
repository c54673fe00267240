import type { access } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import type { Caller } from './errors';

/** Who an audit entry is attributed to. */
export interface Actor {
  actor: string;
  actorId: string | null;
}

export const actorOf = (c: Caller): Actor => ({ actor: c.actor, actorId: c.userId });

const parse = (s: unknown): unknown => {
  if (s === null || s === undefined) return null;
  try {
    return JSON.parse(String(s));
  } catch {
    return null;
  }
};

/**
 * The audit log: one row per change (who, what, when, before and after). Callers pass views
 * without secrets; entries are written in the same transaction as the change they describe.
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => number
  ) {}

  async record(
    q: Knex | Knex.Transaction,
    who: Actor,
    action: string,
    targetType: string,
    targetId: string | null,
    before: unknown,
    after: unknown
  ): Promise<void> {
    await q('audit_log').insert({
      ts: this.now(),
      actor: who.actor.slice(0, 254),
      actor_id: who.actorId,
      action,
      target_type: targetType,
      target_id: targetId,
      before: before === null || before === undefined ? null : JSON.stringify(before),
      after: after === null || after === undefined ? null : JSON.stringify(after),
    });
  }

  /** Entries newest first, filtered by actor (name or user id), action, target type and time. */
  async list(q: access.AuditQuery): Promise<access.AuditListReply> {
    const base = () => {
      const qb = this.db.knex('audit_log');
      if (q.actor) qb.where((w) => w.where('actor', q.actor!).orWhere('actor_id', q.actor!));
      if (q.action) qb.where('action', q.action);
      if (q.targetType) qb.where('target_type', q.targetType);
      if (q.from !== undefined) qb.where('ts', '>=', q.from);
      if (q.to !== undefined) qb.where('ts', '<=', q.to);
      return qb;
    };
    const [{ n }] = await base().count({ n: '*' });
    const rows = await base()
      .select('*')
      .orderBy('id', 'desc')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return {
      total: Number(n),
      page: q.page,
      pageSize: q.pageSize,
      items: rows.map((r) => ({
        id: Number(r.id),
        ts: Number(r.ts),
        actor: String(r.actor),
        actorId: r.actor_id ?? null,
        action: String(r.action),
        targetType: String(r.target_type),
        targetId: r.target_id ?? null,
        before: parse(r.before),
        after: parse(r.after),
      })),
    };
  }
}

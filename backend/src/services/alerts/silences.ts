import type { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import { NotFoundError } from '../context';
import { applyNodeScope, applyScope, FULL_SCOPE, type Scope } from '../scope';
import { assertRuleWithinScope, ruleInScope, toRule } from './rules';
import { InvalidFieldsError, newId } from './common';

type Row = Record<string, unknown>;

const toSilence = (r: Row, now: number): wire.Silence => ({
  id: String(r.id),
  ruleId: (r.rule_id as string) ?? null,
  entityId: (r.entity_id as string) ?? null,
  startsAt: Number(r.starts_at),
  endsAt: Number(r.ends_at),
  comment: String(r.comment),
  createdBy: (r.created_by as string) ?? null,
  createdAt: Number(r.created_at),
  active: Number(r.starts_at) <= now && now < Number(r.ends_at),
});

/**
 * Silences mute a rule, an entity, or one rule on one entity until a time. Matching alerts still
 * change state (and show as silenced) but send no notifications while the silence lasts.
 */
export class SilenceService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number
  ) {}

  /**
   * Silences visible in the scope: a restricted caller sees a silence when its rule (if any) may
   * concern the scope and its entity (if any) has an alert inside the scope.
   */
  async list(scope: Scope, q: { active?: 'true' | 'false' }): Promise<wire.SilenceListReply> {
    const now = this.now();
    const k = this.db.knex;
    const qb = k('alert_silences as s')
      .select('s.*')
      .orderBy([{ column: 's.ends_at', order: 'desc' }, { column: 's.id' }]);
    if (q.active === 'true') qb.where('s.starts_at', '<=', now).where('s.ends_at', '>', now);
    if (q.active === 'false') qb.where((w) => w.where('s.starts_at', '>', now).orWhere('s.ends_at', '<=', now));
    const restricted = scope.clusters !== null || scope.namespaces !== null || scope.nodes !== null;
    if (restricted)
      qb.where((w) =>
        w.whereNull('s.entity_id').orWhereExists(
          applyScope(k('alerts as a').select(k.raw('1')).where('a.entity_id', k.ref('s.entity_id')), scope, {
            clusterName: 'a.cluster_name',
            namespace: 'a.namespace',
            nodeName: 'a.node_name',
          })
        )
      );
    let rows: Row[] = await qb;
    if (restricted) {
      const ruleIds = [...new Set(rows.map((r) => r.rule_id).filter((x): x is string => !!x))];
      const rules = ruleIds.length ? (await k('alert_rules').whereIn('id', ruleIds).select('*')).map(toRule) : [];
      const visible = new Set(rules.filter((r) => ruleInScope(r, scope)).map((r) => r.id));
      rows = rows.filter((r) => !r.rule_id || visible.has(String(r.rule_id)));
    }
    return { items: rows.map((r) => toSilence(r, now)) };
  }

  /**
   * True when a restricted caller may mute what the silence mutes, as with rules: its entity (if
   * any) is inside the scope; without an entity, its rule stays inside the scope on every
   * restricted dimension (a global rule would mute alerts the caller may not see).
   */
  private async withinScope(scope: Scope, ruleId: string | null, entityId: string | null): Promise<string | null> {
    const restricted = scope.clusters !== null || scope.namespaces !== null || scope.nodes !== null;
    if (!restricted) return null;
    if (entityId) return (await this.entityInScope(scope, entityId)) ? null : 'entityId';
    const row = ruleId ? await this.db.knex('alert_rules').where('id', ruleId).first() : null;
    if (!row) return 'ruleId';
    try {
      assertRuleWithinScope(toRule(row).filters, scope);
      return null;
    } catch {
      return 'ruleId';
    }
  }

  /** A container or node inside the scope, or an entity with an alert inside it. */
  private async entityInScope(scope: Scope, id: string): Promise<boolean> {
    const k = this.db.knex;
    const container = await applyScope(
      k('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .where('c.id', id)
        .first('c.id'),
      scope,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    );
    if (container) return true;
    if (scope.namespaces === null) {
      const node = await applyNodeScope(
        k('nodes as n').join('clusters as cl', 'cl.id', 'n.cluster_id').where('n.id', id).first('n.id'),
        scope,
        { clusterName: 'cl.name', nodeName: 'n.name' }
      );
      if (node) return true;
    }
    const alert = await applyScope(k('alerts as a').where('a.entity_id', id).first('a.id'), scope, {
      clusterName: 'a.cluster_name',
      namespace: 'a.namespace',
      nodeName: 'a.node_name',
    });
    return !!alert;
  }

  async create(input: wire.SilenceInput, createdBy: string | null, scope: Scope = FULL_SCOPE): Promise<wire.Silence> {
    const now = this.now();
    const startsAt = input.startsAt ?? now;
    if (input.endsAt <= now) throw new InvalidFieldsError([{ path: 'endsAt', message: 'must be in the future' }]);
    if (input.ruleId && !(await this.db.knex('alert_rules').where('id', input.ruleId).first('id')))
      throw new InvalidFieldsError([{ path: 'ruleId', message: `no alert rule with id "${input.ruleId}"` }]);
    const outside = await this.withinScope(scope, input.ruleId, input.entityId);
    if (outside === 'entityId')
      throw new InvalidFieldsError([
        { path: 'entityId', message: `no entity with id "${input.entityId}" in your scope` },
      ]);
    if (outside === 'ruleId')
      throw new InvalidFieldsError([
        {
          path: 'ruleId',
          message:
            'this rule watches entities outside your scope; silence it for an entity within your scope (entityId)',
        },
      ]);
    const id = newId();
    await this.db.knex('alert_silences').insert({
      id,
      rule_id: input.ruleId,
      entity_id: input.entityId,
      starts_at: startsAt,
      ends_at: input.endsAt,
      comment: input.comment,
      created_by: createdBy ? createdBy.slice(0, 320) : null,
      created_at: now,
    });
    return toSilence(await this.db.knex('alert_silences').where('id', id).first(), now);
  }

  async get(id: string): Promise<wire.Silence> {
    const row = await this.db.knex('alert_silences').where('id', id).first();
    if (!row) throw new NotFoundError(`silence ${id} not found`);
    return toSilence(row, this.now());
  }

  /** Ends a silence now (kept for the record); a restricted caller only one it could have made. */
  async expire(id: string, scope: Scope = FULL_SCOPE): Promise<wire.Silence> {
    const now = this.now();
    const row = await this.db.knex('alert_silences').where('id', id).first();
    if (!row) throw new NotFoundError(`silence ${id} not found`);
    if (await this.withinScope(scope, (row.rule_id as string) ?? null, (row.entity_id as string) ?? null))
      throw new NotFoundError(`silence ${id} not found`);
    if (Number(row.ends_at) > now)
      await this.db
        .knex('alert_silences')
        .where('id', id)
        .update({ ends_at: Math.max(now, Number(row.starts_at)) });
    return toSilence(await this.db.knex('alert_silences').where('id', id).first(), now);
  }
}

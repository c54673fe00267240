import { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import { NotFoundError } from '../context';
import type { Scope } from '../scope';
import { InvalidFieldsError, newId, parseJson } from './common';

type Row = Record<string, unknown>;

const FULL: Scope = { clusters: null, namespaces: null, nodes: null };
const NO_FILTERS: wire.RuleFilters = { clusters: [], namespaces: [], nodes: [], namePattern: null };

/** A stored rule as the API shows it. */
export function toRule(r: Row): wire.AlertRule {
  const f = parseJson<Partial<wire.RuleFilters>>(r.filters, {});
  return {
    id: String(r.id),
    name: String(r.name),
    description: String(r.description ?? ''),
    target: r.target as wire.AlertTarget,
    metric: r.metric as wire.AlertMetric,
    operator: r.operator as wire.Operator,
    threshold: Number(r.threshold),
    forSeconds: Number(r.for_seconds),
    windowSeconds: Number(r.window_seconds),
    severity: r.severity as wire.Severity,
    filters: { ...NO_FILTERS, ...f },
    cooldownSeconds: Number(r.cooldown_seconds),
    channelIds: parseJson<string[]>(r.channel_ids, []),
    enabled: !!r.enabled,
    builtin: !!r.builtin,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toColumns(r: wire.AlertRuleInput) {
  return {
    name: r.name,
    description: r.description,
    target: r.target,
    metric: r.metric,
    operator: r.operator,
    threshold: r.threshold,
    for_seconds: r.forSeconds,
    window_seconds: r.windowSeconds,
    severity: r.severity,
    filters: JSON.stringify(r.filters),
    cooldown_seconds: r.cooldownSeconds,
    channel_ids: JSON.stringify([...new Set(r.channelIds)]),
    enabled: r.enabled,
  };
}

/**
 * True when a rule may concern something inside the scope: on every dimension the scope
 * restricts, the rule either has no filter (it looks at everything) or shares a value with it.
 */
export function ruleInScope(rule: wire.AlertRule, scope: Scope): boolean {
  const dims: [string[] | null, string[]][] = [
    [scope.clusters, rule.filters.clusters],
    [scope.namespaces, rule.filters.namespaces],
    [scope.nodes, rule.filters.nodes],
  ];
  return dims.every(([s, f]) => s === null || f.length === 0 || f.some((x) => s.includes(x)));
}

/**
 * A restricted caller may only write rules that stay inside their scope: on every dimension the
 * scope restricts, the rule must filter to values of the scope (a rule without that filter would
 * watch — and notify about — entities the caller may not see).
 */
export function assertRuleWithinScope(filters: wire.RuleFilters, scope: Scope) {
  const dims = [
    ['clusters', scope.clusters, filters.clusters],
    ['namespaces', scope.namespaces, filters.namespaces],
    ['nodes', scope.nodes, filters.nodes],
  ] as const;
  const issues = dims
    .filter(([, s, f]) => s !== null && (f.length === 0 || f.some((x) => !s.includes(x))))
    .map(([name, s]) => ({
      path: `filters.${name}`,
      message: `must name only ${name} within your scope (${s!.join(', ') || 'none'})`,
    }));
  if (issues.length) throw new InvalidFieldsError(issues);
}

/** Alert rules: create, read, update, delete; the defaults are seeded by migration 0003. */
export class RuleService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number
  ) {}

  private get knex() {
    return this.db.knex;
  }

  /** Rules that may concern something in the caller's scope, by name. */
  async list(scope: Scope): Promise<wire.AlertRuleListReply> {
    const rows = await this.knex('alert_rules')
      .select('*')
      .orderBy([{ column: 'name' }, { column: 'id' }]);
    return { items: rows.map(toRule).filter((r) => ruleInScope(r, scope)) };
  }

  async get(scope: Scope, id: string): Promise<wire.AlertRule> {
    const row = await this.knex('alert_rules').where('id', id).first();
    const rule = row ? toRule(row) : null;
    if (!rule || !ruleInScope(rule, scope)) throw new NotFoundError(`alert rule ${id} not found`);
    return rule;
  }

  /** Every enabled rule (the evaluator's view, unscoped). */
  async enabled(): Promise<wire.AlertRule[]> {
    return (await this.knex('alert_rules').where('enabled', true).select('*')).map(toRule);
  }

  private async checkChannels(ids: string[]) {
    if (!ids.length) return;
    const found = new Set(
      (await this.knex('notification_channels').whereIn('id', ids).select('id')).map((r: Row) => String(r.id))
    );
    const issues = ids
      .map((id, i) => ({ id, i }))
      .filter((x) => !found.has(x.id))
      .map((x) => ({ path: `channelIds.${x.i}`, message: `no notification channel with id "${x.id}"` }));
    if (issues.length) throw new InvalidFieldsError(issues);
  }

  async create(input: wire.AlertRuleInput, scope: Scope = FULL): Promise<wire.AlertRule> {
    assertRuleWithinScope(input.filters, scope);
    await this.checkChannels(input.channelIds);
    const now = this.now();
    const id = newId();
    await this.knex('alert_rules').insert({
      id,
      ...toColumns(input),
      builtin: false,
      created_at: now,
      updated_at: now,
    });
    return this.get(FULL, id);
  }

  /**
   * Warnings about a rule before or after it is saved: each default rule it duplicates
   * (`duplicatedDefaults` in the protocol, the same test the rule form runs as the user types).
   */
  async warnings(input: wire.RuleCondition, selfId?: string): Promise<wire.RuleWarning[]> {
    const defaults = (await this.knex('alert_rules').where('builtin', true).select('*')).map(toRule);
    return wire.duplicatedDefaults(input, defaults, selfId).map((d) => ({
      code: 'duplicates-default' as const,
      ruleId: d.id,
      ruleName: d.name,
      message: `duplicates the default rule "${d.name}" (same ${d.target} ${d.metric} ${d.operator} ${d.threshold}, no entity it does not watch): each of its alerts will be raised twice`,
    }));
  }

  /** Creates a rule (POST) and says which default rules it duplicates; a duplicate is saved, not refused. */
  async createWithWarnings(input: wire.AlertRuleInput, scope: Scope = FULL): Promise<wire.AlertRuleCreated> {
    const rule = await this.create(input, scope);
    return { ...rule, warnings: await this.warnings(rule, rule.id) };
  }

  /** Replaces a rule's fields (PUT). */
  async replace(scope: Scope, id: string, input: wire.AlertRuleInput): Promise<wire.AlertRule> {
    assertRuleWithinScope((await this.get(scope, id)).filters, scope);
    assertRuleWithinScope(input.filters, scope);
    await this.checkChannels(input.channelIds);
    await this.knex('alert_rules')
      .where('id', id)
      .update({ ...toColumns(input), updated_at: this.now() });
    return this.get(FULL, id);
  }

  /** Changes some fields (PATCH); the merged rule is validated as a whole. */
  async patch(scope: Scope, id: string, patch: wire.AlertRulePatch): Promise<wire.AlertRule> {
    const cur = await this.get(scope, id);
    const merged = wire.AlertRuleInput.safeParse({
      name: cur.name,
      description: cur.description,
      target: cur.target,
      metric: cur.metric,
      operator: cur.operator,
      threshold: cur.threshold,
      forSeconds: cur.forSeconds,
      windowSeconds: cur.windowSeconds,
      severity: cur.severity,
      filters: cur.filters,
      cooldownSeconds: cur.cooldownSeconds,
      channelIds: cur.channelIds,
      enabled: cur.enabled,
      ...patch,
    });
    if (!merged.success)
      throw new InvalidFieldsError(
        merged.error.issues.map((i) => ({
          path: i.path.length ? i.path.map(String).join('.') : '(root)',
          message: i.message,
        }))
      );
    return this.replace(scope, id, merged.data);
  }

  /** Deletes a rule; its alerts stay as history (resolved by the next evaluation). */
  async remove(scope: Scope, id: string): Promise<void> {
    assertRuleWithinScope((await this.get(scope, id)).filters, scope);
    await this.knex('alert_rules').where('id', id).delete();
  }
}

import type { api } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import type { Actor, AuditLog } from '../access/audit';
import { InvalidFieldsError, newId } from '../alerts/common';
import { NotFoundError } from '../context';
import type { Scope } from '../scope';

type Row = Record<string, unknown>;

/** Most rules per cluster: each is evaluated every interval by the leader. */
export const MAX_RULES_PER_CLUSTER = 500;

const bool = (v: unknown) => v === true || Number(v) === 1;

/** The workload of a stored rule. */
export function workloadOf(r: Row): api.WorkloadRef {
  return r.workload_kind === 'compose'
    ? { kind: 'compose', node: String(r.node), project: String(r.project), service: String(r.service) }
    : {
        kind: r.workload_kind as 'Deployment' | 'StatefulSet',
        namespace: String(r.namespace),
        name: String(r.workload_name),
      };
}

/** The workload as a person reads it. */
export function workloadName(w: api.WorkloadRef): string {
  return w.kind === 'compose' ? `${w.project}/${w.service} on ${w.node}` : `${w.namespace}/${w.kind}/${w.name}`;
}

/** A stored decision as the API shows it. */
export function toDecision(r: Row): api.AutoscalingDecision {
  return {
    id: String(r.id),
    ruleId: String(r.rule_id),
    ts: Number(r.ts),
    currentReplicas: Number(r.current_replicas),
    metricValue: r.metric_value == null ? null : Number(r.metric_value),
    recommendedReplicas: Number(r.recommended_replicas),
    desiredReplicas: Number(r.desired_replicas),
    outcome: r.outcome as api.DecisionOutcome,
    reason: (r.reason as api.HoldReason | null) ?? null,
    message: String(r.message),
    actionId: (r.action_id as string | null) ?? null,
  };
}

/** A stored rule as the API shows it. */
export function toRule(r: Row, last: Row | undefined): api.AutoscalingRule {
  const workload = workloadOf(r);
  return {
    id: String(r.id),
    name: String(r.name),
    cluster: String(r.cluster),
    workload,
    workloadName: workloadName(workload),
    metric: r.metric as api.AutoscalingMetric,
    target: Number(r.target),
    minReplicas: Number(r.min_replicas),
    maxReplicas: Number(r.max_replicas),
    step: Number(r.step),
    stabilisationSeconds: Number(r.stabilisation_seconds),
    cooldownSeconds: Number(r.cooldown_seconds),
    tolerance: Number(r.tolerance),
    dryRun: bool(r.dry_run),
    enabled: bool(r.enabled),
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    updatedBy: String(r.updated_by),
    updatedAt: Number(r.updated_at),
    lastDecision: last ? toDecision(last) : null,
  };
}

/** The columns of an input. */
function columns(i: api.AutoscalingRuleInput): Row {
  const w = i.workload;
  return {
    name: i.name,
    cluster: i.cluster,
    workload_kind: w.kind,
    namespace: w.kind === 'compose' ? null : w.namespace,
    workload_name: w.kind === 'compose' ? null : w.name,
    node: w.kind === 'compose' ? w.node : null,
    project: w.kind === 'compose' ? w.project : null,
    service: w.kind === 'compose' ? w.service : null,
    metric: i.metric,
    target: i.target,
    min_replicas: i.minReplicas,
    max_replicas: i.maxReplicas,
    step: i.step,
    stabilisation_seconds: i.stabilisationSeconds,
    cooldown_seconds: i.cooldownSeconds,
    tolerance: i.tolerance,
    dry_run: i.dryRun,
    enabled: i.enabled,
  };
}

/**
 * The scope a rule needs, as 400 issues naming the field: its cluster; a Kubernetes rule's
 * namespace (a node-restricted caller manages none: a Deployment spans nodes); a Compose rule's
 * node (a namespace-restricted caller manages none: Compose has no namespaces, as for containers).
 */
export function scopeIssues(i: Pick<api.AutoscalingRuleInput, 'cluster' | 'workload'>, scope: Scope) {
  const out: { path: string; message: string }[] = [];
  const w = i.workload;
  if (scope.clusters !== null && !scope.clusters.includes(i.cluster))
    out.push({ path: 'cluster', message: `cluster "${i.cluster}" is outside your scope` });
  if (w.kind === 'compose') {
    if (scope.namespaces !== null)
      out.push({
        path: 'workload.kind',
        message: 'your scope allows only Kubernetes namespaces, not Compose services',
      });
    if (scope.nodes !== null && !scope.nodes.includes(w.node))
      out.push({ path: 'workload.node', message: `node "${w.node}" is outside your scope` });
  } else {
    if (scope.namespaces !== null && !scope.namespaces.includes(w.namespace))
      out.push({ path: 'workload.namespace', message: `namespace "${w.namespace}" is outside your scope` });
    if (scope.nodes !== null)
      out.push({ path: 'workload.kind', message: 'your scope is limited to nodes; a Kubernetes workload spans nodes' });
  }
  return out;
}

/**
 * Autoscaling rules (issue 15; decision 37): read by any role within scope, written by editors and
 * admins within scope, every change audited in its transaction. Out of scope reads as absent (404).
 */
export class AutoscalingRules {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number
  ) {}

  private scoped(scope: Scope) {
    const qb = this.db.knex('autoscaling_rules as r');
    if (scope.clusters !== null) qb.whereIn('r.cluster', scope.clusters);
    // Null namespace (Compose) and null node (Kubernetes) fall outside such scopes, as scopeIssues says.
    if (scope.namespaces !== null) qb.whereIn('r.namespace', scope.namespaces);
    if (scope.nodes !== null) qb.whereIn('r.node', scope.nodes);
    return qb;
  }

  /** The newest decision of each rule. */
  private async lastDecisions(ruleIds: string[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    if (!ruleIds.length) return out;
    const knex = this.db.knex;
    const newest = knex('autoscaling_decisions')
      .whereIn('rule_id', ruleIds)
      .groupBy('rule_id')
      .select('rule_id', knex.raw('MAX(ts) as ts'));
    const rows: Row[] = await knex('autoscaling_decisions as d')
      .join(newest.as('m'), (j) => j.on('m.rule_id', 'd.rule_id').andOn('m.ts', 'd.ts'))
      .select('d.*')
      .orderBy('d.id');
    for (const r of rows) out.set(String(r.rule_id), r);
    return out;
  }

  /** Rules in scope, by cluster and name. */
  async list(scope: Scope, q: api.AutoscalingRuleListQuery = {}): Promise<api.AutoscalingRuleListReply> {
    const qb = this.scoped(scope).select('r.*').orderBy(['r.cluster', 'r.name', 'r.id']);
    if (q.cluster) qb.where('r.cluster', q.cluster);
    const rows: Row[] = await qb.limit(10_000);
    const last = await this.lastDecisions(rows.map((r) => String(r.id)));
    return { items: rows.map((r) => toRule(r, last.get(String(r.id)))) };
  }

  /** One rule in scope (404 otherwise). */
  async get(scope: Scope, id: string): Promise<api.AutoscalingRule> {
    const r: Row | undefined = await this.scoped(scope).where('r.id', id).first('r.*');
    if (!r) throw new NotFoundError(`autoscaling rule ${id} not found`);
    return toRule(r, (await this.lastDecisions([id])).get(id));
  }

  /** 400 naming the field: outside scope, a workload kind the cluster does not run, too many rules. */
  private async check(i: api.AutoscalingRuleInput, scope: Scope, exceptId?: string) {
    const issues = scopeIssues(i, scope);
    const cl = await this.db.knex('clusters').where('name', i.cluster).first('kind');
    if (cl && (cl.kind === 'kubernetes') !== (i.workload.kind !== 'compose'))
      issues.push({
        path: 'workload.kind',
        message: `cluster "${i.cluster}" is a ${cl.kind} cluster: ${cl.kind === 'kubernetes' ? 'Deployment or StatefulSet' : 'compose'} workloads only`,
      });
    const qb = this.db.knex('autoscaling_rules').where('cluster', i.cluster);
    if (exceptId) qb.whereNot('id', exceptId);
    const [{ c }] = await qb.count({ c: '*' });
    if (Number(c) >= MAX_RULES_PER_CLUSTER)
      issues.push({ path: 'cluster', message: `cluster "${i.cluster}" already has ${MAX_RULES_PER_CLUSTER} rules` });
    if (issues.length) throw new InvalidFieldsError(issues);
  }

  /** Stores a new rule (audited `autoscaling.rule.create`). */
  async create(actor: Actor, scope: Scope, i: api.AutoscalingRuleInput): Promise<api.AutoscalingRule> {
    await this.check(i, scope);
    const id = newId();
    const now = this.now();
    const who = actor.actor.slice(0, 320);
    await this.db.knex.transaction(async (t) => {
      await t('autoscaling_rules').insert({
        id,
        ...columns(i),
        created_by: who,
        created_at: now,
        updated_by: who,
        updated_at: now,
      });
      const after = toRule(await t('autoscaling_rules').where('id', id).first(), undefined);
      await this.audit.record(t, actor, 'autoscaling.rule.create', 'autoscaling-rule', id, null, after);
    });
    return this.get(scope, id);
  }

  /** Replaces a rule in scope (404 when absent or outside it; 400 when the new one would leave it). */
  async replace(actor: Actor, scope: Scope, id: string, i: api.AutoscalingRuleInput): Promise<api.AutoscalingRule> {
    const before = await this.get(scope, id);
    await this.check(i, scope, id);
    await this.db.knex.transaction(async (t) => {
      await t('autoscaling_rules')
        .where('id', id)
        .update({ ...columns(i), updated_by: actor.actor.slice(0, 320), updated_at: this.now() });
      const after = toRule(await t('autoscaling_rules').where('id', id).first(), undefined);
      await this.audit.record(t, actor, 'autoscaling.rule.update', 'autoscaling-rule', id, before, after);
    });
    return this.get(scope, id);
  }

  /** Deletes a rule in scope and its history (404 when absent or outside it). */
  async remove(actor: Actor, scope: Scope, id: string): Promise<void> {
    const before = await this.get(scope, id);
    await this.db.knex.transaction(async (t) => {
      await t('autoscaling_decisions').where('rule_id', id).delete();
      await t('autoscaling_rules').where('id', id).delete();
      await this.audit.record(t, actor, 'autoscaling.rule.delete', 'autoscaling-rule', id, before, null);
    });
  }

  /**
   * The rule's decisions within [from, to] (default the last hour), newest first, at most `limit`,
   * and the same decisions oldest first as the chart's series (replicas, desired, metric).
   */
  async history(scope: Scope, id: string, q: api.AutoscalingHistoryQuery): Promise<api.AutoscalingHistoryReply> {
    const rule = await this.get(scope, id);
    const to = q.to ?? this.now();
    const from = q.from ?? to - 3600;
    const rows: Row[] = await this.db
      .knex('autoscaling_decisions')
      .where('rule_id', id)
      .whereBetween('ts', [from, to])
      .orderBy([
        { column: 'ts', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(q.limit + 1);
    const truncated = rows.length > q.limit;
    const decisions = rows.slice(0, q.limit).map(toDecision);
    const asc = [...decisions].reverse();
    return {
      from,
      to,
      truncated,
      decisions,
      series: {
        ts: asc.map((d) => d.ts),
        replicas: asc.map((d) => d.currentReplicas),
        desired: asc.map((d) => d.desiredReplicas),
        metric: asc.map((d) => d.metricValue),
        target: rule.target,
      },
    };
  }

  /** Deletes decisions older than `before` (the retention job). */
  async prune(before: number): Promise<number> {
    return this.db.knex('autoscaling_decisions').where('ts', '<', before).delete();
  }
}

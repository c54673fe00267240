import type { Knex } from 'knex';
import type { api } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import * as ids from '../../db/ids';
import { AccessError } from '../access';
import type { Actor, AuditLog } from '../access/audit';
import type { ActionsService, QueueSpec } from '../actions';
import { newId } from '../alerts/common';
import { decide, type Decision } from './math';
import { toDecision, toRule, workloadName } from './rules';
import { readWorkload } from './workload';

type Row = Record<string, unknown>;

/** Seconds a scaling action waits for its agent before it expires. */
const ACTION_EXPIRES_SECONDS = 120;

/** Settings of the evaluator. */
export interface AutoscalerSettings {
  /** A replica's newest sample older than this does not count (the silent-node cut-off, decision 26). */
  freshSeconds: number;
}

/** What one evaluation pass did. */
export interface AutoscalerSummary {
  rules: number;
  applied: number;
  dryRun: number;
  held: number;
}

/** Whether a held decision is news (worth an event and an audit entry) after the previous one. */
function isNews(d: api.AutoscalingDecision, prev: api.AutoscalingDecision | undefined): boolean {
  if (d.outcome !== 'held') return true;
  // Nothing wanted a change: the history row is enough (one every interval would flood the log).
  if (d.reason === 'tolerance' || d.reason === 'steady') return false;
  return !prev || prev.outcome !== 'held' || prev.reason !== d.reason || prev.desiredReplicas !== d.desiredReplicas;
}

/**
 * The autoscaler (issue 15; decision 37), run by the leader like the alert evaluator: for each
 * enabled rule it reads the workload's replicas and metric, decides with the HPA's formula
 * (math.ts), stores the decision, and for a decision that scales queues a `workload.scale` or
 * `compose.scale` action (dry-run: queues nothing). A decision that scales, would scale (dry-run)
 * or is newly held from scaling also writes an event (category `autoscaling`) and an audit
 * entry, all in one transaction.
 */
export class Autoscaler {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly actions: ActionsService,
    private readonly settings: AutoscalerSettings
  ) {}

  /** Evaluates every enabled rule at `now`. */
  async evaluate(now: number): Promise<AutoscalerSummary> {
    const rules: Row[] = await this.db.knex('autoscaling_rules').where('enabled', true).orderBy('id').limit(100_000);
    const summary: AutoscalerSummary = { rules: rules.length, applied: 0, dryRun: 0, held: 0 };
    for (const r of rules) {
      const d = await this.evaluateRule(r, now);
      if (d.outcome === 'applied') summary.applied++;
      else if (d.outcome === 'dry-run') summary.dryRun++;
      else summary.held++;
    }
    return summary;
  }

  /** Evaluates one stored rule at `now` and records the decision. */
  async evaluateRule(row: Row, now: number): Promise<api.AutoscalingDecision> {
    const knex = this.db.knex;
    const rule = toRule(row, undefined);
    const w = await readWorkload(this.db, rule, now, this.settings.freshSeconds);
    const recent: Row[] = await knex('autoscaling_decisions')
      .where('rule_id', rule.id)
      .where('ts', '>=', now - Math.max(rule.stabilisationSeconds, rule.cooldownSeconds))
      .where('ts', '<=', now)
      .orderBy('ts', 'desc')
      .limit(10_000);
    const prevRow: Row | undefined =
      recent[0] ?? (await knex('autoscaling_decisions').where('rule_id', rule.id).orderBy('ts', 'desc').first());
    const prev = prevRow ? toDecision(prevRow) : undefined;
    // In dry-run the cooldown follows what it would have done, so the record reads like a real run.
    const scaled: Row | undefined = await knex('autoscaling_decisions')
      .where('rule_id', rule.id)
      .whereIn('outcome', rule.dryRun ? ['applied', 'dry-run'] : ['applied'])
      .where('ts', '<=', now)
      .orderBy('ts', 'desc')
      .first('ts', 'action_id');
    const lastAction: Row | undefined = await knex('autoscaling_decisions')
      .where('rule_id', rule.id)
      .whereNotNull('action_id')
      .orderBy('ts', 'desc')
      .first('action_id');
    const pending = lastAction
      ? !!(await knex('actions')
          .where('id', lastAction.action_id as string)
          .whereIn('state', ['queued', 'running'])
          .first('id'))
      : false;
    const decision = decide({
      rule,
      now,
      currentReplicas: w.replicas,
      metric: w.metric,
      noMetricWhy: w.why,
      recentRecommendations: recent
        .filter((r) => Number(r.ts) >= now - rule.stabilisationSeconds)
        .map((r) => ({ ts: Number(r.ts), recommended: Number(r.recommended_replicas) })),
      lastScaledAt: scaled ? Number(scaled.ts) : null,
      actionPending: pending,
    });
    const actor: Actor = { actor: `autoscaler:${rule.name}`.slice(0, 254), actorId: null };
    return knex.transaction(async (t) => {
      let out = this.shape(rule.id, now, w.replicas, w.metric, decision, rule.dryRun);
      if (decision.verdict === 'scale' && !rule.dryRun) {
        try {
          const action = await this.actions.queue(actor, this.spec(rule, decision.desired), t);
          out = { ...out, actionId: action.id };
        } catch (err) {
          if (!(err instanceof AccessError)) throw err;
          out = { ...out, outcome: 'held', reason: 'refused', message: err.message.slice(0, 1000) };
        }
      }
      await t('autoscaling_decisions').insert({
        id: out.id,
        rule_id: out.ruleId,
        ts: out.ts,
        current_replicas: out.currentReplicas,
        metric_value: out.metricValue,
        recommended_replicas: out.recommendedReplicas,
        desired_replicas: out.desiredReplicas,
        outcome: out.outcome,
        reason: out.reason,
        message: out.message.slice(0, 1024),
        action_id: out.actionId,
      });
      if (isNews(out, prev)) await this.announce(t, actor, rule, out);
      return out;
    });
  }

  /** The decision as stored, with its message as a person reads it. */
  private shape(
    ruleId: string,
    now: number,
    current: number,
    metric: number | null,
    d: Decision,
    dryRun: boolean
  ): api.AutoscalingDecision {
    const scale = d.verdict === 'scale';
    return {
      id: newId(),
      ruleId,
      ts: now,
      currentReplicas: current,
      metricValue: metric,
      recommendedReplicas: d.recommended,
      desiredReplicas: d.desired,
      outcome: scale ? (dryRun ? 'dry-run' : 'applied') : 'held',
      reason: d.reason,
      message: scale ? `${dryRun ? 'would scale' : 'scaling'} ${d.message}` : `held: ${d.message}`,
      actionId: null,
    };
  }

  /** The action that sets the workload's replicas (the cluster agent's or the node agent's). */
  private spec(rule: api.AutoscalingRule, replicas: number): QueueSpec {
    const w = rule.workload;
    const base = { options: { replicas }, expiresInSeconds: ACTION_EXPIRES_SECONDS, cluster: rule.cluster };
    if (w.kind === 'compose')
      return {
        ...base,
        kind: 'compose.scale',
        target: { project: w.project, service: w.service },
        targetName: `${w.project}/${w.service}`,
        node: w.node,
        namespace: null,
        audit: {
          action: 'compose.scale',
          entityType: 'compose-service',
          entityId: `${w.node}/${w.project}/${w.service}`,
        },
      };
    return {
      ...base,
      kind: 'workload.scale',
      target: { namespace: w.namespace, workloadKind: w.kind, name: w.name },
      targetName: `${w.namespace}/${w.kind}/${w.name}`,
      node: '',
      namespace: w.namespace,
      audit: {
        action: 'workload.scale',
        entityType: 'workload',
        entityId: ids.workloadId(rule.cluster, w.kind, w.namespace, w.name),
      },
    };
  }

  /** The decision's event (on the workload, category autoscaling) and audit entry. */
  private async announce(t: Knex.Transaction, actor: Actor, rule: api.AutoscalingRule, d: api.AutoscalingDecision) {
    const w = rule.workload;
    const up = d.desiredReplicas > d.currentReplicas;
    const reason =
      d.outcome === 'applied' ? (up ? 'ScaledUp' : 'ScaledDown') : d.outcome === 'dry-run' ? 'WouldScale' : 'ScaleHeld';
    await t('events').insert({
      id: ids.eventId(rule.cluster, 'autoscaling', d.id),
      cluster_id: ids.clusterId(rule.cluster),
      ts: d.ts,
      source: 'autoscaler',
      type: d.reason === 'refused' || d.reason === 'no-metrics' ? 'warning' : 'normal',
      reason,
      message: `${rule.name}: ${workloadName(w)} ${d.message}`.slice(0, 4096),
      object_kind: w.kind === 'compose' ? 'ComposeService' : w.kind,
      object_name: w.kind === 'compose' ? `${w.project}/${w.service}` : w.name,
      namespace: w.kind === 'compose' ? null : w.namespace,
      node_name: w.kind === 'compose' ? w.node : null,
      container_id: null,
      exit_code: null,
      count: 1,
      category: 'autoscaling',
    });
    await this.audit.record(t, actor, `autoscaling.${d.outcome}`, 'autoscaling-rule', rule.id, null, d);
  }
}

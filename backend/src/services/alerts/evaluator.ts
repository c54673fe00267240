import type { alerts as wire, api } from '@fleetlens/protocol';
import { DEFAULT_QUERY_LIMITS } from '../limits';
import { FULL_SCOPE } from '../scope';
import { ServiceQueries } from '../services';
import type { Db } from '../../db/connection';
import { insertIgnore, upsertRows } from '../../db/writes';
import type { Logger } from '../../logger';
import { newId } from './common';
import { breaches, evaluateRule, loadFrame, type Evaluated } from './frame';
import type { AlertForMessage, Notifier } from './notifier';
import type { RuleService } from './rules';

type Row = Record<string, unknown>;

/** What one evaluation did (for tests and the job log). */
export interface EvaluationSummary {
  rules: number;
  entities: number;
  opened: number;
  fired: number;
  resolved: number;
  updated: number;
  notifications: number;
}

export const fingerprintOf = (ruleId: string, e: wire.AlertEntity) => `${ruleId}:${e.kind}:${e.id}`;

interface SilenceRow {
  rule_id: string | null;
  entity_id: string | null;
}

/**
 * Evaluates every enabled rule against the current state of the fleet and moves alerts through
 * their lifecycle: pending while the rule's "for" duration runs, firing, resolved when the
 * condition clears. One alert per (rule, entity) at a time (a unique `active_key` enforces it
 * even if two evaluators race); after a fired alert resolves, the rule's cooldown must pass
 * before the same entity can alert again. Pure of wall-clock time: `now` is an argument.
 */
export class AlertEvaluator {
  constructor(
    private readonly db: Db,
    private readonly rules: RuleService,
    private readonly notifier: Notifier,
    private readonly staleAfter: number,
    private readonly log: Logger
  ) {}

  private get knex() {
    return this.db.knex;
  }

  async evaluate(now: number): Promise<EvaluationSummary> {
    const sum: EvaluationSummary = {
      rules: 0,
      entities: 0,
      opened: 0,
      fired: 0,
      resolved: 0,
      updated: 0,
      notifications: 0,
    };
    await this.observeRestarts(now);
    const rules = await this.rules.enabled();
    sum.rules = rules.length;
    const frame = await loadFrame(this.knex, now, this.staleAfter);
    frame.services = await this.serviceFigures(rules, now);
    const silences: SilenceRow[] = await this.knex('alert_silences')
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .select('rule_id', 'entity_id');
    const silenced = (ruleId: string, entityId: string) =>
      silences.some(
        (s) => (s.rule_id === null || s.rule_id === ruleId) && (s.entity_id === null || s.entity_id === entityId)
      );
    const active: Row[] = await this.knex('alerts').whereIn('state', ['pending', 'firing']).select('*');
    const activeByFp = new Map(active.map((a) => [String(a.fingerprint), a]));
    const seen = new Set<string>();
    /** Active alerts that stay as they are: value, evaluation time and silenced flag, written in batches. */
    const refresh: { id: string; value: number | null; silenced: boolean }[] = [];

    for (const rule of rules) {
      let evaluated: Evaluated[];
      try {
        evaluated = evaluateRule(rule, frame);
      } catch (err) {
        this.log.error('rule evaluation failed', { rule: rule.id, error: String(err) });
        continue;
      }
      sum.entities += evaluated.length;
      const breaching = evaluated.filter((e) => breaches(e.value, rule.operator, rule.threshold));
      const values = new Map(evaluated.map((e) => [fingerprintOf(rule.id, e.entity), e.value]));
      // Cooldown: when each breaching entity's last fired alert of this rule resolved.
      const fresh = breaching.map((e) => fingerprintOf(rule.id, e.entity)).filter((fp) => !activeByFp.has(fp));
      const lastResolved = new Map<string, number>();
      for (let i = 0; i < fresh.length; i += 500) {
        const rows: Row[] = await this.knex('alerts')
          .whereIn('fingerprint', fresh.slice(i, i + 500))
          .whereNotNull('fired_at')
          .whereNotNull('resolved_at')
          .groupBy('fingerprint')
          .select('fingerprint')
          .max({ r: 'resolved_at' });
        for (const r of rows) lastResolved.set(String(r.fingerprint), Number(r.r));
      }

      for (const e of breaching) {
        const fp = fingerprintOf(rule.id, e.entity);
        seen.add(fp);
        const mute = silenced(rule.id, e.entity.id);
        const cur = activeByFp.get(fp);
        if (cur) {
          // Re-trigger of an active alert: update it, and fire it once "for" has run.
          const due = cur.state === 'pending' && now - Number(cur.started_at) >= rule.forSeconds;
          if (due) {
            const n = await this.knex('alerts')
              .where({ id: String(cur.id), state: 'pending' })
              .update({
                state: 'firing',
                fired_at: now,
                value: e.value,
                last_eval_at: now,
                silenced: mute,
                severity: rule.severity,
              });
            if (n === 1) {
              sum.fired++;
              await this.transition(String(cur.id), now, 'pending', 'firing', e.value);
              if (!mute)
                sum.notifications += await this.notifier.enqueue(
                  this.knex,
                  {
                    ...(cur as unknown as AlertForMessage),
                    state: 'firing',
                    fired_at: now,
                    value: e.value,
                    severity: rule.severity,
                  },
                  rule.channelIds,
                  'firing',
                  now
                );
            }
          } else {
            refresh.push({ id: String(cur.id), value: e.value, silenced: mute });
            sum.updated++;
            // A silence ended while the alert is still firing: announce it now (once: deliveries are unique).
            if (cur.state === 'firing' && !!cur.silenced && !mute)
              sum.notifications += await this.notifier.enqueue(
                this.knex,
                { ...(cur as unknown as AlertForMessage), value: e.value },
                rule.channelIds,
                'firing',
                now
              );
          }
          continue;
        }
        const resolvedAt = lastResolved.get(fp);
        if (resolvedAt !== undefined && now - resolvedAt < rule.cooldownSeconds) continue; // cooling down
        const firing = rule.forSeconds === 0;
        const row: AlertForMessage & Row = {
          id: newId(),
          rule_id: rule.id,
          rule_name: rule.name,
          fingerprint: fp,
          active_key: fp,
          severity: rule.severity,
          state: firing ? 'firing' : 'pending',
          silenced: mute,
          metric: rule.metric,
          operator: rule.operator,
          threshold: rule.threshold,
          value: e.value,
          entity_kind: e.entity.kind,
          entity_id: e.entity.id,
          entity_name: e.entity.name.slice(0, 512),
          cluster_name: e.entity.clusterName,
          namespace: e.entity.namespace,
          node_name: e.entity.nodeName,
          started_at: now,
          fired_at: firing ? now : null,
          resolved_at: null,
          last_eval_at: now,
        };
        await insertIgnore(this.db, this.knex, 'alerts', [row]);
        const mine = await this.knex('alerts').where('id', row.id).first('id');
        if (!mine) continue; // another evaluator opened it first
        sum.opened++;
        await this.transition(row.id, now, null, row.state as wire.AlertState, e.value);
        if (firing) {
          sum.fired++;
          if (!mute) sum.notifications += await this.notifier.enqueue(this.knex, row, rule.channelIds, 'firing', now);
        }
      }

      // Remember the values of entities that no longer breach, for the resolve below.
      for (const [fp, v] of values) if (!seen.has(fp) && activeByFp.has(fp)) activeByFp.get(fp)!.__value = v;
    }

    await this.refresh(refresh, now);

    // Resolve every active alert whose condition cleared, whose entity is gone, or whose rule is disabled or deleted.
    const ruleById = new Map(rules.map((r) => [r.id, r]));
    for (const a of active) {
      const fp = String(a.fingerprint);
      if (seen.has(fp)) continue;
      const value = a.__value === undefined ? null : (a.__value as number | null);
      const n = await this.knex('alerts')
        .where('id', String(a.id))
        .whereIn('state', ['pending', 'firing'])
        // Resolving clears the acknowledgement (who and when stay in the audit log): a new episode starts unacknowledged.
        .update({
          state: 'resolved',
          resolved_at: now,
          active_key: null,
          value,
          last_eval_at: now,
          ack_by: null,
          ack_at: null,
          ack_comment: null,
        });
      if (n !== 1) continue;
      sum.resolved++;
      await this.transition(String(a.id), now, a.state as wire.AlertState, 'resolved', value);
      // Only an alert whose firing was announced announces its resolution (not a pending one, nor
      // one that fired under a silence), and not while a silence covers it.
      const mute = silenced(String(a.rule_id), String(a.entity_id));
      const told =
        a.state === 'firing' &&
        !!(await this.knex('notification_deliveries')
          .where({ alert_id: String(a.id), event: 'firing' })
          .first('id'));
      if (told && !mute) {
        const channelIds =
          ruleById.get(String(a.rule_id))?.channelIds ?? (await this.channelsOfRule(String(a.rule_id)));
        sum.notifications += await this.notifier.enqueue(
          this.knex,
          { ...(a as unknown as AlertForMessage), state: 'resolved', resolved_at: now, value },
          channelIds,
          'resolved',
          now
        );
      }
    }
    return sum;
  }

  /** Service figures over each distinct window of the enabled service rules (one read per window). */
  private async serviceFigures(rules: wire.AlertRule[], now: number): Promise<Map<number, api.ServiceRow[]>> {
    const out = new Map<number, api.ServiceRow[]>();
    const queries = new ServiceQueries(
      { db: this.db, now: () => now, staleAfter: this.staleAfter },
      DEFAULT_QUERY_LIMITS,
      Infinity
    );
    for (const w of new Set(rules.filter((r) => r.target === 'service').map((r) => r.windowSeconds)))
      out.set(w, await queries.figures(FULL_SCOPE, now - w, now));
    return out;
  }

  /** Updates value, last evaluation and silenced flag of many active alerts, 500 per statement. */
  private async refresh(rows: { id: string; value: number | null; silenced: boolean }[], now: number) {
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      const cases = (col: (r: (typeof part)[number]) => unknown) => ({
        sql: `CASE id ${part.map(() => 'WHEN ? THEN ?').join(' ')} END`,
        bindings: part.flatMap((r) => [r.id, col(r)]),
      });
      const value = cases((r) => r.value);
      const silenced = cases((r) => (r.silenced ? 1 : 0));
      await this.knex('alerts')
        .whereIn(
          'id',
          part.map((r) => r.id)
        )
        .whereIn('state', ['pending', 'firing'])
        .update({
          value: this.knex.raw(value.sql, value.bindings as never[]),
          silenced: this.knex.raw(silenced.sql, silenced.bindings as never[]),
          last_eval_at: now,
        });
    }
  }

  private async channelsOfRule(ruleId: string): Promise<string[]> {
    const r = await this.knex('alert_rules').where('id', ruleId).first('channel_ids');
    try {
      return r ? (JSON.parse(String(r.channel_ids)) as string[]) : [];
    } catch {
      return [];
    }
  }

  private async transition(
    alertId: string,
    ts: number,
    from: wire.AlertState | null,
    to: wire.AlertState,
    value: number | null
  ) {
    await this.knex('alert_transitions').insert({ alert_id: alertId, ts, from_state: from, to_state: to, value });
  }

  /**
   * Records each container's restart counter; when it went up since the last evaluation, the
   * increase and its time feed the `restarts` metric. A container seen for the first time sets
   * the baseline; a counter that went down (container re-created) only resets it.
   */
  private async observeRestarts(now: number) {
    const rows: Row[] = await this.knex('containers as c')
      .leftJoin('restart_observations as ro', 'ro.container_id', 'c.id')
      .whereNull('c.gone_at')
      .select('c.id', 'c.restart_count', 'ro.restart_count as seen', 'ro.changed_at', 'ro.last_increase');
    const changes: Row[] = [];
    for (const r of rows) {
      const count = Number(r.restart_count);
      if (r.seen === null || r.seen === undefined) {
        changes.push({ container_id: r.id, restart_count: count, changed_at: null, last_increase: 0 });
      } else if (count > Number(r.seen)) {
        changes.push({
          container_id: r.id,
          restart_count: count,
          changed_at: now,
          last_increase: count - Number(r.seen),
        });
      } else if (count < Number(r.seen)) {
        changes.push({
          container_id: r.id,
          restart_count: count,
          changed_at: r.changed_at,
          last_increase: Number(r.last_increase),
        });
      }
    }
    await upsertRows(this.db, this.knex, 'restart_observations', changes, ['container_id']);
  }
}

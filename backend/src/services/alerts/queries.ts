import type { alerts as wire } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import { NotFoundError } from '../context';
import { applyScope, narrow, type Scope } from '../scope';
import { num } from './common';
import { toDelivery } from './notifier';

type Row = Record<string, unknown>;

const ALERT_SCOPE = { clusterName: 'a.cluster_name', namespace: 'a.namespace', nodeName: 'a.node_name' };

export const toAlert = (r: Row): wire.Alert => ({
  id: String(r.id),
  ruleId: String(r.rule_id),
  ruleName: String(r.rule_name),
  fingerprint: String(r.fingerprint),
  severity: r.severity as wire.Severity,
  state: r.state as wire.AlertState,
  silenced: !!r.silenced,
  metric: r.metric as wire.AlertMetric,
  operator: r.operator as wire.Operator,
  threshold: Number(r.threshold),
  value: num(r.value),
  entity: {
    kind: r.entity_kind as wire.AlertTarget,
    id: String(r.entity_id),
    name: String(r.entity_name),
    clusterName: String(r.cluster_name),
    namespace: (r.namespace as string) ?? null,
    nodeName: (r.node_name as string) ?? null,
  },
  startedAt: Number(r.started_at),
  firedAt: num(r.fired_at),
  resolvedAt: num(r.resolved_at),
  lastEvalAt: Number(r.last_eval_at),
  acknowledgement:
    r.ack_at === null || r.ack_at === undefined
      ? null
      : { by: String(r.ack_by ?? ''), at: Number(r.ack_at), comment: String(r.ack_comment ?? '') },
});

/** Alert filters of the list, the groups and the group acknowledgement, as a query on `alerts as a` in scope. */
export function filteredAlerts(
  knex: Db['knex'],
  scope: Scope,
  q: Omit<wire.AlertGroupsQuery, 'cluster'> & { cluster?: string[] }
) {
  const qb = applyScope(knex('alerts as a'), narrow(scope, { clusters: q.cluster }), ALERT_SCOPE);
  if (q.state?.length) qb.whereIn('a.state', q.state);
  if (q.severity?.length) qb.whereIn('a.severity', q.severity);
  if (q.ruleId) qb.where('a.rule_id', q.ruleId);
  if (q.entityId) qb.where('a.entity_id', q.entityId);
  if (q.acknowledged === 'true') qb.whereNotNull('a.ack_at');
  if (q.acknowledged === 'false') qb.whereNull('a.ack_at');
  return qb;
}

/** Severity as a sort rank (critical first), in SQL both dialects run. */
const SEVERITY_RANK = "CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Alerts (active and history), one alert's transitions and deliveries, and the statistics cards. */
export class AlertQueries {
  constructor(private readonly db: Db) {}

  private get knex() {
    return this.db.knex;
  }

  /** Alerts in scope, filtered; newest first (by start), or by severity (critical first) and then newest first. */
  async list(scope: Scope, q: wire.AlertListQuery): Promise<wire.AlertListReply> {
    const base = () => {
      const qb = filteredAlerts(this.knex, scope, q);
      if (q.to !== undefined) qb.where('a.started_at', '<=', q.to);
      if (q.from !== undefined) qb.where((w) => w.whereNull('a.resolved_at').orWhere('a.resolved_at', '>=', q.from!));
      return qb;
    };
    const [{ n }] = await base().count({ n: '*' });
    const qb = base().select('a.*');
    if (q.sort === 'severity') qb.orderByRaw(SEVERITY_RANK);
    const rows = await qb
      .orderBy([
        { column: 'a.started_at', order: 'desc' },
        { column: 'a.id', order: 'desc' },
      ])
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return { total: Number(n), page: q.page, pageSize: q.pageSize, items: rows.map(toAlert) };
  }

  /** Alerts matching the filters counted per rule (with how many are acknowledged): most severe first, then the largest. */
  async groups(scope: Scope, q: wire.AlertGroupsQuery): Promise<wire.AlertGroupsReply> {
    const rows: Row[] = await filteredAlerts(this.knex, scope, q)
      .groupBy('a.rule_id', 'a.rule_name', 'a.severity')
      .select('a.rule_id', 'a.rule_name', 'a.severity')
      .count({ n: '*' })
      .count({ acked: 'a.ack_at' });
    // A rule renamed or re-graded while alerts were open has rows under several names or
    // severities: still one group per rule, shown with its most severe severity.
    const byRule = new Map<string, wire.AlertGroupsReply['items'][number]>();
    const rank = (s: string) => SEVERITIES.indexOf(s as wire.Severity);
    for (const r of rows) {
      const id = String(r.rule_id);
      const g = byRule.get(id);
      const n = Number(r.n);
      const acked = Number(r.acked);
      if (!g)
        byRule.set(id, {
          ruleId: id,
          ruleName: String(r.rule_name),
          severity: r.severity as wire.Severity,
          total: n,
          acknowledged: acked,
        });
      else {
        g.total += n;
        g.acknowledged += acked;
        if (rank(String(r.severity)) < rank(g.severity)) g.severity = r.severity as wire.Severity;
      }
    }
    const items = [...byRule.values()].sort(
      (a, b) =>
        rank(a.severity) - rank(b.severity) ||
        b.total - a.total ||
        a.ruleName.localeCompare(b.ruleName) ||
        a.ruleId.localeCompare(b.ruleId)
    );
    return { total: items.reduce((t, g) => t + g.total, 0), items };
  }

  /** One alert with its state transitions and notification deliveries. */
  async get(scope: Scope, id: string): Promise<wire.AlertDetailReply> {
    const row = await applyScope(this.knex('alerts as a').where('a.id', id), scope, ALERT_SCOPE).first('a.*');
    if (!row) throw new NotFoundError(`alert ${id} not found`);
    const transitions = await this.knex('alert_transitions')
      .where('alert_id', id)
      .orderBy([{ column: 'ts' }, { column: 'id' }]);
    const deliveries = await this.knex('notification_deliveries as d')
      .leftJoin('notification_channels as ch', 'ch.id', 'd.channel_id')
      .where('d.alert_id', id)
      .select('d.*', 'ch.name as channel_name', 'ch.type as channel_type')
      .orderBy([{ column: 'd.created_at' }, { column: 'd.id' }]);
    return {
      ...toAlert(row),
      transitions: transitions.map((t: Row) => ({
        ts: Number(t.ts),
        from: (t.from_state as wire.AlertState) ?? null,
        to: t.to_state as wire.AlertState,
        value: num(t.value),
      })),
      deliveries: deliveries.map(toDelivery),
    };
  }

  /**
   * Firing now by severity, against how many were firing at the start of the period; fired
   * alerts resolved within the period, against the period before it (same length).
   */
  async stats(scope: Scope, q: wire.AlertStatsQuery, now: number): Promise<wire.AlertStatsReply> {
    const s = narrow(scope, { clusters: q.cluster });
    const start = now - q.period;
    const prevStart = start - q.period;
    const count = async (where: (qb: ReturnType<typeof this.knex>) => void) => {
      const qb = applyScope(this.knex('alerts as a'), s, ALERT_SCOPE).whereNotNull('a.fired_at');
      where(qb);
      const rows: Row[] = await qb.groupBy('a.severity').select('a.severity').count({ n: '*' });
      const out: Record<string, number> = { critical: 0, warning: 0, info: 0 };
      for (const r of rows) out[String(r.severity)] = Number(r.n);
      return out;
    };
    const firingNow = await count((qb) => qb.where('a.state', 'firing'));
    const firingAtStart = await count((qb) =>
      qb
        .where('a.fired_at', '<=', start)
        .where((w) => w.whereNull('a.resolved_at').orWhere('a.resolved_at', '>', start))
    );
    const resolvedNow = await count((qb) => qb.where('a.resolved_at', '>', start).where('a.resolved_at', '<=', now));
    const resolvedBefore = await count((qb) =>
      qb.where('a.resolved_at', '>', prevStart).where('a.resolved_at', '<=', start)
    );
    const cards = (cur: Record<string, number>, prev: Record<string, number>) => {
      const c = (k: string) => ({
        current: cur[k] ?? 0,
        previous: prev[k] ?? 0,
        change: (cur[k] ?? 0) - (prev[k] ?? 0),
      });
      const total = SEVERITIES.reduce((a, k) => a + (cur[k] ?? 0), 0);
      const totalPrev = SEVERITIES.reduce((a, k) => a + (prev[k] ?? 0), 0);
      return {
        critical: c('critical'),
        warning: c('warning'),
        info: c('info'),
        total: { current: total, previous: totalPrev, change: total - totalPrev },
      };
    };
    return {
      now,
      period: q.period,
      firing: cards(firingNow, firingAtStart),
      resolved: cards(resolvedNow, resolvedBefore),
    };
  }
}

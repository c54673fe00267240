import type { alerts as wire } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import { insertIgnore } from '../../db/writes';
import type { Logger } from '../../logger';
import { applyScope, type Scope } from '../scope';
import { scrub, type ChannelService, type StoredChannel } from './channels';
import { newId, num, parseJson } from './common';
import { send, summarize, type Message, type SendResult } from './senders';

type Row = Record<string, unknown>;

export interface NotifyOptions {
  /** Attempts per delivery before it is marked failed. */
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubles for each further one (capped at one hour). */
  retryBaseSeconds: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones. */
export const backoff = (attempts: number, base: number) => Math.min(3600, base * 2 ** Math.max(0, attempts - 1));

/** An alert as the notifier needs it (a stored alert row). */
export interface AlertForMessage {
  id: string;
  rule_id: string;
  rule_name: string;
  severity: string;
  state: string;
  metric: string;
  operator: string;
  threshold: number;
  value: number | null;
  entity_kind: string;
  entity_id: string;
  entity_name: string;
  cluster_name: string;
  namespace: string | null;
  node_name: string | null;
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
}

export function messageOf(event: wire.DeliveryEvent, a: AlertForMessage): Message {
  const alert: NonNullable<Message['alert']> = {
    id: a.id,
    ruleId: a.rule_id,
    ruleName: a.rule_name,
    severity: a.severity as wire.Severity,
    state: a.state as wire.AlertState,
    metric: a.metric as wire.AlertMetric,
    operator: a.operator as wire.Operator,
    threshold: Number(a.threshold),
    value: num(a.value),
    entity: {
      kind: a.entity_kind as wire.AlertTarget,
      id: a.entity_id,
      name: a.entity_name,
      clusterName: a.cluster_name,
      namespace: a.namespace,
      nodeName: a.node_name,
    },
    startedAt: Number(a.started_at),
    firedAt: num(a.fired_at),
    resolvedAt: num(a.resolved_at),
  };
  return { version: 1, event, summary: summarize(event, alert), alert };
}

export const toDelivery = (r: Row): wire.Delivery => ({
  id: String(r.id),
  channelId: String(r.channel_id),
  channelName: (r.channel_name as string) ?? null,
  channelType: (r.channel_type as string) ?? null,
  alertId: (r.alert_id as string) ?? null,
  event: r.event as wire.DeliveryEvent,
  status: r.status as wire.DeliveryStatus,
  attempts: Number(r.attempts),
  lastError: (r.last_error as string) ?? null,
  responseCode: num(r.response_code),
  createdAt: Number(r.created_at),
  nextAttemptAt: num(r.next_attempt_at),
  sentAt: num(r.sent_at),
});

/**
 * Queues notifications for alert transitions and delivers them with retries. A delivery is
 * unique per (alert, channel, event), and a replica claims it before sending, so several
 * replicas (or a job overlapping itself) never send the same notification twice.
 */
export class Notifier {
  constructor(
    private readonly db: Db,
    private readonly channels: ChannelService,
    private readonly opts: NotifyOptions,
    private readonly log: Logger
  ) {}

  private get knex() {
    return this.db.knex;
  }

  /** Queues one delivery per enabled channel of the rule; returns how many were queued. */
  async enqueue(
    trx: Knex | Knex.Transaction,
    alert: AlertForMessage,
    channelIds: string[],
    event: 'firing' | 'resolved',
    now: number
  ) {
    if (!channelIds.length) return 0;
    const enabled = await trx('notification_channels').whereIn('id', channelIds).where('enabled', true).select('id');
    const payload = JSON.stringify(messageOf(event, alert));
    const rows = enabled.map((c: Row) => ({
      id: newId(),
      dedupe_key: `${alert.id}:${c.id}:${event}`,
      channel_id: String(c.id),
      alert_id: alert.id,
      event,
      status: 'pending',
      attempts: 0,
      last_error: null,
      response_code: null,
      payload,
      created_at: now,
      next_attempt_at: now,
      claimed_until: null,
      sent_at: null,
    }));
    await insertIgnore(this.db, trx, 'notification_deliveries', rows);
    return rows.length;
  }

  /** Sends every delivery that is due at `now` (one attempt each); returns the attempts made. */
  async deliverDue(now: number, limit = 200): Promise<number> {
    const due: Row[] = await this.knex('notification_deliveries')
      .where((w) =>
        w
          .where((p) => p.where('status', 'pending').where('next_attempt_at', '<=', now))
          // A claim left behind by a replica that died mid-send.
          // (Test sends are answered synchronously and never retried.)
          .orWhere((s) => s.where('status', 'sending').where('claimed_until', '<', now).whereNot('event', 'test'))
      )
      .orderBy('next_attempt_at')
      .limit(limit)
      .select('id', 'status', 'claimed_until');
    let attempts = 0;
    for (const d of due) {
      const claimed = await this.knex('notification_deliveries')
        .where('id', String(d.id))
        .where('status', d.status as string)
        .where((w) =>
          d.claimed_until === null ? w.whereNull('claimed_until') : w.where('claimed_until', d.claimed_until as number)
        )
        .update({ status: 'sending', claimed_until: now + Math.ceil(this.opts.timeoutMs / 1000) * 2 + 30 });
      if (claimed !== 1) continue; // another replica has it
      await this.attempt(String(d.id), now);
      attempts++;
    }
    return attempts;
  }

  /** One attempt of a claimed delivery; records the outcome and schedules a retry. */
  private async attempt(id: string, now: number) {
    const d = await this.knex('notification_deliveries').where('id', id).first();
    let ch: StoredChannel | null = null;
    try {
      ch = await this.channels.stored(String(d.channel_id));
    } catch {
      ch = null;
    }
    const result: SendResult = !ch
      ? { ok: false, responseCode: null, error: 'channel no longer exists' }
      : !ch.enabled
        ? { ok: false, responseCode: null, error: 'channel is disabled' }
        : await send(
            ch,
            parseJson<Message>(d.payload, { version: 1, event: d.event, summary: '', alert: null }),
            this.opts.timeoutMs
          );
    const tries = Number(d.attempts) + 1;
    const error = result.error && ch ? scrub(result.error, ch).slice(0, 2000) : result.error;
    const final = result.ok || tries >= this.opts.maxAttempts || !ch;
    await this.knex('notification_deliveries')
      .where('id', id)
      .update({
        status: result.ok ? 'sent' : final ? 'failed' : 'pending',
        attempts: tries,
        // The most recent failure stays visible after a successful retry.
        last_error: result.ok ? (d.last_error ?? null) : error,
        response_code: result.responseCode,
        sent_at: result.ok ? now : null,
        next_attempt_at: final ? null : now + backoff(tries, this.opts.retryBaseSeconds),
        claimed_until: null,
      });
    // Channel id and outcome only: never the URL, headers or SMTP credentials.
    const fields = { delivery: id, channel: d.channel_id, event: d.event, attempt: tries, status: result.responseCode };
    if (result.ok) this.log.info('notification sent', fields);
    else
      this.log.warn(final ? 'notification failed for good' : 'notification failed, will retry', { ...fields, error });
  }

  /** Sends a test message over a channel now (one attempt) and records it as a delivery. */
  async testSend(channelId: string, now: number): Promise<wire.Delivery> {
    const ch = await this.channels.stored(channelId);
    const message: Message = {
      version: 1,
      event: 'test',
      summary: `[TEST] Fleetlens test notification for channel "${ch.name}"`,
      alert: null,
    };
    const id = newId();
    await this.knex('notification_deliveries').insert({
      id,
      dedupe_key: null,
      channel_id: ch.id,
      alert_id: null,
      event: 'test',
      status: 'sending',
      attempts: 0,
      last_error: null,
      response_code: null,
      payload: JSON.stringify(message),
      created_at: now,
      next_attempt_at: null,
      claimed_until: now + 3600,
      sent_at: null,
    });
    const r = await send(ch, message, this.opts.timeoutMs);
    await this.knex('notification_deliveries')
      .where('id', id)
      .update({
        status: r.ok ? 'sent' : 'failed',
        attempts: 1,
        last_error: r.error ? scrub(r.error, ch).slice(0, 2000) : null,
        response_code: r.responseCode,
        sent_at: r.ok ? now : null,
        claimed_until: null,
      });
    this.log.info('test notification', { channel: ch.id, ok: r.ok, status: r.responseCode });
    return (
      await this.deliveries({ clusters: null, namespaces: null, nodes: null }, { page: 1, pageSize: 1, deliveryId: id })
    ).items[0];
  }

  /**
   * Deliveries, newest first. A scoped caller sees only deliveries of alerts inside the scope
   * (test sends belong to no alert, so only unrestricted callers see them).
   */
  async deliveries(
    scope: Scope,
    q: Partial<wire.DeliveryListQuery> & { page: number; pageSize: number; deliveryId?: string }
  ): Promise<wire.DeliveryListReply> {
    const base = () => {
      const qb = this.knex('notification_deliveries as d')
        .leftJoin('notification_channels as ch', 'ch.id', 'd.channel_id')
        .leftJoin('alerts as a', 'a.id', 'd.alert_id');
      applyScope(qb, scope, { clusterName: 'a.cluster_name', namespace: 'a.namespace', nodeName: 'a.node_name' });
      if (q.deliveryId) qb.where('d.id', q.deliveryId);
      if (q.channelId) qb.where('d.channel_id', q.channelId);
      if (q.alertId) qb.where('d.alert_id', q.alertId);
      if (q.status?.length) qb.whereIn('d.status', q.status);
      return qb;
    };
    const [{ n }] = await base().count({ n: '*' });
    const rows = await base()
      .select('d.*', 'ch.name as channel_name', 'ch.type as channel_type')
      .orderBy([
        { column: 'd.created_at', order: 'desc' },
        { column: 'd.id', order: 'desc' },
      ])
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return { total: Number(n), page: q.page, pageSize: q.pageSize, items: rows.map(toDelivery) };
  }
}

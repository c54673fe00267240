import nodemailer from 'nodemailer';
import type { alerts as wire } from '@fleetlens/protocol';
import type { StoredChannel } from './channels';

/** What a notification says; stored with each delivery, rendered per channel type when sent. */
export interface Message {
  version: 1;
  event: wire.DeliveryEvent;
  /** One line: "[FIRING] critical — Node memory above 90 % on node-1 (cluster a): 93.2 > 90". */
  summary: string;
  alert: {
    id: string;
    ruleId: string;
    ruleName: string;
    severity: wire.Severity;
    state: wire.AlertState;
    metric: wire.AlertMetric;
    operator: wire.Operator;
    threshold: number;
    value: number | null;
    entity: wire.AlertEntity;
    startedAt: number;
    firedAt: number | null;
    resolvedAt: number | null;
  } | null;
}

/** The outcome of one attempt. */
export interface SendResult {
  ok: boolean;
  responseCode: number | null;
  error: string | null;
}

const fmt = (v: number | null) => (v === null ? 'no data' : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** The one-line summary of an alert event. */
export function summarize(event: wire.DeliveryEvent, a: NonNullable<Message['alert']>): string {
  const where = `${a.entity.kind} ${a.entity.name} (cluster ${a.entity.clusterName}${a.entity.namespace ? `, namespace ${a.entity.namespace}` : ''})`;
  return `[${event.toUpperCase()}] ${a.severity} — ${a.ruleName} on ${where}: ${a.metric} ${fmt(a.value)} ${a.operator} ${fmt(a.threshold)}`;
}

const SLACK_COLORS: Record<string, string> = {
  critical: '#d32f2f',
  warning: '#f9a825',
  info: '#1976d2',
  resolved: '#2e7d32',
};

/** Slack incoming-webhook body (also understood by Mattermost, Rocket.Chat and similar). */
export function slackBody(m: Message) {
  const a = m.alert;
  if (!a) return { text: m.summary };
  const iso = (t: number | null) => (t ? new Date(t * 1000).toISOString() : '—');
  return {
    text: m.summary,
    attachments: [
      {
        color: m.event === 'resolved' ? SLACK_COLORS.resolved : SLACK_COLORS[a.severity],
        title: `${a.ruleName} — ${m.event}`,
        fields: [
          { title: 'Severity', value: a.severity, short: true },
          { title: 'Entity', value: `${a.entity.kind} ${a.entity.name}`, short: true },
          { title: 'Cluster', value: a.entity.clusterName, short: true },
          { title: 'Value', value: `${fmt(a.value)} (${a.operator} ${fmt(a.threshold)})`, short: true },
          {
            title: m.event === 'resolved' ? 'Resolved at' : 'Firing since',
            value: iso(m.event === 'resolved' ? a.resolvedAt : a.firedAt),
            short: false,
          },
        ],
      },
    ],
  };
}

/** E-mail subject and plain-text body. */
export function emailContent(m: Message): { subject: string; text: string } {
  const a = m.alert;
  if (!a) return { subject: m.summary, text: `${m.summary}\n\nThis is a test message from Fleetlens.\n` };
  const iso = (t: number | null) => (t ? new Date(t * 1000).toISOString() : '—');
  const lines = [
    m.summary,
    '',
    `Rule:      ${a.ruleName}`,
    `Severity:  ${a.severity}`,
    `State:     ${a.state}`,
    `Entity:    ${a.entity.kind} ${a.entity.name}`,
    `Cluster:   ${a.entity.clusterName}`,
    ...(a.entity.namespace ? [`Namespace: ${a.entity.namespace}`] : []),
    ...(a.entity.nodeName ? [`Node:      ${a.entity.nodeName}`] : []),
    `Condition: ${a.metric} ${a.operator} ${fmt(a.threshold)}`,
    `Value:     ${fmt(a.value)}`,
    `Since:     ${iso(a.startedAt)}`,
    ...(a.firedAt ? [`Fired:     ${iso(a.firedAt)}`] : []),
    ...(a.resolvedAt ? [`Resolved:  ${iso(a.resolvedAt)}`] : []),
    '',
  ];
  return { subject: m.summary, text: lines.join('\n') };
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number
): Promise<SendResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'fleetlens-notifier/1', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return { ok: true, responseCode: res.status, error: null };
  return { ok: false, responseCode: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
}

/** Sends one message over one channel, once. Errors come back as a result, never thrown. */
export async function send(ch: StoredChannel, m: Message, timeoutMs: number): Promise<SendResult> {
  try {
    const c = ch.config;
    if (ch.type === 'webhook')
      return await postJson(String(c.url), m, (c.headers as Record<string, string>) ?? {}, timeoutMs);
    if (ch.type === 'slack') return await postJson(String(c.url), slackBody(m), {}, timeoutMs);
    const transport = nodemailer.createTransport({
      host: String(c.host),
      port: Number(c.port),
      secure: !!c.secure,
      auth: c.username ? { user: String(c.username), pass: String(c.password ?? '') } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      const { subject, text } = emailContent(m);
      const info = await transport.sendMail({ from: String(c.from), to: (c.to as string[]).join(', '), subject, text });
      const code = Number(String(info.response ?? '').slice(0, 3)) || 250;
      return { ok: true, responseCode: code, error: null };
    } finally {
      transport.close();
    }
  } catch (err) {
    const e = err as { message?: string; cause?: { message?: string; code?: string }; responseCode?: number };
    const cause = e.cause?.code ?? e.cause?.message;
    return {
      ok: false,
      responseCode: e.responseCode ?? null,
      error: `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`,
    };
  }
}

import type { alerts as wire } from '@fleetlens/protocol';
import { Notifier } from '../src/services/alerts/notifier';
import type { Logger } from '../src/logger';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';
import { alertBatch, httpReceiver, send, smtpReceiver, subjectOf } from './helpers/alerts';

const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 7200;
const SLACK_TOKEN = 'T0001/B0002/slacksecrettoken123';
const HOOK_TOKEN = 'hooksecret-abcdef123456';
const HEADER_SECRET = 'Bearer header-secret-987654';
const SMTP_PASS = 'smtp-pass-s3cr3t';

/** A logger that keeps every line, to prove secrets never reach the logs. */
function capturingLogger() {
  const lines: string[] = [];
  const w = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push(JSON.stringify({ level, msg, ...fields }));
  const log: Logger = { debug: w('debug'), info: w('info'), warn: w('warn'), error: w('error') };
  return { log, lines };
}

describe.each(DIALECTS)('notifications to real local receivers (%s)', (dialect) => {
  let live: Live;
  let hook: Awaited<ReturnType<typeof httpReceiver>>;
  let slack: Awaited<ReturnType<typeof httpReceiver>>;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    live = await liveBackend(dialect);
    hook = await httpReceiver();
    slack = await httpReceiver();
    smtp = await smtpReceiver('alerts@example.com', SMTP_PASS);
    const mk = async (body: unknown) => {
      const r = await send(live, 'POST', '/api/v1/notification-channels', body);
      expect(r.status).toBe(201);
      return r.body as wire.Channel;
    };
    ids.webhook = (
      await mk({
        name: 'ops webhook',
        type: 'webhook',
        config: { url: `${hook.url}/in/${HOOK_TOKEN}?k=${HOOK_TOKEN}`, headers: { Authorization: HEADER_SECRET } },
      })
    ).id;
    ids.slack = (
      await mk({ name: 'ops slack', type: 'slack', config: { url: `${slack.url}/services/${SLACK_TOKEN}` } })
    ).id;
    ids.email = (
      await mk({
        name: 'ops mail',
        type: 'email',
        config: {
          host: smtp.host,
          port: smtp.port,
          secure: false,
          username: 'alerts@example.com',
          password: SMTP_PASS,
          from: 'fleetlens@example.com',
          to: ['oncall@example.com', 'lead@example.com'],
        },
      })
    ).id;
  });
  afterAll(async () => {
    await hook?.close();
    await slack?.close();
    await smtp?.close();
    await live?.close();
  });

  it('lists channels with secrets masked, and keeps a secret sent back masked on update', async () => {
    const list = await live.get<wire.ChannelListReply>('/api/v1/notification-channels');
    const text = JSON.stringify(list);
    for (const secret of [HOOK_TOKEN, SLACK_TOKEN, HEADER_SECRET, SMTP_PASS]) expect(text).not.toContain(secret);
    const byName = Object.fromEntries(list.items.map((c) => [c.name, c]));
    expect(byName['ops webhook'].config).toEqual({ url: `${hook.url}/***`, headers: { Authorization: '***' } });
    expect(byName['ops slack'].config.url).toBe(`${slack.url}/***`);
    expect(byName['ops mail'].config).toMatchObject({
      host: '127.0.0.1',
      password: '***',
      to: ['oncall@example.com', 'lead@example.com'],
    });

    // Rename the e-mail channel sending back the masked password: the stored one still works (test-send below).
    const put = await send(live, 'PUT', `/api/v1/notification-channels/${ids.email}`, {
      ...byName['ops mail'],
      id: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      name: 'on-call mail',
    });
    expect(put.status).toBe(200);
    expect(put.body.name).toBe('on-call mail');
    const stored = await live.backend.deps.alerts.channels.stored(ids.email);
    expect(stored.config.password).toBe(SMTP_PASS);

    // A bad channel is refused naming the field; nothing is stored.
    const before = (await live.get<wire.ChannelListReply>('/api/v1/notification-channels')).items.length;
    const bad = await send(live, 'POST', '/api/v1/notification-channels', {
      name: 'x',
      type: 'email',
      config: { host: '', to: ['not-an-address'], from: 'a@b.c' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['config.host', 'config.to.0'])
    );
    expect((await live.get<wire.ChannelListReply>('/api/v1/notification-channels')).items).toHaveLength(before);
    // Channel changes are audited, with secrets masked in before and after.
    const audit = await live.backend.db('audit_log').where('target_type', 'notification-channel');
    expect(audit.map((a: { action: string }) => a.action).sort()).toEqual([
      'channel.create',
      'channel.create',
      'channel.create',
      'channel.update',
    ]);
    const auditText = JSON.stringify(audit);
    for (const secret of [HOOK_TOKEN, SLACK_TOKEN, HEADER_SECRET, SMTP_PASS]) expect(auditText).not.toContain(secret);
  });

  it('test-sends over each channel and records the outcome', async () => {
    for (const [kind, id] of Object.entries(ids)) {
      const r = await send(live, 'POST', `/api/v1/notification-channels/${id}/test`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ channelId: id, event: 'test', status: 'sent', attempts: 1, alertId: null });
      expect(kind).toBeTruthy();
    }
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].body).toMatchObject({ version: 1, event: 'test', alert: null });
    expect(hook.received[0].headers.authorization).toBe(HEADER_SECRET);
    expect(hook.received[0].path).toBe(`/in/${HOOK_TOKEN}?k=${HOOK_TOKEN}`);
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0].body.text).toMatch(/^\[TEST\]/);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({
      from: 'fleetlens@example.com',
      to: ['oncall@example.com', 'lead@example.com'],
      user: 'alerts@example.com',
    });
    expect(subjectOf(smtp.mails[0].raw)).toBe('[TEST] Fleetlens test notification for channel "on-call mail"');
    const tests = await live.get<wire.DeliveryListReply>('/api/v1/notification-deliveries?status=sent');
    expect(tests.total).toBe(3);
  });

  it('sends on fire and on resolve to webhook, Slack and SMTP, retries a 500 with backoff, records every outcome, never logs secrets', async () => {
    const { log, lines } = capturingLogger();
    const deps = live.backend.deps.alerts;
    // A notifier with a capturing logger (the backend's own logs nothing in tests), same database and channels.
    const notifier = new Notifier(
      live.backend.deps.db,
      deps.channels,
      { maxAttempts: 3, retryBaseSeconds: 30, timeoutMs: 5000 },
      log
    );
    const rule = await send(live, 'POST', '/api/v1/alert-rules', {
      name: 'Hot container',
      target: 'container',
      metric: 'cpuPercent',
      operator: '>=',
      threshold: 90,
      severity: 'critical',
      channelIds: [ids.webhook, ids.slack, ids.email],
    });
    expect(rule.status).toBe(201);
    const hook0 = hook.received.length;
    const slack0 = slack.received.length;
    const mail0 = smtp.mails.length;

    await live.ingest(alertBatch(T0, { containers: [{ id: 'dd01', name: 'api-7', cpuPct: 93 }] }));
    await deps.evaluator.evaluate(T0);
    expect(await notifier.deliverDue(T0)).toBe(3);
    const alert = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${rule.body.id}`)).items[0];
    expect(alert.state).toBe('firing');

    // Webhook: the JSON document.
    const wh = hook.received[hook0];
    expect(wh.body).toMatchObject({
      version: 1,
      event: 'firing',
      alert: {
        id: alert.id,
        ruleName: 'Hot container',
        severity: 'critical',
        state: 'firing',
        metric: 'cpuPercent',
        operator: '>=',
        threshold: 90,
        entity: { kind: 'container', name: 'api-7', clusterName: 'alpha', nodeName: 'n1' },
        firedAt: T0,
      },
    });
    expect(wh.body.alert.value).toBeCloseTo(93, 6);
    expect(wh.body.summary).toMatch(
      /^\[FIRING\] critical — Hot container on container api-7 \(cluster alpha\): cpuPercent 93 >= 90$/
    );
    // Slack: text plus an attachment with colour and fields.
    const sl = slack.received[slack0].body;
    expect(sl.text).toBe(wh.body.summary);
    expect(sl.attachments[0]).toMatchObject({ color: '#d32f2f', title: 'Hot container — firing' });
    expect(sl.attachments[0].fields.map((f: { title: string }) => f.title)).toEqual([
      'Severity',
      'Entity',
      'Cluster',
      'Value',
      'Firing since',
    ]);
    // E-mail: subject and body.
    const mail = smtp.mails[mail0];
    expect(subjectOf(mail.raw)).toBe(wh.body.summary);
    expect(mail.raw).toMatch(/Entity:\s+container api-7/);
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com']);

    // Resolve; the webhook answers 500 once (its body echoing the secret URL), then 200.
    hook.failNext([500], `unknown hook /in/${HOOK_TOKEN}`);
    await live.ingest(alertBatch(T0 + 60, { containers: [{ id: 'dd01', name: 'api-7', cpuPct: 20 }] }));
    await deps.evaluator.evaluate(T0 + 60);
    expect(await notifier.deliverDue(T0 + 60)).toBe(3);
    const failed = (
      await live.get<wire.DeliveryListReply>(
        `/api/v1/notification-deliveries?alertId=${alert.id}&channelId=${ids.webhook}`
      )
    ).items;
    const resolvedDelivery = failed.find((d) => d.event === 'resolved')!;
    expect(resolvedDelivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      responseCode: 500,
      nextAttemptAt: T0 + 90,
    });
    expect(resolvedDelivery.lastError).toBe('HTTP 500: unknown hook ***'); // the URL's path is a secret
    expect(slack.received[slack0 + 1].body.attachments[0]).toMatchObject({
      color: '#2e7d32',
      title: 'Hot container — resolved',
    });
    expect(subjectOf(smtp.mails[mail0 + 1].raw)).toMatch(/^\[RESOLVED\] critical — Hot container on container api-7/);

    // Not due yet at +20 s; due at +30 s (the first backoff) → sent on the 2nd attempt.
    expect(await notifier.deliverDue(T0 + 80)).toBe(0);
    expect(await notifier.deliverDue(T0 + 90)).toBe(1);
    const after = (await live.get<wire.AlertDetailReply>(`/api/v1/alerts/${alert.id}`)).deliveries;
    expect(after.map((d) => [d.channelType, d.event, d.status, d.attempts])).toEqual(
      expect.arrayContaining([
        ['webhook', 'firing', 'sent', 1],
        ['slack', 'firing', 'sent', 1],
        ['email', 'firing', 'sent', 1],
        ['webhook', 'resolved', 'sent', 2],
        ['slack', 'resolved', 'sent', 1],
        ['email', 'resolved', 'sent', 1],
      ])
    );
    expect(after).toHaveLength(6);
    expect(after.find((d) => d.channelType === 'webhook' && d.event === 'resolved')!.lastError).toBe(
      'HTTP 500: unknown hook ***'
    );
    const webhookResolved = hook.received.filter((r) => r.body.event === 'resolved');
    expect(webhookResolved).toHaveLength(2); // the 500 and the retry
    expect(webhookResolved.every((r) => r.body.alert.id === alert.id && r.body.alert.resolvedAt === T0 + 60)).toBe(
      true
    );

    // Gives up after maxAttempts (3): 500, 500, 500 → failed; backoff 30 s then 60 s.
    hook.failNext([500, 500, 500]);
    await live.ingest(alertBatch(T0 + 400, { containers: [{ id: 'dd01', name: 'api-7', cpuPct: 99 }] }));
    await deps.evaluator.evaluate(T0 + 400);
    await notifier.deliverDue(T0 + 400);
    await notifier.deliverDue(T0 + 430);
    expect(await notifier.deliverDue(T0 + 489)).toBe(0);
    await notifier.deliverDue(T0 + 490);
    const second = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${rule.body.id}&state=firing`)).items[0];
    const gaveUp = (
      await live.get<wire.DeliveryListReply>(
        `/api/v1/notification-deliveries?alertId=${second.id}&channelId=${ids.webhook}`
      )
    ).items[0];
    expect(gaveUp).toMatchObject({ status: 'failed', attempts: 3, responseCode: 500, nextAttemptAt: null });
    expect(await notifier.deliverDue(T0 + 10_000)).toBe(0);

    // Logs carry channel ids and outcomes, never a URL token, header value or password.
    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('\n');
    for (const secret of [HOOK_TOKEN, SLACK_TOKEN, HEADER_SECRET, SMTP_PASS]) expect(all).not.toContain(secret);
  });

  it('records a failure to reach the receiver (connection refused) and a wrong SMTP password', async () => {
    const dead = await send(live, 'POST', '/api/v1/notification-channels', {
      name: 'dead',
      type: 'webhook',
      config: { url: `http://127.0.0.1:1/x/${HOOK_TOKEN}` },
    });
    const r = await send(live, 'POST', `/api/v1/notification-channels/${dead.body.id}/test`);
    expect(r.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(r.body.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(r.body.lastError).not.toContain(HOOK_TOKEN);
    const wrong = await send(live, 'POST', '/api/v1/notification-channels', {
      name: 'wrong pass',
      type: 'email',
      config: {
        host: smtp.host,
        port: smtp.port,
        username: 'alerts@example.com',
        password: 'wrong-password-1',
        from: 'f@example.com',
        to: ['t@example.com'],
      },
    });
    const w = await send(live, 'POST', `/api/v1/notification-channels/${wrong.body.id}/test`);
    expect(w.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(w.body.lastError).toMatch(/auth|login/i);
    expect(w.body.lastError).not.toContain('wrong-password-1');
  });

  it('silences: created through the API for a rule, listed as active, mute notifications, and can be ended', async () => {
    const now = Math.floor(Date.now() / 1000);
    const rule = await send(live, 'POST', '/api/v1/alert-rules', {
      name: 'Silenced rule',
      target: 'container',
      metric: 'cpuPercent',
      operator: '>',
      threshold: 50,
      severity: 'info',
      channelIds: [ids.webhook],
    });
    const bad = await send(live, 'POST', '/api/v1/silences', { endsAt: now - 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toContain('ruleId');
    const s = await send(live, 'POST', '/api/v1/silences', {
      ruleId: rule.body.id,
      // From the test's own clock: the evaluation below runs at `now`, which a slow machine may
      // leave a second or more behind the server's clock at creation (the default start).
      startsAt: now,
      endsAt: now + 3600,
      comment: 'deploy window',
    });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ ruleId: rule.body.id, entityId: null, active: true, comment: 'deploy window' });
    const active = await live.get<wire.SilenceListReply>('/api/v1/silences?active=true');
    expect(active.items.map((x) => x.id)).toContain(s.body.id);

    await live.ingest(
      alertBatch(now, { cluster: 'sil', node: 's1', containers: [{ id: 'ee01', name: 'quiet', cpuPct: 80 }] })
    );
    await live.backend.deps.alerts.evaluator.evaluate(now);
    const a = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${rule.body.id}`)).items;
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ state: 'firing', silenced: true });
    expect((await live.get<wire.AlertDetailReply>(`/api/v1/alerts/${a[0].id}`)).deliveries).toHaveLength(0);

    const ended = await send(live, 'DELETE', `/api/v1/silences/${s.body.id}`);
    expect(ended.status).toBe(200);
    expect(ended.body.active).toBe(false);
    // Still firing when the silence ends: announced now, once.
    await live.backend.deps.alerts.evaluator.evaluate(now + 1);
    await live.backend.deps.alerts.evaluator.evaluate(now + 2);
    const list = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${rule.body.id}`)).items;
    expect(list[0].silenced).toBe(false);
    const after = (await live.get<wire.AlertDetailReply>(`/api/v1/alerts/${a[0].id}`)).deliveries;
    expect(after.map((d) => d.event)).toEqual(['firing']);

    // An alert that fired and resolved entirely under a silence sends nothing, not even "resolved".
    const s2 = await send(live, 'POST', '/api/v1/silences', { ruleId: rule.body.id, endsAt: now + 3600 });
    const two = [
      { id: 'ee01', name: 'quiet', cpuPct: 80 },
      { id: 'ee02', name: 'quiet-2', cpuPct: 80 },
    ];
    await live.ingest(alertBatch(now + 3, { cluster: 'sil', node: 's1', containers: two }));
    await live.backend.deps.alerts.evaluator.evaluate(now + 3);
    const firing = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${rule.body.id}&state=firing`)).items;
    const quiet2 = firing.find((x) => x.entity.name === 'quiet-2')!;
    expect(quiet2.silenced).toBe(true);
    await send(live, 'DELETE', `/api/v1/silences/${s2.body.id}`);
    two[1].cpuPct = 1;
    await live.ingest(alertBatch(now + 4, { cluster: 'sil', node: 's1', containers: two }));
    await live.backend.deps.alerts.evaluator.evaluate(now + 4);
    const q2 = await live.get<wire.AlertDetailReply>(`/api/v1/alerts/${quiet2.id}`);
    expect(q2.state).toBe('resolved');
    expect(q2.deliveries).toEqual([]);
  });
});

import type { alerts as wire } from '@fleetlens/protocol';
import { alertingJobs } from '../src/jobs/alerting';
import { startBackend, type RunningBackend } from '../src/server';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases';
import { AGENT_TOKEN, SERVICE_KEY } from './helpers/backend';
import { adminApiKeyViaApp } from '../src/testing/credentials';
import { alertBatch, httpReceiver } from './helpers/alerts';

/**
 * Two backend replicas on one database, both with jobs enabled: only the lease holder evaluates,
 * so one alert and one notification result however often both try.
 */
describe.each(DIALECTS)('two backend replicas on one %s database', (dialect) => {
  let db: TestDatabase;
  let a: RunningBackend;
  let b: RunningBackend;
  let hook: Awaited<ReturnType<typeof httpReceiver>>;

  const start = () =>
    startBackend({
      databaseUrl: db.url,
      port: 0,
      host: '127.0.0.1',
      serviceKey: SERVICE_KEY,
      agentToken: AGENT_TOKEN,
      jobsEnabled: true,
      leaseTtlSeconds: 30,
      dataDir: '/tmp/fleetlens-test-data',
    });
  const post = async (be: RunningBackend, path: string, body: unknown, auth: Record<string, string>) => {
    const res = await fetch(`${be.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as { id: string } };
  };

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    hook = await httpReceiver();
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await hook?.close();
    await db?.drop();
  });

  it('exactly one of them evaluates: one alert row, one notification', async () => {
    expect([a.scheduler!.isLeader, b.scheduler!.isLeader].filter(Boolean)).toHaveLength(1);
    const key = (await adminApiKeyViaApp(a.url, SERVICE_KEY)).headers;
    const ch = await post(
      a,
      '/api/v1/notification-channels',
      { name: 'hook', type: 'webhook', config: { url: `${hook.url}/x` } },
      key
    );
    const rule = await post(
      b,
      '/api/v1/alert-rules',
      {
        name: 'replicas',
        target: 'container',
        metric: 'cpuPercent',
        operator: '>',
        threshold: 50,
        severity: 'warning',
        channelIds: [ch.body.id],
      },
      key
    );
    expect(rule.status).toBe(201);
    // Real time: the jobs use the wall clock.
    const now = Math.floor(Date.now() / 1000);
    expect(
      (
        await post(a, '/api/v1/ingest', alertBatch(now, { containers: [{ id: 'ff01', name: 'hot', cpuPct: 90 }] }), {
          authorization: `Bearer ${AGENT_TOKEN}`,
        })
      ).status
    ).toBe(202);

    const jobA = alertingJobs(a.deps).find((j) => j.name === 'alert-evaluation')!;
    const jobB = alertingJobs(b.deps).find((j) => j.name === 'alert-evaluation')!;
    const ran: boolean[] = [];
    for (let i = 0; i < 3; i++)
      ran.push(...(await Promise.all([a.scheduler!.runJob(jobA), b.scheduler!.runJob(jobB)])));
    // Each round, exactly the leader ran the job.
    expect(ran.filter(Boolean)).toHaveLength(3);

    const alerts = await a.db('alerts').where('rule_id', rule.body.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].state).toBe('firing');
    const deliveries = await a.db('notification_deliveries').where('alert_id', alerts[0].id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].status).toBe('sent');
    expect(hook.received.filter((r) => r.body.alert?.ruleName === 'replicas')).toHaveLength(1);
  });

  it('even evaluators racing past the lease cannot duplicate an alert or a notification', async () => {
    const key = (await adminApiKeyViaApp(a.url, SERVICE_KEY)).headers;
    const ch = await post(
      a,
      '/api/v1/notification-channels',
      { name: 'hook2', type: 'webhook', config: { url: `${hook.url}/y` } },
      key
    );
    const rule = await post(
      a,
      '/api/v1/alert-rules',
      {
        name: 'race',
        target: 'container',
        metric: 'cpuPercent',
        operator: '>',
        threshold: 50,
        severity: 'info',
        channelIds: [ch.body.id],
      },
      key
    );
    const now = Math.floor(Date.now() / 1000);
    await post(a, '/api/v1/ingest', alertBatch(now, { containers: [{ id: 'ff01', name: 'hot', cpuPct: 90 }] }), {
      authorization: `Bearer ${AGENT_TOKEN}`,
    });
    // Both replicas' evaluators and notifiers at once, several times (no lease involved).
    for (let i = 0; i < 3; i++)
      await Promise.all([
        a.deps.alerts.evaluator.evaluate(now + 1),
        b.deps.alerts.evaluator.evaluate(now + 1),
        a.deps.alerts.notifier.deliverDue(now + 1),
        b.deps.alerts.notifier.deliverDue(now + 1),
      ]);
    await Promise.all([a.deps.alerts.notifier.deliverDue(now + 1), b.deps.alerts.notifier.deliverDue(now + 1)]);
    const alerts = await a.db('alerts').where('rule_id', rule.body.id);
    expect(alerts).toHaveLength(1);
    const deliveries = await a.db('notification_deliveries').where('alert_id', alerts[0].id);
    expect(deliveries).toHaveLength(1);
    expect(hook.received.filter((r) => r.body.alert?.ruleName === 'race')).toHaveLength(1);
    const list = (await (
      await fetch(`${b.url}/api/v1/alerts?ruleId=${rule.body.id}`, { headers: key })
    ).json()) as wire.AlertListReply;
    expect(list.total).toBe(1);
  });
});

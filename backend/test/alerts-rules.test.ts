import type { alerts as wire } from '@fleetlens/protocol';
import { ConfigError, loadConfig } from '../src/config';
import { buildOpenApi } from '../src/routes/openapi';
import { ALERTING_READS, ALERTING_WRITES } from '../src/routes/alerting';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';
import { send } from './helpers/alerts';

const GOOD = {
  name: 'Pod memory',
  target: 'pod',
  metric: 'memPercent',
  operator: '>=',
  threshold: 95,
  forSeconds: 120,
  severity: 'warning',
  filters: { clusters: ['alpha'], namespaces: ['shop'], nodes: [], namePattern: 'api-*' },
  cooldownSeconds: 600,
  channelIds: [],
  enabled: true,
};

describe.each(DIALECTS)('alert rules API (%s)', (dialect) => {
  let live: Live;
  const count = async () => Number((await live.backend.db('alert_rules').count({ n: '*' }))[0].n);

  beforeAll(async () => {
    live = await liveBackend(dialect);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('a new install starts with the eleven built-in rules', async () => {
    const { items } = await live.get<wire.AlertRuleListReply>('/api/v1/alert-rules');
    const pick = (r: wire.AlertRule) => [
      r.target,
      r.metric,
      r.operator,
      r.threshold,
      r.forSeconds,
      r.severity,
      r.builtin,
      r.enabled,
    ];
    expect(items.map(pick).sort()).toEqual(
      [
        ['node', 'cpuPercent', '>', 85, 300, 'warning', true, true],
        ['node', 'memPercent', '>', 90, 0, 'critical', true, true],
        ['container', 'restarts', '>', 0, 0, 'warning', true, true],
        ['node', 'nodeNotReady', '>', 0, 0, 'critical', true, true],
        ['node', 'diskPercent', '>', 90, 0, 'critical', true, true],
        ['container', 'oomKills', '>', 0, 0, 'critical', true, true],
        // One per security event kind (0009_security_posture, issue 17).
        ['container', 'execSessions', '>', 0, 0, 'warning', true, true],
        ['container', 'privilegedStarts', '>', 0, 0, 'warning', true, true],
        ['container', 'sensitiveMountStarts', '>', 0, 0, 'warning', true, true],
        ['container', 'imageChanges', '>', 0, 0, 'info', true, true],
        // Probe down (0010_service_health, issue 16).
        ['service', 'probeDown', '>', 0, 0, 'critical', true, true],
      ].sort()
    );
  });

  it('creates, reads, replaces, patches and deletes a rule', async () => {
    const c = await send(live, 'POST', '/api/v1/alert-rules', GOOD);
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ ...GOOD, builtin: false, description: '', windowSeconds: 600 });
    const id = c.body.id;
    // The create reply adds `warnings` (none: no default rule watches pods) to the stored rule.
    const { warnings, ...created } = c.body;
    expect(warnings).toEqual([]);
    expect(await live.get(`/api/v1/alert-rules/${id}`)).toEqual(created);
    const put = await send(live, 'PUT', `/api/v1/alert-rules/${id}`, { ...GOOD, threshold: 97, severity: 'critical' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ threshold: 97, severity: 'critical', createdAt: c.body.createdAt });
    const off = await send(live, 'PATCH', `/api/v1/alert-rules/${id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, threshold: 97 });
    const del = await send(live, 'DELETE', `/api/v1/alert-rules/${id}`);
    expect(del.status).toBe(204);
    expect((await live.getRaw(`/api/v1/alert-rules/${id}`)).status).toBe(404);
    // Every change is in the audit log, with before and after.
    const audit = await live.backend.db('audit_log').where({ target_type: 'alert-rule', target_id: id }).orderBy('id');
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'alert-rule.create',
      'alert-rule.update',
      'alert-rule.update',
      'alert-rule.delete',
    ]);
    expect(audit[0].before).toBeNull();
    expect(JSON.parse(audit[1].before).threshold).toBe(95);
    expect(JSON.parse(audit[1].after).threshold).toBe(97);
    expect(JSON.parse(audit[2].after).enabled).toBe(false);
    expect(JSON.parse(audit[3].before).name).toBe('Pod memory');
    expect(audit[3].after).toBeNull();
    expect(audit.every((a: { actor: string }) => a.actor.length > 0)).toBe(true);
  });

  it('refuses a bad rule with 400 naming each bad field, and stores nothing', async () => {
    const before = await count();
    const bad = await send(live, 'POST', '/api/v1/alert-rules', {
      name: '',
      target: 'galaxy',
      metric: 'cpuPercent',
      operator: '>>',
      threshold: 'high',
      forSeconds: -5,
      severity: 'urgent',
      cooldownSeconds: 1.5,
      filters: { clusters: [''] },
      surprise: true,
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'target',
        'operator',
        'threshold',
        'forSeconds',
        'severity',
        'cooldownSeconds',
        'filters.clusters.0',
      ])
    );
    expect(bad.body.issues.some((i: { message: string }) => /surprise/.test(i.message))).toBe(true);

    // A metric that does not apply to the target names `metric`.
    const mismatch = await send(live, 'POST', '/api/v1/alert-rules', { ...GOOD, target: 'node', metric: 'oomKilled' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.issues).toEqual([expect.objectContaining({ path: 'metric' })]);

    // An unknown channel id names `channelIds.<index>`.
    const noChannel = await send(live, 'POST', '/api/v1/alert-rules', { ...GOOD, channelIds: ['nope'] });
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.issues).toEqual([
      { path: 'channelIds.0', message: 'no notification channel with id "nope"' },
    ]);

    // Not JSON at all.
    const res = await fetch(`${live.backend.url}/api/v1/alert-rules`, {
      method: 'POST',
      headers: live.admin,
      body: '{',
    });
    expect(res.status).toBe(400);

    // A PATCH that makes the whole rule invalid is refused too, and changes nothing.
    const ok = await send(live, 'POST', '/api/v1/alert-rules', GOOD);
    const p = await send(live, 'PATCH', `/api/v1/alert-rules/${ok.body.id}`, { metric: 'nodeNotReady' });
    expect(p.status).toBe(400);
    expect(p.body.issues.map((i: { path: string }) => i.path)).toEqual(['metric']);
    expect((await live.get(`/api/v1/alert-rules/${ok.body.id}`)).metric).toBe('memPercent');
    await send(live, 'DELETE', `/api/v1/alert-rules/${ok.body.id}`);
    expect(await count()).toBe(before);
  });

  it('viewers may read rules but may not write rules, silences or channels (403)', async () => {
    // An unknown Grafana user behind the service key gets the default role: viewer.
    const viewer = { 'x-grafana-user': 'vera-viewer' };
    expect(
      (await live.getRaw('/api/v1/alert-rules', { 'x-fleetlens-key': 'test-service-key-0123456789', ...viewer })).status
    ).toBe(200);
    const before = await count();
    const w = await send(live, 'POST', '/api/v1/alert-rules', GOOD, viewer);
    expect(w.status).toBe(403);
    expect((await send(live, 'POST', '/api/v1/silences', { ruleId: 'x', endsAt: 4e9 }, viewer)).status).toBe(403);
    expect(
      (
        await send(
          live,
          'POST',
          '/api/v1/notification-channels',
          { name: 'x', type: 'slack', config: { url: 'http://x/y' } },
          viewer
        )
      ).status
    ).toBe(403);
    expect(await count()).toBe(before);
  });

  it('every alerting endpoint is in the OpenAPI document', () => {
    const doc = buildOpenApi('test') as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>>;
    };
    const p = (s: string) => `/api/v1${s.replace(/:(\w+)/g, '{$1}')}`;
    for (const e of ALERTING_READS) expect(doc.paths[p(e.path)]?.get).toBeDefined();
    for (const w of ALERTING_WRITES) expect(doc.paths[p(w.path)]?.[w.method]).toBeDefined();
    expect(doc.paths['/api/v1/alert-rules'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/logs'].get.parameters!.map((x) => x.name)).toEqual(
      expect.arrayContaining(['container', 'pod', 'level', 'q', 'cursor', 'from', 'to'])
    );
    expect(doc.paths['/api/v1/events/counts'].get.parameters!.map((x) => x.name)).toEqual(
      expect.arrayContaining(['from', 'to', 'step', 'type'])
    );
  });
});

describe('alerting and log configuration', () => {
  it('has defaults and names a bad variable', () => {
    const c = loadConfig({});
    expect(c.alerts).toEqual({
      historyDays: 90,
      notifyMaxAttempts: 5,
      notifyRetryBaseSeconds: 30,
      notifyTimeoutSeconds: 10,
    });
    expect(c.logs).toEqual({ retentionDays: 2, maxLinesPerContainer: 10_000 });
    expect(loadConfig({ LOG_MAX_LINES_PER_CONTAINER: '500', NOTIFY_MAX_ATTEMPTS: '2' })).toMatchObject({
      logs: { maxLinesPerContainer: 500 },
      alerts: { notifyMaxAttempts: 2 },
    });
    let message = '';
    try {
      loadConfig({ LOG_MAX_LINES_PER_CONTAINER: '5', NOTIFY_RETRY_BASE_SECONDS: 'soon' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = String((e as Error).message);
    }
    expect(message).toContain('LOG_MAX_LINES_PER_CONTAINER');
    expect(message).toContain('NOTIFY_RETRY_BASE_SECONDS');
  });
});

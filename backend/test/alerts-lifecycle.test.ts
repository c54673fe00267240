import { alerts as wire } from '@fleetlens/protocol';
import { ALERTING_READS } from '../src/routes/alerting';
import { FULL_SCOPE } from '../src/services/scope';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';
import { alertBatch, httpReceiver, send } from './helpers/alerts';

// A fixed past hour, so that the evaluator's injected clock and the samples' times agree.
const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 7200;

describe.each(DIALECTS)('alert lifecycle on real ingested data (%s)', (dialect) => {
  let live: Live;
  let hook: Awaited<ReturnType<typeof httpReceiver>>;
  let ruleId: string;
  let channelId: string;

  const push = async (t: number, cpuPct: number) =>
    expect((await live.ingest(alertBatch(t, { containers: [{ id: 'aaa1', name: 'web-1', cpuPct }] }))).status).toBe(
      202
    );
  const evaluate = (t: number) => live.backend.deps.alerts.evaluator.evaluate(t);
  const alertsOfRule = async () =>
    (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${ruleId}&pageSize=100`)).items.sort(
      (a, b) => a.startedAt - b.startedAt
    );
  const deliveries = async () =>
    (await live.backend.db('notification_deliveries').where('channel_id', channelId).orderBy('created_at')) as {
      event: string;
      alert_id: string;
    }[];

  beforeAll(async () => {
    live = await liveBackend(dialect);
    hook = await httpReceiver();
    // The defaults stay enabled: they must not interfere (node CPU and memory stay low, nothing restarts).
    const ch = await send(live, 'POST', '/api/v1/notification-channels', {
      name: 'hook',
      type: 'webhook',
      config: { url: `${hook.url}/hook/tok` },
    });
    expect(ch.status).toBe(201);
    channelId = ch.body.id;
    const r = await send(live, 'POST', '/api/v1/alert-rules', {
      name: 'Container CPU above 80 %',
      target: 'container',
      metric: 'cpuPercent',
      operator: '>',
      threshold: 80,
      forSeconds: 60,
      cooldownSeconds: 300,
      severity: 'critical',
      channelIds: [channelId],
    });
    expect(r.status).toBe(201);
    ruleId = r.body.id;
  });
  afterAll(async () => {
    await hook?.close();
    await live?.close();
  });

  it('goes pending → firing → resolved → (cooldown: no fire) → firing again, with no duplicates', async () => {
    // t0: above the threshold → pending (the "for" of 60 s has not run yet).
    await push(T0, 95);
    await evaluate(T0);
    let list = await alertsOfRule();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      state: 'pending',
      firedAt: null,
      severity: 'critical',
      entity: { kind: 'container', name: 'web-1', clusterName: 'alpha', nodeName: 'n1' },
    });
    expect(list[0].value).toBeCloseTo(95, 6);

    // t0+30: still pending; evaluating the same instant again changes nothing.
    await push(T0 + 30, 96);
    for (let i = 0; i < 3; i++) await evaluate(T0 + 30);
    list = await alertsOfRule();
    expect(list).toHaveLength(1);
    expect(list[0].state).toBe('pending');
    expect(await deliveries()).toHaveLength(0);

    // t0+60: "for" has run → firing, one notification queued.
    await push(T0 + 60, 97);
    const s1 = await evaluate(T0 + 60);
    expect(s1.fired).toBe(1);
    list = await alertsOfRule();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ state: 'firing', firedAt: T0 + 60, startedAt: T0 });
    const firstId = list[0].id;

    // Re-triggers while firing update the same alert (value, last evaluation), never a second one.
    await push(T0 + 90, 99);
    for (let i = 0; i < 4; i++) await evaluate(T0 + 90);
    list = await alertsOfRule();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: firstId, state: 'firing', lastEvalAt: T0 + 90 });
    expect(list[0].value).toBeCloseTo(99, 6);
    expect((await deliveries()).map((d) => d.event)).toEqual(['firing']);

    // t0+120: below → resolved, one "resolved" notification.
    await push(T0 + 120, 10);
    await evaluate(T0 + 120);
    list = await alertsOfRule();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: firstId, state: 'resolved', resolvedAt: T0 + 120 });
    expect((await deliveries()).map((d) => d.event)).toEqual(['firing', 'resolved']);

    // Within the 300 s cooldown (until t0+420) the condition returns: no new alert at all.
    for (const t of [T0 + 150, T0 + 300, T0 + 419]) {
      await push(t, 95);
      await evaluate(t);
    }
    expect(await alertsOfRule()).toHaveLength(1);

    // Cooldown over: a new episode starts pending and fires after "for".
    await push(T0 + 420, 95);
    await evaluate(T0 + 420);
    list = await alertsOfRule();
    expect(list).toHaveLength(2);
    expect(list[1]).toMatchObject({ state: 'pending', startedAt: T0 + 420 });
    await push(T0 + 480, 95);
    await evaluate(T0 + 480);
    list = await alertsOfRule();
    expect(list.map((a) => a.state)).toEqual(['resolved', 'firing']);
    expect(list[1].firedAt).toBe(T0 + 480);
    expect((await deliveries()).map((d) => d.event)).toEqual(['firing', 'resolved', 'firing']);

    // History: the first alert's transitions are kept, in order.
    const detail = await live.get<wire.AlertDetailReply>(`/api/v1/alerts/${firstId}`);
    expect(detail.transitions.map((t) => [t.from, t.to, t.ts])).toEqual([
      [null, 'pending', T0],
      ['pending', 'firing', T0 + 60],
      ['firing', 'resolved', T0 + 120],
    ]);
    expect(detail.deliveries.map((d) => d.event)).toEqual(['firing', 'resolved']);

    // The queued notifications reach the real webhook receiver, each once.
    const sent = await live.backend.deps.alerts.notifier.deliverDue(T0 + 480);
    expect(sent).toBe(3);
    expect(await live.backend.deps.alerts.notifier.deliverDue(T0 + 480)).toBe(0);
    expect(hook.received.map((r) => [r.body.event, r.body.alert.id])).toEqual([
      ['firing', firstId],
      ['resolved', firstId],
      ['firing', list[1].id],
    ]);
    expect(hook.received[0].path).toBe('/hook/tok');

    // Statistics over the last 10 minutes: one critical firing now (none at the period's start,
    // t0-120), one resolved in the period.
    const stats = await live.backend.deps.alerts.queries.stats(FULL_SCOPE, { period: 600 }, T0 + 480);
    expect(stats.firing.critical).toEqual({ current: 1, previous: 0, change: 1 });
    expect(stats.resolved.critical).toEqual({ current: 1, previous: 0, change: 1 });
    expect(stats.firing.warning.current).toBe(0);
    const narrow = await live.backend.deps.alerts.queries.stats(FULL_SCOPE, { period: 400 }, T0 + 480);
    // Period (t0+80, t0+480]: resolved at t0+120 counts; firing at t0+80 was the first alert → previous 1, change 0.
    expect(narrow.resolved.critical.current).toBe(1);
    expect(narrow.firing.critical).toEqual({ current: 1, previous: 1, change: 0 });
  });

  it('resolves an active alert when its entity disappears or its rule is disabled', async () => {
    // The second episode is firing; disable the rule → resolved at the next evaluation.
    const p = await send(live, 'PATCH', `/api/v1/alert-rules/${ruleId}`, { enabled: false });
    expect(p.status).toBe(200);
    expect(p.body.enabled).toBe(false);
    await evaluate(T0 + 500);
    const list = await alertsOfRule();
    expect(list.map((a) => a.state)).toEqual(['resolved', 'resolved']);
    expect(list[1].resolvedAt).toBe(T0 + 500);
    expect((await deliveries()).map((d) => d.event)).toEqual(['firing', 'resolved', 'firing', 'resolved']);
    await send(live, 'PATCH', `/api/v1/alert-rules/${ruleId}`, { enabled: true });

    // Cooldown after that resolve ends at t0+800; then the container is hot again → firing (for 60 s).
    await push(T0 + 800, 95);
    await evaluate(T0 + 800);
    await push(T0 + 860, 95);
    await evaluate(T0 + 860);
    expect((await alertsOfRule()).map((a) => a.state)).toEqual(['resolved', 'resolved', 'firing']);
    // The node's inventory no longer lists the container → it is gone → the alert resolves.
    const gone = { ...alertBatch(T0 + 890), inventories: [{ nodeName: 'n1', ts: T0 + 890, containerIds: [] }] };
    expect((await live.ingest(gone)).status).toBe(202);
    await evaluate(T0 + 890);
    const after = await alertsOfRule();
    expect(after.map((a) => a.state)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(after[2].resolvedAt).toBe(T0 + 890);
  });

  it('state metrics on real container reports: restarted, exited non-zero, OOM-killed; node not ready', async () => {
    const t = T0 + 1000;
    // Pod uids as long as the protocol allows (64), so the longest fingerprints are stored too.
    const k8s = (n: string) => ({
      namespace: 'shop',
      pod: `pod-${n}`,
      podUid: `uid-${n}`.padEnd(64, 'x'),
      workloadKind: 'Deployment',
      workloadName: 'shop',
    });
    const containers = (restarts: number) => [
      { id: 'bbb1', name: 'flaky', cpuPct: 1, restartCount: restarts, k8s: k8s('1') },
      { id: 'bbb2', name: 'crashed', state: 'exited', exitCode: 2, k8s: k8s('2') },
      { id: 'bbb3', name: 'oom', state: 'exited', exitCode: 137, oomKilled: true, k8s: k8s('3') },
      { id: 'bbb4', name: 'done', state: 'exited', exitCode: 0, k8s: k8s('4') },
    ];
    for (const body of [
      {
        name: 'exited',
        target: 'container',
        metric: 'exitedNonZero',
        operator: '>',
        threshold: 0,
        severity: 'warning',
      },
      { name: 'oom', target: 'container', metric: 'oomKilled', operator: '>', threshold: 0, severity: 'critical' },
      {
        name: 'ns exited',
        target: 'namespace',
        metric: 'exitedNonZero',
        operator: '>=',
        threshold: 2,
        severity: 'info',
      },
      { name: 'pod oom', target: 'pod', metric: 'oomKilled', operator: '>', threshold: 0, severity: 'critical' },
    ])
      expect((await send(live, 'POST', '/api/v1/alert-rules', body)).status).toBe(201);
    await live.ingest(alertBatch(t, { cluster: 'beta', node: 'm1', containers: containers(0) }));
    await live.ingest(alertBatch(t, { cluster: 'beta', node: 'm2', nodeStatus: 'not_ready' }));
    await evaluate(t); // first sight of the restart counter: the baseline
    await live.ingest(alertBatch(t + 30, { cluster: 'beta', node: 'm1', containers: containers(1) }));
    await live.ingest(alertBatch(t + 30, { cluster: 'beta', node: 'm2', nodeStatus: 'not_ready' }));
    await evaluate(t + 30);
    const firing = (await live.get<wire.AlertListReply>('/api/v1/alerts?state=firing&cluster=beta&pageSize=100')).items;
    const got = firing.map((a) => `${a.ruleName}|${a.entity.kind}|${a.entity.name}`).sort();
    expect(got).toEqual(
      [
        'Container restarted|container|flaky',
        'Node not ready|node|m2',
        'exited|container|crashed',
        'exited|container|oom',
        'ns exited|namespace|shop',
        'oom|container|oom',
        'pod oom|pod|pod-3',
      ].sort()
    );
    // The restart alert clears once the window (600 s) has passed without another restart.
    await live.ingest(alertBatch(t + 700, { cluster: 'beta', node: 'm1', containers: containers(1) }));
    await evaluate(t + 700);
    const restarted = (await live.get<wire.AlertListReply>('/api/v1/alerts?cluster=beta&pageSize=100')).items.filter(
      (a) => a.ruleName === 'Container restarted'
    );
    expect(restarted.map((a) => a.state)).toEqual(['resolved']);
  });

  it('silences mute notifications and mark alerts silenced; rules and alerts are scoped', async () => {
    const t = T0 + 3000;
    const r = await send(live, 'POST', '/api/v1/alert-rules', {
      name: 'gamma cpu',
      target: 'container',
      metric: 'cpuPercent',
      operator: '>',
      threshold: 50,
      severity: 'warning',
      channelIds: [channelId],
      filters: { clusters: ['gamma'] },
    });
    expect(r.status).toBe(201);
    // Silence the rule until t+100 (the evaluator's clock; the API checks endsAt against wall time, so use the service).
    const silences = live.backend.deps.alerts.silences;
    await live.backend.db('alert_silences').insert({
      id: 'sil1',
      rule_id: r.body.id,
      entity_id: null,
      starts_at: t - 10,
      ends_at: t + 100,
      comment: 'maintenance',
      created_by: null,
      created_at: t - 10,
    });
    expect((await silences.list(FULL_SCOPE, {})).items.map((s) => s.id)).toContain('sil1');
    await live.ingest(
      alertBatch(t, { cluster: 'gamma', node: 'g1', containers: [{ id: 'ccc1', name: 'busy', cpuPct: 90 }] })
    );
    const before = (await live.backend.db('notification_deliveries').count({ n: '*' }))[0].n;
    await evaluate(t);
    const a = (await live.get<wire.AlertListReply>(`/api/v1/alerts?ruleId=${r.body.id}`)).items;
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ state: 'firing', silenced: true });
    expect((await live.backend.db('notification_deliveries').count({ n: '*' }))[0].n).toBe(before);

    // Scope: a caller limited to cluster alpha sees neither the gamma alert nor the gamma-only rule.
    const alphaOnly = { clusters: ['alpha'], namespaces: null, nodes: null };
    const scopedAlerts = await live.backend.deps.alerts.queries.list(alphaOnly, { page: 1, pageSize: 500 });
    expect(scopedAlerts.items.length).toBeGreaterThan(0);
    expect(scopedAlerts.items.every((x) => x.entity.clusterName === 'alpha')).toBe(true);
    expect(scopedAlerts.total).toBe(scopedAlerts.items.length);
    const scopedRules = await live.backend.deps.alerts.rules.list(alphaOnly);
    expect(scopedRules.items.map((x) => x.name)).not.toContain('gamma cpu');
    await expect(live.backend.deps.alerts.queries.get(alphaOnly, a[0].id)).rejects.toThrow(/not found/);
    // Silences: the gamma-only rule's silence is invisible to the alpha-only caller; an entity
    // silence shows only where that entity has an alert inside the scope.
    await live.backend.db('alert_silences').insert([
      {
        id: 'sil2',
        rule_id: null,
        entity_id: a[0].entity.id,
        starts_at: t,
        ends_at: t + 100,
        comment: '',
        created_by: null,
        created_at: t,
      },
      {
        id: 'sil3',
        rule_id: ruleId,
        entity_id: null,
        starts_at: t,
        ends_at: t + 100,
        comment: '',
        created_by: null,
        created_at: t,
      },
    ]);
    const gammaOnly = { clusters: ['gamma'], namespaces: null, nodes: null };
    expect((await silences.list(alphaOnly, {})).items.map((x) => x.id).sort()).toEqual(['sil3']);
    expect((await silences.list(gammaOnly, {})).items.map((x) => x.id).sort()).toEqual(['sil1', 'sil2', 'sil3']);
    await live.backend.db('alert_silences').whereIn('id', ['sil2', 'sil3']).delete();

    // A restricted editor may write only rules inside their scope.
    const rules = live.backend.deps.alerts.rules;
    const base = { ...(await rules.get(FULL_SCOPE, r.body.id)) };
    const input = {
      name: 'scoped',
      description: '',
      target: base.target,
      metric: base.metric,
      operator: base.operator,
      threshold: 1,
      forSeconds: 0,
      windowSeconds: 600,
      severity: base.severity,
      cooldownSeconds: 0,
      channelIds: [],
      enabled: true,
    };
    await expect(
      rules.create({ ...input, filters: { clusters: [], namespaces: [], nodes: [], namePattern: null } }, alphaOnly)
    ).rejects.toThrow(/filters.clusters: must name only clusters within your scope/);
    await expect(
      rules.create(
        { ...input, filters: { clusters: ['alpha', 'gamma'], namespaces: [], nodes: [], namePattern: null } },
        alphaOnly
      )
    ).rejects.toThrow(/filters.clusters/);
    const mine = await rules.create(
      { ...input, filters: { clusters: ['alpha'], namespaces: [], nodes: [], namePattern: null } },
      alphaOnly
    );
    await rules.remove(alphaOnly, mine.id);
    await expect(rules.remove(alphaOnly, 'builtin-cpu-high')).rejects.toThrow(/filters.clusters/);

    const stats = await live.backend.deps.alerts.queries.stats(gammaOnly, { period: 3600 }, t);
    expect(stats.firing.total.current).toBe(1);
    expect(stats.firing.warning.current).toBe(1);
  });

  it('every alerting read endpoint answers what its reply schema says', async () => {
    const alert = (await live.get<wire.AlertListReply>('/api/v1/alerts')).items[0];
    const channel = (await live.get<wire.ChannelListReply>('/api/v1/notification-channels')).items[0];
    const paths: Record<string, string> = {
      '/alerts/:id': `/alerts/${alert.id}`,
      '/alert-rules/:id': `/alert-rules/${ruleId}`,
      '/notification-channels/:id': `/notification-channels/${channel.id}`,
      '/events/counts': `/events/counts?from=${T0}&to=${T0 + 3600}`,
      '/logs/volume': `/logs/volume?from=${T0}&to=${T0 + 3600}`,
    };
    for (const e of ALERTING_READS) {
      const body = await live.get(`/api/v1${paths[e.path] ?? e.path}`);
      const r = e.reply.safeParse(body);
      expect({ path: e.path, ok: r.success, error: r.success ? null : r.error.issues.slice(0, 3) }).toEqual({
        path: e.path,
        ok: true,
        error: null,
      });
    }
    // Over HTTP the statistics use the wall clock: everything firing now counts, whatever its age.
    const stats = wire.AlertStatsReply.parse(await live.get('/api/v1/alerts/stats?period=86400'));
    expect(stats.firing.total.current).toBe((await live.get<wire.AlertListReply>('/api/v1/alerts?state=firing')).total);
  });
});

import type { alerts as wire } from '@fleetlens/protocol';
import { scopedApiKey, GRAFANA_ADMIN } from '../src/testing/credentials';
import { alertBatch, send } from './helpers/alerts';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Issue 14 item 4, alert triage: the active list sorted by severity (then newest first) and
// filtered by severity, rule, cluster and acknowledgement; counts per rule; acknowledging one
// alert or a rule's group as the caller (who, when, comment), within the caller's scope, audited,
// cleared when the alert resolves; a warning (not a refusal) for a rule that duplicates a default
// one. Real SQLite and MariaDB; expected sets come from the seed below, written out by hand.

const NOW = Math.floor(Date.now() / 1000) - 30;
const T1 = NOW;
const T2 = NOW + 60;

// Container CPU in % of the node: the critical rule (> 50 %) catches web1, web3 and db1.
const ALPHA = [
  { id: 'aaa1', name: 'web1', cpuPct: 80 },
  { id: 'aaa2', name: 'web2', cpuPct: 20 },
  { id: 'aaa3', name: 'web3', cpuPct: 60 },
];
const GAMMA = [
  { id: 'ggg1', name: 'db1', cpuPct: 90 },
  { id: 'ggg2', name: 'db2', cpuPct: 10 },
];

const rule = (name: string, o: Partial<wire.AlertRuleInputRaw>) => ({
  name,
  target: 'container',
  metric: 'cpuPercent',
  operator: '>',
  threshold: 0,
  severity: 'warning',
  forSeconds: 0,
  ...o,
});

type Body = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const names = (items: wire.Alert[]) => items.map((a) => a.entity.name).sort();
const paths = (body: Body) => (body?.issues ?? []).map((i: { path: string }) => i.path);

describe.each(DIALECTS)('alert triage (%s)', (dialect) => {
  let live: Live;
  const ids: Record<string, string> = {};
  let editor: Record<string, string>;
  let viewer: Record<string, string>;
  const list = async (q: string): Promise<wire.AlertListReply> => live.get(`/api/v1/alerts?pageSize=500&${q}`);
  const alertOf = async (ruleKey: string, entity: string) =>
    (await list(`ruleId=${ids[ruleKey]}`)).items.find((a) => a.entity.name === entity)!;

  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of [
      alertBatch(NOW, { cluster: 'alpha', node: 'a1', containers: ALPHA }),
      alertBatch(NOW, { cluster: 'gamma', node: 'g1', containers: GAMMA }),
    ])
      expect((await live.ingest(b)).status).toBe(202);
    const create = async (key: string, body: unknown) => {
      const r = await send(live, 'POST', '/api/v1/alert-rules', body);
      expect(r.status).toBe(201);
      ids[key] = r.body.id;
    };
    // Opened at T1: every alpha container (warning) and both nodes (info, node memory is 20 %).
    await create('warnAlpha', rule('alpha busy', { filters: { clusters: ['alpha'] } }));
    await create(
      'info',
      rule('node memory', { target: 'node', metric: 'memPercent', threshold: 10, severity: 'info' })
    );
    // Only the two rules above and the defaults exist at T1 (no default fires on this seed).
    await live.backend.deps.alerts.evaluator.evaluate(T1);
    // Opened at T2: the critical rule and every gamma container (warning).
    await create('crit', rule('very busy', { threshold: 50, severity: 'critical' }));
    await create('warnGamma', rule('gamma busy', { filters: { clusters: ['gamma'] } }));
    await live.backend.deps.alerts.evaluator.evaluate(T2);
    editor = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'ed-alpha@example.com',
        role: 'editor',
        scopes: { clusters: ['alpha'], namespaces: null, nodes: null },
      })
    ).headers;
    viewer = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'vi@example.com',
        role: 'viewer',
        scopes: { clusters: null, namespaces: null, nodes: null },
      })
    ).headers;
  }, 90_000);
  afterAll(async () => {
    await live?.close();
  });

  it('sorts by severity, then newest first; the default stays newest first', async () => {
    const r = await list('state=firing,pending&sort=severity');
    expect(r.total).toBe(10);
    // critical: web1, web3, db1 (T2); warning: db1, db2 (T2) then web1..3 (T1); info: a1, g1 (T1).
    expect(r.items.map((a) => a.severity)).toEqual([
      ...Array(3).fill('critical'),
      ...Array(5).fill('warning'),
      ...Array(2).fill('info'),
    ]);
    expect(names(r.items.slice(0, 3))).toEqual(['db1', 'web1', 'web3']);
    expect(names(r.items.slice(3, 5))).toEqual(['db1', 'db2']);
    expect(r.items.slice(3, 5).every((a) => a.startedAt === T2)).toBe(true);
    expect(names(r.items.slice(5, 8))).toEqual(['web1', 'web2', 'web3']);
    expect(r.items.slice(5, 8).every((a) => a.startedAt === T1)).toBe(true);
    expect(names(r.items.slice(8))).toEqual(['a1', 'g1']);
    // Paging keeps the order: page 2 of 4 is items 5–8.
    const p2: wire.AlertListReply = await live.get('/api/v1/alerts?state=firing&sort=severity&pageSize=4&page=2');
    expect(p2.items.map((a) => a.id)).toEqual(r.items.slice(4, 8).map((a) => a.id));
    // Without sort: the 5 alerts of T2 (critical and gamma warnings) before the 5 of T1.
    const byStart = await list('state=firing,pending');
    expect(byStart.items.map((a) => a.startedAt)).toEqual([...Array(5).fill(T2), ...Array(5).fill(T1)]);
  });

  it('filters by severity, rule, cluster and acknowledgement', async () => {
    expect((await list('severity=critical,info')).total).toBe(5);
    expect(names((await list(`ruleId=${ids.warnAlpha}`)).items)).toEqual(['web1', 'web2', 'web3']);
    // Gamma: critical db1, the warnings of db1 and db2 (both opened at T2, in either order), info g1.
    const gamma = await list('cluster=gamma&sort=severity');
    expect(gamma.items.map((a) => a.severity)).toEqual(['critical', 'warning', 'warning', 'info']);
    expect([gamma.items[0].entity.name, gamma.items[3].entity.name]).toEqual(['db1', 'g1']);
    expect(names(gamma.items.slice(1, 3))).toEqual(['db1', 'db2']);
    expect((await list('acknowledged=false')).total).toBe(10);
    expect((await list('acknowledged=true')).total).toBe(0);
    expect((await list('acknowledged=false&severity=critical&cluster=alpha')).total).toBe(2);
  });

  it('counts per rule: most severe first, then the largest', async () => {
    const g: wire.AlertGroupsReply = await live.get('/api/v1/alerts/groups?state=firing,pending');
    expect(g.items.map((x) => [x.ruleName, x.severity, x.total, x.acknowledged])).toEqual([
      ['very busy', 'critical', 3, 0],
      ['alpha busy', 'warning', 3, 0],
      ['gamma busy', 'warning', 2, 0],
      ['node memory', 'info', 2, 0],
    ]);
    expect(g.total).toBe(10);
    const gamma: wire.AlertGroupsReply = await live.get('/api/v1/alerts/groups?cluster=gamma');
    expect(gamma.items.map((x) => [x.ruleName, x.total])).toEqual([
      ['very busy', 1],
      ['gamma busy', 2],
      ['node memory', 1],
    ]);
  });

  it('acknowledges as the caller with a comment, shows it on the list, audits it, and un-acknowledges', async () => {
    const a = await alertOf('crit', 'db1');
    const before = Math.floor(Date.now() / 1000);
    const r = await send(live, 'POST', `/api/v1/alerts/${a.id}/acknowledgement`, { comment: 'looking at db1' });
    const after = Math.floor(Date.now() / 1000);
    expect(r.status).toBe(200);
    expect(r.body.acknowledgement).toEqual({
      by: GRAFANA_ADMIN.email,
      at: expect.any(Number),
      comment: 'looking at db1',
    });
    expect(r.body.acknowledgement.at).toBeGreaterThanOrEqual(before);
    expect(r.body.acknowledgement.at).toBeLessThanOrEqual(after);
    const acked = await list('acknowledged=true');
    expect(acked.items.map((x) => x.id)).toEqual([a.id]);
    expect(acked.items[0].acknowledgement).toEqual(r.body.acknowledgement);
    expect((await live.get(`/api/v1/alerts/${a.id}`)).acknowledgement).toEqual(r.body.acknowledgement);
    const g: wire.AlertGroupsReply = await live.get('/api/v1/alerts/groups');
    expect(g.items.find((x) => x.ruleId === ids.crit)).toMatchObject({ total: 3, acknowledged: 1 });

    const audit = await live.get('/api/v1/audit?action=alert.acknowledge');
    expect(audit.items[0]).toMatchObject({
      actor: GRAFANA_ADMIN.email,
      targetType: 'alert',
      targetId: a.id,
      before: { id: a.id, acknowledgement: null },
      after: { id: a.id, acknowledgement: r.body.acknowledgement },
    });

    const un = await send(live, 'DELETE', `/api/v1/alerts/${a.id}/acknowledgement`);
    expect(un.status).toBe(200);
    expect(un.body.acknowledgement).toBeNull();
    expect((await list('acknowledged=true')).total).toBe(0);
    expect((await live.get('/api/v1/audit?action=alert.unacknowledge')).items[0]).toMatchObject({
      targetId: a.id,
      before: { acknowledgement: { comment: 'looking at db1' } },
      after: { acknowledgement: null },
    });
  });

  it('refuses a viewer (403) and an editor outside the alert’s scope (404); the editor acknowledges its own', async () => {
    const db1 = await alertOf('crit', 'db1');
    const web1 = await alertOf('crit', 'web1');
    expect((await send(live, 'POST', `/api/v1/alerts/${web1.id}/acknowledgement`, {}, viewer)).status).toBe(403);
    expect((await send(live, 'DELETE', `/api/v1/alerts/${web1.id}/acknowledgement`, undefined, viewer)).status).toBe(
      403
    );
    expect((await send(live, 'POST', '/api/v1/alerts/acknowledgements', { ruleId: ids.crit }, viewer)).status).toBe(
      403
    );
    expect((await send(live, 'POST', `/api/v1/alerts/${db1.id}/acknowledgement`, {}, editor)).status).toBe(404);
    expect((await send(live, 'DELETE', `/api/v1/alerts/${db1.id}/acknowledgement`, undefined, editor)).status).toBe(
      404
    );
    expect((await list('acknowledged=true')).total).toBe(0);

    const mine = await send(live, 'POST', `/api/v1/alerts/${web1.id}/acknowledgement`, {}, editor);
    expect(mine.status).toBe(200);
    expect(mine.body.acknowledgement).toMatchObject({ by: 'ed-alpha@example.com', comment: '' });
    // The group: every unacknowledged alert of the rule the editor may see — web3 (web1 already is), not db1.
    const group = await send(
      live,
      'POST',
      '/api/v1/alerts/acknowledgements',
      { ruleId: ids.crit, comment: 'alpha is being resized' },
      editor
    );
    expect(group.status).toBe(200);
    const web3 = await alertOf('crit', 'web3');
    expect(group.body).toEqual({ acknowledged: 1, ids: [web3.id] });
    expect(web3.acknowledgement).toMatchObject({ by: 'ed-alpha@example.com', comment: 'alpha is being resized' });
    expect((await alertOf('crit', 'db1')).acknowledgement).toBeNull();
    expect((await alertOf('crit', 'web1')).acknowledgement?.comment).toBe('');
    expect((await live.get('/api/v1/audit?action=alert.acknowledge-group')).items[0]).toMatchObject({
      actor: 'ed-alpha@example.com',
      targetType: 'alert-rule',
      targetId: ids.crit,
      after: { acknowledged: 1, ids: [web3.id], comment: 'alpha is being resized' },
    });
    // The editor's list shows only alpha; acknowledged=false leaves out its two.
    const edList = await fetch(`${live.backend.url}/api/v1/alerts?acknowledged=false&severity=critical`, {
      headers: editor,
    });
    expect(((await edList.json()) as wire.AlertListReply).total).toBe(0);
  });

  it('answers bad input with a 400 naming the field', async () => {
    const web2 = await alertOf('warnAlpha', 'web2');
    const bad = [
      [`/api/v1/alerts/${web2.id}/acknowledgement`, { comment: 'x'.repeat(1025) }, 'comment'],
      [`/api/v1/alerts/${web2.id}/acknowledgement`, { comment: 7 }, 'comment'],
      [`/api/v1/alerts/${web2.id}/acknowledgement`, { by: 'someone else' }, '(root)'],
      ['/api/v1/alerts/acknowledgements', { comment: 'no rule' }, 'ruleId'],
      ['/api/v1/alerts/acknowledgements', { ruleId: ids.crit, severity: ['fatal'] }, 'severity.0'],
      ['/api/v1/alerts/acknowledgements', { ruleId: 'x'.repeat(65) }, 'ruleId'],
    ] as const;
    for (const [p, body, field] of bad) {
      const r = await send(live, 'POST', p, body);
      expect([p, r.status]).toEqual([p, 400]);
      expect(paths(r.body)).toContain(field);
    }
    for (const [q, field] of [
      ['acknowledged=maybe', 'acknowledged'],
      ['sort=loudest', 'sort'],
      ['severity=fatal', 'severity'],
      [`ruleId=${'x'.repeat(65)}`, 'ruleId'],
    ]) {
      for (const p of ['/api/v1/alerts', '/api/v1/alerts/groups']) {
        if (p.endsWith('groups') && q.startsWith('sort')) continue;
        const r = await live.getRaw(`${p}?${q}`);
        expect([p, q, r.status]).toEqual([p, q, 400]);
        expect(JSON.stringify(r.body)).toContain(field);
      }
    }
    expect((await alertOf('warnAlpha', 'web2')).acknowledgement).toBeNull();
  });

  it('clears the acknowledgement when the alert resolves; a resolved alert cannot be acknowledged (409)', async () => {
    const web2 = await alertOf('warnAlpha', 'web2');
    expect((await send(live, 'POST', `/api/v1/alerts/${web2.id}/acknowledgement`, { comment: 'x' })).status).toBe(200);
    // Disabling the rule resolves its alerts at the next evaluation.
    expect((await send(live, 'PATCH', `/api/v1/alert-rules/${ids.warnAlpha}`, { enabled: false })).status).toBe(200);
    await live.backend.deps.alerts.evaluator.evaluate(T2 + 30);
    const resolved = await live.get(`/api/v1/alerts/${web2.id}`);
    expect(resolved.state).toBe('resolved');
    expect(resolved.acknowledgement).toBeNull();
    const again = await send(live, 'POST', `/api/v1/alerts/${web2.id}/acknowledgement`, {});
    expect(again.status).toBe(409);
    expect((await live.get(`/api/v1/alerts/${web2.id}`)).acknowledgement).toBeNull();
    // The group acknowledgement passes over resolved alerts.
    const g = await send(live, 'POST', '/api/v1/alerts/acknowledgements', { ruleId: ids.warnAlpha });
    expect(g.body).toEqual({ acknowledged: 0, ids: [] });
  });

  it('warns (201, saved) when a new rule duplicates a default rule, and only then', async () => {
    const cpu = { target: 'node', metric: 'cpuPercent', operator: '>', threshold: 85, severity: 'critical' };
    const cases: [string, Record<string, unknown>, string[]][] = [
      // The default "Node CPU above 85 %" watches every node: any filter is a subset.
      ['same condition', cpu, ['builtin-cpu-high']],
      ['same condition, one cluster', { ...cpu, filters: { clusters: ['alpha'] } }, ['builtin-cpu-high']],
      ['same condition, a name pattern', { ...cpu, filters: { namePattern: 'a*' } }, ['builtin-cpu-high']],
      ['other threshold', { ...cpu, threshold: 80 }, []],
      ['other operator', { ...cpu, operator: '>=' }, []],
      ['other target', { ...cpu, target: 'container' }, []],
      ['other metric', { ...cpu, metric: 'memPercent' }, []],
    ];
    for (const [label, body, want] of cases) {
      const r = await send(live, 'POST', '/api/v1/alert-rules', rule(`dup: ${label}`, body));
      expect([label, r.status]).toEqual([label, 201]);
      expect([label, r.body.warnings.map((w: wire.RuleWarning) => w.ruleId)]).toEqual([label, want]);
      if (want.length) {
        expect(r.body.warnings[0]).toMatchObject({ code: 'duplicates-default', ruleName: 'Node CPU above 85 %' });
        expect(r.body.warnings[0].message).toMatch(/duplicates the default rule "Node CPU above 85 %"/);
      }
      // Saved either way.
      expect((await live.get(`/api/v1/alert-rules/${r.body.id}`)).name).toBe(`dup: ${label}`);
    }
    // A default narrowed to a cluster: a rule on every cluster watches more, so it is no duplicate.
    expect(
      (await send(live, 'PATCH', '/api/v1/alert-rules/builtin-disk-high', { filters: { clusters: ['alpha'] } })).status
    ).toBe(200);
    const disk = { target: 'node', metric: 'diskPercent', operator: '>', threshold: 90 } as const;
    const wide = await send(live, 'POST', '/api/v1/alert-rules', rule('disk everywhere', disk));
    expect(wide.body.warnings).toEqual([]);
    const narrow = await send(
      live,
      'POST',
      '/api/v1/alert-rules',
      rule('disk alpha', { ...disk, filters: { clusters: ['alpha'] } })
    );
    expect(narrow.body.warnings.map((w: wire.RuleWarning) => w.ruleId)).toEqual(['builtin-disk-high']);
  });
});

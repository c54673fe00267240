import { alerts as wire } from '@fleetlens/protocol';
import { containerId } from '../src/db/ids';
import { FULL_SCOPE } from '../src/services/scope';
import { alertBatch } from './helpers/alerts';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Issue 11 item 5: a scoped editor may silence only what it may see, as with rules: a global
// rule, or an alert of an out-of-scope container, is refused (400 naming the field); expiring a
// silence outside the scope is 404. Real SQLite and MariaDB.

const NOW = Math.floor(Date.now() / 1000) - 30;
const alphaOnly = { clusters: ['alpha'], namespaces: null, nodes: null };
const rule = (name: string, filters: Record<string, string[]>) => ({
  name,
  target: 'container' as const,
  metric: 'cpuPercent' as const,
  operator: '>' as const,
  threshold: 50,
  severity: 'warning' as const,
  channelIds: [],
  filters,
});

describe.each(DIALECTS)('silences within the caller scope (%s)', (dialect) => {
  let live: Live;
  let globalRule: string;
  let alphaRule: string;
  const alphaC = containerId('alpha', 'aaa1'.padEnd(64, '0'));
  const gammaC = containerId('gamma', 'ggg1'.padEnd(64, '0'));
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of [
      alertBatch(NOW, { cluster: 'alpha', node: 'a1', containers: [{ id: 'aaa1', name: 'web' }] }),
      alertBatch(NOW, { cluster: 'gamma', node: 'g1', containers: [{ id: 'ggg1', name: 'db' }] }),
    ])
      expect((await live.ingest(b)).status).toBe(202);
    const rules = live.backend.deps.alerts.rules;
    globalRule = (await rules.create(wire.AlertRuleInput.parse(rule('everywhere', {})))).id;
    alphaRule = (await rules.create(wire.AlertRuleInput.parse(rule('alpha only', { clusters: ['alpha'] })))).id;
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  const input = (o: { ruleId?: string | null; entityId?: string | null }) => ({
    ruleId: o.ruleId ?? null,
    entityId: o.entityId ?? null,
    endsAt: Math.floor(Date.now() / 1000) + 3600,
    comment: '',
  });
  const issuesOf = async (p: Promise<unknown>) =>
    (
      (await p.then(
        () => null,
        (e: { issues?: { path: string }[] }) => e
      )) as { issues?: { path: string }[] } | null
    )?.issues?.map((i) => i.path) ?? null;

  it('refuses silencing a global rule or an out-of-scope container, naming the field', async () => {
    const s = live.backend.deps.alerts.silences;
    const before = await live.backend.db('alert_silences').count({ n: '*' });
    expect(await issuesOf(s.create(input({ ruleId: globalRule }), 'ed', alphaOnly))).toEqual(['ruleId']);
    expect(await issuesOf(s.create(input({ entityId: gammaC }), 'ed', alphaOnly))).toEqual(['entityId']);
    expect(await issuesOf(s.create(input({ ruleId: globalRule, entityId: gammaC }), 'ed', alphaOnly))).toEqual([
      'entityId',
    ]);
    expect(await live.backend.db('alert_silences').count({ n: '*' })).toEqual(before);
  });

  it('allows what stays inside the scope: its own rule, its own container, a global rule on its own container', async () => {
    const s = live.backend.deps.alerts.silences;
    await expect(s.create(input({ ruleId: alphaRule }), 'ed', alphaOnly)).resolves.toMatchObject({ ruleId: alphaRule });
    await expect(s.create(input({ entityId: alphaC }), 'ed', alphaOnly)).resolves.toMatchObject({ entityId: alphaC });
    await expect(s.create(input({ ruleId: globalRule, entityId: alphaC }), 'ed', alphaOnly)).resolves.toMatchObject({
      ruleId: globalRule,
      entityId: alphaC,
    });
    // An unrestricted editor may silence the global rule.
    await expect(s.create(input({ ruleId: globalRule }), 'admin', FULL_SCOPE)).resolves.toMatchObject({
      ruleId: globalRule,
    });
  });

  it('expiring a silence outside the scope is not found; inside, it ends', async () => {
    const s = live.backend.deps.alerts.silences;
    const gamma = await s.create(input({ entityId: gammaC }), 'admin', FULL_SCOPE);
    const global = await s.create(input({ ruleId: globalRule }), 'admin', FULL_SCOPE);
    await expect(s.expire(gamma.id, alphaOnly)).rejects.toThrow(/not found/);
    await expect(s.expire(global.id, alphaOnly)).rejects.toThrow(/not found/);
    const mine = await s.create(input({ entityId: alphaC }), 'ed', alphaOnly);
    expect((await s.expire(mine.id, alphaOnly)).active).toBe(false);
  });
});

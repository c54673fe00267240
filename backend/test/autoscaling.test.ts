import type { api } from '@fleetlens/protocol';
import cron from 'node-cron';
import { loadConfig } from '../src/config';
import { defaultJobs } from '../src/jobs';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Issue 15, automatic scaling (decision 37): rules per workload evaluated with the HPA's formula
// on samples seeded through the ingest API, at times the test chooses (the evaluator's `now`).
// The numbers each decision must reach are computed by hand in the comments; the queued actions
// are checked where the agent sees them (the ingest reply), events and audit entries in their
// tables. Real SQLite and MariaDB, through the HTTP API.

// The evaluator's clock starts at the wall clock (so that the agents' pushes are live and get
// their actions in the reply) and moves ahead of it; the backend accepts samples up to an hour ahead.
const T0 = Math.floor(Date.now() / 1000);

interface Ctr {
  id: string;
  cpu?: number;
  mem?: number;
  memLimit?: number;
  labels?: Record<string, string>;
  k8s?: { namespace: string; pod: string; podUid: string; workloadKind: string; workloadName: string };
}

const compose = (project: string, service: string) => ({
  'com.docker.compose.project': project,
  'com.docker.compose.service': service,
});
const web = (n: number, cpu: number): Ctr => ({ id: `web${n}`.padEnd(64, '0'), cpu, labels: compose('shop', 'web') });

/** A node agent's batch at `t` whose full inventory is `containers` (each with one sample at `t`). */
function batch(
  t: number,
  containers: Ctr[],
  o: { node?: string; cluster?: string; kind?: 'docker' | 'kubernetes'; results?: unknown[]; allowed?: string[] } = {}
) {
  const node = o.node ?? 'h1';
  return {
    version: 'v1',
    batchId: `b-${node}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: {
      id: `node:${node}`,
      version: '1',
      mode: 'node',
      hostname: node,
      ...(o.allowed ? { status: { allowedActions: o.allowed } } : {}),
    },
    cluster: { name: o.cluster ?? 'alpha', kind: o.kind ?? 'docker', environment: 'on-prem' },
    nodes: [{ name: node, cores: 8, memoryBytes: 16e9, samples: [] }],
    containers: containers.map((c) => ({
      id: c.id,
      nodeName: node,
      name: `ctr-${c.id.slice(0, 6)}`,
      state: 'running',
      labels: c.labels ?? {},
      kubernetes: c.k8s ?? null,
      samples: [{ ts: t, cpuCores: c.cpu ?? 0, memBytes: c.mem ?? 1e6, memLimitBytes: c.memLimit ?? null }],
    })),
    inventories: [{ nodeName: node, ts: t, containerIds: containers.map((c) => c.id) }],
    actionResults: o.results ?? [],
  };
}

/** The cluster agent's batch of a Kubernetes cluster at `t` (nothing but its presence and results). */
const clusterBatch = (t: number, cluster: string, results: unknown[] = []) => ({
  version: 'v1',
  batchId: `c-${t}-${Math.random().toString(36).slice(2)}`,
  sentAt: t,
  agent: { id: `cluster:${cluster}`, version: '1', mode: 'cluster', hostname: 'kube-agent' },
  cluster: { name: cluster, kind: 'kubernetes', environment: 'public-cloud' },
  actionResults: results,
});

const RULE = {
  name: 'web on cpu',
  cluster: 'alpha',
  workload: { kind: 'compose', node: 'h1', project: 'shop', service: 'web' },
  metric: 'cpuCores',
  target: 0.5,
  minReplicas: 1,
  maxReplicas: 5,
  step: 2,
  stabilisationSeconds: 120,
  cooldownSeconds: 30,
  tolerance: 0.1,
};

describe.each(DIALECTS)('automatic scaling (%s)', (dialect) => {
  let live: Live;
  let viewer: Record<string, string>;
  let editor: Record<string, string>;
  let outsider: Record<string, string>;
  let nsEditor: Record<string, string>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Reply = { status: number; body: any };
  const send = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Reply> => {
    const res = await fetch(`${live.backend.url}/api/v1${path}`, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const ingest = async (b: unknown) => {
    const r = (await live.ingest(b)) as Reply;
    expect({ status: r.status, issues: r.body?.issues }).toEqual({ status: 202, issues: undefined });
    return r.body;
  };
  const evaluate = (t: number) => live.backend.deps.autoscaling.autoscaler.evaluate(t);
  const lastOf = async (ruleId: string): Promise<api.AutoscalingDecision> =>
    (await live.get<api.AutoscalingRule>(`/api/v1/autoscaling/rules/${ruleId}`)).lastDecision!;
  // In the order the decisions queued them: requested_at is the queue's (wall) clock, the same second for several here.
  const actionsOn = (project: string) =>
    live.backend
      .db('actions as a')
      .join('autoscaling_decisions as d', 'd.action_id', 'a.id')
      .where('a.container_name', 'like', `${project}/%`)
      .orderBy('d.ts')
      .select('a.*');
  const auditOf = async (ruleId: string) =>
    (await live.backend.db('audit_log').where('target_id', ruleId).orderBy('id')).map((r) => ({
      actor: r.actor,
      action: r.action,
      after: r.after ? JSON.parse(r.after) : null,
    }));

  beforeAll(async () => {
    live = await liveBackend(dialect, false, { ingestMaxFutureSeconds: 3600 });
    const url = live.backend.url;
    const all = { clusters: null, namespaces: null, nodes: null };
    viewer = (await scopedApiKey(url, live.admin, { email: 'v@example.com', role: 'viewer', scopes: all })).headers;
    editor = (
      await scopedApiKey(url, live.admin, {
        email: 'ed@example.com',
        role: 'editor',
        scopes: { clusters: ['alpha', 'kube'], namespaces: null, nodes: null },
      })
    ).headers;
    outsider = (
      await scopedApiKey(url, live.admin, {
        email: 'out@example.com',
        role: 'editor',
        scopes: { clusters: ['gamma'], namespaces: null, nodes: null },
      })
    ).headers;
    nsEditor = (
      await scopedApiKey(url, live.admin, {
        email: 'ns@example.com',
        role: 'editor',
        scopes: { clusters: null, namespaces: ['shop'], nodes: null },
      })
    ).headers;
    // The clusters exist (their kinds decide which workloads a rule may name).
    await ingest(batch(T0, [web(1, 0.5), web(2, 0.5)]));
    await ingest(clusterBatch(T0, 'kube'));
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('refuses bad rules with 400 naming the field, viewers with 403, out of scope with 400/404, storing nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ minReplicas: 6 }, 'minReplicas'],
      [{ maxReplicas: 1001 }, 'maxReplicas'],
      [{ target: 0 }, 'target'],
      [{ target: -1 }, 'target'],
      [{ step: 0 }, 'step'],
      [{ stabilisationSeconds: 3601 }, 'stabilisationSeconds'],
      [{ cooldownSeconds: -1 }, 'cooldownSeconds'],
      [{ tolerance: 2 }, 'tolerance'],
      [{ metric: 'cpuPercentOfLimit', target: 5000 }, 'target'],
      [{ metric: 'netRxBps' }, 'metric'],
      [{ workload: { kind: 'DaemonSet', namespace: 'a', name: 'b' } }, 'workload.kind'],
      [{ workload: { kind: 'compose', node: 'h1', project: 'shop' } }, 'workload.service'],
      [{ name: '' }, 'name'],
      [{ bogus: 1 }, '(root)'],
      // A Kubernetes workload on a Docker cluster.
      [{ workload: { kind: 'Deployment', namespace: 'shop', name: 'web' } }, 'workload.kind'],
    ];
    for (const [patch, field] of cases) {
      const r = await send('POST', '/autoscaling/rules', { ...RULE, ...patch }, editor);
      expect({ patch, status: r.status }).toEqual({ patch, status: 400 });
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    expect((await send('POST', '/autoscaling/rules', RULE, viewer)).status).toBe(403);
    const out = await send('POST', '/autoscaling/rules', RULE, outsider);
    expect(out.status).toBe(400);
    expect(issuesOf(out.body).map((i) => i.path)).toEqual(['cluster']);
    // A namespace-scoped editor manages Kubernetes workloads of its namespaces only (Compose has none).
    const ns = await send('POST', '/autoscaling/rules', RULE, nsEditor);
    expect(issuesOf(ns.body).map((i) => i.path)).toContain('workload.kind');
    expect(await live.backend.db('autoscaling_rules').first()).toBeUndefined();
    expect(await live.backend.db('audit_log').where('action', 'like', 'autoscaling.%').first()).toBeUndefined();
  });

  it('creates, reads in scope, updates and deletes a rule, each change audited', async () => {
    const made = await send('POST', '/autoscaling/rules', { ...RULE, name: 'temp' }, editor);
    expect(made.status).toBe(201);
    // The defaults the body left out: dryRun and enabled.
    expect(made.body).toMatchObject({ name: 'temp', dryRun: false, enabled: true, workloadName: 'shop/web on h1' });
    expect(made.body.createdBy).toContain('ed@example.com');
    const id = made.body.id as string;
    expect((await live.getRaw(`/api/v1/autoscaling/rules/${id}`, viewer)).status).toBe(200);
    expect((await live.getRaw(`/api/v1/autoscaling/rules/${id}`, outsider)).status).toBe(404);
    expect(
      ((await live.getRaw(`/api/v1/autoscaling/rules`, outsider)).body as api.AutoscalingRuleListReply).items
    ).toEqual([]);
    expect((await send('PUT', `/autoscaling/rules/${id}`, { ...RULE, name: 'temp2' }, outsider)).status).toBe(404);
    expect((await send('DELETE', `/autoscaling/rules/${id}`, undefined, viewer)).status).toBe(403);
    const bad = await send('PUT', `/autoscaling/rules/${id}`, { ...RULE, maxReplicas: 0 }, editor);
    expect(bad.status).toBe(400);
    expect(
      (await send('PUT', `/autoscaling/rules/${id}`, { ...RULE, name: 'temp2', enabled: false }, editor)).body
    ).toMatchObject({ name: 'temp2', enabled: false });
    expect((await send('DELETE', `/autoscaling/rules/${id}`, undefined, editor)).status).toBe(204);
    expect((await live.getRaw(`/api/v1/autoscaling/rules/${id}`, editor)).status).toBe(404);
    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual([
      'autoscaling.rule.create',
      'autoscaling.rule.update',
      'autoscaling.rule.delete',
    ]);
    expect(audit[1].after).toMatchObject({ name: 'temp2', enabled: false });
  });

  it('scales a Compose service up under load and back down after it, clamped, stabilised, cooled down, every step audited', async () => {
    const made = await send('POST', '/autoscaling/rules', RULE, editor);
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    // Not part of the workload: another service of the project and another project's "web".
    const others: Ctr[] = [
      { id: 'db'.padEnd(64, '1'), cpu: 3, labels: compose('shop', 'db') },
      { id: 'blog'.padEnd(64, '2'), cpu: 3, labels: compose('blog', 'web') },
    ];
    const at = async (dt: number, ctrs: Ctr[], results: unknown[] = []) => {
      const reply = await ingest(batch(T0 + dt, [...ctrs, ...others], { results }));
      return (reply.actions ?? []) as api.Action[];
    };
    const step = async (dt: number, ctrs: Ctr[]) => {
      await at(dt, ctrs);
      await evaluate(T0 + dt);
      return lastOf(id);
    };

    // +0: 2 replicas at 0.5 cores each: metric 0.5 = target, ratio 1 → hold within tolerance.
    expect(await step(0, [web(1, 0.5), web(2, 0.5)])).toMatchObject({
      currentReplicas: 2,
      metricValue: 0.5,
      recommendedReplicas: 2,
      desiredReplicas: 2,
      outcome: 'held',
      reason: 'tolerance',
    });
    // +15: 0.52 and 0.54: average 0.53, ratio 1.06, |1 − 1.06| ≤ 0.1 → hold.
    const d15 = await step(15, [web(1, 0.52), web(2, 0.54)]);
    expect(d15).toMatchObject({ outcome: 'held', reason: 'tolerance', desiredReplicas: 2 });
    expect(d15.metricValue).toBeCloseTo(0.53, 9);

    // +30: 1.0 and 1.2: average 1.1, ratio 2.2, ceil(2 × 2.2) = ceil(4.4) = 5; within the max 5,
    // but the step allows 2 + 2 = 4 → scale to 4, a compose.scale action queued.
    const d30 = await step(30, [web(1, 1.0), web(2, 1.2)]);
    expect(d30).toMatchObject({ currentReplicas: 2, recommendedReplicas: 5, desiredReplicas: 4, outcome: 'applied' });
    expect(d30.metricValue).toBeCloseTo(1.1, 9);
    expect(d30.actionId).toEqual(expect.any(String));

    // +45: the node's agent pushes (still 2 replicas, same load) and its reply carries the
    // action: compose.scale of shop/web to 4. Evaluated now it recommends 5 again, desired 4, but
    // the action is running (no result yet) → held pending, nothing new queued.
    expect(await at(45, [web(1, 1.0), web(2, 1.2)])).toEqual([
      expect.objectContaining({
        id: d30.actionId,
        kind: 'compose.scale',
        target: { project: 'shop', service: 'web' },
        options: { replicas: 4 },
      }),
    ]);
    await evaluate(T0 + 45);
    expect(await lastOf(id)).toMatchObject({ outcome: 'held', reason: 'pending', desiredReplicas: 4 });
    expect(await actionsOn('shop')).toHaveLength(1);
    // +55: the agent ran it: 4 containers, and reports it done.
    const four = (cpu: number) => [1, 2, 3, 4].map((n) => web(n, cpu));
    await at(55, four(0.9), [{ id: d30.actionId, state: 'done', message: 'scaled to 4', ts: T0 + 55 }]);

    // +58: 4 × 0.9: ratio 1.8, ceil(4 × 1.8) = ceil(7.2) = 8; max 5, step 4 + 2 = 6 → 5; the last
    // scaling was at +30, 28 s ago, cooldown 30 s → held cooldown (desired 5 recorded).
    expect(await step(58, four(0.9))).toMatchObject({
      currentReplicas: 4,
      recommendedReplicas: 8,
      desiredReplicas: 5,
      outcome: 'held',
      reason: 'cooldown',
    });
    // +60: 30 s after +30 the cooldown is over → scale to 5 (the max clamps 8).
    const d60 = await step(60, four(0.9));
    expect(d60).toMatchObject({ recommendedReplicas: 8, desiredReplicas: 5, outcome: 'applied' });
    const [handed] = await at(62, four(0.9));
    expect(handed).toMatchObject({ id: d60.actionId, kind: 'compose.scale', options: { replicas: 5 } });
    const five = (cpu: number) => [1, 2, 3, 4, 5].map((n) => web(n, cpu));
    await at(65, five(0.6), [{ id: d60.actionId, state: 'done', message: 'scaled to 5', ts: T0 + 65 }]);

    // +75: 5 × 0.6: ratio 1.2, ceil(5 × 1.2) = 6 (not 7: 5 × 1.2 is 6.000000000000001 in floating
    // point); the max is 5 = current → held at the bound.
    expect(await step(75, five(0.6))).toMatchObject({
      currentReplicas: 5,
      recommendedReplicas: 6,
      desiredReplicas: 5,
      outcome: 'held',
      reason: 'bound',
    });

    // The load goes: 5 × 0.1, ratio 0.2, ceil(5 × 0.2) = 1. Stabilisation (120 s) keeps the
    // highest recommendation since the cut-off: at +90 (cut-off −30) that is 8 (+58, +60) → held.
    expect(await step(90, five(0.1))).toMatchObject({
      recommendedReplicas: 1,
      desiredReplicas: 5,
      outcome: 'held',
      reason: 'stabilisation',
    });
    // +150 (cut-off +30): 5, 5, 8, 8, 6, 1 → 8 → held. +190 (cut-off +70): 6 (+75), 1, 1 → 6 ≥ 5 → held.
    expect(await step(150, five(0.1))).toMatchObject({ reason: 'stabilisation', desiredReplicas: 5 });
    expect(await step(190, five(0.1))).toMatchObject({ reason: 'stabilisation', desiredReplicas: 5 });
    // +200 (cut-off +80): only 1s (+90, +150, +190) → 1; the step allows 5 − 2 = 3 → scale down to 3.
    const d200 = await step(200, five(0.1));
    expect(d200).toMatchObject({ currentReplicas: 5, recommendedReplicas: 1, desiredReplicas: 3, outcome: 'applied' });
    const [down] = await at(201, five(0.1));
    expect(down).toMatchObject({ id: d200.actionId, kind: 'compose.scale', options: { replicas: 3 } });

    // The actions table (what the agent was handed) holds exactly the three scaling actions.
    const queued = await actionsOn('shop');
    expect(queued.map((a) => [a.kind, JSON.parse(a.options).replicas, a.node, a.requested_by])).toEqual([
      ['compose.scale', 4, 'h1', 'autoscaler:web on cpu'],
      ['compose.scale', 5, 'h1', 'autoscaler:web on cpu'],
      ['compose.scale', 3, 'h1', 'autoscaler:web on cpu'],
    ]);

    // Audited: each decision that scaled or was newly held from scaling (the repeated
    // stabilisation holds at +150 and +190, and the holds within tolerance, only in the history).
    const audit = (await auditOf(id)).filter((a) => a.action !== 'autoscaling.rule.create');
    expect(audit.map((a) => [a.action, a.after.reason, a.after.desiredReplicas])).toEqual([
      ['autoscaling.applied', null, 4],
      ['autoscaling.held', 'pending', 4],
      ['autoscaling.held', 'cooldown', 5],
      ['autoscaling.applied', null, 5],
      ['autoscaling.held', 'bound', 5],
      ['autoscaling.held', 'stabilisation', 5],
      ['autoscaling.applied', null, 3],
    ]);
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set(['autoscaler:web on cpu']));
    // And each queued action audited as the action it is, by the autoscaler.
    const scaleAudit = await live.backend.db('audit_log').where('action', 'compose.scale');
    expect(scaleAudit.map((a) => a.actor)).toEqual(Array(3).fill('autoscaler:web on cpu'));

    // The same decisions as events of the autoscaling category, on the Compose service.
    const events = await live.get(`/api/v1/events?category=autoscaling&object=shop/web&pageSize=100`);
    expect(events.items.map((e: { reason: string }) => e.reason).reverse()).toEqual([
      'ScaledUp',
      'ScaleHeld',
      'ScaleHeld',
      'ScaledUp',
      'ScaleHeld',
      'ScaleHeld',
      'ScaledDown',
    ]);
    expect(events.items[0]).toMatchObject({
      objectKind: 'ComposeService',
      nodeName: 'h1',
      category: 'autoscaling',
      message: 'web on cpu: shop/web on h1 scaling from 5 to 3',
    });

    // The history: 11 decisions, newest first; the chart's series oldest first.
    const h = (await live.getRaw(`/api/v1/autoscaling/rules/${id}/history?from=${T0}&to=${T0 + 300}`, viewer))
      .body as api.AutoscalingHistoryReply;
    expect(h.decisions).toHaveLength(11);
    expect(h.decisions[0].id).toBe(d200.id);
    expect(h.series.ts.map((t) => t - T0)).toEqual([0, 15, 30, 45, 58, 60, 75, 90, 150, 190, 200]);
    expect(h.series.replicas).toEqual([2, 2, 2, 2, 4, 4, 5, 5, 5, 5, 5]);
    expect(h.series.desired).toEqual([2, 2, 4, 4, 5, 5, 5, 5, 5, 5, 3]);
    expect(h.series.metric.map((m) => Number(m!.toFixed(6)))).toEqual([
      0.5, 0.53, 1.1, 1.1, 0.9, 0.9, 0.6, 0.1, 0.1, 0.1, 0.1,
    ]);
    expect(h.series.target).toBe(0.5);
    const small = (await live.getRaw(`/api/v1/autoscaling/rules/${id}/history?from=${T0}&to=${T0 + 300}&limit=2`))
      .body as api.AutoscalingHistoryReply;
    expect(small).toMatchObject({ truncated: true });
    expect(small.series.ts.map((t) => t - T0)).toEqual([190, 200]);
    // Bounded: at most 7 days, to after from, limit ≤ 5000.
    for (const [q, field] of [
      [`from=${T0}&to=${T0 + 8 * 86400}`, 'to'],
      [`from=${T0}&to=${T0 - 1}`, 'to'],
      [`limit=5001`, 'limit'],
    ]) {
      const r = await live.getRaw(`/api/v1/autoscaling/rules/${id}/history?${q}`);
      expect(r.status).toBe(400);
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    expect((await live.getRaw(`/api/v1/autoscaling/rules/${id}/history`, outsider)).status).toBe(404);
    await send('PUT', `/autoscaling/rules/${id}`, { ...RULE, enabled: false }, editor);
  });

  it('in dry-run records what it would do (history, event, audit) and queues nothing', async () => {
    const api2 = (n: number, cpu: number): Ctr => ({
      id: `api${n}`.padEnd(64, '3'),
      cpu,
      labels: compose('shop', 'api'),
    });
    const r = await send(
      'POST',
      '/autoscaling/rules',
      { ...RULE, name: 'api dry', workload: { ...RULE.workload, node: 'h2', service: 'api' }, dryRun: true },
      editor
    );
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    // 2 × 1.0: ratio 2, ceil(2 × 2) = 4, step 2 → 4.
    await ingest(batch(T0 + 300, [api2(1, 1), api2(2, 1)], { node: 'h2' }));
    await evaluate(T0 + 300);
    expect(await lastOf(id)).toMatchObject({
      outcome: 'dry-run',
      desiredReplicas: 4,
      actionId: null,
      message: 'would scale from 2 to 4',
    });
    // Within its cooldown (30 s) it holds, as a real run would.
    await ingest(batch(T0 + 310, [api2(1, 1), api2(2, 1)], { node: 'h2' }));
    await evaluate(T0 + 310);
    expect(await lastOf(id)).toMatchObject({ outcome: 'held', reason: 'cooldown' });
    expect(await live.backend.db('actions').where('node', 'h2').first()).toBeUndefined();
    expect((await auditOf(id)).map((a) => a.action)).toEqual([
      'autoscaling.rule.create',
      'autoscaling.dry-run',
      'autoscaling.held',
    ]);
    const events = await live.get(`/api/v1/events?category=autoscaling&object=shop/api`);
    expect(events.items.map((e: { reason: string; message: string }) => e.message).reverse()).toEqual([
      'api dry: shop/api on h2 would scale from 2 to 4',
      expect.stringContaining(
        'api dry: shop/api on h2 held: would scale from 2 to 4, but the last scaling was 10 s ago'
      ),
    ]);
    await send('DELETE', `/autoscaling/rules/${id}`, undefined, editor);
  });

  it('holds as refused (a warning event) when the node agent does not run compose.scale', async () => {
    const w = (n: number): Ctr => ({ id: `ref${n}`.padEnd(64, '4'), cpu: 2, labels: compose('shop', 'ref') });
    const r = await send(
      'POST',
      '/autoscaling/rules',
      { ...RULE, name: 'refused', workload: { ...RULE.workload, node: 'h3', service: 'ref' } },
      editor
    );
    await ingest(batch(T0 + 320, [w(1)], { node: 'h3', allowed: ['restart'] }));
    await evaluate(T0 + 320);
    expect(await lastOf(r.body.id)).toMatchObject({
      outcome: 'held',
      reason: 'refused',
      actionId: null,
      message: expect.stringContaining('does not run "compose.scale"'),
    });
    expect(await live.backend.db('actions').where('node', 'h3').first()).toBeUndefined();
    const ev = await live.get(`/api/v1/events?category=autoscaling&object=shop/ref`);
    expect(ev.items).toEqual([expect.objectContaining({ type: 'warning', reason: 'ScaleHeld' })]);
    await send('DELETE', `/autoscaling/rules/${r.body.id}`, undefined, editor);
  });

  it('scales a Kubernetes Deployment by pods, on memory % of limit, through the cluster agent', async () => {
    const pod = (n: number, appMem: number): Ctr[] => {
      const k8s = {
        namespace: 'shop',
        pod: `web-${n}`,
        podUid: `uid-${n}`,
        workloadKind: 'Deployment',
        workloadName: 'web',
      };
      return [
        { id: `k8s-app-${n}`.padEnd(64, '5'), mem: appMem, memLimit: 400e6, k8s },
        { id: `k8s-side-${n}`.padEnd(64, '6'), mem: 50e6, memLimit: 100e6, k8s },
      ];
    };
    // An editor scoped to the namespace may manage it.
    const r = await send(
      'POST',
      '/autoscaling/rules',
      {
        ...RULE,
        name: 'kube web mem',
        cluster: 'kube',
        workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        metric: 'memPercentOfLimit',
        target: 50,
        step: 1,
      },
      nsEditor
    );
    expect(r.status).toBe(201);
    const id = r.body.id as string;
    expect((await live.getRaw(`/api/v1/autoscaling/rules/${id}`, nsEditor)).status).toBe(200);
    // Two pods of two containers: Σ memory 200 + 50 + 300 + 50 = 600 MB of Σ limits
    // 400 + 100 + 400 + 100 = 1000 MB → 60 %; ratio 1.2, ceil(2 pods × 1.2) = ceil(2.4) = 3; step 1 → 3.
    await ingest(
      batch(T0 + 400, [...pod(1, 200e6), ...pod(2, 300e6)], { cluster: 'kube', kind: 'kubernetes', node: 'k1' })
    );
    await evaluate(T0 + 400);
    const d = await lastOf(id);
    expect(d).toMatchObject({ currentReplicas: 2, recommendedReplicas: 3, desiredReplicas: 3, outcome: 'applied' });
    expect(d.metricValue).toBeCloseTo(60, 9);
    // The node's agent gets nothing; the cluster agent gets workload.scale of shop/Deployment/web to 3.
    expect(
      (
        await ingest(
          batch(T0 + 401, [...pod(1, 200e6), ...pod(2, 300e6)], { cluster: 'kube', kind: 'kubernetes', node: 'k1' })
        )
      ).actions
    ).toBeUndefined();
    expect((await ingest(clusterBatch(T0 + 402, 'kube'))).actions).toEqual([
      expect.objectContaining({
        id: d.actionId,
        kind: 'workload.scale',
        target: { namespace: 'shop', workloadKind: 'Deployment', name: 'web' },
        options: { replicas: 3 },
      }),
    ]);
    const ev = await live.get(`/api/v1/events?category=autoscaling&object=web&namespace=shop`);
    expect(ev.items).toEqual([
      expect.objectContaining({ objectKind: 'Deployment', namespace: 'shop', reason: 'ScaledUp', clusterName: 'kube' }),
    ]);
  });

  it('runs as leader jobs: evaluation every AUTOSCALING_INTERVAL_SECONDS, history kept as long as the minute tier', async () => {
    const jobs = defaultJobs(live.backend.deps);
    const evaluation = jobs.find((j) => j.name === 'autoscaling')!;
    expect(evaluation.schedule).toBe('*/15 * * * * *');
    expect(cron.validate(evaluation.schedule)).toBe(true);
    const before = Number((await live.backend.db('autoscaling_decisions').count({ n: '*' }))[0].n);
    // One enabled rule is left (the Deployment's): the job evaluates it once.
    expect(await evaluation.run(T0 + 500)).toMatchObject({ rules: 1 });
    expect(Number((await live.backend.db('autoscaling_decisions').count({ n: '*' }))[0].n)).toBe(before + 1);
    // 30 days (RETENTION_1M_DAYS) after the newest decision, everything but it is pruned.
    const prune = jobs.find((j) => j.name === 'autoscaling-history')!;
    expect(await prune.run(T0 + 500 + 30 * 86_400)).toBe(before);
    expect(Number((await live.backend.db('autoscaling_decisions').count({ n: '*' }))[0].n)).toBe(1);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${live.backend.url}/api/v1/openapi.json`)).json()) as Reply['body'];
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/autoscaling/rules',
        '/api/v1/autoscaling/rules/{id}',
        '/api/v1/autoscaling/rules/{id}/history',
      ])
    );
    expect(doc.paths['/api/v1/autoscaling/rules'].post.responses['201']).toBeDefined();
    expect(doc.paths['/api/v1/autoscaling/rules/{id}'].put).toBeDefined();
    expect(doc.paths['/api/v1/autoscaling/rules/{id}'].delete).toBeDefined();
  });
});

describe('autoscaling configuration', () => {
  it('evaluates every 15 s by default and refuses an interval that does not divide 60, naming it', () => {
    expect(loadConfig({}).autoscalingIntervalSeconds).toBe(15);
    expect(loadConfig({ AUTOSCALING_INTERVAL_SECONDS: '20' }).autoscalingIntervalSeconds).toBe(20);
    for (const bad of ['7', '4', '61', 'x'])
      expect(() => loadConfig({ AUTOSCALING_INTERVAL_SECONDS: bad })).toThrow(/AUTOSCALING_INTERVAL_SECONDS/);
  });
});

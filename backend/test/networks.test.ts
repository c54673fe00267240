import { containerId, networkId, nodeId } from '../src/db/ids';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Issue 15, networks: what node agents report (full inventories: replay-safe, an older one never
// overrides a newer), who may act (viewer 403, out-of-scope 404, namespace-scoped callers see no
// Docker networks), bad input 400 naming the field with nothing stored, each write queued as a
// network.* action handed to that node's agent only and audited, the refusals Docker would make
// caught early (409), and which NetworkPolicies select a pod, against hand-worked selectors.
// Real SQLite and MariaDB, through the HTTP API.

const WEB = 'a1'.padEnd(64, 'f');
const DB = 'b2'.padEnd(64, 'e');
const ON_H2 = 'c3'.padEnd(64, 'd');
const BRIDGE = '9f'.padEnd(64, '1');
const APP = '7a'.padEnd(64, '2');
const EMPTY = '5e'.padEnd(64, '3');

const now = () => Math.floor(Date.now() / 1000);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = { status: number; body: any };

const attach = (id: string, name: string, ip: string) => ({
  containerId: id,
  name,
  ipv4: `${ip}/16`,
  ipv6: '',
  mac: '02:42:ac:11:00:02',
});

/** The networks of h1 as its agent reports them at `ts`. */
function h1Networks(ts: number, o: { withEmpty?: boolean; appContainers?: string[] } = {}) {
  return {
    nodeName: 'h1',
    ts,
    networks: [
      {
        id: BRIDGE,
        name: 'bridge',
        driver: 'bridge',
        scope: 'local',
        internal: false,
        ipam: [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1' }],
        labels: {},
        createdAt: ts - 1000,
        containers: [attach(WEB, 'web', '172.17.0.2')],
      },
      {
        id: APP,
        name: 'app-net',
        driver: 'bridge',
        scope: 'local',
        internal: true,
        ipam: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }],
        labels: { 'io.fleetlens.created-by': 'test' },
        createdAt: ts - 500,
        containers: (o.appContainers ?? [WEB, DB]).map((id, i) =>
          attach(id, id === WEB ? 'web' : 'db', `172.30.0.${i + 2}`)
        ),
      },
      ...(o.withEmpty === false
        ? []
        : [
            {
              id: EMPTY,
              name: 'spare',
              driver: 'bridge',
              scope: 'local',
              internal: false,
              ipam: [],
              labels: {},
              createdAt: null,
              containers: [],
            },
          ]),
    ],
  };
}

/** A Docker node agent's batch at `t`. */
function dockerBatch(t: number, node: string, extra: Record<string, unknown> = {}) {
  const containers = node === 'h1' ? [WEB, DB] : [ON_H2];
  return {
    version: 'v1',
    batchId: `b-${node}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: `node:${node}`, version: '1', mode: 'node', hostname: node },
    cluster: { name: 'alpha', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: node, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: containers.map((id) => ({
      id,
      nodeName: node,
      name: id === WEB ? 'web' : id === DB ? 'db' : 'other',
      state: 'running',
    })),
    ...extra,
  };
}

// Pods of the Kubernetes cluster "kube" and their labels (the kubelet's pod labels on each container).
const PODS = {
  web: { uid: 'uid-web', ns: 'shop', labels: { app: 'web', tier: 'frontend' } },
  db: { uid: 'uid-db', ns: 'shop', labels: { app: 'db', tier: 'backend', env: 'prod' } },
  other: { uid: 'uid-other', ns: 'ops', labels: { app: 'web' } },
};

function kubeNodeBatch(t: number) {
  return {
    version: 'v1',
    batchId: `k-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: 'node:k1', version: '1', mode: 'node', hostname: 'k1' },
    cluster: { name: 'kube', kind: 'kubernetes', environment: 'public-cloud' },
    nodes: [{ name: 'k1', cores: 4, memoryBytes: 16e9, samples: [] }],
    containers: Object.entries(PODS).map(([name, p], i) => ({
      id: `${i}`.padEnd(64, 'a'),
      nodeName: 'k1',
      name,
      state: 'running',
      labels: p.labels,
      kubernetes: { namespace: p.ns, pod: `${name}-pod`, podUid: p.uid },
    })),
  };
}

const policy = (namespace: string, name: string, podSelector: unknown, ingressRules = 1, egressRules = 0) => ({
  namespace,
  name,
  podSelector,
  policyTypes: egressRules ? ['Ingress', 'Egress'] : ['Ingress'],
  ingressRules,
  egressRules,
  createdAt: 1_700_000_000,
});

/** The cluster agent's batch with the cluster's NetworkPolicies at `ts`. */
function policyBatch(ts: number, policies: unknown[]) {
  return {
    version: 'v1',
    batchId: `p-${ts}-${Math.random().toString(36).slice(2)}`,
    sentAt: ts,
    agent: { id: 'cluster:kube', version: '1', mode: 'cluster', hostname: 'cluster-agent' },
    cluster: { name: 'kube', kind: 'kubernetes', environment: 'public-cloud' },
    networkPolicies: { ts, policies },
  };
}

describe.each(DIALECTS)('networks (%s)', (dialect) => {
  let live: Live;
  let viewer: Record<string, string>;
  let editor: Record<string, string>;
  let outsider: Record<string, string>;
  let nsScoped: Record<string, string>;
  let t0: number;
  const app = networkId('alpha', 'h1', APP);
  const spare = networkId('alpha', 'h1', EMPTY);
  const bridge = networkId('alpha', 'h1', BRIDGE);
  const web = containerId('alpha', WEB);
  const db = containerId('alpha', DB);
  const other = containerId('alpha', ON_H2);

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${live.backend.url}/api/v1${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) } as Reply;
  };
  const ingest = async (b: unknown) => (await live.ingest(b)) as Reply;
  const actionCount = async () => Number((await live.backend.db('actions').count({ n: '*' }))[0].n);
  const tableRows = async () => ({
    networks: await live.backend.db('networks').orderBy('id'),
    attachments: await live.backend.db('network_attachments').orderBy(['network', 'runtime_id']),
  });

  beforeAll(async () => {
    live = await liveBackend(dialect);
    t0 = now() - 60;
    expect((await ingest(dockerBatch(t0, 'h1', { networks: [h1Networks(t0)] }))).status).toBe(202);
    expect((await ingest(dockerBatch(t0, 'h2'))).status).toBe(202);
    expect((await ingest(kubeNodeBatch(t0))).status).toBe(202);
    const url = live.backend.url;
    const key = async (email: string, role: 'viewer' | 'editor', scopes: Record<string, string[] | null>) =>
      (
        await scopedApiKey(url, live.admin, {
          email,
          role,
          scopes: { clusters: null, namespaces: null, nodes: null, ...scopes },
        })
      ).headers;
    viewer = await key('v@example.com', 'viewer', {});
    editor = await key('ed@example.com', 'editor', { clusters: ['alpha', 'kube'] });
    outsider = await key('out@example.com', 'editor', { clusters: ['gamma'] });
    nsScoped = await key('ns@example.com', 'editor', { namespaces: ['shop'] });
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('lists what the agent reported, containers resolved to their entities', async () => {
    const r = await call('GET', '/networks?cluster=alpha&node=h1', viewer);
    expect(r.status).toBe(200);
    expect(r.body.items.map((n: { name: string }) => n.name)).toEqual(['app-net', 'bridge', 'spare']);
    const a = r.body.items[0];
    expect(a).toEqual({
      id: app,
      networkId: APP,
      name: 'app-net',
      driver: 'bridge',
      scope: 'local',
      internal: true,
      predefined: false,
      ipam: [{ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }],
      labels: { 'io.fleetlens.created-by': 'test' },
      createdAt: t0 - 500,
      clusterName: 'alpha',
      nodeId: nodeId('alpha', 'h1'),
      nodeName: 'h1',
      lastSeen: t0,
      containers: [
        {
          runtimeId: DB,
          containerId: db,
          name: 'db',
          state: 'running',
          ipv4: '172.30.0.3/16',
          ipv6: '',
          mac: '02:42:ac:11:00:02',
        },
        {
          runtimeId: WEB,
          containerId: web,
          name: 'web',
          state: 'running',
          ipv4: '172.30.0.2/16',
          ipv6: '',
          mac: '02:42:ac:11:00:02',
        },
      ],
    });
    expect(r.body.items[1]).toMatchObject({ id: bridge, predefined: true });
    // h2 reported no networks; the node filter keeps to h1.
    expect((await call('GET', '/networks?node=h2', viewer)).body.items).toEqual([]);
  });

  it('applies inventories idempotently; an older one never overrides a newer; a newer one removes what vanished', async () => {
    const before = await tableRows();
    // The same inventory again (a replayed batch) and an older, different one change nothing.
    expect((await ingest(dockerBatch(t0, 'h1', { networks: [h1Networks(t0)] }))).status).toBe(202);
    const older = h1Networks(t0 - 30, { withEmpty: false, appContainers: [] });
    expect((await ingest(dockerBatch(t0 - 30, 'h1', { networks: [older] }))).status).toBe(202);
    expect(await tableRows()).toEqual(before);
    // A newer one without "spare", and with db no longer on app-net.
    const t1 = t0 + 10;
    const r = await ingest(
      dockerBatch(t1, 'h1', { networks: [h1Networks(t1, { withEmpty: false, appContainers: [WEB] })] })
    );
    expect(r.body.accepted.networks).toBe(2);
    const after = await tableRows();
    expect(after.networks.map((n: { id: string }) => n.id).sort()).toEqual([app, bridge].sort());
    expect(
      after.attachments
        .filter((x: { network: string }) => x.network === app)
        .map((x: { runtime_id: string }) => x.runtime_id)
    ).toEqual([WEB]);
    // Put the original back (newer still) for the tests below.
    const t2 = t0 + 20;
    expect((await ingest(dockerBatch(t2, 'h1', { networks: [h1Networks(t2)] }))).status).toBe(202);
    expect((await tableRows()).networks).toHaveLength(3);
  });

  it('refuses an inventory stamped outside the window or malformed (400 naming the field), storing nothing', async () => {
    const before = await tableRows();
    const future = await ingest(dockerBatch(now(), 'h1', { networks: [h1Networks(now() + 86_400)] }));
    expect(future.status).toBe(400);
    expect(issuesOf(future.body).map((i) => i.path)).toContain('networks.0.ts');
    const bad = h1Networks(now());
    (bad.networks[0] as { id: string }).id = '';
    const malformed = await ingest(dockerBatch(now(), 'h1', { networks: [bad] }));
    expect(malformed.status).toBe(400);
    expect(issuesOf(malformed.body).map((i) => i.path)).toContain('networks.0.networks.0.id');
    expect(await tableRows()).toEqual(before);
  });

  it('scopes reads and writes: viewer 403, other clusters 404, namespace-scoped callers see no Docker networks', async () => {
    expect((await call('GET', '/networks', outsider)).body.items).toEqual([]);
    expect((await call('GET', '/networks', nsScoped)).body.items).toEqual([]);
    const create = { cluster: 'alpha', node: 'h1', name: 'new-net' };
    expect((await call('POST', '/networks', viewer, create)).status).toBe(403);
    expect((await call('DELETE', `/networks/${spare}`, viewer)).status).toBe(403);
    expect((await call('POST', `/networks/${spare}/connect`, viewer, { container: web })).status).toBe(403);
    expect((await call('POST', '/networks', outsider, create)).status).toBe(404);
    expect((await call('DELETE', `/networks/${spare}`, outsider)).status).toBe(404);
    expect((await call('POST', `/networks/${spare}/connect`, outsider, { container: web })).status).toBe(404);
    expect((await call('POST', `/networks/${app}/disconnect`, nsScoped, { container: web })).status).toBe(404);
    expect((await call('DELETE', `/networks/nope`, editor)).status).toBe(404);
    expect((await call('POST', `/networks/${spare}/connect`, editor, { container: 'nope' })).status).toBe(404);
    expect(await actionCount()).toBe(0);
  });

  it('refuses bad input with 400 naming the field, storing nothing', async () => {
    const ok = { cluster: 'alpha', node: 'h1', name: 'fine-net' };
    const cases: [string, string, unknown, string][] = [
      ['POST', '/networks', { ...ok, name: 'bridge' }, 'name'],
      ['POST', '/networks', { ...ok, name: 'default' }, 'name'],
      ['POST', '/networks', { ...ok, name: 'bad name' }, 'name'],
      ['POST', '/networks', { ...ok, name: 'a/b' }, 'name'],
      ['POST', '/networks', { ...ok, name: '-x' }, 'name'],
      ['POST', '/networks', { ...ok, name: 'x'.repeat(129) }, 'name'],
      ['POST', '/networks', { ...ok, subnet: '10.0.0.0' }, 'subnet'],
      ['POST', '/networks', { ...ok, driver: 'Bad Driver' }, 'driver'],
      ['POST', '/networks', { ...ok, internal: 'yes' }, 'internal'],
      ['POST', '/networks', { ...ok, expiresInSeconds: 5 }, 'expiresInSeconds'],
      ['POST', '/networks', { ...ok, labels: {} }, '(root)'],
      ['POST', '/networks', { node: 'h1', name: 'x1' }, 'cluster'],
      ['POST', `/networks/${spare}/connect`, {}, 'container'],
      ['POST', `/networks/${spare}/connect`, { container: web, force: true }, '(root)'],
      ['POST', `/networks/${app}/disconnect`, { container: web, force: 'yes' }, 'force'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method, path, editor, body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    expect(await actionCount()).toBe(0);
  });

  it('create: 409 for a name the node has or is creating; queued, audited, handed to that node only; result audited', async () => {
    expect((await call('POST', '/networks', editor, { cluster: 'alpha', node: 'h1', name: 'app-net' })).status).toBe(
      409
    );
    expect((await call('POST', '/networks', editor, { cluster: 'kube', node: 'k1', name: 'x-net' })).status).toBe(409);
    const asked = await call('POST', '/networks', editor, {
      cluster: 'alpha',
      node: 'h1',
      name: 'new-net',
      driver: 'bridge',
      subnet: '172.31.0.0/24',
      internal: true,
    });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      kind: 'network.create',
      state: 'queued',
      nodeName: 'h1',
      targetName: 'new-net',
    });
    // The same name again while the first is under way.
    expect((await call('POST', '/networks', editor, { cluster: 'alpha', node: 'h1', name: 'new-net' })).status).toBe(
      409
    );
    // The same name on another node is another network.
    expect((await call('POST', '/networks', editor, { cluster: 'alpha', node: 'h2', name: 'new-net' })).status).toBe(
      202
    );

    const audit = await live.get('/api/v1/audit?action=network.create');
    expect(audit.items).toHaveLength(2);
    expect(audit.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: expect.stringContaining('ed@example.com'), targetId: nodeId('alpha', 'h1') }),
      ])
    );

    // h1's agent gets its own create (and not h2's), once.
    const first = await ingest(dockerBatch(now(), 'h1'));
    const mine = (first.body.actions ?? []).filter((a: { kind: string }) => a.kind === 'network.create');
    expect(mine).toEqual([
      {
        id: asked.body.id,
        kind: 'network.create',
        target: { network: 'new-net' },
        options: { driver: 'bridge', subnet: '172.31.0.0/24', internal: true },
        expiresAt: asked.body.expiresAt,
      },
    ]);
    expect((await ingest(dockerBatch(now(), 'h1'))).body.actions).toBeUndefined();

    const done = { id: asked.body.id, state: 'done', message: 'created new-net (4f5c1e1d77fc)', ts: now() };
    expect((await ingest(dockerBatch(now(), 'h1', { actionResults: [done] }))).body.accepted.actionResults).toBe(1);
    expect((await call('GET', `/actions/${asked.body.id}`, editor)).body).toMatchObject({
      state: 'done',
      message: done.message,
    });
    const results = await live.get('/api/v1/audit?action=network.create.result');
    expect(results.items).toEqual([expect.objectContaining({ actor: 'agent:node:h1', targetId: asked.body.id })]);
  });

  it('remove: 409 for a predefined network and while containers are attached; otherwise queued with the Docker id', async () => {
    const pre = await call('DELETE', `/networks/${bridge}`, editor);
    expect(pre.status).toBe(409);
    expect(pre.body.error).toContain('pre-defined');
    const busy = await call('DELETE', `/networks/${app}`, editor);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatch(/2 container\(s\) attached \(db, web\)/);
    const r = await call('DELETE', `/networks/${spare}`, editor);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      kind: 'network.remove',
      target: { network: EMPTY },
      targetName: 'spare',
      state: 'queued',
    });
    const audit = await live.get('/api/v1/audit?action=network.remove');
    expect(audit.items).toEqual([expect.objectContaining({ targetType: 'network', targetId: spare })]);
    // Handed to h1's agent, not h2's.
    expect(
      (await ingest(dockerBatch(now(), 'h2'))).body.actions?.some((a: { id: string }) => a.id === r.body.id) ?? false
    ).toBe(false);
    const handed = (await ingest(dockerBatch(now(), 'h1'))).body.actions ?? [];
    expect(handed.find((a: { id: string }) => a.id === r.body.id)).toMatchObject({ target: { network: EMPTY } });
  });

  it('connect and disconnect: same node, in scope, not already (dis)connected; target carries network and container', async () => {
    const elsewhere = await call('POST', `/networks/${spare}/connect`, editor, { container: other });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error).toContain('runs on h2');
    expect((await call('POST', `/networks/${app}/connect`, editor, { container: web })).status).toBe(409);
    expect((await call('POST', `/networks/${spare}/disconnect`, editor, { container: web })).status).toBe(409);

    const c = await call('POST', `/networks/${spare}/connect`, editor, { container: db });
    expect(c.status).toBe(202);
    expect(c.body).toMatchObject({
      kind: 'network.connect',
      target: { network: EMPTY, containerId: DB },
      containerId: db,
      runtimeId: DB,
      targetName: 'spare/db',
    });
    const d = await call('POST', `/networks/${app}/disconnect`, editor, { container: web, force: true });
    expect(d.status).toBe(202);
    expect(d.body).toMatchObject({
      kind: 'network.disconnect',
      target: { network: APP, containerId: WEB },
      options: { force: true },
    });
    const handed = (await ingest(dockerBatch(now(), 'h1'))).body.actions ?? [];
    expect(handed.map((a: { id: string }) => a.id).sort()).toEqual([c.body.id, d.body.id].sort());
    expect(handed.find((a: { id: string }) => a.id === c.body.id)).toMatchObject({
      containerId: DB,
      target: { network: EMPTY, containerId: DB },
    });
    const audit = await live.get('/api/v1/audit?action=network.disconnect');
    expect(audit.items).toEqual([expect.objectContaining({ targetType: 'network', targetId: app })]);
  });

  it('refuses a kind the agent reported it does not run (409)', async () => {
    const status = { allowedActions: ['stop'] };
    const b = dockerBatch(now(), 'h2');
    expect((await ingest({ ...b, agent: { ...b.agent, status } })).status).toBe(202);
    const r = await call('POST', '/networks', editor, { cluster: 'alpha', node: 'h2', name: 'other-net' });
    expect(r.status).toBe(409);
    expect(r.body.error).toContain('FLEETLENS_ACTIONS');
  });

  it('names the NetworkPolicies that select a pod, as the API server would', async () => {
    const before = await call('GET', `/k8s/pods/${PODS.web.uid}/network-policies`, viewer);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ policiesReported: false, items: [] });
    const ts = now() - 30;
    const policies = [
      policy('shop', 'default-deny', {}, 0, 0), // empty selector: every pod of shop
      policy('shop', 'web-only', { matchLabels: { app: 'web' } }),
      policy('shop', 'tiers', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] }),
      policy('shop', 'not-prod', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }),
      policy('shop', 'has-env', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }),
      policy('shop', 'no-env', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }),
      policy('shop', 'web-and-prod', {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }],
      }),
      policy('shop', 'broken-in', { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] }),
      policy('ops', 'ops-all', {}),
    ];
    expect((await ingest(policyBatch(ts, policies))).body.accepted.networkPolicies).toBe(policies.length);
    const names = async (uid: string, h = viewer) =>
      ((await call('GET', `/k8s/pods/${uid}/network-policies`, h)).body.items as { name: string }[]).map((p) => p.name);
    // Worked by hand from the labels in PODS:
    // web {app: web, tier: frontend}: default-deny, web-only, tiers, not-prod (no env), no-env.
    expect(await names(PODS.web.uid)).toEqual(['default-deny', 'no-env', 'not-prod', 'tiers', 'web-only']);
    // db {app: db, tier: backend, env: prod}: default-deny, tiers, has-env.
    expect(await names(PODS.db.uid)).toEqual(['default-deny', 'has-env', 'tiers']);
    // other (namespace ops) {app: web}: only ops-all; shop's policies do not reach it.
    expect(await names(PODS.other.uid)).toEqual(['ops-all']);
    const one = await call('GET', `/k8s/pods/${PODS.web.uid}/network-policies`, viewer);
    expect(one.body.pod).toEqual({
      uid: PODS.web.uid,
      name: 'web-pod',
      namespace: 'shop',
      clusterName: 'kube',
      labels: PODS.web.labels,
    });
    expect(one.body.policiesReported).toBe(true);
    expect(one.body.items.find((p: { name: string }) => p.name === 'web-only')).toEqual({
      namespace: 'shop',
      name: 'web-only',
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] },
      policyTypes: ['Ingress'],
      ingressRules: 1,
      egressRules: 0,
      createdAt: 1_700_000_000,
    });

    // Scope: another cluster's editor and a caller of another namespace get 404.
    expect((await call('GET', `/k8s/pods/${PODS.web.uid}/network-policies`, outsider)).status).toBe(404);
    expect((await call('GET', `/k8s/pods/${PODS.other.uid}/network-policies`, nsScoped)).status).toBe(404);
    expect(await names(PODS.web.uid, nsScoped)).toHaveLength(5);

    // An older policy list (replayed) changes nothing; a newer one without web-only drops it.
    expect((await ingest(policyBatch(ts - 10, []))).status).toBe(202);
    expect(await names(PODS.web.uid)).toHaveLength(5);
    expect(
      (
        await ingest(
          policyBatch(
            ts + 5,
            policies.filter((p) => p.name !== 'web-only')
          )
        )
      ).status
    ).toBe(202);
    expect(await names(PODS.web.uid)).toEqual(['default-deny', 'no-env', 'not-prod', 'tiers']);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${live.backend.url}/api/v1/openapi.json`)).json()) as Reply['body'];
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/networks',
        '/api/v1/networks/{id}',
        '/api/v1/networks/{id}/connect',
        '/api/v1/networks/{id}/disconnect',
        '/api/v1/k8s/pods/{uid}/network-policies',
      ])
    );
    expect(doc.paths['/api/v1/networks'].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/v1/networks'].get).toBeDefined();
    expect(doc.paths['/api/v1/networks/{id}'].delete.responses['202']).toBeDefined();
  });
});

import { containerId, workloadId } from '../src/db/ids';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Issue 15 (decision 35): Compose services from Docker containers' labels, and the scale and
// restart requests that queue compose.scale (for the host's node agent) and workload.scale /
// workload.restart (for the cluster agent). Seeded through the ingest API; real SQLite and
// MariaDB; who gets the action is read from the agents' own ingest replies.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = { status: number; body: any };
const now = () => Math.floor(Date.now() / 1000);
const rt = (s: string) => s.padEnd(64, '0');

/** A Compose container as a node agent reports it. */
function composeCtr(
  id: string,
  node: string,
  project: string,
  service: string,
  n: number,
  o: Partial<{ state: string; oneoff: boolean; created: number }> = {}
) {
  return {
    id: rt(id),
    nodeName: node,
    name: `${project}-${service}-${n}`,
    image: `${service}:v${n}`,
    state: o.state ?? 'running',
    createdAt: o.created ?? 1_700_000_000 + n,
    labels: {
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
      'com.docker.compose.container-number': String(n),
      'com.docker.compose.oneoff': o.oneoff ? 'True' : 'False',
    },
  };
}

/** A node agent's batch on cluster `cluster`, node `node`. */
function nodeBatch(t: number, cluster: string, node: string, containers: unknown[] = [], status?: unknown) {
  return {
    version: 'v1',
    batchId: `b-${cluster}-${node}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: `node:${node}`, version: '1', mode: 'node', hostname: node, ...(status ? { status } : {}) },
    cluster: { name: cluster, kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: node, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers,
  };
}

/** The cluster agent's batch of cluster kube, with its workloads. */
function clusterBatch(t: number, workloads: unknown[] = []) {
  return {
    version: 'v1',
    batchId: `b-kube-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: 'cluster:kube', version: '1', mode: 'cluster', hostname: 'kube-agent' },
    cluster: { name: 'kube', kind: 'kubernetes', environment: 'private-cloud' },
    workloads,
  };
}

const WORKLOADS = (t: number) =>
  [
    ['Deployment', 'api', 2],
    ['StatefulSet', 'store', 1],
    ['DaemonSet', 'logs', null],
    ['Job', 'once', null],
  ].map(([kind, name, desired]) => ({
    kind,
    namespace: 'shop',
    name,
    desiredReplicas: desired,
    readyReplicas: desired,
    ts: t,
  }));

describe.each(DIALECTS)('manual scaling (%s)', (dialect) => {
  let live: Live;
  let viewer: Record<string, string>;
  let editor: Record<string, string>;
  let outsider: Record<string, string>;
  let shopOnly: Record<string, string>;
  const api = '/api/v1';
  const wl = (kind: string, name: string) => workloadId('kube', kind, 'shop', name);

  const send = async (path: string, body: unknown, headers: Record<string, string>): Promise<Reply> => {
    const res = await fetch(`${live.backend.url}${api}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const get = async (path: string, headers: Record<string, string>) =>
    (await live.getRaw(`${api}${path}`, headers)) as Reply;
  const ingest = async (b: unknown) => (await live.ingest(b)) as Reply;
  const actionCount = async () => Number((await live.backend.db('actions').count({ n: '*' }))[0].n);
  const scaleBody = (o: Record<string, unknown> = {}) => ({
    cluster: 'dock',
    node: 'h1',
    project: 'shop',
    service: 'web',
    replicas: 3,
    ...o,
  });

  beforeAll(async () => {
    live = await liveBackend(dialect);
    const t = now();
    const h1 = [
      composeCtr('w1', 'h1', 'shop', 'web', 1),
      composeCtr('w2', 'h1', 'shop', 'web', 2),
      composeCtr('w3', 'h1', 'shop', 'web', 3, { state: 'exited' }),
      composeCtr('d1', 'h1', 'shop', 'db', 1),
      // `docker compose run web …`: a one-off, not a replica.
      composeCtr('r1', 'h1', 'shop', 'web', 4, { oneoff: true }),
      { id: rt('plain'), nodeName: 'h1', name: 'plain', state: 'running', labels: { app: 'x' } },
    ];
    for (const b of [
      nodeBatch(t, 'dock', 'h1', h1),
      nodeBatch(t, 'dock', 'h2', [composeCtr('x1', 'h2', 'shop', 'web', 1)]),
      nodeBatch(t, 'other', 'o1', [composeCtr('o1', 'o1', 'shop', 'web', 1)]),
      clusterBatch(t, WORKLOADS(t)),
    ])
      expect((await ingest(b)).status).toBe(202);
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
    editor = await key('ed@example.com', 'editor', { clusters: ['dock', 'kube'] });
    outsider = await key('out@example.com', 'editor', { clusters: ['other'] });
    shopOnly = await key('ns@example.com', 'editor', { namespaces: ['payments'] });
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('lists Compose services per host from the labels: running/total, oldest first, one-offs left out, scoped', async () => {
    const { items } = (await get('/compose/services', editor)).body;
    expect(items).toEqual([
      {
        clusterName: 'dock',
        nodeName: 'h1',
        project: 'shop',
        service: 'db',
        running: 1,
        total: 1,
        containerIds: [containerId('dock', rt('d1'))],
        image: 'db:v1',
      },
      {
        clusterName: 'dock',
        nodeName: 'h1',
        project: 'shop',
        service: 'web',
        running: 2,
        total: 3,
        containerIds: ['w1', 'w2', 'w3'].map((x) => containerId('dock', rt(x))),
        image: 'web:v3',
      },
      expect.objectContaining({ clusterName: 'dock', nodeName: 'h2', service: 'web', running: 1, total: 1 }),
    ]);
    // The outsider sees only its cluster's; a namespace-restricted caller none (Docker has no namespaces).
    const out = (await get('/compose/services', outsider)).body.items;
    expect(out.map((s: { clusterName: string }) => s.clusterName)).toEqual(['other']);
    expect((await get('/compose/services', shopOnly)).body.items).toEqual([]);
    expect((await get('/compose/services?cluster=dock&node=h2', editor)).body.items).toHaveLength(1);
    // A filter never widens the scope.
    expect((await get('/compose/services?cluster=other', editor)).body.items).toEqual([]);
  });

  it('refuses a viewer (403) and a service or workload outside the scope (404), queuing nothing', async () => {
    expect((await send('/compose/services/scale', scaleBody(), viewer)).status).toBe(403);
    expect((await send(`/k8s/workloads/${wl('Deployment', 'api')}/scale`, { replicas: 3 }, viewer)).status).toBe(403);
    expect((await send(`/k8s/workloads/${wl('Deployment', 'api')}/restart`, {}, viewer)).status).toBe(403);
    expect((await send('/compose/services/scale', scaleBody(), outsider)).status).toBe(404);
    expect((await send('/compose/services/scale', scaleBody(), shopOnly)).status).toBe(404);
    expect((await send(`/k8s/workloads/${wl('Deployment', 'api')}/scale`, { replicas: 3 }, outsider)).status).toBe(404);
    expect((await send(`/k8s/workloads/${wl('Deployment', 'api')}/restart`, {}, outsider)).status).toBe(404);
    // In scope but no such thing: also 404.
    expect((await send('/compose/services/scale', scaleBody({ service: 'nope' }), editor)).status).toBe(404);
    expect((await send('/compose/services/scale', scaleBody({ node: 'h9' }), editor)).status).toBe(404);
    expect((await send('/k8s/workloads/nope/scale', { replicas: 1 }, editor)).status).toBe(404);
    expect(await actionCount()).toBe(0);
  });

  it('refuses bad input with 400 naming the field, queuing nothing', async () => {
    const cases: [string, unknown, string][] = [
      ['/compose/services/scale', scaleBody({ replicas: -1 }), 'replicas'],
      ['/compose/services/scale', scaleBody({ replicas: 1001 }), 'replicas'],
      ['/compose/services/scale', scaleBody({ replicas: 1.5 }), 'replicas'],
      ['/compose/services/scale', scaleBody({ replicas: '3' }), 'replicas'],
      ['/compose/services/scale', scaleBody({ project: '' }), 'project'],
      ['/compose/services/scale', scaleBody({ cluster: undefined }), 'cluster'],
      ['/compose/services/scale', scaleBody({ expiresInSeconds: 5 }), 'expiresInSeconds'],
      ['/compose/services/scale', scaleBody({ extra: 1 }), '(root)'],
      // More than 50 new replicas at once (web has 3 containers): refused, naming replicas.
      ['/compose/services/scale', scaleBody({ replicas: 54 }), 'replicas'],
      [`/k8s/workloads/${wl('Deployment', 'api')}/scale`, {}, 'replicas'],
      [`/k8s/workloads/${wl('Deployment', 'api')}/scale`, { replicas: 53 }, 'replicas'],
      [`/k8s/workloads/${wl('Deployment', 'api')}/scale`, { replicas: 2, force: true }, '(root)'],
      [`/k8s/workloads/${wl('Deployment', 'api')}/restart`, { replicas: 2 }, '(root)'],
    ];
    for (const [path, body, field] of cases) {
      const r = await send(path, body, editor);
      expect({ path, body, status: r.status }).toEqual({ path, body, status: 400 });
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    const step = await send('/compose/services/scale', scaleBody({ replicas: 54 }), editor);
    expect(issuesOf(step.body)).toEqual([
      expect.objectContaining({ path: 'replicas', message: expect.stringContaining('at most 50 more at once') }),
    ]);
    expect(await actionCount()).toBe(0);
  });

  it('refuses kinds that cannot be scaled or restarted (409)', async () => {
    expect((await send(`/k8s/workloads/${wl('DaemonSet', 'logs')}/scale`, { replicas: 2 }, editor)).status).toBe(409);
    expect((await send(`/k8s/workloads/${wl('Job', 'once')}/scale`, { replicas: 2 }, editor)).status).toBe(409);
    expect((await send(`/k8s/workloads/${wl('Job', 'once')}/restart`, {}, editor)).status).toBe(409);
    expect(await actionCount()).toBe(0);
  });

  it('queues compose.scale for the host’s node agent only, audited, and applies its result', async () => {
    const asked = await send('/compose/services/scale', scaleBody({ replicas: 1 }), editor);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      kind: 'compose.scale',
      executor: 'node',
      target: { project: 'shop', service: 'web' },
      targetName: 'shop/web',
      options: { replicas: 1 },
      clusterName: 'dock',
      nodeName: 'h1',
      state: 'queued',
    });
    const id = asked.body.id as string;
    const row = await live.backend.db('actions').where('id', id).first();
    expect(row).toMatchObject({
      kind: 'compose.scale',
      executor: 'node',
      cluster: 'dock',
      node: 'h1',
      state: 'queued',
    });
    expect(JSON.parse(row.target)).toEqual({ project: 'shop', service: 'web' });
    expect(JSON.parse(row.options)).toEqual({ replicas: 1 });

    const audit = (await live.get(`${api}/audit?action=compose.scale`)).items;
    expect(audit).toEqual([
      expect.objectContaining({
        actor: expect.stringContaining('ed@example.com'),
        targetType: 'compose-service',
        targetId: 'dock/h1/shop/web',
      }),
    ]);

    // h2 (same project and service, another host), the cluster agent and another cluster's agent get nothing.
    expect((await ingest(nodeBatch(now(), 'dock', 'h2'))).body.actions).toBeUndefined();
    expect((await ingest(clusterBatch(now()))).body.actions).toBeUndefined();
    expect((await ingest(nodeBatch(now(), 'other', 'o1'))).body.actions).toBeUndefined();
    const handed = (await ingest(nodeBatch(now(), 'dock', 'h1'))).body.actions;
    expect(handed).toEqual([
      {
        id,
        kind: 'compose.scale',
        target: { project: 'shop', service: 'web' },
        options: { replicas: 1 },
        expiresAt: asked.body.expiresAt,
      },
    ]);
    const result = { id, state: 'done', message: 'scaled shop/web from 2 to 1', ts: now() };
    const applied = await ingest({ ...nodeBatch(now(), 'dock', 'h1'), actionResults: [result] });
    expect(applied.body.accepted.actionResults).toBe(1);
    expect((await get(`/actions/${id}`, editor)).body).toMatchObject({
      state: 'done',
      message: 'scaled shop/web from 2 to 1',
    });
    expect((await live.get(`${api}/audit?action=compose.scale.result`)).items).toEqual([
      expect.objectContaining({ actor: 'agent:node:h1', targetId: id }),
    ]);
  });

  it('queues workload.scale and workload.restart for the cluster agent, with the workload as target', async () => {
    const api1 = wl('Deployment', 'api');
    const scaled = await send(`/k8s/workloads/${api1}/scale`, { replicas: 5 }, editor);
    expect(scaled.status).toBe(202);
    expect(scaled.body).toMatchObject({
      kind: 'workload.scale',
      executor: 'cluster',
      target: { namespace: 'shop', workloadKind: 'Deployment', name: 'api' },
      targetName: 'shop/Deployment/api',
      options: { replicas: 5 },
      clusterName: 'kube',
      nodeName: '',
      namespace: 'shop',
    });
    const restarted = await send(`/k8s/workloads/${wl('DaemonSet', 'logs')}/restart`, {}, editor);
    expect(restarted.status).toBe(202);
    expect(restarted.body).toMatchObject({
      kind: 'workload.restart',
      executor: 'cluster',
      target: { namespace: 'shop', workloadKind: 'DaemonSet', name: 'logs' },
      options: {},
    });
    const sts = await send(`/k8s/workloads/${wl('StatefulSet', 'store')}/scale`, { replicas: 0 }, editor);
    expect(sts.status).toBe(202);

    expect(
      (await live.get(`${api}/audit?action=workload.scale`)).items.map((e: { targetId: string }) => e.targetId).sort()
    ).toEqual([api1, wl('StatefulSet', 'store')].sort());
    expect((await live.get(`${api}/audit?action=workload.restart`)).items).toEqual([
      expect.objectContaining({ targetType: 'workload', targetId: wl('DaemonSet', 'logs') }),
    ]);

    // No node agent of any cluster is handed them; the cluster agent of kube is, once.
    expect((await ingest(nodeBatch(now(), 'dock', 'h1'))).body.actions).toBeUndefined();
    const handed = (await ingest(clusterBatch(now()))).body.actions as {
      id: string;
      kind: string;
      target: unknown;
      options: unknown;
    }[];
    expect(handed.map((a) => a.id).sort()).toEqual([scaled.body.id, restarted.body.id, sts.body.id].sort());
    expect(handed.find((a) => a.id === scaled.body.id)).toMatchObject({
      kind: 'workload.scale',
      target: { namespace: 'shop', workloadKind: 'Deployment', name: 'api' },
      options: { replicas: 5 },
    });
    expect((await ingest(clusterBatch(now()))).body.actions).toBeUndefined();
  });

  it('refuses (409) when the executing agent reported it does not run the kind', async () => {
    // h2's agent says it runs only container kinds.
    const status = { allowedActions: ['start', 'stop'] };
    expect((await ingest(nodeBatch(now(), 'dock', 'h2', [], status))).status).toBe(202);
    const before = await actionCount();
    const r = await send('/compose/services/scale', scaleBody({ node: 'h2', replicas: 2 }), editor);
    expect(r.status).toBe(409);
    expect(r.body.error).toContain('compose.scale');
    expect(await actionCount()).toBe(before);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${live.backend.url}${api}/openapi.json`)).json()) as Reply['body'];
    for (const p of [
      '/api/v1/compose/services/scale',
      '/api/v1/k8s/workloads/{id}/scale',
      '/api/v1/k8s/workloads/{id}/restart',
    ])
      expect(doc.paths[p].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/v1/compose/services'].get).toBeDefined();
  });
});

import { containerId } from '../src/db/ids';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Issue 15 on Kubernetes (decision 38): a Kubernetes container's "restart" deletes its pod so that
// its controller recreates it — queued as pod.delete for the cluster agent, never for the node's
// agent; the other container kinds and pods without a controller are refused (409) with nothing
// stored. Real SQLite and MariaDB, through the HTTP API and the ingest replies agents get.

const OWNED = 'd4'.padEnd(64, 'a');
const BARE = 'e5'.padEnd(64, 'b');
const NOREF = 'f6'.padEnd(64, 'c');
const OTHER = 'a7'.padEnd(64, 'd');

type Kube = { namespace: string; pod: string; workloadKind: string | null; workloadName: string | null };

/** A Kubernetes node agent's batch (node k1 of `cluster`) reporting containers with their pods. */
function nodeBatch(t: number, cluster: string, containers: Array<{ id: string; kube: Kube | null }>) {
  return {
    version: 'v1',
    batchId: `n-${cluster}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: 'node:k1', version: '1', mode: 'node', hostname: 'k1' },
    cluster: { name: cluster, kind: 'kubernetes', environment: 'on-prem' },
    nodes: [{ name: 'k1', cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: containers.map((c) => ({
      id: c.id,
      nodeName: 'k1',
      name: `app-${c.id.slice(0, 2)}`,
      state: 'running',
      kubernetes: c.kube ? { ...c.kube, podUid: `uid-${c.kube.pod}` } : null,
    })),
  };
}

/** The cluster agent's batch: no nodes of its own, its status (allowedActions) and results. */
function clusterBatch(t: number, cluster: string, o: { allowed?: string[]; results?: unknown[] } = {}) {
  return {
    version: 'v1',
    batchId: `c-${cluster}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: {
      id: `cluster:ca-${cluster}`,
      version: '1',
      mode: 'cluster',
      hostname: 'ca-0',
      ...(o.allowed ? { status: { allowedActions: o.allowed } } : {}),
    },
    cluster: { name: cluster, kind: 'kubernetes', environment: 'on-prem' },
    actionResults: o.results ?? [],
  };
}

const now = () => Math.floor(Date.now() / 1000);
const web = (pod: string): Kube => ({ namespace: 'shop', pod, workloadKind: 'Deployment', workloadName: 'web' });

describe.each(DIALECTS)('Kubernetes container restart = pod.delete on the cluster agent (%s)', (dialect) => {
  let live: Live;
  let editor: Record<string, string>;
  let viewer: Record<string, string>;
  let otherNs: Record<string, string>;
  const owned = containerId('kube', OWNED);
  const bare = containerId('kube', BARE);
  const noRef = containerId('kube', NOREF);
  const elsewhere = containerId('kube2', OTHER);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Reply = { status: number; body: any };
  const post = async (id: string, body: unknown, headers: Record<string, string>): Promise<Reply> => {
    const res = await fetch(`${live.backend.url}/api/v1/containers/${id}/actions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const ingest = async (b: unknown) => (await live.ingest(b)) as Reply;
  const rows = () => live.backend.db('actions').select('*');

  beforeAll(async () => {
    live = await liveBackend(dialect);
    const t = now();
    const node = nodeBatch(t, 'kube', [
      { id: OWNED, kube: web('web-7d9f-abcde') },
      { id: BARE, kube: { namespace: 'shop', pod: 'debug', workloadKind: 'Pod', workloadName: 'debug' } },
      { id: NOREF, kube: null },
    ]);
    expect((await ingest(node)).status).toBe(202);
    expect((await ingest(nodeBatch(t, 'kube2', [{ id: OTHER, kube: web('web-1111-zzzzz') }]))).status).toBe(202);
    const url = live.backend.url;
    const all = { clusters: null, namespaces: null, nodes: null };
    editor = (await scopedApiKey(url, live.admin, { email: 'ked@example.com', role: 'editor', scopes: all })).headers;
    viewer = (await scopedApiKey(url, live.admin, { email: 'kv@example.com', role: 'viewer', scopes: all })).headers;
    otherNs = (
      await scopedApiKey(url, live.admin, {
        email: 'kns@example.com',
        role: 'editor',
        scopes: { clusters: null, namespaces: ['billing'], nodes: null },
      })
    ).headers;
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a viewer (403) and an editor whose namespaces exclude the pod (404), storing nothing', async () => {
    expect((await post(owned, { kind: 'restart' }, viewer)).status).toBe(403);
    expect((await post(owned, { kind: 'restart' }, otherNs)).status).toBe(404);
    expect(await rows()).toEqual([]);
  });

  it('refuses stop, start, pause, unpause and remove (409, naming why) and a pod without a controller, storing nothing', async () => {
    for (const kind of ['stop', 'start', 'pause', 'unpause', 'remove']) {
      const r = await post(owned, { kind }, editor);
      expect({ kind, status: r.status }).toEqual({ kind, status: 409 });
      expect(r.body.error).toContain(
        'stop, pause and remove are not Kubernetes operations: restart deletes the pod so that its controller recreates it; scale its workload instead'
      );
    }
    for (const id of [bare, noRef]) {
      const r = await post(id, { kind: 'restart' }, editor);
      expect(r.status).toBe(409);
      expect(r.body.error).toContain('has no controller: deleting it would not bring it back');
    }
    const t = await post(owned, { kind: 'restart', options: { timeoutSeconds: 5 } }, editor);
    expect(t.status).toBe(409);
    expect(await rows()).toEqual([]);
    expect(await live.backend.db('audit_log').where('action', 'pod.delete')).toEqual([]);
  });

  it('queues restart as pod.delete for the cluster agent, audited; hands it to the cluster agent once, never to the node agent; applies its result', async () => {
    const asked = await post(owned, { kind: 'restart' }, editor);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      kind: 'pod.delete',
      executor: 'cluster',
      target: { namespace: 'shop', name: 'web-7d9f-abcde' },
      targetName: 'shop/web-7d9f-abcde',
      containerId: owned,
      clusterName: 'kube',
      nodeName: '',
      namespace: 'shop',
      state: 'queued',
      options: {},
    });
    const id = asked.body.id as string;
    // The stored row, read directly: a cluster action with the pod as its target.
    const [row] = await rows();
    expect(row).toMatchObject({ id, kind: 'pod.delete', executor: 'cluster', node: '', cluster: 'kube' });
    expect(JSON.parse(row.target)).toEqual({ namespace: 'shop', name: 'web-7d9f-abcde' });
    const audit = await live.backend.db('audit_log').where('action', 'pod.delete');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target_type: 'container', target_id: owned });

    // The node agent of the pod's node pushes: nothing for it.
    const fromNode = await ingest(nodeBatch(now(), 'kube', [{ id: OWNED, kube: web('web-7d9f-abcde') }]));
    expect(fromNode.status).toBe(202);
    expect(fromNode.body.actions).toBeUndefined();
    // A cluster agent of another cluster: nothing either.
    expect((await ingest(clusterBatch(now(), 'kube2'))).body.actions).toBeUndefined();
    // The cluster agent: the action, once.
    const first = await ingest(clusterBatch(now(), 'kube'));
    expect(first.body.actions).toEqual([
      expect.objectContaining({ id, kind: 'pod.delete', target: { namespace: 'shop', name: 'web-7d9f-abcde' } }),
    ]);
    expect(first.body.actions[0].containerId).toBeUndefined();
    expect((await ingest(clusterBatch(now(), 'kube'))).body.actions).toBeUndefined();
    expect((await live.backend.db('actions').where('id', id).first()).agent_id).toBe('cluster:ca-kube');

    // A result from the node agent is not applied; the cluster agent's is, audited once.
    const done = {
      id,
      state: 'done',
      message: 'deleted pod shop/web-7d9f-abcde; its ReplicaSet web-7d9f recreates it',
      ts: now(),
    };
    await ingest({ ...nodeBatch(now(), 'kube', []), actionResults: [done] });
    expect((await live.backend.db('actions').where('id', id).first()).state).toBe('running');
    expect((await ingest(clusterBatch(now(), 'kube', { results: [done] }))).status).toBe(202);
    const after = await live.backend.db('actions').where('id', id).first();
    expect(after).toMatchObject({ state: 'done', message: done.message });
    const results = await live.backend.db('audit_log').where('action', 'pod.delete.result');
    expect(results).toHaveLength(1);
    expect(results[0].target_id).toBe(id);
  });

  it('refuses (409) when the cluster agent reported that it does not run pod.delete, naming its setting', async () => {
    expect((await ingest(clusterBatch(now(), 'kube2', { allowed: ['workload.scale'] }))).status).toBe(202);
    const before = (await rows()).length;
    const r = await post(elsewhere, { kind: 'restart' }, editor);
    expect(r.status).toBe(409);
    expect(r.body.error).toBe(
      'the agent cluster:ca-kube2 does not run "pod.delete" actions (its FLEETLENS_ACTIONS allows workload.scale)'
    );
    expect((await rows()).length).toBe(before);
  });
});

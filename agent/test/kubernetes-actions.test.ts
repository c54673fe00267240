import type { ContainerAction } from '@fleetlens/protocol';
import { KubeClient } from '../src/collectors/kubernetes/client';
import { ACTIONS_RBAC_MANIFEST, RESTARTED_AT, kubernetesHandlers } from '../src/actions/kubernetes';
import { ObjectStore, startApiStandin, type StandinServer } from './helpers/kube-standin';
import { NS, deployment, pod, seed } from './helpers/kube-objects';

// The cluster agent's action handlers (pod.delete, workload.restart, workload.scale) against the
// stand-in API server (helpers/kube-standin.ts; no cluster can run here). Outcomes are checked on
// the stand-in's stored objects and its request log, not on the handlers' messages alone.

const TOKEN = 'cluster-agent-token';
const NOW = new Date('2026-12-02T06:30:15.123Z');

const action = (kind: ContainerAction['kind'], target: ContainerAction['target'], options = {}): ContainerAction => ({
  id: `a-${Math.random().toString(36).slice(2)}`,
  kind,
  target,
  options,
  expiresAt: Math.floor(Date.now() / 1000) + 60,
});

describe('Kubernetes action handlers against a stand-in API server', () => {
  let store: ObjectStore;
  let api: StandinServer;
  let client: KubeClient;
  let handlers: ReturnType<typeof kubernetesHandlers>;
  const run = (a: ContainerAction) => handlers[a.kind]!(a);
  const calls = () => api.requests.map((r) => `${r.method} ${r.path}`);

  beforeEach(async () => {
    store = new ObjectStore();
    seed(store);
    api = await startApiStandin({ token: TOKEN, pods: () => [], store });
    client = new KubeClient({ server: api.url, token: () => TOKEN });
    handlers = kubernetesHandlers(
      () => client,
      () => NOW
    );
  });
  afterEach(async () => {
    await api.close();
  });

  it('pod.delete: checks the owner, deletes the pod, and names the controller that recreates it', async () => {
    const msg = await run(action('pod.delete', { namespace: NS, name: 'web-7d9f-abcde' }));
    expect(msg).toBe(`deleted pod ${NS}/web-7d9f-abcde; its ReplicaSet web-7d9f recreates it`);
    expect(store.get('Pod', NS, 'web-7d9f-abcde')).toBeUndefined();
    expect(store.get('Pod', NS, 'web-7d9f-fghij')).toBeDefined();
    expect(store.deletedPods).toEqual([`${NS}/web-7d9f-abcde`]);
    const path = `/api/v1/namespaces/${NS}/pods/web-7d9f-abcde`;
    expect(calls()).toEqual([`GET ${path}`, `DELETE ${path}`]);
  });

  it('pod.delete: refuses a pod no controller owns (it would not come back), without a DELETE', async () => {
    await expect(run(action('pod.delete', { namespace: NS, name: 'debug' }))).rejects.toThrow(
      `pod ${NS}/debug has no controller (no ownerReference with controller: true): deleting it would not bring it back, so it was not deleted`
    );
    expect(store.get('Pod', NS, 'debug')).toBeDefined();
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('pod.delete: a pod recreated under the same name between the check and the delete (a StatefulSet pod) is not deleted: the uid precondition fails', async () => {
    const original = pod('db-0', { kind: 'StatefulSet', name: 'db' });
    const recreated = { ...original, metadata: { ...original.metadata, uid: 'uid-new' } };
    store.put(original);
    const racing = new KubeClient({ server: api.url, token: () => TOKEN });
    const call = racing.call.bind(racing);
    racing.call = (async (method: string, path: string, body?: unknown, ct?: string) => {
      const r = await call(method as 'GET', path, body, ct);
      // Its controller replaces the pod right after the handler read it: same name, new uid.
      if (method === 'GET') store.put(recreated);
      return r;
    }) as typeof racing.call;
    const h = kubernetesHandlers(
      () => racing,
      () => NOW
    );
    await expect(h['pod.delete']!(action('pod.delete', { namespace: NS, name: 'db-0' }))).rejects.toThrow(
      /^Operation cannot be fulfilled on pods "db-0": Precondition failed: UID in precondition: uid-shop-db-0-\d+, UID in object meta: uid-new$/
    );
    expect(store.get('Pod', NS, 'db-0')!.metadata.uid).toBe('uid-new');
    expect(store.deletedPods).toEqual([]);
  });

  it("pod.delete: a missing pod fails with the API server's 404 message", async () => {
    await expect(run(action('pod.delete', { namespace: NS, name: 'gone' }))).rejects.toThrow(/^pods "gone" not found$/);
  });

  it('workload.restart: sets the pod template restartedAt annotation to now (RFC 3339) with a strategic-merge patch, as kubectl rollout restart', async () => {
    const before = store.get('Deployment', NS, 'web')!;
    const msg = await run(action('workload.restart', { namespace: NS, workloadKind: 'Deployment', name: 'web' }));
    expect(msg).toBe(`restarted ${NS}/Deployment/web (restartedAt 2026-12-02T06:30:15Z)`);
    const after = store.get('Deployment', NS, 'web')!;
    expect(after.spec.template.metadata.annotations).toEqual({ [RESTARTED_AT]: '2026-12-02T06:30:15Z' });
    // A changed template is a new generation: the controller rolls the pods.
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(after.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(calls()).toEqual([`PATCH /apis/apps/v1/namespaces/${NS}/deployments/web`]);
    // StatefulSets and DaemonSets the same way, at their own paths.
    await run(action('workload.restart', { namespace: NS, workloadKind: 'StatefulSet', name: 'db' }));
    await run(action('workload.restart', { namespace: NS, workloadKind: 'DaemonSet', name: 'logs' }));
    for (const [kind, name] of [
      ['StatefulSet', 'db'],
      ['DaemonSet', 'logs'],
    ])
      expect(store.get(kind, NS, name)!.spec.template.metadata.annotations[RESTARTED_AT]).toBe('2026-12-02T06:30:15Z');
  });

  it('workload.restart: a paused Deployment is reported as paused, not as rolled', async () => {
    store.put(deployment(2, { paused: true }));
    const msg = await run(action('workload.restart', { namespace: NS, workloadKind: 'Deployment', name: 'web' }));
    expect(msg).toMatch(/but it is paused: its pods roll when it is resumed/);
  });

  it('workload.restart: without the patch verb the 403 names the verb and points at the optional RBAC manifest; nothing changes', async () => {
    store.deny('patch', 'deployments');
    const before = store.get('Deployment', NS, 'web');
    const err = await run(action('workload.restart', { namespace: NS, workloadKind: 'Deployment', name: 'web' })).catch(
      (e: Error) => e
    );
    expect((err as Error).message).toBe(
      `deployments.apps "web" is forbidden: User "system:serviceaccount:fleetlens:fleetlens-cluster-agent" cannot patch resource "deployments" in API group "apps" in the namespace "${NS}" (the cluster agent's actions need the optional RBAC in ${ACTIONS_RBAC_MANIFEST}: kubectl apply -f it)`
    );
    expect(store.get('Deployment', NS, 'web')).toEqual(before);
  });

  it('workload.scale: reads then replaces the scale subresource, reporting from and to', async () => {
    const msg = await run(
      action('workload.scale', { namespace: NS, workloadKind: 'Deployment', name: 'web' }, { replicas: 5 })
    );
    expect(msg).toBe(`scaled ${NS}/Deployment/web from 2 to 5`);
    expect(store.get('Deployment', NS, 'web')!.spec.replicas).toBe(5);
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`;
    expect(calls()).toEqual([`GET ${path}`, `PUT ${path}`]);
    expect(
      await run(action('workload.scale', { namespace: NS, workloadKind: 'StatefulSet', name: 'db' }, { replicas: 0 }))
    ).toBe(`scaled ${NS}/StatefulSet/db from 3 to 0`);
    expect(store.get('StatefulSet', NS, 'db')!.spec.replicas).toBe(0);
  });

  it('workload.scale: when another writer scales in between (409 Conflict), it reads again and reports the number it replaced', async () => {
    // Someone else scales to 4 right after the handler's first read.
    let raced = false;
    const racing = new KubeClient({ server: api.url, token: () => TOKEN });
    const call = racing.call.bind(racing);
    racing.call = (async (method: string, path: string, body?: unknown, ct?: string) => {
      const r = await call(method as 'GET', path, body, ct);
      if (method === 'GET' && !raced) {
        raced = true;
        store.put(deployment(4));
      }
      return r;
    }) as typeof racing.call;
    const h = kubernetesHandlers(
      () => racing,
      () => NOW
    );
    const msg = await h['workload.scale']!(
      action('workload.scale', { namespace: NS, workloadKind: 'Deployment', name: 'web' }, { replicas: 6 })
    );
    expect(msg).toBe(`scaled ${NS}/Deployment/web from 4 to 6`);
    expect(store.get('Deployment', NS, 'web')!.spec.replicas).toBe(6);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'GET', 'PUT']);
  });

  it("workload.scale: a DaemonSet is refused without a call; the API server's own refusals come through (422, 404)", async () => {
    await expect(
      run(action('workload.scale', { namespace: NS, workloadKind: 'DaemonSet', name: 'logs' }, { replicas: 2 }))
    ).rejects.toThrow(/DaemonSet runs one pod per eligible node/);
    expect(api.requests).toEqual([]);
    await expect(
      run(action('workload.scale', { namespace: NS, workloadKind: 'Deployment', name: 'web' }, { replicas: -1 }))
    ).rejects.toThrow(
      'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    );
    await expect(
      run(action('workload.scale', { namespace: NS, workloadKind: 'Deployment', name: 'nope' }, { replicas: 1 }))
    ).rejects.toThrow('deployments.apps "nope" not found');
    expect(store.get('Deployment', NS, 'web')!.spec.replicas).toBe(2);
  });
});

import { IngestBatch } from '@fleetlens/protocol';
import { KubeClient, KubeError } from '../src/collectors/kubernetes/client';
import { KubeClusterCollector } from '../src/collectors/kubernetes/cluster';
import { NETWORK_POLICIES_PATH, POLICY_RESEND_SECONDS } from '../src/collectors/kubernetes/network-policies';
import { NetworkPolicyStore, type StandinServer, startApiStandin } from './helpers/kube-standin';
import { liveBackend, type Live } from '../../backend/test/helpers/backend';
import { DIALECTS } from '../../backend/test/helpers/databases';

// No API server can run here: the cluster collector lists NetworkPolicies from a stand-in
// (helpers/kube-standin.ts NetworkPolicyStore) that stores, defaults, refuses and lists them as
// the API server's source does. The lists then go into a real backend, which must name the
// policies that select each pod as the hand-worked selectors say.

const TOKEN = 'agent-token';
const NODE = {
  metadata: { name: 'node-1', labels: {} },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const conn = (server: string) => ({ server, token: () => TOKEN });

function seed(store: NetworkPolicyStore) {
  // No policyTypes, no egress: defaulted to Ingress.
  store.create('shop', { metadata: { name: 'deny-all' }, spec: { podSelector: {} } });
  // No policyTypes with egress rules: Ingress and Egress.
  store.create('shop', {
    metadata: { name: 'web-egress' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: {} }] }, { ports: [{ port: 80 }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
    },
  });
  store.create('shop', {
    metadata: { name: 'backend-only' },
    spec: {
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
      policyTypes: ['Egress'],
      egress: [],
    },
  });
  store.create('ops', { metadata: { name: 'ops-all' }, spec: { podSelector: {} } });
}

describe('NetworkPolicies: cluster collector against a stand-in API server', () => {
  let api: StandinServer;
  let store: NetworkPolicyStore;
  beforeEach(async () => {
    store = new NetworkPolicyStore();
    api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE], networkPolicies: store });
  });
  afterEach(async () => {
    await api.close();
  });

  it('the stand-in refuses what the API server refuses and defaults policyTypes as it does', async () => {
    expect(() =>
      store.create('shop', {
        metadata: { name: 'bad' },
        spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] } },
      })
    ).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }) as unknown as Error);
    expect(() =>
      store.create('shop', {
        metadata: { name: 'bad2' },
        spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] } },
      })
    ).toThrow();
    expect(() =>
      store.create('shop', { metadata: { name: 'bad3' }, spec: { podSelector: {}, policyTypes: ['Both'] } })
    ).toThrow();
    seed(store);
    const client = new KubeClient(conn(api.url));
    const list = await client.get<{ kind: string; items: Array<{ kind?: string; spec: { policyTypes: string[] } }> }>(
      NETWORK_POLICIES_PATH
    );
    expect(list.kind).toBe('NetworkPolicyList');
    expect(list.items.map((i) => i.spec.policyTypes)).toEqual([
      ['Ingress'],
      ['Ingress', 'Egress'],
      ['Egress'],
      ['Ingress'],
    ]);
    expect(list.items.every((i) => i.kind === undefined)).toBe(true);
    const shop = await client.get<{ items: unknown[] }>('/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies');
    expect(shop.items).toHaveLength(3);
    // Without the token: 401, as every path.
    expect((await fetch(`${api.url}${NETWORK_POLICIES_PATH}`)).status).toBe(401);
  });

  it('reports every policy with its selector, types and rule counts; again only when it changed or after the resend interval', async () => {
    seed(store);
    const col = new KubeClusterCollector(new KubeClient(conn(api.url)), 20);
    const t = Date.now();
    const first = await col.collect(t);
    expect(first.networkPolicies?.ts).toBe(Math.floor(t / 1000));
    expect(first.networkPolicies?.policies).toEqual([
      {
        namespace: 'ops',
        name: 'ops-all',
        podSelector: { matchLabels: {}, matchExpressions: [] },
        policyTypes: ['Ingress'],
        ingressRules: 0,
        egressRules: 0,
        createdAt: expect.any(Number),
      },
      {
        namespace: 'shop',
        name: 'backend-only',
        podSelector: { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
        policyTypes: ['Egress'],
        ingressRules: 0,
        egressRules: 0,
        createdAt: expect.any(Number),
      },
      {
        namespace: 'shop',
        name: 'deny-all',
        podSelector: { matchLabels: {}, matchExpressions: [] },
        policyTypes: ['Ingress'],
        ingressRules: 0,
        egressRules: 0,
        createdAt: expect.any(Number),
      },
      {
        namespace: 'shop',
        name: 'web-egress',
        podSelector: { matchLabels: { app: 'web' }, matchExpressions: [] },
        policyTypes: ['Ingress', 'Egress'],
        ingressRules: 2,
        egressRules: 1,
        createdAt: expect.any(Number),
      },
    ]);
    // What the wire accepts unchanged.
    expect(IngestBatch.shape.networkPolicies.parse(first.networkPolicies)).toEqual(first.networkPolicies);
    expect((await col.collect(t + 10_000)).networkPolicies).toBeUndefined();
    store.delete('shop', 'deny-all');
    const changed = await col.collect(t + 20_000);
    expect(changed.networkPolicies?.policies.map((p) => p.name)).toEqual(['ops-all', 'backend-only', 'web-egress']);
    expect((await col.collect(t + 30_000)).networkPolicies).toBeUndefined();
    expect((await col.collect(t + 20_000 + POLICY_RESEND_SECONDS * 1000)).networkPolicies?.policies).toHaveLength(3);
  });

  it('without the RBAC grant (403) sends no list, so the backend keeps the last one; nodes still go', async () => {
    seed(store);
    store.forbiddenUser = 'system:serviceaccount:fleetlens:fleetlens-agent';
    const client = new KubeClient(conn(api.url));
    await expect(client.get(NETWORK_POLICIES_PATH)).rejects.toBeInstanceOf(KubeError);
    const col = new KubeClusterCollector(client, 20);
    const parts = await col.collect(Date.now());
    expect(parts.networkPolicies).toBeUndefined();
    expect(parts.nodes?.map((n) => n.name)).toEqual(['node-1']);
    expect(col.policies.lastError).toMatch(/403|forbidden/i);
  });
});

describe.each(DIALECTS)(
  'NetworkPolicies from a stand-in API server into a real backend (%s): which policies select a pod',
  (dialect) => {
    let live: Live;
    beforeAll(async () => {
      live = await liveBackend(dialect);
    });
    afterAll(async () => {
      await live?.close();
    });

    it('names the policies whose podSelector matches the pod’s labels, within its namespace', async () => {
      const store = new NetworkPolicyStore();
      seed(store);
      const api = await startApiStandin({ token: TOKEN, pods: () => [], nodes: [NODE], networkPolicies: store });
      try {
        const col = new KubeClusterCollector(new KubeClient(conn(api.url)), 20);
        const now = Date.now();
        const parts = await col.collect(now);
        const ts = Math.floor(now / 1000);
        const cluster = { name: 'k8s-np', kind: 'kubernetes', environment: 'private-cloud' } as const;
        const sent = await live.ingest(
          IngestBatch.parse({
            version: 'v1',
            batchId: `np-${dialect}`,
            sentAt: ts,
            agent: { id: 'cluster-agent', version: 'test', mode: 'cluster', hostname: 'cluster-agent-0' },
            cluster,
            nodes: parts.nodes,
            networkPolicies: parts.networkPolicies,
          })
        );
        expect(sent.status).toBe(202);
        // The node agent's containers carry their pod's labels (the kubelet's pod list).
        const pods = [
          { uid: 'u-web', ns: 'shop', labels: { app: 'web', tier: 'frontend' } },
          { uid: 'u-api', ns: 'shop', labels: { app: 'api', tier: 'backend' } },
          { uid: 'u-job', ns: 'ops', labels: { app: 'web' } },
        ];
        const node = await live.ingest({
          version: 'v1',
          batchId: `np-node-${dialect}`,
          sentAt: ts,
          agent: { id: 'node:node-1', version: 'test', mode: 'node', hostname: 'node-1' },
          cluster,
          containers: pods.map((p, i) => ({
            id: `${i}`.padEnd(64, 'c'),
            nodeName: 'node-1',
            name: p.uid,
            state: 'running',
            labels: p.labels,
            kubernetes: { namespace: p.ns, pod: p.uid, podUid: p.uid },
          })),
        });
        expect(node.status).toBe(202);
        const names = async (uid: string) =>
          (await live.get<{ items: { name: string }[] }>(`/api/v1/k8s/pods/${uid}/network-policies`)).items.map(
            (p) => p.name
          );
        // By hand: web {app: web, tier: frontend} → deny-all (empty selector), web-egress (app=web).
        expect(await names('u-web')).toEqual(['deny-all', 'web-egress']);
        // api {app: api, tier: backend} → backend-only (tier In [backend]), deny-all.
        expect(await names('u-api')).toEqual(['backend-only', 'deny-all']);
        // job in ops {app: web} → only ops-all; web-egress is shop's.
        expect(await names('u-job')).toEqual(['ops-all']);
      } finally {
        await api.close();
      }
    });
  }
);

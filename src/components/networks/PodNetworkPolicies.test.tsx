import { screen, within } from '@testing-library/react';
import type { ContainerListReply } from '@fleetlens/protocol/api';
import { backendGet, ingest, renderApp } from '../../test/harness';

// Issue 15: the Kubernetes container page lists the NetworkPolicies that select its pod, against
// the live ops backend fed on the wire: a node agent's container (with the pod's labels) and the
// cluster agent's policy list. Which policies select the pod is worked out by hand below.
const CLUSTER = 'h15-np-page';
const now = () => Math.floor(Date.now() / 1000);

const nodeBatch = (cluster: string, runtime: string, uid: string) => ({
  version: 'v1',
  batchId: `h15-np-node-${cluster}-${now()}`,
  sentAt: now(),
  agent: { id: `node:${cluster}-n1`, version: 'test', mode: 'node', hostname: `${cluster}-n1` },
  cluster: { name: cluster, kind: 'kubernetes', environment: 'public-cloud', labels: {} },
  nodes: [{ name: `${cluster}-n1`, cores: 2, memoryBytes: 8e9, samples: [] }],
  containers: [
    {
      id: runtime,
      nodeName: `${cluster}-n1`,
      name: 'web',
      state: 'running',
      labels: { app: 'web', tier: 'frontend' },
      kubernetes: { namespace: 'shop', pod: 'web-0', podUid: uid },
      samples: [],
    },
  ],
});

const policy = (name: string, podSelector: unknown, namespace = 'shop') => ({
  namespace,
  name,
  podSelector,
  policyTypes: ['Ingress'],
  ingressRules: 1,
  egressRules: 0,
});

async function containerOf(cluster: string): Promise<string> {
  const list = await backendGet<ContainerListReply>(`/containers?cluster=${cluster}`, 'ops');
  return list.items[0].id;
}

describe('Container page: network policies of a Kubernetes pod', () => {
  beforeAll(async () => {
    await ingest(nodeBatch(CLUSTER, 'f1'.padEnd(64, 'a'), 'h15-np-uid'), 'ops');
    await ingest(nodeBatch(`${CLUSTER}-silent`, 'f2'.padEnd(64, 'b'), 'h15-np-uid-2'), 'ops');
    await ingest(
      {
        version: 'v1',
        batchId: `h15-np-policies-${now()}`,
        sentAt: now(),
        agent: { id: 'cluster-agent', version: 'test', mode: 'cluster', hostname: 'cluster-agent-0' },
        cluster: { name: CLUSTER, kind: 'kubernetes', environment: 'public-cloud', labels: {} },
        networkPolicies: {
          ts: now(),
          policies: [
            policy('deny-all', {}),
            policy('web', { matchLabels: { app: 'web' } }),
            policy('backend', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }),
            policy('no-env', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }),
            policy('other-ns', {}, 'ops'),
          ],
        },
      },
      'ops'
    );
  });

  it('lists the policies whose podSelector matches the pod, with their selectors', async () => {
    renderApp(`containers/${await containerOf(CLUSTER)}`, { backend: 'ops' });
    const table = await screen.findByTestId('pod-network-policies', undefined, { timeout: 10_000 });
    const rows = within(table).getAllByRole('row').slice(1);
    // {app: web, tier: frontend} in shop: deny-all (empty), no-env (no env label), web (app=web).
    expect(rows.map((r) => within(r).getAllByRole('cell')[0].textContent)).toEqual(['deny-all', 'no-env', 'web']);
    expect(rows[0]).toHaveTextContent('every pod of the namespace');
    expect(rows[1]).toHaveTextContent('!env');
    expect(rows[2]).toHaveTextContent('app=web');
  });

  it('says so when the cluster agent has not reported policies', async () => {
    renderApp(`containers/${await containerOf(`${CLUSTER}-silent`)}`, { backend: 'ops' });
    const section = await screen.findByRole('region', { name: 'Network policies' });
    expect(
      await within(section).findByText('The cluster agent has not reported this cluster’s NetworkPolicies yet.')
    ).toBeVisible();
  });
});

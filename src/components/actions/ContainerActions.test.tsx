import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ActionListReply, ContainerListReply } from '@fleetlens/protocol/api';
import { backendGet, backendSend, ingest, renderApp } from '../../test/harness';

// Issue 15: the container page's action buttons against the live ops backend. The node's agent
// is played by ingest batches on the wire (a live push that is handed the action, then one
// that reports the engine's refusal), so the page shows what the backend really stored.
const CLUSTER = 'h15-page';
const NODE = 'h15-page-node';
const RUNTIME = 'h15'.padEnd(64, 'a');
/** A Grafana Viewer whose backend record may see every cluster (so the page itself loads). */
const VIEWER = { id: 15, login: 'h15-viewer', email: 'h15-viewer@example.com', orgRole: 'Viewer' as const };

const agentBatch = (results: unknown[] = []) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 'v1',
    batchId: `h15-page-${now}-${Math.random().toString(36).slice(2)}`,
    sentAt: now,
    agent: { id: `node:${NODE}`, version: 'test', mode: 'node', hostname: NODE },
    cluster: { name: CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: NODE, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: [{ id: RUNTIME, nodeName: NODE, name: 'h15-web', state: 'running', samples: [] }],
    actionResults: results,
  };
};

describe('Container page: actions', () => {
  let id: string;

  beforeAll(async () => {
    await ingest(agentBatch(), 'ops');
    await backendSend(
      'POST',
      '/users',
      {
        email: VIEWER.email,
        login: VIEWER.login,
        displayName: 'h15 viewer',
        role: 'viewer',
        scopes: { clusters: null, namespaces: null, nodes: null },
      },
      'ops'
    );
    const list = await backendGet<ContainerListReply>(`/containers?cluster=${CLUSTER}`, 'ops');
    id = list.items[0].id;
  });

  it('offers a viewer no action', async () => {
    const { requests } = renderApp(`containers/${id}`, { backend: 'ops', user: VIEWER });
    await screen.findByTestId('container-name');
    // The page has asked who the user is; let that answer arrive and render before looking.
    await waitFor(() => expect(requests.some((r) => r.endsWith('/api/v1/me'))).toBe(true));
    await act(() => new Promise((r) => setTimeout(r, 500)));
    expect(screen.queryByRole('region', { name: 'Container actions' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
  });

  it('offers what a running container allows, confirms a stop by name, and shows the engine’s refusal', async () => {
    const user = userEvent.setup();
    renderApp(`containers/${id}`, { backend: 'ops' });
    const bar = await screen.findByRole('region', { name: 'Container actions' });
    expect(
      within(bar)
        .getAllByRole('button')
        .map((b) => b.textContent)
    ).toEqual(['Stop', 'Restart', 'Pause', 'Remove']);

    await user.click(within(bar).getByRole('button', { name: 'Stop' }));
    const dialog = await screen.findByRole('dialog', { name: 'Stop container h15-web?' });
    await user.click(within(dialog).getByRole('button', { name: 'Stop' }));
    expect(await screen.findByRole('status', { name: 'Action state' })).toHaveTextContent(
      'Stop: queued, waiting for the agent'
    );
    const [queued] = (await backendGet<ActionListReply>(`/actions?container=${id}`, 'ops')).items;
    expect(queued).toMatchObject({ kind: 'stop', state: 'queued', containerName: 'h15-web' });

    // The agent's live push is handed the action; its next batch reports the engine's answer.
    await ingest(agentBatch(), 'ops');
    await ingest(
      agentBatch([{ id: queued.id, state: 'failed', message: 'Error response from daemon: cannot stop', ts: 1 }]),
      'ops'
    );
    expect(await screen.findByText('Error response from daemon: cannot stop', {}, { timeout: 10_000 })).toBeVisible();
    expect(screen.getByRole('status', { name: 'Action state' })).toHaveTextContent('Stop: failed');
  });

  it('asks before removing, with "also remove volumes" off until ticked', async () => {
    const user = userEvent.setup();
    renderApp(`containers/${id}`, { backend: 'ops' });
    const bar = await screen.findByRole('region', { name: 'Container actions' });
    await user.click(within(bar).getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove container h15-web?' });
    const volumes = within(dialog).getByRole('checkbox', { name: 'Also remove volumes' });
    expect(volumes).not.toBeChecked();
    await user.click(volumes);
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(async () => {
      const items = (await backendGet<ActionListReply>(`/actions?container=${id}`, 'ops')).items;
      expect(items[0]).toMatchObject({ kind: 'remove', options: { removeVolumes: true, force: true } });
    });
  });

  it('restarts a Kubernetes container by deleting its pod, after a confirmation naming the pod and its workload', async () => {
    const user = userEvent.setup();
    const now = Math.floor(Date.now() / 1000);
    const pod = {
      namespace: 'h15',
      pod: 'web-7d9f-abcde',
      podUid: 'h15-pod-uid-1',
      workloadKind: 'Deployment',
      workloadName: 'web',
    };
    await ingest(
      {
        version: 'v1',
        batchId: `h15-k8s-${now}-${Math.random().toString(36).slice(2)}`,
        sentAt: now,
        agent: { id: 'node:h15-k8s-node', version: 'test', mode: 'node', hostname: 'h15-k8s-node' },
        cluster: { name: 'h15-k8s', kind: 'kubernetes', environment: 'on-prem', labels: {} },
        nodes: [{ name: 'h15-k8s-node', cores: 2, memoryBytes: 8e9, samples: [] }],
        containers: [
          {
            id: 'h15k'.padEnd(64, 'c'),
            nodeName: 'h15-k8s-node',
            name: 'app',
            state: 'running',
            kubernetes: pod,
            samples: [],
          },
        ],
      },
      'ops'
    );
    const k8sId = (await backendGet<ContainerListReply>('/containers?cluster=h15-k8s', 'ops')).items[0].id;
    renderApp(`containers/${k8sId}`, { backend: 'ops' });
    const bar = await screen.findByRole('region', { name: 'Container actions' });
    // Stop, pause and remove are not Kubernetes operations: only Restart is offered.
    expect(
      within(bar)
        .getAllByRole('button')
        .map((b) => b.textContent)
    ).toEqual(['Restart']);
    await user.click(within(bar).getByRole('button', { name: 'Restart' }));
    const dialog = await screen.findByRole('dialog', { name: `Restart pod ${pod.pod}?` });
    expect(dialog).toHaveTextContent(`its Deployment web creates a new one`);
    await user.click(within(dialog).getByRole('button', { name: 'Delete pod' }));
    // Queued as the cluster agent's pod.delete, on the pod (the backend's mapping).
    await waitFor(async () => {
      const [a] = (await backendGet<ActionListReply>(`/actions?container=${k8sId}`, 'ops')).items;
      expect(a).toMatchObject({ kind: 'pod.delete', executor: 'cluster', target: { namespace: 'h15', name: pod.pod } });
    });
    expect(await screen.findByRole('status', { name: 'Action state' })).toHaveTextContent('Restart: queued');
  });
});

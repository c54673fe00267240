import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Action, ActionListReply } from '@fleetlens/protocol/api';
import { backendGet, backendSend, ingest, renderApp } from '../test/harness';

// Issue 15 (decision 35): Scale and Restart on the Workloads page against the live ops backend.
// A Docker host's agent reports a Compose service (three containers sharing its labels) and a
// cluster agent reports two workloads; what the page asked for is read back from the backend's
// stored actions, and the agent's result is played by an ingest batch on the wire.
const DOCK = 'h35-dock';
const NODE = 'h35-node';
const KUBE = 'h35-kube';
const PROJECT = 'h35shop';
const NS = 'h35ns';
const VIEWER = { id: 35, login: 'h35-viewer', email: 'h35-viewer@example.com', orgRole: 'Viewer' as const };
const EDITOR = { id: 36, login: 'h35-editor', email: 'h35-editor@example.com', orgRole: 'Editor' as const };

const t = () => Math.floor(Date.now() / 1000);
const batchId = () => `h35-${t()}-${Math.random().toString(36).slice(2)}`;

const nodeBatch = (results: unknown[] = []) => ({
  version: 'v1',
  batchId: batchId(),
  sentAt: t(),
  agent: { id: `node:${NODE}`, version: 'test', mode: 'node', hostname: NODE },
  cluster: { name: DOCK, kind: 'docker', environment: 'on-prem', labels: {} },
  nodes: [{ name: NODE, cores: 2, memoryBytes: 8e9, samples: [] }],
  containers: [1, 2, 3].map((n) => ({
    id: `h35c${n}`.padEnd(64, '0'),
    nodeName: NODE,
    name: `${PROJECT}-web-${n}`,
    image: 'web:1',
    state: 'running',
    labels: {
      'com.docker.compose.project': PROJECT,
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': String(n),
    },
  })),
  actionResults: results,
});

const clusterBatch = () => ({
  version: 'v1',
  batchId: batchId(),
  sentAt: t(),
  agent: { id: 'cluster:h35', version: 'test', mode: 'cluster', hostname: 'h35-cluster-agent' },
  cluster: { name: KUBE, kind: 'kubernetes', environment: 'private-cloud', labels: {} },
  workloads: [
    { kind: 'Deployment', namespace: NS, name: 'api', desiredReplicas: 3, readyReplicas: 3, ts: t() },
    { kind: 'DaemonSet', namespace: NS, name: 'logs', desiredReplicas: 2, readyReplicas: 2, ts: t() },
  ],
});

/** The newest stored action of a kind (the backend's record, not the page's echo). */
async function newest(kind: string): Promise<Action | undefined> {
  return (await backendGet<ActionListReply>(`/actions?kind=${kind}&limit=1`, 'ops')).items[0];
}

/** The Compose services table's row of our service. */
async function composeRow() {
  const table = await screen.findByRole('table', { name: 'Compose services' }, { timeout: 10_000 });
  const row = within(table)
    .getAllByRole('row')
    .find((r) => r.textContent?.includes(PROJECT));
  expect(row).toBeDefined();
  return row!;
}

describe('Workloads page: manual scaling', () => {
  beforeAll(async () => {
    await ingest(nodeBatch(), 'ops');
    await ingest(clusterBatch(), 'ops');
    for (const [u, role] of [
      [VIEWER, 'viewer'],
      [EDITOR, 'editor'],
    ] as const) {
      await backendSend(
        'POST',
        '/users',
        {
          email: u.email,
          login: u.login,
          displayName: u.login,
          role,
          scopes: { clusters: null, namespaces: null, nodes: null },
        },
        'ops'
      );
    }
  });

  it('shows a viewer the Compose service and the workloads without any Scale or Restart control', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp('workloads', { backend: 'ops', user: VIEWER });
    const row = await composeRow();
    expect(within(row).getByText('3 / 3')).toBeInTheDocument();
    await waitFor(() => expect(requests.some((r) => r.endsWith('/api/v1/me'))).toBe(true));
    await act(() => new Promise((r) => setTimeout(r, 500)));
    expect(screen.queryByRole('group', { name: `Scale ${PROJECT}/web` })).not.toBeInTheDocument();
    expect(screen.queryByRole('columnheader', { name: 'Scale' })).not.toBeInTheDocument();

    await user.click(await screen.findByRole('button', { name: `Show namespace ${NS}` }));
    const workloads = await screen.findByRole('table', { name: 'Workloads' });
    expect(within(workloads).getByText('api')).toBeInTheDocument();
    expect(within(workloads).queryByRole('button', { name: /Restart/ })).not.toBeInTheDocument();
    expect(within(workloads).queryByRole('group', { name: /^Scale / })).not.toBeInTheDocument();
  });

  it('lets an editor scale a Compose service up: the request names the service, and the agent’s result shows', async () => {
    const user = userEvent.setup();
    renderApp('workloads', { backend: 'ops', user: EDITOR });
    const row = await composeRow();
    const control = await within(row).findByRole('group', { name: `Scale ${PROJECT}/web` });
    const input = within(control).getByRole('spinbutton', { name: `Replicas of ${PROJECT}/web` });
    expect(input).toHaveValue(3);
    await user.clear(input);
    await user.type(input, '5');
    await user.click(within(control).getByRole('button', { name: 'Scale' }));
    // Scaling up asks nothing.
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(await within(control).findByRole('status', { name: `Scaling ${PROJECT}/web` })).toHaveTextContent(
      'to 5: queued, waiting for the agent'
    );
    const queued = await newest('compose.scale');
    expect(queued).toMatchObject({
      kind: 'compose.scale',
      executor: 'node',
      target: { project: PROJECT, service: 'web' },
      options: { replicas: 5 },
      clusterName: DOCK,
      nodeName: NODE,
      state: 'queued',
      requestedBy: expect.stringContaining(EDITOR.email),
    });

    // The host's agent is handed it on its push and reports what the engine did.
    await ingest(nodeBatch(), 'ops');
    await ingest(
      nodeBatch([{ id: queued!.id, state: 'done', message: `scaled ${PROJECT}/web from 3 to 5`, ts: t() }]),
      'ops'
    );
    await waitFor(
      () =>
        expect(within(control).getByRole('status', { name: `Scaling ${PROJECT}/web` })).toHaveTextContent('to 5: done'),
      { timeout: 10_000 }
    );
  });

  it('asks before scaling a Compose service down, naming it and its host; Cancel queues nothing', async () => {
    const user = userEvent.setup();
    renderApp('workloads', { backend: 'ops', user: EDITOR });
    const control = await within(await composeRow()).findByRole('group', { name: `Scale ${PROJECT}/web` });
    const input = within(control).getByRole('spinbutton', { name: `Replicas of ${PROJECT}/web` });
    const before = (await newest('compose.scale'))?.id;

    await user.clear(input);
    await user.type(input, '1');
    await user.click(within(control).getByRole('button', { name: 'Scale' }));
    let dialog = await screen.findByRole('dialog', { name: `Scale down ${PROJECT}/web?` });
    expect(dialog).toHaveTextContent(`${PROJECT}/web on ${NODE} (${DOCK})`);
    expect(dialog).toHaveTextContent('the newest 2 containers will be stopped and removed');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect((await newest('compose.scale'))?.id).toBe(before);

    await user.click(within(control).getByRole('button', { name: 'Scale' }));
    dialog = await screen.findByRole('dialog', { name: `Scale down ${PROJECT}/web?` });
    await user.click(within(dialog).getByRole('button', { name: 'Scale down' }));
    await waitFor(async () => expect(await newest('compose.scale')).toMatchObject({ options: { replicas: 1 } }));
    // While it waits for the agent, the control takes no other request.
    expect(within(control).getByRole('button', { name: 'Scale' })).toBeDisabled();
    const down = (await newest('compose.scale'))!;
    await ingest(nodeBatch(), 'ops');
    await ingest(
      nodeBatch([{ id: down.id, state: 'failed', message: 'Error response from daemon: boom', ts: t() }]),
      'ops'
    );
    expect(await screen.findByText('Error response from daemon: boom', {}, { timeout: 10_000 })).toBeVisible();

    // To 0: the confirmation says what is kept.
    await user.clear(input);
    await user.type(input, '0');
    await user.click(within(control).getByRole('button', { name: 'Scale' }));
    dialog = await screen.findByRole('dialog', { name: `Scale down ${PROJECT}/web?` });
    expect(dialog).toHaveTextContent('the oldest container is kept, stopped');
    await user.click(within(dialog).getByRole('button', { name: 'Scale to 0' }));
    await waitFor(async () => expect(await newest('compose.scale')).toMatchObject({ options: { replicas: 0 } }));
  });

  it('lets an editor scale a Deployment (cluster agent, the workload as target) and restart a DaemonSet after confirming', async () => {
    const user = userEvent.setup();
    renderApp('workloads', { backend: 'ops', user: EDITOR });
    await user.click(await screen.findByRole('button', { name: `Show namespace ${NS}` }));
    const workloads = await screen.findByRole('table', { name: 'Workloads' });
    const control = await within(workloads).findByRole('group', { name: `Scale ${NS}/Deployment/api` });
    // A DaemonSet has no scale subresource: Restart only.
    expect(within(workloads).queryByRole('group', { name: `Scale ${NS}/DaemonSet/logs` })).not.toBeInTheDocument();

    const input = within(control).getByRole('spinbutton', { name: `Replicas of ${NS}/Deployment/api` });
    expect(input).toHaveValue(3);
    await user.clear(input);
    await user.type(input, '4');
    await user.click(within(control).getByRole('button', { name: 'Scale' }));
    await waitFor(async () =>
      expect(await newest('workload.scale')).toMatchObject({
        executor: 'cluster',
        clusterName: KUBE,
        target: { namespace: NS, workloadKind: 'Deployment', name: 'api' },
        options: { replicas: 4 },
      })
    );

    await user.click(within(workloads).getByRole('button', { name: `Restart DaemonSet ${NS}/logs` }));
    const dialog = await screen.findByRole('dialog', { name: `Restart DaemonSet ${NS}/logs?` });
    await user.click(within(dialog).getByRole('button', { name: 'Restart' }));
    await waitFor(async () =>
      expect(await newest('workload.restart')).toMatchObject({
        executor: 'cluster',
        target: { namespace: NS, workloadKind: 'DaemonSet', name: 'logs' },
        requestedBy: expect.stringContaining(EDITOR.email),
      })
    );

    // The workload's own page has the same controls.
    await user.click(within(workloads).getByRole('link', { name: 'api' }));
    const actions = await screen.findByRole('region', { name: 'Workload actions' });
    expect(await within(actions).findByRole('group', { name: `Scale ${NS}/Deployment/api` })).toBeInTheDocument();
    expect(await within(actions).findByRole('button', { name: `Restart Deployment ${NS}/api` })).toBeInTheDocument();
  });
});

import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ActionListReply, ContainerListReply } from '@fleetlens/protocol/api';
import { backendGet, backendSend, ingest, renderApp } from '../../test/harness';

// Issue 15: the Containers table's per-row action menu against the live ops backend. The node's
// agent is played by ingest batches on the wire (a live push that is handed the action, then one
// that reports the engine's refusal), so the row shows what the backend really stored. The ops
// fleet's Kubernetes cluster (ops-k8s) is listed beside it: its rows must offer nothing.
const CLUSTER = 'h15-rows';
const NODE = 'h15-rows-node';
const NAME = 'h15-rows-web';
const RUNTIME = 'h15r'.padEnd(64, 'b');
const K8S = 'ops-k8s';
const SEARCH = `?refresh=&cluster=${CLUSTER},${K8S}`;
const VIEWER = { id: 151, login: 'h15-rows-viewer', email: 'h15-rows-viewer@example.com', orgRole: 'Viewer' as const };
const EDITOR = { id: 152, login: 'h15-rows-editor', email: 'h15-rows-editor@example.com', orgRole: 'Editor' as const };

const agentBatch = (results: unknown[] = []) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 'v1',
    batchId: `h15-rows-${now}-${Math.random().toString(36).slice(2)}`,
    sentAt: now,
    agent: { id: `node:${NODE}`, version: 'test', mode: 'node', hostname: NODE },
    cluster: { name: CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: NODE, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: [{ id: RUNTIME, nodeName: NODE, name: NAME, state: 'running', samples: [] }],
    actionResults: results,
  };
};

const user = (u: typeof VIEWER | typeof EDITOR, role: string) =>
  backendSend(
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

const actionsOf = async (id: string) => (await backendGet<ActionListReply>(`/actions?container=${id}`, 'ops')).items;

describe('Containers table: row actions', () => {
  let id: string;
  let k8sRows: number;

  beforeAll(async () => {
    await ingest(agentBatch(), 'ops');
    await user(VIEWER, 'viewer');
    await user(EDITOR, 'editor');
    const list = await backendGet<ContainerListReply>(`/containers?cluster=${CLUSTER}`, 'ops');
    id = list.items[0].id;
    k8sRows = (await backendGet<ContainerListReply>(`/containers?cluster=${K8S}`, 'ops')).total;
  });

  it('offers a viewer no row action', async () => {
    const { requests } = renderApp('containers', { backend: 'ops', user: VIEWER, search: SEARCH });
    await screen.findByRole('link', { name: NAME });
    // The page has asked who the user is; let that answer arrive and render before looking.
    await waitFor(() => expect(requests.some((r) => r.endsWith('/api/v1/me'))).toBe(true));
    await act(() => new Promise((r) => setTimeout(r, 500)));
    expect(screen.queryAllByRole('button', { name: /^Actions for / })).toHaveLength(0);
  });

  it('offers an editor a menu on the Docker row only, with what a running container allows', async () => {
    const u = userEvent.setup();
    renderApp('containers', { backend: 'ops', user: EDITOR, search: SEARCH });
    const button = await screen.findByRole('button', { name: `Actions for ${NAME}` });
    // The Kubernetes rows are listed too, and none of them has a control.
    const table = screen.getByRole('table', { name: 'Containers' });
    expect(k8sRows).toBeGreaterThan(0);
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 1 + Math.min(k8sRows, 49));
    expect(within(table).getAllByRole('button', { name: /^Actions for / })).toEqual([button]);

    await u.click(button);
    const menu = await screen.findByRole('menu');
    expect(
      within(menu)
        .getAllByRole('menuitem')
        .map((m) => m.textContent)
    ).toEqual(['Stop', 'Restart', 'Pause', 'Remove']);
  });

  it('confirms a stop by name, then shows queued, running and the engine’s refusal in the row', async () => {
    const u = userEvent.setup();
    renderApp('containers', { backend: 'ops', user: EDITOR, search: SEARCH });
    await u.click(await screen.findByRole('button', { name: `Actions for ${NAME}` }));
    await u.click(within(await screen.findByRole('menu')).getByRole('menuitem', { name: 'Stop' }));
    const dialog = await screen.findByRole('dialog', { name: `Stop container ${NAME}?` });
    expect(dialog).toHaveTextContent(`${NAME} on ${NODE} will be stopped.`);
    await u.click(within(dialog).getByRole('button', { name: 'Stop' }));

    const state = await screen.findByRole('status', { name: `Action state of ${NAME}` });
    expect(state).toHaveTextContent(/^Stop: queued$/);
    const [queued] = await actionsOf(id);
    expect(queued).toMatchObject({ kind: 'stop', state: 'queued', containerName: NAME, requestedBy: EDITOR.email });
    // While it is pending the row offers nothing else.
    expect(screen.getByRole('button', { name: `Actions for ${NAME}` })).toBeDisabled();

    // The agent's live push is handed the action; its next batch reports the engine's answer.
    await ingest(agentBatch(), 'ops');
    await waitFor(() => expect(state).toHaveTextContent(/^Stop: running$/), { timeout: 10_000 });
    await ingest(
      agentBatch([{ id: queued.id, state: 'failed', message: 'Error response from daemon: cannot stop', ts: 1 }]),
      'ops'
    );
    await waitFor(() => expect(state).toHaveTextContent('Stop: failed: Error response from daemon: cannot stop'), {
      timeout: 10_000,
    });
    expect(screen.getByRole('button', { name: `Actions for ${NAME}` })).toBeEnabled();
  });

  it('asks before removing, and sends "also remove volumes" off unless ticked', async () => {
    const u = userEvent.setup();
    renderApp('containers', { backend: 'ops', user: EDITOR, search: SEARCH });
    await u.click(await screen.findByRole('button', { name: `Actions for ${NAME}` }));
    await u.click(within(await screen.findByRole('menu')).getByRole('menuitem', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog', { name: `Remove container ${NAME}?` });
    expect(within(dialog).getByRole('checkbox', { name: 'Also remove volumes' })).not.toBeChecked();
    await u.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByRole('status', { name: `Action state of ${NAME}` })).toHaveTextContent(
      /^Remove: queued$/
    );
    const [asked] = await actionsOf(id);
    expect(asked).toMatchObject({ kind: 'remove', state: 'queued', options: { removeVolumes: false, force: true } });
  });
});

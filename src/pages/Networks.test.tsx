import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Action, ActionListReply, NetworkListReply } from '@fleetlens/protocol/api';
import { backendGet, backendSend, ingest, pickOption, renderApp } from '../test/harness';

// Issue 15: the Networks page against the live ops backend. The node's agent is played by ingest
// batches on the wire (its network inventory, a live push that is handed the action, then the
// result), so the page shows what the backend stored, and each request is checked in the
// backend's own action list, not only on screen.
const CLUSTER = 'h15-net-page';
const NODE = 'h15-net-node';
const WEB = 'd4'.padEnd(64, 'a');
const DB = 'e5'.padEnd(64, 'b');
const APP = '71'.padEnd(64, 'c');
const SPARE = '72'.padEnd(64, 'd');

const agentBatch = (extra: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 'v1',
    batchId: `h15-net-${now}-${Math.random().toString(36).slice(2)}`,
    sentAt: now,
    agent: { id: `node:${NODE}`, version: 'test', mode: 'node', hostname: NODE },
    cluster: { name: CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: NODE, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: [
      { id: WEB, nodeName: NODE, name: 'net-web', state: 'running', samples: [] },
      { id: DB, nodeName: NODE, name: 'net-db', state: 'running', samples: [] },
    ],
    ...extra,
  };
};
const inventory = (ts: number) => ({
  nodeName: NODE,
  ts,
  networks: [
    {
      id: APP,
      name: 'app-net',
      driver: 'bridge',
      ipam: [{ subnet: '172.30.5.0/24', gateway: '172.30.5.1' }],
      containers: [{ containerId: WEB, name: 'net-web', ipv4: '172.30.5.2/24', mac: '02:42:ac:1e:05:02' }],
    },
    { id: SPARE, name: 'spare-net', driver: 'bridge', internal: true, ipam: [], containers: [] },
  ],
});

/** A Grafana Viewer whose backend record may see every cluster (so the page itself loads). */
const VIEWER = { id: 151, login: 'h15-net-viewer', email: 'h15-net-viewer@example.com', orgRole: 'Viewer' as const };

const actionsOf = async (kind: string) =>
  (await backendGet<ActionListReply>(`/actions?kind=${kind}`, 'ops')).items.filter((a) => a.nodeName === NODE);

describe('Networks page', () => {
  beforeAll(async () => {
    await ingest(agentBatch({ networks: [inventory(Math.floor(Date.now() / 1000))] }), 'ops');
    await backendSend(
      'POST',
      '/users',
      {
        email: VIEWER.email,
        login: VIEWER.login,
        displayName: 'h15 network viewer',
        role: 'viewer',
        scopes: { clusters: null, namespaces: null, nodes: null },
      },
      'ops'
    );
    const list = await backendGet<NetworkListReply>(`/networks?cluster=${CLUSTER}`, 'ops');
    expect(list.items.map((n) => n.name)).toEqual(['app-net', 'spare-net']);
  });

  it('shows each network of the node with driver, subnet and containers; a viewer gets no controls', async () => {
    const { requests } = renderApp('networks', { backend: 'ops', user: VIEWER });
    const table = await screen.findByTestId(`networks-${CLUSTER}-${NODE}`);
    // The page has asked who the user is; let that answer arrive and render before looking.
    await waitFor(() => expect(requests.some((r) => r.endsWith('/api/v1/me'))).toBe(true));
    await act(() => new Promise((r) => setTimeout(r, 500)));
    const rows = within(table).getAllByRole('row');
    const app = rows.find((r) => within(r).queryByText('app-net'))!;
    expect(app).toHaveTextContent('bridge');
    expect(app).toHaveTextContent('172.30.5.0/24');
    expect(within(app).getByRole('link', { name: 'net-web' })).toBeVisible();
    expect(app).toHaveTextContent('172.30.5.2/24');
    expect(rows.find((r) => within(r).queryByText('spare-net'))).toHaveTextContent('bridge (internal)');
    expect(screen.queryByRole('form', { name: 'Create network' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Remove network/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Disconnect/ })).not.toBeInTheDocument();
  });

  it('removes a network after a confirmation naming it, and shows the action until the agent reports', async () => {
    const user = userEvent.setup();
    renderApp('networks', { backend: 'ops' });
    await user.click(await screen.findByRole('button', { name: 'Remove network spare-net' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove network spare-net?' });
    expect(dialog).toHaveTextContent(`spare-net on ${NODE} will be removed`);
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    const status = await screen.findByRole('status', { name: 'Network action state' });
    expect(status).toHaveTextContent(`Remove network spare-net on ${NODE}: queued, waiting for the agent`);
    const [queued] = await actionsOf('network.remove');
    expect(queued).toMatchObject({ state: 'queued', target: { network: SPARE }, targetName: 'spare-net' });

    // The agent's live push is handed it; its next batch reports Docker's answer.
    await ingest(agentBatch(), 'ops');
    await ingest(
      agentBatch({ actionResults: [{ id: queued.id, state: 'done', message: 'removed network 720000000000', ts: 1 }] }),
      'ops'
    );
    await waitFor(() => expect(status).toHaveTextContent(`Remove network spare-net on ${NODE}: done`), {
      timeout: 10_000,
    });
  });

  it('disconnects a container after a confirmation naming both', async () => {
    const user = userEvent.setup();
    renderApp('networks', { backend: 'ops' });
    await user.click(await screen.findByRole('button', { name: 'Disconnect net-web from app-net' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disconnect net-web from app-net?' });
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await waitFor(async () =>
      expect((await actionsOf('network.disconnect'))[0]).toMatchObject({
        state: 'queued',
        target: { network: APP, containerId: WEB },
        targetName: 'app-net/net-web',
      })
    );
  });

  it('connects a container of the node picked from those not on the network', async () => {
    const user = userEvent.setup();
    renderApp('networks', { backend: 'ops' });
    await screen.findByTestId(`networks-${CLUSTER}-${NODE}`);
    await pickOption(user, 'Connect a container to app-net', 'net-db');
    await waitFor(async () =>
      expect((await actionsOf('network.connect'))[0]).toMatchObject({
        state: 'queued',
        target: { network: APP, containerId: DB },
      })
    );
    expect(await screen.findByRole('status', { name: 'Network action state' })).toHaveTextContent(
      'Connect app-net/net-db'
    );
  });

  it('creates a network; the backend’s refusal of a bad name is shown and nothing is queued', async () => {
    const user = userEvent.setup();
    renderApp('networks', { backend: 'ops' });
    const form = await screen.findByRole('form', { name: 'Create network' });
    await user.type(within(form).getByLabelText('Name'), 'bad name');
    await user.click(within(form).getByRole('button', { name: 'Create network' }));
    expect(await screen.findByText('The action could not be requested')).toBeVisible();
    expect(await actionsOf('network.create')).toEqual([]);

    await user.clear(within(form).getByLabelText('Name'));
    await user.type(within(form).getByLabelText('Name'), 'made-here');
    await user.type(within(form).getByLabelText(/Subnet/), '172.31.9.0/24');
    await user.click(within(form).getByRole('checkbox', { name: 'No outside access' }));
    await user.click(within(form).getByRole('button', { name: 'Create network' }));
    await waitFor(async () => {
      const [created] = await actionsOf('network.create');
      expect(created).toMatchObject<Partial<Action>>({
        state: 'queued',
        targetName: 'made-here',
        options: { driver: 'bridge', subnet: '172.31.9.0/24', internal: true },
      });
    });
    expect(await screen.findByRole('status', { name: 'Network action state' })).toHaveTextContent(
      `Create network made-here on ${NODE}: queued, waiting for the agent`
    );
  });
});

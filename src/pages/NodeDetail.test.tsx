import { screen, within } from '@testing-library/react';
import type { NodeListReply } from '@fleetlens/protocol/api';
import { backendGet, renderApp } from '../test/harness';

describe('Node page against a live backend', () => {
  it('shows the node’s facts and all of its containers', async () => {
    const nodes = await backendGet<NodeListReply>('/nodes?q=aws-k8s-node-01');
    const node = nodes.items[0];
    renderApp(`nodes/${node.id}`);
    expect(await screen.findByTestId('node-name')).toHaveTextContent('aws-k8s-node-01');
    const facts = screen.getByLabelText('Node facts');
    // node-01: 4 cores, 4 × 4 GiB of memory; a Kubernetes worker in a public cloud.
    expect(within(facts).getByText('16 GiB')).toBeInTheDocument();
    expect(within(facts).getByText('Public cloud')).toBeInTheDocument();
    expect(within(facts).getByText('worker')).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Containers on this node' });
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 20);
  });

  it('says so when the node does not exist', async () => {
    renderApp('nodes/0000000000000000');
    expect(await screen.findByText('Not found')).toBeInTheDocument();
  });
});

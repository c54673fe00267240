import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { formattedValueToString, getValueFormat } from '@grafana/data';
import type { NodeListReply } from '@fleetlens/protocol/api';
import { backendGet, pickOption, renderApp } from '../test/harness';

const GiB = 1024 ** 3;

/** Node names in table order (the Name column's links). */
function nodeNames(): string[] {
  const table = screen.getByRole('table', { name: 'Nodes' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('link')[0].textContent ?? '');
}

describe('Nodes page against a live backend', () => {
  it('lists every node with its cluster, status and memory capacity', async () => {
    renderApp('nodes');
    await screen.findByRole('table', { name: 'Nodes' });
    expect(nodeNames()).toEqual([
      'aws-k8s-node-01',
      'aws-k8s-node-02',
      'aws-k8s-node-03',
      'onprem-docker-node-01',
      'onprem-docker-node-02',
      'onprem-docker-node-03',
    ]);
    const row = screen.getByRole('link', { name: 'onprem-docker-node-01' }).closest('tr')!;
    expect(within(row).getByText('On-premises')).toBeInTheDocument();
    expect(within(row).getByText('docker-host')).toBeInTheDocument();
    // node-01 of every cluster has 4 cores and 4 × 4 GiB of memory in the seeded fleet.
    const total = formattedValueToString(getValueFormat('bytes')(16 * GiB));
    expect(within(row).getByRole('meter', { name: 'onprem-docker-node-01 memory' }).parentElement).toHaveTextContent(
      `/ ${total}`
    );
    expect(within(row).getByText(/Ready|Warning/)).toBeInTheDocument();
  });

  it('shows CPU as a percentage bar that matches the backend', async () => {
    renderApp('nodes');
    await screen.findByRole('table', { name: 'Nodes' });
    const reply = await backendGet<NodeListReply>('/nodes');
    for (const n of reply.items) {
      const meter = screen.getByRole('meter', { name: `${n.name} CPU` });
      expect(meter).toHaveAttribute(
        'aria-valuetext',
        formattedValueToString(getValueFormat('percent')(n.cpuPercent!, 1))
      );
    }
  });

  it('sorts by CPU on the backend when the CPU header is clicked, and flips the order on a second click', async () => {
    const user = userEvent.setup();
    renderApp('nodes');
    await screen.findByRole('table', { name: 'Nodes' });
    const reply = await backendGet<NodeListReply>('/nodes');
    const byCpu = [...reply.items].sort((a, b) => b.cpuPercent! - a.cpuPercent!).map((n) => n.name);

    await user.click(screen.getByRole('button', { name: /CPU/ }));
    await waitFor(() => expect(nodeNames()).toEqual(byCpu));
    expect(screen.getByRole('columnheader', { name: /CPU/ })).toHaveAttribute('aria-sort', 'descending');

    await user.click(screen.getByRole('button', { name: /CPU/ }));
    await waitFor(() => expect(nodeNames()).toEqual([...byCpu].reverse()));
    expect(screen.getByRole('columnheader', { name: /CPU/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('narrows the list with the text search and the cluster filter', async () => {
    const user = userEvent.setup();
    const r = renderApp('nodes');
    await screen.findByRole('table', { name: 'Nodes' });

    await user.type(screen.getByLabelText('Search nodes'), 'node-02');
    await waitFor(() => expect(nodeNames()).toEqual(['aws-k8s-node-02', 'onprem-docker-node-02']));

    await user.clear(screen.getByLabelText('Search nodes'));
    await waitFor(() => expect(nodeNames()).toHaveLength(6));

    await pickOption(user, 'Cluster', 'aws-k8s · Public cloud');
    await waitFor(() => expect(r.requests).toContainEqual(expect.stringMatching(/\/nodes\?cluster=aws-k8s&/)));
    await waitFor(() => expect(nodeNames()).toEqual(['aws-k8s-node-01', 'aws-k8s-node-02', 'aws-k8s-node-03']));
  });

  it('says no node matches when the search finds nothing', async () => {
    const user = userEvent.setup();
    renderApp('nodes');
    await screen.findByRole('table', { name: 'Nodes' });
    await user.type(screen.getByLabelText('Search nodes'), 'no-such-node');
    expect(await screen.findByText('No nodes match these filters')).toBeInTheDocument();
  });
});

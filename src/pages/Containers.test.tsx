import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { formattedValueToString, getValueFormat } from '@grafana/data';
import type { ContainerListReply } from '@fleetlens/protocol/api';
import { backendGet, pickOption, renderApp } from '../test/harness';

/** Container names in table order. */
function containerNames(): string[] {
  const table = screen.getByRole('table', { name: 'Containers' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('link')[0].textContent ?? '');
}

describe('Containers page against a live backend', () => {
  it('pages through the 72 seeded containers fifty at a time on the backend', async () => {
    const user = userEvent.setup();
    renderApp('containers');
    expect(await screen.findByTestId('container-count')).toHaveTextContent('1–50 of 72 containers');
    expect(containerNames()).toHaveLength(50);

    await user.click(screen.getByRole('button', { name: '2' }));
    await waitFor(() => expect(screen.getByTestId('container-count')).toHaveTextContent('51–72 of 72 containers'));
    expect(containerNames()).toHaveLength(22);
  });

  it('shows each container with its state badge, memory and network rates as the backend reports them', async () => {
    renderApp('containers');
    await screen.findByRole('table', { name: 'Containers' });
    const reply = await backendGet<ContainerListReply>('/containers?sort=name&order=asc&page=1&pageSize=50');
    const running = reply.items.find((c) => c.displayState === 'running' && !c.hostNetwork && c.netRxBps !== null)!;
    // Names repeat across nodes in the seeded fleet; the row is found by the node link too.
    const row = screen
      .getAllByRole('link', { name: running.name })
      .map((a) => a.closest('tr')!)
      .find((tr) => within(tr).queryByRole('link', { name: running.nodeName }))!;
    expect(within(row).getByText('running')).toBeInTheDocument();
    expect(row).toHaveTextContent(formattedValueToString(getValueFormat('bytes')(running.memBytes!)));
    expect(row).toHaveTextContent(`↓ ${formattedValueToString(getValueFormat('Bps')(running.netRxBps!))}`);
  });

  it('filters by state and by text search, on the backend', async () => {
    const user = userEvent.setup();
    renderApp('containers');
    await screen.findByRole('table', { name: 'Containers' });
    const stopped = await backendGet<ContainerListReply>('/containers?state=stopped&pageSize=500');
    expect(stopped.total).toBeGreaterThan(0);

    await pickOption(user, 'State', 'stopped');
    await waitFor(() =>
      expect(screen.getByTestId('container-count')).toHaveTextContent(`of ${stopped.total} containers`)
    );
    const table = screen.getByRole('table', { name: 'Containers' });
    expect(within(table).getAllByText('stopped')).toHaveLength(stopped.total);

    await pickOption(user, 'State', 'All states');
    await user.type(screen.getByLabelText('Search containers'), 'svc-1');
    // Docker containers are named svc-<index>: svc-1, svc-10 and svc-11 contain "svc-1".
    await waitFor(() => expect(containerNames().sort()).toEqual(['svc-1', 'svc-10', 'svc-11']));
  });

  it('narrows to one namespace and one cluster with the filters', async () => {
    const user = userEvent.setup();
    renderApp('containers');
    await screen.findByRole('table', { name: 'Containers' });
    const payments = await backendGet<ContainerListReply>('/containers?namespace=payments&pageSize=500');
    expect(payments.total).toBeGreaterThan(0);
    await pickOption(user, 'Namespace', 'payments');
    await waitFor(() =>
      expect(screen.getByTestId('container-count')).toHaveTextContent(`of ${payments.total} containers`)
    );
    const table = screen.getByRole('table', { name: 'Containers' });
    expect(within(table).getAllByText('payments')).toHaveLength(payments.total);

    await pickOption(user, 'Namespace', 'All namespaces');
    await pickOption(user, 'Cluster', 'onprem-docker · On-premises');
    // 3 Docker hosts × 4 containers.
    await waitFor(() => expect(screen.getByTestId('container-count')).toHaveTextContent('1–12 of 12 containers'));
    expect(containerNames().every((n) => n.startsWith('svc-'))).toBe(true);
  });

  it('sorts by memory, biggest first, with a sort indicator on the column', async () => {
    const user = userEvent.setup();
    renderApp('containers');
    await screen.findByRole('table', { name: 'Containers' });
    await user.click(screen.getByRole('button', { name: /Memory/ }));
    await waitFor(() =>
      expect(screen.getByRole('columnheader', { name: /Memory/ })).toHaveAttribute('aria-sort', 'descending')
    );
    const all = await backendGet<ContainerListReply>('/containers?pageSize=500');
    const top = [...all.items].filter((c) => c.memBytes !== null).sort((a, b) => b.memBytes! - a.memBytes!)[0];
    await waitFor(() => expect(containerNames()[0]).toBe(top.name));
  });
});

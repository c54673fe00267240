import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../test/harness';

describe('Workloads page against a live backend', () => {
  it('lists the Kubernetes namespaces, then a namespace’s deployments and pods, then one deployment', async () => {
    const user = userEvent.setup();
    renderApp('workloads');
    const namespaces = await screen.findByRole('table', { name: 'Namespaces' });
    // Only aws-k8s is a Kubernetes cluster; its containers spread over five namespaces.
    expect(
      within(namespaces)
        .getAllByRole('row')
        .slice(1)
        .map((r) => within(r).getAllByRole('cell')[0].textContent)
    ).toEqual(expect.arrayContaining(['default', 'monitoring', 'payments', 'search', 'web']));
    expect(within(namespaces).getAllByRole('row')).toHaveLength(6);

    await user.click(screen.getByRole('button', { name: 'Show namespace payments' }));
    const workloads = await screen.findByRole('table', { name: 'Workloads' });
    // Seven deployments (app-0 … app-6) per namespace, each desiring 3 replicas.
    expect(within(workloads).getAllByRole('row')).toHaveLength(8);
    expect(within(workloads).getAllByText('3 / 3 ready')).toHaveLength(7);
    const pods = await screen.findByRole('table', { name: 'Pods' });
    expect(within(pods).getAllByRole('row').length).toBeGreaterThan(1);

    await user.click(within(workloads).getByRole('link', { name: 'app-2' }));
    expect(await screen.findByTestId('workload-name')).toHaveTextContent('app-2');
    expect(screen.getByRole('table', { name: 'Pods' })).toBeInTheDocument();
  });
});

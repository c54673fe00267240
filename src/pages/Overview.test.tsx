import { screen, within } from '@testing-library/react';
import { formattedValueToString, getValueFormat } from '@grafana/data';
import type { OverviewReply } from '@fleetlens/protocol/api';
import { backendGet, closedUrl, renderApp } from '../test/harness';

const GiB = 1024 ** 3;
const fmt = (unit: string, v: number) => formattedValueToString(getValueFormat(unit)(v));

describe('Overview page against a live backend seeded through ingest', () => {
  it('shows fleet totals and one card per cluster with its environment', async () => {
    renderApp('overview');
    const reply = await backendGet<OverviewReply>('/overview');

    // 3 Docker hosts × 4 containers + 3 Kubernetes nodes × 20 containers (the seeded fleet).
    const containers = await screen.findByTestId('card-containers');
    expect(within(containers).getByText('72')).toBeInTheDocument();
    expect(
      within(screen.getByTestId('card-running')).getByText(String(reply.totals.containers.running))
    ).toBeInTheDocument();
    expect(within(screen.getByTestId('card-nodes')).getByText('6 / 6')).toBeInTheDocument();

    // Node memory is cores × 4 GiB with 4, 8 and 16 cores per cluster: 2 × 112 GiB in total.
    expect(
      within(screen.getByTestId('card-memory')).getByText(new RegExp(`of ${fmt('bytes', 224 * GiB)}$`))
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('card-net-in')).getByText(fmt('Bps', reply.totals.usage.netRxBps))
    ).toBeInTheDocument();

    const cards = screen.getAllByTestId('cluster-card');
    expect(cards).toHaveLength(2);
    const docker = screen.getByRole('region', { name: 'Cluster onprem-docker' });
    expect(within(docker).getByText('On-premises')).toBeInTheDocument();
    expect(within(docker).getByText(/Docker · 3\/3 nodes ready/)).toBeInTheDocument();
    const k8s = screen.getByRole('region', { name: 'Cluster aws-k8s' });
    expect(within(k8s).getByText('Public cloud')).toBeInTheDocument();
    expect(within(k8s).getByText(/Kubernetes/)).toBeInTheDocument();
  });

  it('explains what to do when no agent has reported yet', async () => {
    renderApp('overview', { backend: 'empty' });
    expect(await screen.findByText('No nodes or containers have reported yet')).toBeInTheDocument();
    expect(screen.getByText(/Install the Fleetlens agent/)).toBeInTheDocument();
    expect(screen.queryByTestId('card-containers')).not.toBeInTheDocument();
  });

  it('says the backend cannot be reached and links to the configuration page', async () => {
    renderApp('overview', { backend: { url: await closedUrl() } });
    expect(await screen.findByText('Cannot reach the Fleetlens backend')).toBeInTheDocument();
    const link = screen.getByRole('link', { name: /Open the Fleetlens configuration/ });
    expect(link).toHaveAttribute('href', '/plugins/fleetlens-monitor-app');
  });

  it('says the service key was rejected when Grafana sends a wrong one', async () => {
    renderApp('overview', { key: 'not-the-right-key-at-all' });
    expect(await screen.findByText('The service key was rejected')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open the Fleetlens configuration/ })).toBeInTheDocument();
  });
});

import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { formattedValueToString, getValueFormat } from '@grafana/data';
import type { HeatmapReply } from '@fleetlens/protocol/api';
import { backendGet, renderApp } from '../test/harness';

describe('Heatmap page against a live backend', () => {
  it('draws one tile per node, grouped by cluster, with the value on hover', async () => {
    renderApp('heatmap');
    const tiles = await screen.findAllByTestId('heatmap-tile');
    expect(tiles).toHaveLength(6);
    const reply = await backendGet<HeatmapReply>('/heatmap?metric=cpuPercent');
    const node = reply.nodes.find((n) => n.name === 'aws-k8s-node-02')!;
    const pct = formattedValueToString(getValueFormat('percent')(node.value!, 1));
    const group = screen.getByRole('region', { name: 'Cluster aws-k8s' });
    const tile = within(group).getByRole('link', { name: `aws-k8s-node-02: CPU ${pct}, Ready` });
    fireEvent.mouseEnter(tile);
    expect(screen.getByTestId('heatmap-hover')).toHaveTextContent(`aws-k8s-node-02 · aws-k8s · CPU ${pct}`);
  });

  it('switches to memory and opens the node page when a tile is clicked', async () => {
    const user = userEvent.setup();
    renderApp('heatmap');
    await screen.findAllByTestId('heatmap-tile');
    await user.click(screen.getByRole('radio', { name: 'Memory' }));
    const tile = await screen.findByRole('link', { name: /^onprem-docker-node-03: Memory / });
    await user.click(tile);
    expect(await screen.findByTestId('node-name')).toHaveTextContent('onprem-docker-node-03');
    // node-03 has 16 cores and 16 × 4 GiB of memory in the seeded fleet.
    expect(screen.getByLabelText('Node facts')).toHaveTextContent('64 GiB');
  });
});

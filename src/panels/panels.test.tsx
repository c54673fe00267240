import React from 'react';
import { render, screen, within } from '@testing-library/react';
import {
  formattedValueToString,
  getDefaultTimeRange,
  getValueFormat,
  LoadingState,
  type DataFrame,
  type PanelProps,
} from '@grafana/data';
import { MemoryRouter } from 'react-router-dom';
import type { NodeListReply, TopReply } from '@fleetlens/protocol/api';
import { backendGet, backendUrl, serviceKey } from '../test/harness';
import { installDatasource, installTemplates, request } from '../datasource/testing/harness';
import { NodeHeatmapPanel } from './node-heatmap/NodeHeatmapPanel';
import { TopContainersPanel } from './top-containers/TopContainersPanel';
import type { NodeHeatmapOptions } from './node-heatmap/types';
import type { TopContainersOptions } from './top-containers/types';

/**
 * The nested panels fed with frames the datasource returns from the live test backend
 * (through the emulated datasource proxy); expected values from direct backend calls.
 */

async function framesOf(target: Parameters<typeof request>[0][number]): Promise<DataFrame[]> {
  installTemplates();
  const { ds } = installDatasource({ backendUrl: backendUrl('fleet'), serviceKey: serviceKey() });
  const to = Math.floor(Date.now() / 1000);
  return (await ds.query(request([target], { fromSec: to - 1800, toSec: to }))).data as DataFrame[];
}

function panelProps<T>(series: DataFrame[], options: T): PanelProps<T> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 1,
    data: { state: LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 800,
    height: 400,
    renderCounter: 0,
    title: 'panel',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    replaceVariables: (s: string) => s,
    onChangeTimeRange: () => undefined,
  } as PanelProps<T>;
}

const pct = (v: number | null) => (v === null ? '–' : formattedValueToString(getValueFormat('percent')(v, 1)));

describe('node heatmap panel', () => {
  test('a tile per node of the Nodes table, coloured by the memory band of the panel thresholds, linking to the node page', async () => {
    const series = await framesOf({ queryType: 'nodes' });
    const nodes = await backendGet<NodeListReply>('/nodes');
    const options: NodeHeatmapOptions = { metric: 'memPercent', warn: 30, crit: 60 };
    render(
      <MemoryRouter>
        <NodeHeatmapPanel {...panelProps(series, options)} />
      </MemoryRouter>
    );
    const tiles = await screen.findAllByTestId('heatmap-tile');
    expect(tiles).toHaveLength(nodes.items.length);
    for (const n of nodes.items) {
      const tile = screen.getByRole('link', { name: `${n.name}: Memory ${pct(n.memPercent)}, Ready` });
      expect(tile).toHaveAttribute('href', `/a/fleetlens-monitor-app/nodes/${n.id}`);
      const level = n.memPercent === null ? 'none' : n.memPercent >= 60 ? 'crit' : n.memPercent >= 30 ? 'warn' : 'ok';
      expect(tile).toHaveAttribute('data-level', level);
    }
    // Grouped by cluster, as on the app's Heatmap page.
    expect(screen.getByRole('region', { name: 'Cluster aws-k8s' })).toBeInTheDocument();
    expect(screen.getByText('from 60 %')).toBeInTheDocument();
  });

  test('without a Nodes table it says which query it needs', () => {
    render(<NodeHeatmapPanel {...panelProps<NodeHeatmapOptions>([], { metric: 'cpuPercent', warn: 70, crit: 90 })} />);
    expect(screen.getByRole('status')).toHaveTextContent('query type "Nodes table"');
  });
});

describe('top containers panel', () => {
  test('N items ranked by the query metric with rank badges, values in the metric unit and links; re-ranked by another metric', async () => {
    const series = await framesOf({ queryType: 'top', metric: 'cpuCores', limit: 10 });
    const direct = await backendGet<TopReply>('/top?metric=cpuCores&window=1800&limit=10');
    const { unmount } = render(
      <MemoryRouter>
        <TopContainersPanel {...panelProps<TopContainersOptions>(series, { limit: 5, metric: 'auto' })} />
      </MemoryRouter>
    );
    let items = await screen.findAllByTestId('top-item');
    expect(items).toHaveLength(5);
    items.forEach((li, i) => {
      expect(within(li).getByLabelText(`Rank ${i + 1}`)).toBeInTheDocument();
      expect(within(li).getByRole('link', { name: direct.items[i].name })).toHaveAttribute(
        'href',
        `/a/fleetlens-monitor-app/containers/${direct.items[i].id}`
      );
      expect(within(li).getByRole('link', { name: direct.items[i].nodeName })).toHaveAttribute(
        'href',
        `/a/fleetlens-monitor-app/nodes/${direct.items[i].nodeId}`
      );
    });
    unmount();

    // Memory: the rows the query returned, ordered by their memory, shown in bytes.
    render(
      <MemoryRouter>
        <TopContainersPanel {...panelProps<TopContainersOptions>(series, { limit: 3, metric: 'memBytes' })} />
      </MemoryRouter>
    );
    items = await screen.findAllByTestId('top-item');
    const byMem = [...direct.items].sort((a, b) => b.memBytes! - a.memBytes!).slice(0, 3);
    expect(screen.getByRole('list', { name: 'Top containers by Memory' })).toBeInTheDocument();
    items.forEach((li, i) => {
      expect(within(li).getByRole('link', { name: byMem[i].name })).toBeInTheDocument();
      expect(li).toHaveTextContent(formattedValueToString(getValueFormat('bytes')(byMem[i].memBytes!)));
    });
  });

  test('without a Top containers table it says which query it needs', () => {
    render(<TopContainersPanel {...panelProps<TopContainersOptions>([], { limit: 10, metric: 'auto' })} />);
    expect(screen.getByRole('status')).toHaveTextContent('query type "Top containers"');
  });
});

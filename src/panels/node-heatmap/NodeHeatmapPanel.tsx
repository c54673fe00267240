import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { PanelProps } from '@grafana/data';
import { HeatmapGrid, type HeatmapNode } from '../../components/HeatmapGrid';
import { appUrl, ROUTES } from '../../constants';
import { thresholdsFrom } from '../../types';
import { cell, fieldOf, frameWith, numOrNull } from '../shared/frames';
import { PanelMessage } from '../shared/PanelMessage';
import { METRIC_NAMES, type NodeHeatmapOptions } from './types';

/** The fields the panel reads: the Fleetlens datasource's "Nodes table" query returns them. */
export const REQUIRED_FIELDS = ['id', 'name', 'status'];

/** Rows of the Nodes table as heatmap tiles, valued by the chosen metric. */
export function nodesFromFrames(frames: PanelProps['data']['series'], metric: string): HeatmapNode[] | undefined {
  const frame = frameWith(frames, [...REQUIRED_FIELDS, metric]);
  if (!frame) {
    return undefined;
  }
  const ids = fieldOf(frame, 'id')!.values;
  return ids.map((id, i) => ({
    id: String(id),
    name: cell(frame, 'name', i, String(id)),
    clusterName: cell(frame, 'cluster', i, ''),
    environment: cell(frame, 'environment', i, 'on-prem') as HeatmapNode['environment'],
    status: cell(frame, 'status', i, 'unknown') as HeatmapNode['status'],
    value: numOrNull(fieldOf(frame, metric)!.values[i]),
  }));
}

/** The app's HeatmapGrid (the Heatmap page uses the same component) inside a dashboard panel. */
export function NodeHeatmapPanel({ data, options, width, height }: PanelProps<NodeHeatmapOptions>) {
  const metric = options.metric ?? 'cpuPercent';
  const nodes = useMemo(() => nodesFromFrames(data.series, metric), [data.series, metric]);
  const thresholds = thresholdsFrom({ warnPercent: options.warn, critPercent: options.crit });
  if (!nodes) {
    return (
      <PanelMessage title="No node data">
        Use the Fleetlens datasource with the query type &quot;Nodes table&quot; (fields id, name, cluster, status and{' '}
        {metric}).
      </PanelMessage>
    );
  }
  if (!nodes.length) {
    return <PanelMessage title="No nodes match the query" />;
  }
  return (
    <div className={css({ width, height, overflow: 'auto' })} data-testid="fleetlens-node-heatmap-panel">
      <HeatmapGrid
        nodes={nodes}
        metricLabel={METRIC_NAMES[metric] ?? metric}
        thresholds={thresholds}
        hrefOf={(n) => appUrl(ROUTES.nodes, n.id)}
      />
    </div>
  );
}

import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { DataFrame, PanelProps } from '@grafana/data';
import { TopList, type TopItem } from '../../components/TopList';
import { appUrl, ROUTES } from '../../constants';
import { cell, fieldOf, frameWith, numOrNull } from '../shared/frames';
import { PanelMessage } from '../shared/PanelMessage';
import { TOP_METRIC_LABELS, type TopContainersOptions } from './types';

/** The fields the panel needs; the Fleetlens datasource's "Top containers" query returns them and more. */
export const REQUIRED_FIELDS = ['id', 'name', 'value'];

/** The metric the query ranked by (frame meta from the datasource, or the value field's display name). */
export function queryMetric(frame: DataFrame): string {
  const custom = frame.meta?.custom as { metric?: string } | undefined;
  return custom?.metric ?? fieldOf(frame, 'value')?.config.displayName ?? 'cpuCores';
}

/**
 * Rows of the Top containers table as TopList items. With a panel metric other than the query's,
 * the rows are re-ranked by that metric's field (within the rows the query returned).
 */
export function itemsFromFrames(
  frames: DataFrame[],
  options: TopContainersOptions
): { items: TopItem[]; metric: string } | undefined {
  const frame = frameWith(frames, REQUIRED_FIELDS);
  if (!frame) {
    return undefined;
  }
  const ranked = queryMetric(frame);
  const metric = options.metric && options.metric !== 'auto' ? options.metric : ranked;
  const source = metric === ranked ? 'value' : metric;
  const n = fieldOf(frame, 'id')!.values.length;
  const num = (name: string, i: number) => numOrNull(fieldOf(frame, name)?.values[i]);
  const rows = Array.from({ length: n }, (_, i) => ({ i, value: num(source, i) }));
  // Re-ranked by another metric: rows without that value drop out, the largest first.
  const ordered =
    source === 'value'
      ? rows
      : rows
          .filter((r) => r.value !== null)
          .sort(
            (a, b) =>
              b.value! - a.value! || String(cell(frame, 'name', a.i, '')).localeCompare(cell(frame, 'name', b.i, ''))
          );
  const items: TopItem[] = ordered.map(({ i, value }, k) => ({
    rank: source === 'value' ? cell(frame, 'rank', i, k + 1) : k + 1,
    id: String(cell(frame, 'id', i, '')),
    name: cell(frame, 'name', i, ''),
    image: cell(frame, 'image', i, ''),
    displayState: cell(frame, 'state', i, 'running') as TopItem['displayState'],
    clusterName: cell(frame, 'cluster', i, ''),
    nodeId: cell(frame, 'nodeId', i, ''),
    nodeName: cell(frame, 'node', i, ''),
    namespace: cell<string | null>(frame, 'namespace', i, null),
    value: value ?? 0,
    cpuCores: num('cpuCores', i),
    cpuPercent: num('cpuPercent', i),
    memBytes: num('memBytes', i),
    netRxBps: num('netRxBps', i),
    netTxBps: num('netTxBps', i),
    diskReadBps: num('diskReadBps', i),
    diskWriteBps: num('diskWriteBps', i),
  }));
  const limit = Math.max(1, Math.round(options.limit || 10));
  return { items: items.slice(0, limit), metric };
}

/** The app's TopList (the Monitoring page uses the same component) inside a dashboard panel. */
export function TopContainersPanel({ data, options, width, height }: PanelProps<TopContainersOptions>) {
  const result = useMemo(() => itemsFromFrames(data.series, options), [data.series, options]);
  if (!result) {
    return (
      <PanelMessage title="No container data">
        Use the Fleetlens datasource with the query type &quot;Top containers&quot; (fields rank, id, name, value, node,
        …).
      </PanelMessage>
    );
  }
  if (!result.items.length) {
    return <PanelMessage title="No containers with data in this time range" />;
  }
  const label = TOP_METRIC_LABELS[result.metric] ?? result.metric;
  return (
    <div className={css({ width, height, overflow: 'auto' })} data-testid="fleetlens-top-containers-panel">
      <TopList
        items={result.items}
        metric={result.metric}
        metricLabel={label}
        hrefOf={(it) => appUrl(ROUTES.containers, it.id)}
        nodeHrefOf={(it) => appUrl(ROUTES.nodes, it.nodeId)}
      />
    </div>
  );
}

import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { ContainerSortKey, NodeDetailReply } from '@fleetlens/protocol/api';
import { useParams } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { DataTable } from '../components/DataTable';
import { EntityCharts, NODE_CHARTS, useEntitySeries } from '../components/EntityCharts';
import { NodeAgentStatus } from '../components/AgentStatus';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { useFleetlens } from '../components/FleetlensContext';
import { LabelList, MetaList } from '../components/MetaList';
import { PageLayout } from '../components/PageLayout';
import { CardGrid } from '../components/StatCard';
import { NodeStatusBadge } from '../components/StatusBadge';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import { formatCores, formatDuration, formatTime, formatUnit, fsDetail } from '../utils/format';
import { sortContainers } from '../utils/sortRows';
import { useTableState, type TableSpec } from '../utils/viewState';
import { containerColumns, CONTAINERS_TABLE } from './Containers';
import { nodeHasWarning } from './Nodes';

const NUMERIC: readonly ContainerSortKey[] = [
  'cpu',
  'memory',
  'netRx',
  'netTx',
  'diskRead',
  'diskWrite',
  'created',
  'restarts',
];

/** The node's containers table in the URL (one reply, sorted in the browser); its own default order. */
const NODE_CONTAINERS_TABLE: TableSpec<ContainerSortKey> = {
  sortKeys: CONTAINERS_TABLE.sortKeys,
  numeric: NUMERIC,
  defaultSort: { key: 'cpu', order: 'desc' },
};

/** A usage bar with its name above it. */
function LabelledBar({ label, children }: { label: string; children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <div>
      <div className={styles.barLabel}>{label}</div>
      {children}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  barLabel: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginBottom: theme.spacing(0.5),
  }),
});

/** One node: its facts, usage, charts and containers. */
export function NodeDetailPage() {
  const { id = '' } = useParams();
  const { thresholds } = useFleetlens();
  const node = useApiData<NodeDetailReply>(`node:${id}`, (c, signal) => c.node(id, signal), { keepPrevious: false });
  const series = useEntitySeries('node', id, NODE_CHARTS);
  const { sort, onSort } = useTableState(NODE_CONTAINERS_TABLE);
  const columns = useMemo(() => containerColumns(thresholds, { showNode: false }), [thresholds]);
  const n = node.data;
  const rows = useMemo(() => (n ? sortContainers(n.containers, sort) : []), [n, sort]);

  return (
    <PageLayout
      hideClusterPicker
      error={node.error ?? series.error}
      loading={node.loading}
      pageNav={{ text: n?.name ?? 'Node', parentItem: { text: 'Nodes', url: appUrl(ROUTES.nodes) } }}
      subTitle={n ? `${n.clusterName} · ${n.role}` : undefined}
    >
      {n && (
        <>
          <MetaList
            label="Node facts"
            items={[
              [
                'Name',
                <span key="n" data-testid="node-name">
                  {n.name}
                </span>,
              ],
              [
                'Status',
                <NodeStatusBadge
                  key="s"
                  status={n.status}
                  warning={nodeHasWarning(n, thresholds)}
                  silent={n.silent}
                  lastSeen={n.lastSeen}
                />,
              ],
              [
                'Cluster',
                <>
                  {n.clusterName} <EnvironmentTag environment={n.environment} />
                </>,
              ],
              ['Role', n.role],
              ['CPU cores', String(n.cores)],
              ['Memory', formatUnit('bytes', n.memoryBytes)],
              ['OS', n.os || '–'],
              ['Kernel', n.kernel || '–'],
              ['Architecture', n.arch || '–'],
              ['Uptime', formatDuration(n.uptimeSeconds)],
              ['Last report', formatTime(n.lastSeen)],
              ['Labels', <LabelList key="l" labels={n.labels} />],
            ]}
          />
          <CardGrid min={260}>
            <LabelledBar label="CPU">
              <UsageBar
                label="CPU"
                percent={n.cpuPercent}
                thresholds={thresholds}
                detail={`${formatCores(n.cpuCores)} of ${n.cores}`}
              />
            </LabelledBar>
            <LabelledBar label="Memory">
              <UsageBar
                label="Memory"
                percent={n.memPercent}
                thresholds={thresholds}
                detail={`${formatUnit('bytes', n.memUsedBytes)} of ${formatUnit('bytes', n.memoryBytes)}`}
              />
            </LabelledBar>
            <LabelledBar label="Disk">
              <UsageBar label="Disk" percent={n.fsPercent} thresholds={thresholds} detail={fsDetail(n)} />
            </LabelledBar>
          </CardGrid>
          <EntityCharts reply={series.data} charts={NODE_CHARTS} cpuCapacity={n.cores} />
          <NodeAgentStatus nodeId={n.id} />
          <h3>
            Containers ({n.containersRunning} running of {n.containersTotal})
          </h3>
          {rows.length > 0 ? (
            <DataTable
              label="Containers on this node"
              testId="node-containers"
              columns={columns}
              rows={rows}
              rowKey={(c) => c.id}
              sort={sort}
              onSort={onSort}
              stickyColumn="name"
            />
          ) : (
            <p>No containers on this node.</p>
          )}
        </>
      )}
    </PageLayout>
  );
}

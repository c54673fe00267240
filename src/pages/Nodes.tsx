import React, { useMemo, useState } from 'react';
import type { NodeListReply, NodeRow, NodeSortKey } from '@fleetlens/protocol/api';
import { RadioButtonGroup } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { DataTable, type Column } from '../components/DataTable';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { useFleetlens } from '../components/FleetlensContext';
import { NoData, NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { NodeStatusBadge } from '../components/StatusBadge';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import type { Thresholds } from '../types';
import { formatCores, formatDuration, formatUnit } from '../utils/format';
import { useSort } from '../utils/useSort';

const NUMERIC: readonly NodeSortKey[] = [
  'cpu',
  'cpuPercent',
  'memory',
  'memPercent',
  'disk',
  'fsPercent',
  'containers',
  'uptime',
];

const STATUS_OPTIONS = [
  { label: 'All', value: '' },
  { label: 'Ready', value: 'ready' },
  { label: 'NotReady', value: 'not_ready' },
  { label: 'Unknown', value: 'unknown' },
];

/** True when any usage is at or above the critical threshold (shown as Warning). */
export function nodeHasWarning(n: Pick<NodeRow, 'cpuPercent' | 'memPercent' | 'fsPercent'>, t: Thresholds): boolean {
  return [n.cpuPercent, n.memPercent, n.fsPercent].some((p) => p !== null && p >= t.crit);
}

/** The node columns, shared by the nodes page and other node lists. */
export function nodeColumns(thresholds: Thresholds): Array<Column<NodeRow, NodeSortKey>> {
  return [
    {
      id: 'name',
      header: 'Name',
      sortKey: 'name',
      render: (n) => <Link to={appUrl(ROUTES.nodes, n.id)}>{n.name}</Link>,
    },
    {
      id: 'cluster',
      header: 'Cluster',
      sortKey: 'cluster',
      render: (n) => (
        <>
          {n.clusterName} <EnvironmentTag environment={n.environment} />
        </>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      sortKey: 'status',
      render: (n) => <NodeStatusBadge status={n.status} warning={nodeHasWarning(n, thresholds)} />,
    },
    { id: 'role', header: 'Role', sortKey: 'role', render: (n) => n.role },
    {
      id: 'cpu',
      header: 'CPU',
      sortKey: 'cpuPercent',
      width: 200,
      render: (n) => (
        <UsageBar
          label={`${n.name} CPU`}
          percent={n.cpuPercent}
          thresholds={thresholds}
          detail={`${formatCores(n.cpuCores)} / ${n.cores}`}
        />
      ),
    },
    {
      id: 'memory',
      header: 'Memory',
      sortKey: 'memPercent',
      width: 220,
      render: (n) => (
        <UsageBar
          label={`${n.name} memory`}
          percent={n.memPercent}
          thresholds={thresholds}
          detail={`${formatUnit('bytes', n.memUsedBytes)} / ${formatUnit('bytes', n.memoryBytes)}`}
        />
      ),
    },
    {
      id: 'disk',
      header: 'Disk',
      sortKey: 'fsPercent',
      width: 220,
      render: (n) => (
        <UsageBar
          label={`${n.name} disk`}
          percent={n.fsPercent}
          thresholds={thresholds}
          detail={`${formatUnit('bytes', n.fsUsedBytes)} / ${formatUnit('bytes', n.fsTotalBytes)}`}
        />
      ),
    },
    {
      id: 'containers',
      header: 'Containers',
      sortKey: 'containers',
      align: 'right',
      render: (n) => `${n.containersRunning} / ${n.containersTotal}`,
    },
    {
      id: 'uptime',
      header: 'Uptime',
      sortKey: 'uptime',
      align: 'right',
      render: (n) => formatDuration(n.uptimeSeconds),
    },
  ];
}

/** All nodes with their usage; every column sorts (on the backend). */
export function NodesPage() {
  const { clusters, thresholds } = useFleetlens();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [sort, onSort] = useSort<NodeSortKey>({ key: 'name', order: 'asc' }, NUMERIC);
  const params = {
    cluster: clusters,
    status: status || undefined,
    q: q || undefined,
    sort: sort.key,
    order: sort.order,
  };
  const nodes = useApiData<NodeListReply>(`nodes:${JSON.stringify(params)}`, (c, signal) => c.nodes(params, signal));
  const columns = useMemo(() => nodeColumns(thresholds), [thresholds]);
  const filtered = !!(q || status);

  return (
    <PageLayout
      error={nodes.error}
      loading={nodes.loading}
      controls={
        <>
          <SearchBox label="Search nodes" placeholder="Search by name" value={q} onChange={setQ} />
          <RadioButtonGroup options={STATUS_OPTIONS} value={status} onChange={setStatus} aria-label="Node status" />
          {nodes.data && <span data-testid="node-count">{nodes.data.total} nodes</span>}
        </>
      }
    >
      {nodes.data &&
        nodes.data.items.length === 0 &&
        (filtered || clusters.length ? <NoMatches what="nodes" /> : <NoData message="No nodes have reported yet" />)}
      {nodes.data && nodes.data.items.length > 0 && (
        <DataTable
          label="Nodes"
          testId="nodes-table"
          columns={columns}
          rows={nodes.data.items}
          rowKey={(n) => n.id}
          sort={sort}
          onSort={onSort}
        />
      )}
    </PageLayout>
  );
}

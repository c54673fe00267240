import React, { useCallback, useMemo } from 'react';
import type { NodeListReply, NodeRow, NodeSortKey } from '@fleetlens/protocol/api';
import { css } from '@emotion/css';
import { RadioButtonGroup, Stack } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { ColumnPicker, DataTable, TablePager, type Column } from '../components/DataTable';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { useFleetlens } from '../components/FleetlensContext';
import { NoData, NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { formatSince, NodeStatusBadge } from '../components/StatusBadge';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import type { Thresholds } from '../types';
import { formatCores, formatDuration, formatTime, formatUnit, fsDetail } from '../utils/format';
import { useTableState, type TableSpec } from '../utils/viewState';

const NUMERIC: readonly NodeSortKey[] = [
  'cpu',
  'cpuPercent',
  'memory',
  'memPercent',
  'disk',
  'fsPercent',
  'containers',
  'uptime',
  'lastSeen',
];

const STATUS_OPTIONS = [
  { label: 'All', value: '' },
  { label: 'Ready', value: 'ready' },
  { label: 'NotReady', value: 'not_ready' },
  { label: 'Unknown', value: 'unknown' },
];

/** A cell's parts on lines of their own (name over its environment tag), to keep columns narrow. */
export const STACK = css({ display: 'inline-flex', flexDirection: 'column', alignItems: 'flex-start', gap: 2 });

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
        <span className={STACK}>
          {n.clusterName} <EnvironmentTag environment={n.environment} />
        </span>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      sortKey: 'status',
      render: (n) => (
        <NodeStatusBadge
          status={n.status}
          warning={nodeHasWarning(n, thresholds)}
          silent={n.silent}
          lastSeen={n.lastSeen}
        />
      ),
    },
    { id: 'role', header: 'Role', sortKey: 'role', render: (n) => n.role },
    {
      id: 'cpu',
      header: 'CPU',
      sortKey: 'cpuPercent',
      width: 150,
      render: (n) => (
        <UsageBar
          label={`${n.name} CPU`}
          percent={n.cpuPercent}
          thresholds={thresholds}
          stacked
          detail={`${formatCores(n.cpuCores)} / ${n.cores}`}
        />
      ),
    },
    {
      id: 'memory',
      header: 'Memory',
      sortKey: 'memPercent',
      width: 150,
      render: (n) => (
        <UsageBar
          label={`${n.name} memory`}
          percent={n.memPercent}
          thresholds={thresholds}
          stacked
          detail={`${formatUnit('bytes', n.memUsedBytes)} / ${formatUnit('bytes', n.memoryBytes)}`}
        />
      ),
    },
    {
      id: 'disk',
      header: 'Disk',
      sortKey: 'fsPercent',
      width: 150,
      render: (n) => (
        <UsageBar label={`${n.name} disk`} percent={n.fsPercent} thresholds={thresholds} detail={fsDetail(n)} stacked />
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
    {
      id: 'lastSeen',
      header: 'Last seen',
      sortKey: 'lastSeen',
      render: (n) => (
        <span title={formatTime(n.lastSeen)} data-silent={n.silent || undefined}>
          {formatSince(n.lastSeen)}
        </span>
      ),
    },
  ];
}

const NODE_COLUMNS = ['name', 'cluster', 'status', 'role', 'cpu', 'memory', 'disk', 'containers', 'uptime', 'lastSeen'];

/** The nodes table's state in the URL: sort, page, page size, columns, search and status. */
export const NODES_TABLE: TableSpec<NodeSortKey> = {
  sortKeys: [...NUMERIC, 'name', 'cluster', 'status', 'role'],
  defaultSort: { key: 'name', order: 'asc' },
  numeric: NUMERIC,
  pageSizes: [25, 50, 100, 500],
  defaultPageSize: 100,
  columns: NODE_COLUMNS,
  filters: ['q', 'status'],
};

/**
 * All nodes with their usage; every column sorts (on the backend). Sort, page, page size, columns
 * and filters live in the URL (useTableState).
 */
export function NodesPage() {
  const { clusters, thresholds } = useFleetlens();
  const table = useTableState(NODES_TABLE);
  const { sort, onSort } = table;
  const q = table.filters.q ?? '';
  const status = STATUS_OPTIONS.some((o) => o.value === table.filters.status) ? table.filters.status : '';
  const { setFilter } = table;
  const setQ = useCallback((v: string) => setFilter('q', v), [setFilter]);
  const setStatus = useCallback((v: string) => setFilter('status', v), [setFilter]);
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
  const items = useMemo(() => nodes.data?.items ?? [], [nodes.data]);
  const pages = Math.max(1, Math.ceil(items.length / table.pageSize));
  const page = Math.min(table.page, pages);
  const rows = useMemo(
    () => items.slice((page - 1) * table.pageSize, page * table.pageSize),
    [items, page, table.pageSize]
  );

  return (
    <PageLayout
      error={nodes.error}
      loading={nodes.loading}
      controls={
        <>
          <SearchBox label="Search nodes" placeholder="Search by name" value={q} onChange={setQ} />
          <RadioButtonGroup options={STATUS_OPTIONS} value={status} onChange={setStatus} aria-label="Node status" />
          <ColumnPicker
            columns={columns.filter((c) => c.id !== 'name')}
            value={table.columns}
            onChange={(ids) => table.setColumns(['name', ...ids])}
          />
          {nodes.data && <span data-testid="node-count">{nodes.data.total} nodes</span>}
        </>
      }
    >
      {nodes.data &&
        nodes.data.items.length === 0 &&
        (filtered || clusters.length ? <NoMatches what="nodes" /> : <NoData message="No nodes have reported yet" />)}
      {nodes.data && nodes.data.items.length > 0 && (
        <Stack direction="column" gap={0}>
          <DataTable
            label="Nodes"
            testId="nodes-table"
            columns={columns}
            rows={rows}
            rowKey={(n) => n.id}
            sort={sort}
            onSort={onSort}
            stickyColumn="name"
            visibleColumns={table.columns}
          />
          <TablePager
            page={page}
            pageSize={table.pageSize}
            total={items.length}
            shown={rows.length}
            what="nodes"
            sizes={NODES_TABLE.pageSizes!}
            onPage={table.setPage}
            onPageSize={table.setPageSize}
          />
        </Stack>
      )}
    </PageLayout>
  );
}

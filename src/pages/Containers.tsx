import React, { useCallback, useMemo } from 'react';
import type {
  ContainerListReply,
  ContainerRow,
  ContainerSortKey,
  DisplayState,
  NodeListReply,
} from '@fleetlens/protocol/api';
import { Stack } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { ContainerRowActions } from '../components/actions/ContainerRowActions';
import { ColumnPicker, DataTable, TablePager, type Column } from '../components/DataTable';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { EntityFilter } from '../components/EntityFilter';
import { NamespaceFilter } from '../components/NamespaceFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { NoData, NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { ContainerStateBadge } from '../components/StatusBadge';
import { RiskSummary } from '../components/RiskBadges';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import type { Thresholds } from '../types';
import { formatAgo, formatCores, formatMetric, formatTime, formatUnit } from '../utils/format';
import { useTableState, type TableSpec } from '../utils/viewState';
import { STACK } from './Nodes';

/** The default page size (the user may choose another: PAGE_SIZES). */
export const PAGE_SIZE = 50;
export const PAGE_SIZES = [25, 50, 100, 200] as const;

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

/** The trailing column of row actions (editors and admins): always shown, not in the column picker. */
const ACTIONS_COLUMN = 'actions';

const STATES: DisplayState[] = ['running', 'stopped', 'paused', 'restarting', 'unhealthy', 'unknown'];
const STATE_LABELS: Partial<Record<DisplayState, string>> = { unknown: 'no data (node silent)' };

/** Network rates as "↓ rx" over "↑ tx" (two short lines); host-network containers have none of their own. */
function IoCell({
  a,
  b,
  hostNetwork,
  aLabel,
  bLabel,
}: {
  a: number | null;
  b: number | null;
  hostNetwork?: boolean;
  aLabel: string;
  bLabel: string;
}) {
  if (hostNetwork) {
    return <span title="Uses the host's network: no numbers of its own">host network</span>;
  }
  return (
    <span title={`${aLabel} / ${bLabel}`} style={{ display: 'inline-flex', flexDirection: 'column' }}>
      <span>↓ {formatMetric('netRxBps', a)}</span>
      <span>↑ {formatMetric('netTxBps', b)}</span>
    </span>
  );
}

/**
 * The container columns, shared by the containers page and the node page. Each column shows first
 * the quantity it sorts by: CPU in cores (then % of the node), memory in bytes (then % of the
 * limit, or of the node without one).
 */
export function containerColumns(
  thresholds: Thresholds,
  opts: { showNode?: boolean; actions?: boolean } = {}
): Array<Column<ContainerRow, ContainerSortKey>> {
  const cols: Array<Column<ContainerRow, ContainerSortKey>> = [
    {
      id: 'name',
      header: 'Name',
      sortKey: 'name',
      render: (c) => <Link to={appUrl(ROUTES.containers, c.id)}>{c.name}</Link>,
    },
    ...(opts.showNode !== false
      ? [
          {
            id: 'cluster',
            header: 'Cluster',
            sortKey: 'cluster' as const,
            render: (c: ContainerRow) => (
              <span className={STACK}>
                {c.clusterName} <EnvironmentTag environment={c.environment} />
              </span>
            ),
          },
        ]
      : []),
    {
      id: 'image',
      header: 'Image',
      sortKey: 'image',
      render: (c) => <span title={c.image}>{shortImage(c.image)}</span>,
    },
    { id: 'state', header: 'Status', sortKey: 'state', render: (c) => <ContainerStateBadge state={c.displayState} /> },
    { id: 'risk', header: 'Risk', render: (c) => <RiskSummary risks={c.risks} /> },
    {
      id: 'cpu',
      header: 'CPU',
      sortKey: 'cpu',
      width: 130,
      render: (c) => (
        <UsageBar
          label={`${c.name} CPU`}
          percent={c.cpuPercent}
          thresholds={thresholds}
          stacked
          value={formatCores(c.cpuCores)}
        />
      ),
    },
    {
      id: 'memory',
      header: 'Memory',
      sortKey: 'memory',
      width: 130,
      render: (c) => (
        <UsageBar
          label={`${c.name} memory`}
          percent={c.memPercent}
          thresholds={thresholds}
          stacked
          value={formatUnit('bytes', c.memBytes)}
        />
      ),
    },
    {
      id: 'net',
      header: 'Network I/O',
      sortKey: 'netRx',
      render: (c) => (
        <IoCell a={c.netRxBps} b={c.netTxBps} hostNetwork={c.hostNetwork} aLabel="receive" bLabel="transmit" />
      ),
    },
    {
      id: 'disk',
      header: 'Disk I/O',
      sortKey: 'diskRead',
      render: (c) => (
        <span title="read / write" style={{ display: 'inline-flex', flexDirection: 'column' }}>
          <span>R {formatMetric('diskReadBps', c.diskReadBps)}</span>
          <span>W {formatMetric('diskWriteBps', c.diskWriteBps)}</span>
        </span>
      ),
    },
  ];
  if (opts.showNode !== false) {
    cols.push(
      {
        id: 'node',
        header: 'Node',
        sortKey: 'node',
        render: (c) => <Link to={appUrl(ROUTES.nodes, c.nodeId)}>{c.nodeName}</Link>,
      },
      { id: 'namespace', header: 'Namespace', sortKey: 'namespace', render: (c) => c.namespace ?? '–' }
    );
  }
  cols.push(
    { id: 'restarts', header: 'Restarts', sortKey: 'restarts', align: 'right', render: (c) => c.restartCount },
    {
      id: 'created',
      header: 'Created',
      sortKey: 'created',
      render: (c) => <span title={formatTime(c.createdAt)}>{formatAgo(c.createdAt)}</span>,
    }
  );
  if (opts.actions) {
    cols.push({ id: ACTIONS_COLUMN, header: '', render: (c) => <ContainerRowActions container={c} /> });
  }
  return cols;
}

/** "registry/team/app:1.2" → "app:1.2"; the full reference stays in the tooltip. */
function shortImage(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last.length > 40 ? `${last.slice(0, 37)}…` : last;
}

const CONTAINER_COLUMNS = [
  'name',
  'cluster',
  'image',
  'state',
  'risk',
  'cpu',
  'memory',
  'net',
  'disk',
  'node',
  'namespace',
  'restarts',
  'created',
];

/** The containers table's state in the URL: sort, page, page size, columns and filters. */
export const CONTAINERS_TABLE: TableSpec<ContainerSortKey> = {
  sortKeys: [...NUMERIC, 'name', 'image', 'state', 'node', 'cluster', 'namespace'],
  defaultSort: { key: 'name', order: 'asc' },
  numeric: NUMERIC,
  pageSizes: PAGE_SIZES,
  defaultPageSize: PAGE_SIZE,
  columns: CONTAINER_COLUMNS,
  // Disk I/O is one click away (Columns): without it the rest fits 1,440 px beside Grafana's menu.
  defaultColumns: CONTAINER_COLUMNS.filter((c) => c !== 'disk'),
  filters: ['q', 'node', 'namespace', 'state'],
};

/**
 * Every container, filtered, sorted and paged on the backend (fifty per page unless the user
 * chooses otherwise); the table's state lives in the URL (useTableState).
 */
export function ContainersPage() {
  const { clusters, thresholds } = useFleetlens();
  const table = useTableState(CONTAINERS_TABLE);
  const { sort, onSort, page } = table;
  const q = table.filters.q ?? '';
  const node = table.filters.node ?? '';
  const namespace = table.filters.namespace ?? '';
  const state = STATES.includes(table.filters.state as DisplayState) ? table.filters.state : '';
  const { setFilter } = table;
  const setQ = useCallback((v: string) => setFilter('q', v), [setFilter]);
  const setNode = useCallback((v: string) => setFilter('node', v), [setFilter]);
  const setNamespace = useCallback((v: string) => setFilter('namespace', v), [setFilter]);
  const setState = useCallback((v: string) => setFilter('state', v), [setFilter]);

  const params = {
    cluster: clusters,
    node: node ? [node] : undefined,
    namespace: namespace ? [namespace] : undefined,
    state: state ? [state as DisplayState] : undefined,
    q: q || undefined,
    sort: sort.key,
    order: sort.order,
    page,
    pageSize: table.pageSize,
  };
  const list = useApiData<ContainerListReply>(`containers:${JSON.stringify(params)}`, (c, signal) =>
    c.containers(params, signal)
  );
  const nodes = useApiData<NodeListReply>(`container-nodes:${clusters.join(',')}`, (c, signal) =>
    c.nodes({ cluster: clusters }, signal)
  );

  const canEdit = useMe().canEdit;
  const columns = useMemo(() => containerColumns(thresholds, { actions: canEdit }), [thresholds, canEdit]);
  const visibleColumns = useMemo(() => [...table.columns, ACTIONS_COLUMN], [table.columns]);
  const nodeOptions = useMemo(
    () => (nodes.data?.items ?? []).map((n) => ({ label: n.name, value: n.name, description: n.clusterName })),
    [nodes.data]
  );
  const stateOptions = useMemo(() => STATES.map((s) => ({ label: STATE_LABELS[s] ?? s, value: s })), []);
  const data = list.data;
  const filtered = !!(q || node || namespace || state || clusters.length);

  return (
    <PageLayout
      error={list.error}
      loading={list.loading}
      controls={
        <>
          <SearchBox label="Search containers" placeholder="Search name or image" value={q} onChange={setQ} />
          <EntityFilter label="Node" allLabel="All nodes" options={nodeOptions} value={node} onChange={setNode} />
          <NamespaceFilter value={namespace} onChange={setNamespace} />
          <EntityFilter
            label="State"
            allLabel="All states"
            options={stateOptions}
            value={state}
            onChange={setState}
            width={18}
          />
          <ColumnPicker
            columns={columns.filter((c) => c.id !== 'name' && c.id !== ACTIONS_COLUMN)}
            value={table.columns}
            onChange={(ids) => table.setColumns(['name', ...ids])}
          />
        </>
      }
    >
      {data &&
        data.items.length === 0 &&
        (filtered ? <NoMatches what="containers" /> : <NoData message="No containers have reported yet" />)}
      {data && data.items.length > 0 && (
        <Stack direction="column" gap={0}>
          <DataTable
            label="Containers"
            testId="containers-table"
            columns={columns}
            rows={data.items}
            rowKey={(c) => c.id}
            sort={sort}
            onSort={onSort}
            stickyColumn="name"
            visibleColumns={visibleColumns}
          />
          <TablePager
            page={data.page}
            pageSize={data.pageSize}
            total={data.total}
            shown={data.items.length}
            what="containers"
            sizes={PAGE_SIZES}
            onPage={table.setPage}
            onPageSize={table.setPageSize}
            testId="container-count"
          />
        </Stack>
      )}
    </PageLayout>
  );
}

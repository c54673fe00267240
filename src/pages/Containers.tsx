import React, { useMemo, useState } from 'react';
import type {
  ContainerListReply,
  ContainerRow,
  ContainerSortKey,
  DisplayState,
  NamespaceListReply,
  NodeListReply,
} from '@fleetlens/protocol/api';
import { Pagination, Stack } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { DataTable, type Column } from '../components/DataTable';
import { EntityFilter } from '../components/EntityFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { NoData, NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { ContainerStateBadge } from '../components/StatusBadge';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import type { Thresholds } from '../types';
import { formatAgo, formatCores, formatMetric, formatTime, formatUnit } from '../utils/format';
import { useSort } from '../utils/useSort';

export const PAGE_SIZE = 50;

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

const STATES: DisplayState[] = ['running', 'stopped', 'paused', 'restarting', 'unhealthy'];

/** Network or disk rates as "↓ rx ↑ tx"; host-network containers have none of their own. */
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
    <span title={`${aLabel} / ${bLabel}`}>
      ↓ {formatMetric('netRxBps', a)} ↑ {formatMetric('netTxBps', b)}
    </span>
  );
}

/** The container columns, shared by the containers page and the node page. */
export function containerColumns(
  thresholds: Thresholds,
  opts: { showNode?: boolean } = {}
): Array<Column<ContainerRow, ContainerSortKey>> {
  const cols: Array<Column<ContainerRow, ContainerSortKey>> = [
    {
      id: 'name',
      header: 'Name',
      sortKey: 'name',
      render: (c) => <Link to={appUrl(ROUTES.containers, c.id)}>{c.name}</Link>,
    },
    {
      id: 'image',
      header: 'Image',
      sortKey: 'image',
      render: (c) => <span title={c.image}>{shortImage(c.image)}</span>,
    },
    { id: 'state', header: 'Status', sortKey: 'state', render: (c) => <ContainerStateBadge state={c.displayState} /> },
    {
      id: 'cpu',
      header: 'CPU',
      sortKey: 'cpu',
      width: 180,
      render: (c) => (
        <UsageBar
          label={`${c.name} CPU`}
          percent={c.cpuPercent}
          thresholds={thresholds}
          detail={formatCores(c.cpuCores)}
        />
      ),
    },
    {
      id: 'memory',
      header: 'Memory',
      sortKey: 'memory',
      width: 200,
      render: (c) => (
        <UsageBar
          label={`${c.name} memory`}
          percent={c.memPercent}
          thresholds={thresholds}
          detail={
            c.memLimitBytes
              ? `${formatUnit('bytes', c.memBytes)} / ${formatUnit('bytes', c.memLimitBytes)}`
              : formatUnit('bytes', c.memBytes)
          }
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
        <span title="read / write">
          R {formatMetric('diskReadBps', c.diskReadBps)} W {formatMetric('diskWriteBps', c.diskWriteBps)}
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
  return cols;
}

/** "registry/team/app:1.2" → "app:1.2"; the full reference stays in the tooltip. */
function shortImage(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last.length > 40 ? `${last.slice(0, 37)}…` : last;
}

/** Every container, filtered and sorted on the backend, fifty per page. */
export function ContainersPage() {
  const { clusters, thresholds } = useFleetlens();
  const [q, setQ] = useState('');
  const [node, setNode] = useState('');
  const [namespace, setNamespace] = useState('');
  const [state, setState] = useState('');
  const [sort, onSort] = useSort<ContainerSortKey>({ key: 'name', order: 'asc' }, NUMERIC);

  // A new filter or order starts again at the first page: the page number belongs to a filter.
  const filterKey = JSON.stringify({ clusters, q, node, namespace, state, sort });
  const [pageState, setPageState] = useState({ key: filterKey, page: 1 });
  const page = pageState.key === filterKey ? pageState.page : 1;
  const setPage = (p: number) => setPageState({ key: filterKey, page: p });

  const params = {
    cluster: clusters,
    node: node ? [node] : undefined,
    namespace: namespace ? [namespace] : undefined,
    state: state ? [state as DisplayState] : undefined,
    q: q || undefined,
    sort: sort.key,
    order: sort.order,
    page,
    pageSize: PAGE_SIZE,
  };
  const list = useApiData<ContainerListReply>(`containers:${JSON.stringify(params)}`, (c, signal) =>
    c.containers(params, signal)
  );
  const nodes = useApiData<NodeListReply>(`container-nodes:${clusters.join(',')}`, (c, signal) =>
    c.nodes({ cluster: clusters }, signal)
  );
  const namespaces = useApiData<NamespaceListReply>(`container-ns:${clusters.join(',')}`, (c, signal) =>
    c.namespaces(clusters, signal)
  );

  const columns = useMemo(() => containerColumns(thresholds), [thresholds]);
  const nodeOptions = useMemo(
    () => (nodes.data?.items ?? []).map((n) => ({ label: n.name, value: n.name, description: n.clusterName })),
    [nodes.data]
  );
  const nsOptions = useMemo(
    () => [...new Set((namespaces.data?.items ?? []).map((n) => n.name))].sort().map((n) => ({ label: n, value: n })),
    [namespaces.data]
  );
  const stateOptions = useMemo(() => STATES.map((s) => ({ label: s, value: s })), []);
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const filtered = !!(q || node || namespace || state || clusters.length);

  return (
    <PageLayout
      error={list.error}
      loading={list.loading}
      controls={
        <>
          <SearchBox label="Search containers" placeholder="Search name or image" value={q} onChange={setQ} />
          <EntityFilter label="Node" allLabel="All nodes" options={nodeOptions} value={node} onChange={setNode} />
          <EntityFilter
            label="Namespace"
            allLabel="All namespaces"
            options={nsOptions}
            value={namespace}
            onChange={setNamespace}
          />
          <EntityFilter
            label="State"
            allLabel="All states"
            options={stateOptions}
            value={state}
            onChange={setState}
            width={18}
          />
        </>
      }
    >
      {data &&
        data.items.length === 0 &&
        (filtered ? <NoMatches what="containers" /> : <NoData message="No containers have reported yet" />)}
      {data && data.items.length > 0 && (
        <>
          <DataTable
            label="Containers"
            testId="containers-table"
            columns={columns}
            rows={data.items}
            rowKey={(c) => c.id}
            sort={sort}
            onSort={onSort}
          />
          <Stack justifyContent="space-between" alignItems="center">
            <span data-testid="container-count">
              {(data.page - 1) * data.pageSize + 1}–{(data.page - 1) * data.pageSize + data.items.length} of{' '}
              {data.total} containers
            </span>
            <Pagination currentPage={data.page} numberOfPages={pages} onNavigate={setPage} hideWhenSinglePage />
          </Stack>
        </>
      )}
    </PageLayout>
  );
}

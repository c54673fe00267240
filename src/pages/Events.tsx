import React, { useCallback, useMemo } from 'react';
import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { Badge, EmptyState } from '@grafana/ui';
import type { EventCountsReply, EventListReply, EventRow } from '@fleetlens/protocol/api/alerts';
import { useApiData } from '../api/useApiData';
import { DataTable, TablePager, type Column } from '../components/DataTable';
import { EntityFilter } from '../components/EntityFilter';
import { NamespaceFilter } from '../components/NamespaceFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { formatTime } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';
import { useTableState, type TableSpec } from '../utils/viewState';

export const EVENTS_PAGE_SIZE = 50;

const TYPES = [
  { label: 'normal', value: 'normal' },
  { label: 'warning', value: 'warning' },
];

const CATEGORIES = [{ label: 'security', value: 'security' }];

/**
 * The page's filters and page live in the URL (a link to the security events of one container
 * opens them, Back undoes a change): `q`, `namespace`, `type`, `reason`, `category` and
 * `container` (a container entity id, as the container page links it). Newest first, always.
 */
export const EVENTS_TABLE: TableSpec<'ts'> = {
  sortKeys: ['ts'],
  defaultSort: { key: 'ts', order: 'desc' },
  filters: ['q', 'namespace', 'type', 'reason', 'category', 'container'],
};

const columns: Array<Column<EventRow>> = [
  { id: 'ts', header: 'Time', render: (e) => formatTime(e.ts) },
  { id: 'cluster', header: 'Cluster', render: (e) => e.clusterName },
  { id: 'namespace', header: 'Namespace', render: (e) => e.namespace ?? '–' },
  { id: 'object', header: 'Object', render: (e) => `${e.objectKind}/${e.objectName}` },
  {
    id: 'type',
    header: 'Type',
    render: (e) => <Badge color={e.type === 'warning' ? 'orange' : 'blue'} text={e.type} />,
  },
  { id: 'reason', header: 'Reason', render: (e) => e.reason },
  {
    id: 'message',
    header: 'Message',
    render: (e) => (
      <span style={{ whiteSpace: 'normal' }}>
        {e.message}
        {e.count > 1 ? ` (×${e.count})` : ''}
      </span>
    ),
  },
];

/** Event counts per bucket as two series (normal, warning), drawn as bars. */
function countFrames(reply: EventCountsReply | undefined): DataFrame[] {
  if (!reply) {
    return [];
  }
  const time = reply.buckets.map((b) => b.ts * 1000);
  return (['normal', 'warning'] as const).map((type) =>
    createDataFrame({
      name: type,
      refId: type,
      fields: [
        { name: 'Time', type: FieldType.time, values: time, config: {} },
        {
          name: type,
          type: FieldType.number,
          values: reply.buckets.map((b) => b[type]),
          config: {
            unit: 'none',
            decimals: 0,
            displayName: type === 'normal' ? 'Normal' : 'Warning',
            custom: { drawStyle: 'bars', fillOpacity: 60, lineWidth: 1, stacking: { mode: 'normal', group: 'A' } },
          },
        },
      ],
    })
  );
}

/** Events: filters, a table paged on the backend, and counts over time by type. */
export function EventsPage() {
  const { clusters, range, rawRange } = useFleetlens();
  const table = useTableState(EVENTS_TABLE);
  const { setFilter, setPage, page } = table;
  const { q = '', namespace = '', reason = '', container = '' } = table.filters;
  const type = TYPES.some((t) => t.value === table.filters.type) ? table.filters.type : '';
  const category = table.filters.category === 'security' ? ('security' as const) : '';
  const setQ = useCallback((v: string) => setFilter('q', v, { replace: true }), [setFilter]);
  const setReason = useCallback((v: string) => setFilter('reason', v, { replace: true }), [setFilter]);
  const setNamespace = useCallback((v: string) => setFilter('namespace', v), [setFilter]);
  const setType = useCallback((v: string) => setFilter('type', v), [setFilter]);
  const setCategory = useCallback((v: string) => setFilter('category', v), [setFilter]);
  const rk = rangeKey(rawRange);

  const filters = {
    cluster: clusters,
    namespace: namespace ? [namespace] : undefined,
    type: type ? [type] : undefined,
    reason: reason.trim() ? [reason.trim()] : undefined,
    category: category || undefined,
    container: container ? [container] : undefined,
    q: q || undefined,
  };
  const filterKey = JSON.stringify({ ...filters, rk });

  const list = useApiData<EventListReply>(`events:${filterKey}:${page}`, (c, s) => {
    const { from, to } = toSeconds(range);
    return c.events({ ...filters, from, to, page, pageSize: EVENTS_PAGE_SIZE }, s);
  });
  const counts = useApiData<EventCountsReply>(`event-counts:${filterKey}`, (c, s) => {
    const { from, to, step } = toSeconds(range, 60);
    return c.eventCounts({ ...filters, from, to, step: Math.max(60, step) }, s);
  });
  const frames = useMemo(() => countFrames(counts.data), [counts.data]);
  const data = list.data;
  const filtered = !!(namespace || type || reason || q || category || container || clusters.length);

  return (
    <PageLayout
      error={list.error ?? counts.error}
      loading={list.loading}
      controls={
        <>
          <SearchBox label="Search events" placeholder="Search messages" value={q} onChange={setQ} />
          <NamespaceFilter value={namespace} onChange={setNamespace} />
          <EntityFilter label="Type" allLabel="All types" options={TYPES} value={type} onChange={setType} width={16} />
          <EntityFilter
            label="Category"
            allLabel="All categories"
            options={CATEGORIES}
            value={category}
            onChange={setCategory}
            width={18}
          />
          <SearchBox label="Reason" placeholder="Reason, e.g. BackOff (exact)" value={reason} onChange={setReason} />
        </>
      }
    >
      <div style={{ marginBottom: 16 }}>
        <TimeSeriesChart
          title={
            counts.data
              ? `Events over time: ${counts.data.totals.normal} normal, ${counts.data.totals.warning} warning`
              : 'Events over time'
          }
          frames={frames}
          timeRange={range}
          height={180}
          emptyText="No events in this time range"
          testId="event-counts"
        />
      </div>
      {data &&
        data.items.length === 0 &&
        (filtered ? (
          <NoMatches what="events" />
        ) : (
          <EmptyState variant="call-to-action" message="No events in this time range">
            Container events come from the node agents and Kubernetes events from the cluster agent. Widen the time
            range, or check that a cluster agent runs in your Kubernetes clusters.
          </EmptyState>
        ))}
      {data && data.items.length > 0 && (
        <>
          <DataTable label="Events" testId="events-table" columns={columns} rows={data.items} rowKey={(e) => e.id} />
          <TablePager
            page={data.page}
            pageSize={data.pageSize}
            total={data.total}
            shown={data.items.length}
            what="events"
            onPage={setPage}
            testId="event-count"
          />
        </>
      )}
    </PageLayout>
  );
}

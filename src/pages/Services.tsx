import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, EmptyState, Stack, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { ServiceListReply, ServiceRow, ServiceSortKey } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { DataTable, TablePager, type Column } from '../components/DataTable';
import { useFleetlens } from '../components/FleetlensContext';
import { NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { listServices } from '../components/services/api';
import { CertExpiry, ProbeStatusBadge, SourceTags } from '../components/services/Bits';
import { formatLatency, formatRate, formatShare } from '../components/services/format';
import { ProbeForm } from '../components/services/ProbeForm';
import { SERVICES_ROUTE } from '../components/services/routes';
import { appUrl } from '../constants';
import { NO_VALUE } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';
import { useTableState, type TableSpec } from '../utils/viewState';

export const SERVICE_PAGE_SIZES = [25, 50, 100] as const;

const NUMERIC: readonly ServiceSortKey[] = [
  'requestsPerSecond',
  'errorPercent',
  'avgSeconds',
  'p50Seconds',
  'p95Seconds',
];

/** The services table's state in the URL: sort, page, page size and the text search. */
export const SERVICES_TABLE: TableSpec<ServiceSortKey> = {
  sortKeys: [...NUMERIC, 'name', 'cluster', 'namespace', 'probeStatus', 'certNotAfter'],
  defaultSort: { key: 'name', order: 'asc' },
  numeric: NUMERIC,
  pageSizes: SERVICE_PAGE_SIZES,
  defaultPageSize: 50,
  filters: ['q'],
};

/** Where a latency figure comes from, for its tooltip. */
const latencyFrom = (s: ServiceRow) =>
  s.latencySource === 'logs' ? 'from access logs' : s.latencySource === 'probe' ? 'from probe runs' : undefined;

const latencyCell = (v: number | null, s: ServiceRow) => <span title={latencyFrom(s)}>{formatLatency(v)}</span>;

export const SERVICE_COLUMNS: Array<Column<ServiceRow, ServiceSortKey>> = [
  {
    id: 'name',
    header: 'Service',
    sortKey: 'name',
    render: (s) => <Link to={appUrl(SERVICES_ROUTE, s.id)}>{s.name}</Link>,
  },
  { id: 'cluster', header: 'Cluster', sortKey: 'cluster', render: (s) => s.cluster },
  { id: 'namespace', header: 'Namespace', sortKey: 'namespace', render: (s) => s.namespace ?? NO_VALUE },
  {
    id: 'rps',
    header: 'Requests/s',
    sortKey: 'requestsPerSecond',
    align: 'right',
    render: (s) => formatRate(s.requestsPerSecond),
  },
  {
    id: 'errors',
    header: 'Errors',
    sortKey: 'errorPercent',
    align: 'right',
    render: (s) => <span title="5xx of all requests">{formatShare(s.errorPercent)}</span>,
  },
  { id: 'p50', header: 'p50', sortKey: 'p50Seconds', align: 'right', render: (s) => latencyCell(s.p50Seconds, s) },
  { id: 'p95', header: 'p95', sortKey: 'p95Seconds', align: 'right', render: (s) => latencyCell(s.p95Seconds, s) },
  { id: 'avg', header: 'Avg', sortKey: 'avgSeconds', align: 'right', render: (s) => latencyCell(s.avgSeconds, s) },
  {
    id: 'probe',
    header: 'Probe',
    sortKey: 'probeStatus',
    render: (s) => <ProbeStatusBadge status={s.probeStatus} testId={`probe-status-${s.name}`} />,
  },
  {
    id: 'cert',
    header: 'Certificate',
    sortKey: 'certNotAfter',
    render: (s) => <CertExpiry notAfter={s.certNotAfter} testId={`cert-${s.name}`} />,
  },
  { id: 'sources', header: 'Sources', render: (s) => <SourceTags sources={s.sources} /> },
];

/** How services get onto this page: probe labels and annotations, access logs, defined probes (agent/README.md). */
export function ServicesHowTo() {
  return (
    <>
      Services appear when an agent measures them. <strong>Probes:</strong> label a Docker container with{' '}
      <code>fleetlens.probe.url</code> (<code>http://</code>, <code>https://</code> or <code>tcp://host:port</code>
      ), or annotate a Kubernetes pod with <code>fleetlens.io/probe-url</code>, and the node&apos;s agent checks it from
      the node; editors can also add a probe here. <strong>Access logs:</strong> containers whose logs are nginx or
      Apache combined, Traefik or Caddy JSON lines (or match the agent&apos;s <code>accessLogPattern</code>) report
      requests per second, status classes and, where the format has durations, response times; the{' '}
      <code>fleetlens.access-log</code> label chooses or turns off the format. The agent&apos;s README lists every key.
    </>
  );
}

/**
 * Every service the agents report on (access logs and probes), with requests/s, error %, p50/p95/
 * avg response time, probe status and certificate expiry over the selected time range; sorted,
 * searched and paged on the backend, the table's state in the URL.
 */
export function ServicesPage() {
  const styles = useStyles2(getStyles);
  const { clusters, range, rawRange, client } = useFleetlens();
  const me = useMe();
  const table = useTableState(SERVICES_TABLE);
  const { sort, onSort, page, setFilter } = table;
  const q = table.filters.q ?? '';
  const setQ = useCallback((v: string) => setFilter('q', v, { replace: true }), [setFilter]);
  const [adding, setAdding] = useState(false);
  const [saved, setSaved] = useState<string>();

  const { from, to } = toSeconds(range);
  const params = {
    cluster: clusters,
    q: q || undefined,
    sort: sort.key,
    order: sort.order,
    page,
    pageSize: table.pageSize,
  };
  // The key follows the range as chosen (not "now" moving); the request reads the current instants.
  const list = useApiData<ServiceListReply>(`services:${JSON.stringify(params)}:${rangeKey(rawRange)}`, (c, s) =>
    listServices(c, { ...params, from, to }, s)
  );
  const data = list.data;
  const filtered = !!(q || clusters.length);
  const preset = useMemo(() => ({ cluster: clusters.length === 1 ? clusters[0] : undefined }), [clusters]);

  return (
    <PageLayout
      error={list.error}
      loading={list.loading}
      controls={
        <>
          <SearchBox label="Search services" placeholder="Service name" value={q} onChange={setQ} />
          {me.canEdit && (
            <Button icon="plus" onClick={() => setAdding(true)}>
              Add probe
            </Button>
          )}
        </>
      }
    >
      {me.data && !me.canEdit && (
        <p className={styles.note}>Your Fleetlens role is {me.data.role}: probes are defined by editors and admins.</p>
      )}
      {saved && (
        <div role="status" data-testid="probe-saved">
          {saved}
        </div>
      )}
      {data &&
        data.items.length === 0 &&
        (filtered ? (
          <NoMatches what="services" />
        ) : (
          <EmptyState variant="call-to-action" message="No services have reported yet">
            <ServicesHowTo />
          </EmptyState>
        ))}
      {data && data.items.length > 0 && (
        <Stack direction="column" gap={0}>
          <DataTable
            label="Services"
            testId="services-table"
            columns={SERVICE_COLUMNS}
            rows={data.items}
            rowKey={(s) => s.id}
            sort={sort}
            onSort={onSort}
            stickyColumn="name"
          />
          <TablePager
            page={page}
            pageSize={table.pageSize}
            total={data.total}
            shown={data.items.length}
            what="services"
            sizes={SERVICE_PAGE_SIZES}
            onPage={table.setPage}
            onPageSize={table.setPageSize}
            testId="service-count"
          />
        </Stack>
      )}
      {adding && (
        <ProbeForm
          client={client}
          preset={preset}
          onDismiss={() => setAdding(false)}
          onSaved={(p) => {
            setAdding(false);
            setSaved(
              `Probe of ${p.target} saved: ${p.assignedNode ? `the agent on ${p.assignedNode} runs it` : 'no live agent of the cluster runs it yet'}.`
            );
          }}
        />
      )}
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({ color: theme.colors.text.secondary, margin: theme.spacing(0, 0, 1) }),
});

import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { ConfirmModal, useStyles2 } from '@grafana/ui';
import { Link, useParams } from 'react-router-dom';
import type {
  ProbeDefinitionListReply,
  ProbeState,
  ServiceDetailReply,
  ServiceMetric,
  ServiceSeriesReply,
  StatusClassesReply,
} from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../api/errors';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { ErrorBanner } from '../components/ErrorBanner';
import { useFleetlens } from '../components/FleetlensContext';
import { MetaList } from '../components/MetaList';
import { PageLayout } from '../components/PageLayout';
import { CardGrid, StatCard } from '../components/StatCard';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { deleteProbe, getService, listProbes, serviceSeries, statusClasses } from '../components/services/api';
import { CertExpiry, ProbeStatusBadge, SourceTags } from '../components/services/Bits';
import { formatLatency, formatRate, formatShare } from '../components/services/format';
import { serviceFrames, serviceLabel } from '../components/services/frames';
import { ProbeForm } from '../components/services/ProbeForm';
import { ProbesTable } from '../components/services/ProbesTable';
import { SERVICES_ROUTE } from '../components/services/routes';
import { StatusDonut } from '../components/services/StatusDonut';
import { appUrl, ROUTES } from '../constants';
import { NO_VALUE } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';

const METRICS: ServiceMetric[] = [
  'status2xxPerSecond',
  'status3xxPerSecond',
  'status4xxPerSecond',
  'status5xxPerSecond',
  'errorPercent',
  'avgSeconds',
  'p50Seconds',
  'p95Seconds',
  'probeTotalSeconds',
  'probeUp',
];

const CHARTS: Array<{
  title: string;
  testId: string;
  series: Array<{ metric: string; label: string; color?: string }>;
}> = [
  {
    title: 'Requests/s by status class',
    testId: 'chart-service-requests',
    series: [
      { metric: 'status2xxPerSecond', label: '2xx', color: 'green' },
      { metric: 'status3xxPerSecond', label: '3xx', color: 'blue' },
      { metric: 'status4xxPerSecond', label: '4xx', color: 'orange' },
      { metric: 'status5xxPerSecond', label: '5xx', color: 'red' },
    ],
  },
  { title: 'Error %', testId: 'chart-service-errors', series: [{ metric: 'errorPercent', label: '5xx %' }] },
  {
    title: 'Response time',
    testId: 'chart-service-latency',
    series: [
      { metric: 'avgSeconds', label: 'avg' },
      { metric: 'p50Seconds', label: 'p50' },
      { metric: 'p95Seconds', label: 'p95' },
    ],
  },
  {
    title: 'Probe total time',
    testId: 'chart-service-probe-time',
    series: [{ metric: 'probeTotalSeconds', label: 'total' }],
  },
  { title: 'Probe up', testId: 'chart-service-probe-up', series: [{ metric: 'probeUp', label: 'up (1) / down (0)' }] },
];

/** A link to a container's page, by its name once loaded. */
/** One service: its figures over the time range, charts, HTTP status classes, probes and containers. */
export function ServiceDetailPage() {
  const styles = useStyles2(getStyles);
  const { id = '' } = useParams();
  const { range, rawRange, client, refreshNow } = useFleetlens();
  const me = useMe();
  const { from, to, step } = toSeconds(range);
  const key = `${id}:${rangeKey(rawRange)}`;
  const service = useApiData<ServiceDetailReply>(`service:${key}`, (c, s) => getService(c, id, { from, to }, s), {
    keepPrevious: false,
  });
  const series = useApiData<ServiceSeriesReply>(`service-series:${key}`, (c, s) =>
    serviceSeries(c, id, { metrics: METRICS, from, to, step }, s)
  );
  const classes = useApiData<StatusClassesReply>(`service-classes:${key}`, (c, s) =>
    statusClasses(c, { service: id, from, to }, s)
  );
  const svc = service.data;
  // The definitions behind the defined probes, for editing (editors only).
  const definitions = useApiData<ProbeDefinitionListReply>(
    `service-probes:${svc?.cluster ?? ''}`,
    (c, s) => listProbes(c, { cluster: svc ? [svc.cluster] : undefined }, s),
    { enabled: me.canEdit && !!svc }
  );
  const [editing, setEditing] = useState<string>();
  const [deleting, setDeleting] = useState<ProbeState>();
  const [actionError, setActionError] = useState<ApiError>();
  const frames = useMemo(
    () => CHARTS.map((c) => ({ ...c, frames: serviceFrames(series.data, c.series) })),
    [series.data]
  );
  const editedDefinition = definitions.data?.items.find((d) => d.id === editing);

  return (
    <PageLayout
      hideClusterPicker
      error={service.error ?? series.error ?? classes.error}
      loading={service.loading}
      pageNav={{
        text: svc ? serviceLabel(svc) : 'Service',
        parentItem: { text: 'Services', url: appUrl(SERVICES_ROUTE) },
      }}
      subTitle={svc ? `${svc.cluster}${svc.namespace ? ` · namespace ${svc.namespace}` : ''}` : undefined}
    >
      {actionError && <ErrorBanner error={actionError} />}
      {svc && (
        <>
          <CardGrid min={150}>
            <StatCard title="Requests/s" value={formatRate(svc.requestsPerSecond)} testId="service-rps" />
            <StatCard
              title="Errors"
              value={formatShare(svc.errorPercent)}
              sub="5xx of all requests"
              tone={svc.errorPercent !== null && svc.errorPercent > 0 ? 'warning' : 'normal'}
              testId="service-errors"
            />
            <StatCard
              title="p50"
              value={formatLatency(svc.p50Seconds)}
              sub={svc.latencySource ? `from ${svc.latencySource === 'logs' ? 'access logs' : 'probes'}` : undefined}
              testId="service-p50"
            />
            <StatCard title="p95" value={formatLatency(svc.p95Seconds)} testId="service-p95" />
            <StatCard title="Average" value={formatLatency(svc.avgSeconds)} testId="service-avg" />
          </CardGrid>
          <MetaList
            label="Service facts"
            items={[
              ['Service', serviceLabel(svc)],
              ['Cluster', svc.cluster],
              ['Namespace', svc.namespace ?? NO_VALUE],
              ['Sources', <SourceTags key="src" sources={svc.sources} />],
              ['Probe status', <ProbeStatusBadge key="ps" status={svc.probeStatus} testId="service-probe-status" />],
              ['Certificate', <CertExpiry key="cert" notAfter={svc.certNotAfter} testId="service-cert" />],
              [
                'Containers',
                svc.containers.length ? (
                  <span key="ctr" className={styles.links} data-testid="service-containers">
                    {svc.containers.slice(0, 20).map((c) => (
                      <Link key={c.id} to={appUrl(ROUTES.containers, c.id)} title={`on ${c.nodeName}`}>
                        {c.name}
                      </Link>
                    ))}
                    {svc.containers.length > 20 && <span>and {svc.containers.length - 20} more</span>}
                  </span>
                ) : (
                  NO_VALUE
                ),
              ],
            ]}
          />
          <div className={styles.charts}>
            {frames.map((c) => (
              <TimeSeriesChart key={c.testId} testId={c.testId} title={c.title} frames={c.frames} timeRange={range} />
            ))}
          </div>
          {classes.data && (
            <section className={styles.section} aria-label="HTTP status classes">
              <h3 className={styles.title}>HTTP status</h3>
              {classes.data.total > 0 ? (
                <StatusDonut
                  title="HTTP status"
                  counts={classes.data.counts}
                  total={classes.data.total}
                  testId="service-donut"
                />
              ) : (
                <div className={styles.empty}>No access-log requests in this time range.</div>
              )}
            </section>
          )}
          <section className={styles.section} aria-label="Probes of the service">
            <h3 className={styles.title}>Probes</h3>
            {me.data && !me.canEdit && svc.probes.some((p) => p.definitionId) && (
              <p className={styles.empty}>
                Your Fleetlens role is {me.data.role}: defined probes are changed by editors and admins.
              </p>
            )}
            {svc.probes.length ? (
              <ProbesTable
                probes={svc.probes}
                onEdit={me.canEdit ? (p) => setEditing(p.definitionId ?? undefined) : undefined}
                onDelete={me.canEdit ? setDeleting : undefined}
              />
            ) : (
              <div className={styles.empty}>No probe checks this service.</div>
            )}
          </section>
        </>
      )}
      {editing && editedDefinition && (
        <ProbeForm
          client={client}
          probe={editedDefinition}
          onDismiss={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refreshNow();
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          isOpen
          title="Delete probe"
          body={`Delete the probe of ${deleting.target}? Its agent stops running it at its next push; the runs so far stay.`}
          confirmText="Delete"
          onDismiss={() => setDeleting(undefined)}
          onConfirm={async () => {
            const p = deleting;
            setDeleting(undefined);
            try {
              await deleteProbe(client, p.definitionId!);
              setActionError(undefined);
              refreshNow();
            } catch (err) {
              setActionError(toApiError(err));
            }
          }}
        />
      )}
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  charts: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))',
    gap: theme.spacing(1.5),
    margin: theme.spacing(2, 0),
  }),
  section: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
    marginBottom: theme.spacing(2),
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, margin: 0, marginBottom: theme.spacing(1) }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(1) }),
  links: css({ display: 'inline-flex', flexWrap: 'wrap', gap: theme.spacing(1) }),
});

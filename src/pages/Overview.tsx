import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Stack, useStyles2 } from '@grafana/ui';
import type { ClusterSummary, OverviewReply, SeriesReply } from '@fleetlens/protocol/api';
import { Link } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { useFleetlens } from '../components/FleetlensContext';
import { NoData } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { CardGrid, StatCard } from '../components/StatCard';
import { RiskOverview } from '../components/RiskOverview';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { UsageBar } from '../components/UsageBar';
import { appUrl, ROUTES } from '../constants';
import type { Thresholds } from '../types';
import { formatCores, formatMetric, formatPercent, formatUnit, fsDetail } from '../utils/format';
import { seriesToFrames } from '../utils/frames';
import { rangeKey, toSeconds } from '../utils/time';

/** The home page: fleet totals, one card per cluster, and the clusters' CPU and memory trends. */
export function OverviewPage() {
  const { clusters, thresholds } = useFleetlens();
  const overview = useApiData<OverviewReply>(`overview:${clusters.join(',')}`, (c, signal) =>
    c.overview(clusters, signal)
  );
  const data = overview.data;
  const isEmpty = data && data.totals.nodes.total === 0 && data.totals.containers.total === 0;

  return (
    <PageLayout error={overview.error} loading={overview.loading}>
      {isEmpty && <NoData message="No nodes or containers have reported yet" />}
      {data && !isEmpty && (
        <>
          <Totals data={data} />
          <RiskOverview />
          <h2>Clusters</h2>
          <CardGrid min={300}>
            {data.clusters.map((c) => (
              <ClusterCard key={c.id} cluster={c} thresholds={thresholds} />
            ))}
          </CardGrid>
          <ClusterTrends clusters={data.clusters} />
        </>
      )}
    </PageLayout>
  );
}

/** The fleet-wide cards. */
function Totals({ data }: { data: OverviewReply }) {
  const { containers, nodes, usage } = data.totals;
  const abnormal = containers.restarting + containers.unhealthy;
  return (
    <CardGrid>
      <StatCard
        testId="card-containers"
        title="Containers"
        value={String(containers.total)}
        sub={`${containers.paused} paused${containers.unknown ? ` · ${containers.unknown} on silent nodes` : ''}`}
      />
      <StatCard testId="card-running" title="Running" value={String(containers.running)} tone="good" />
      <StatCard testId="card-stopped" title="Stopped" value={String(containers.stopped)} />
      <StatCard
        testId="card-abnormal"
        title="Abnormal"
        value={String(abnormal)}
        tone={abnormal > 0 ? 'bad' : 'normal'}
        sub={`${containers.restarting} restarting · ${containers.unhealthy} unhealthy`}
      />
      <StatCard
        testId="card-nodes"
        title="Active nodes"
        value={`${nodes.ready} / ${nodes.total}`}
        tone={nodes.notReady > 0 ? 'warning' : 'normal'}
        sub={`${nodes.notReady} not ready${nodes.silent ? ` · ${nodes.silent} sending no data` : ''}`}
      />
      <StatCard
        testId="card-cpu"
        title="Average CPU"
        value={formatPercent(usage.cpuPercent)}
        sub={`${formatCores(usage.usedCores)} of ${formatCores(usage.capacityCores)}`}
      />
      <StatCard
        testId="card-memory"
        title="Memory"
        value={formatPercent(usage.memPercent)}
        sub={`${formatUnit('bytes', usage.memUsedBytes)} of ${formatUnit('bytes', usage.memTotalBytes)}`}
      />
      <StatCard testId="card-disk" title="Disk" value={formatPercent(usage.fsPercent)} sub={fsDetail(usage)} />
      <StatCard testId="card-net-in" title="Network in" value={formatMetric('netRxBps', usage.netRxBps)} />
      <StatCard testId="card-net-out" title="Network out" value={formatMetric('netTxBps', usage.netTxBps)} />
    </CardGrid>
  );
}

/** One cluster: where it runs, its nodes and containers, and its usage. */
const ClusterCard = React.memo(function ClusterCard({
  cluster,
  thresholds,
}: {
  cluster: ClusterSummary;
  thresholds: Thresholds;
}) {
  const styles = useStyles2(getStyles);
  const { setClusters } = useFleetlens();
  const u = cluster.usage;
  return (
    <section className={styles.cluster} aria-label={`Cluster ${cluster.name}`} data-testid="cluster-card">
      <Stack justifyContent="space-between" alignItems="center">
        <h3 className={styles.clusterName}>
          <Link to={appUrl(ROUTES.nodes)} onClick={() => setClusters([cluster.name])} title="Show this cluster's nodes">
            {cluster.name}
          </Link>
        </h3>
        <EnvironmentTag environment={cluster.environment} />
      </Stack>
      <div className={styles.meta}>
        {cluster.kind === 'kubernetes' ? 'Kubernetes' : 'Docker'} · {cluster.nodes.ready}/{cluster.nodes.total} nodes
        ready · {cluster.containers.running}/{cluster.containers.total} containers running
      </div>
      <div className={styles.bars}>
        <span>CPU</span>
        <UsageBar
          label={`${cluster.name} CPU`}
          percent={u.cpuPercent}
          thresholds={thresholds}
          detail={formatCores(u.usedCores)}
        />
        <span>Memory</span>
        <UsageBar
          label={`${cluster.name} memory`}
          percent={u.memPercent}
          thresholds={thresholds}
          detail={formatUnit('bytes', u.memUsedBytes)}
        />
        <span>Disk</span>
        <UsageBar
          label={`${cluster.name} disk`}
          percent={u.fsPercent}
          thresholds={thresholds}
          detail={formatUnit('bytes', u.fsUsedBytes)}
        />
      </div>
    </section>
  );
});

/** CPU and memory over the chosen time range, one line per cluster. */
function ClusterTrends({ clusters }: { clusters: ClusterSummary[] }) {
  const styles = useStyles2(getStyles);
  const { range, rawRange } = useFleetlens();
  const ids = clusters.map((c) => c.id);
  const series = useApiData<SeriesReply[]>(`trend:${ids.join(',')}:${rangeKey(rawRange)}`, (c, signal) => {
    const { from, to, step } = toSeconds(range);
    return Promise.all(
      ids.map((id) => c.series({ kind: 'cluster', id, metrics: ['cpuCores', 'memBytes'], from, to, step }, signal))
    );
  });
  const cpu = useMemo(
    () =>
      (series.data ?? []).flatMap((r, i) =>
        seriesToFrames(r, [{ metric: 'cpuCores', label: clusters[i]?.name ?? '' }])
      ),
    [series.data, clusters]
  );
  const mem = useMemo(
    () =>
      (series.data ?? []).flatMap((r, i) =>
        seriesToFrames(r, [{ metric: 'memBytes', label: clusters[i]?.name ?? '' }])
      ),
    [series.data, clusters]
  );
  return (
    <div className={styles.charts}>
      <TimeSeriesChart testId="trend-cpu" title="CPU used (cores) per cluster" frames={cpu} timeRange={range} />
      <TimeSeriesChart testId="trend-memory" title="Memory working set per cluster" frames={mem} timeRange={range} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  cluster: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
  }),
  clusterName: css({ margin: 0, fontSize: theme.typography.h5.fontSize }),
  meta: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    margin: theme.spacing(0.5, 0, 1),
  }),
  bars: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    gap: theme.spacing(0.5, 1),
    alignItems: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  charts: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))',
    gap: theme.spacing(1.5),
  }),
});

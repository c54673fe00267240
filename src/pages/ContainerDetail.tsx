import React from 'react';
import type { ContainerDetailReply } from '@fleetlens/protocol/api';
import { Link, useParams } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { CONTAINER_CHARTS, EntityCharts, useEntitySeries } from '../components/EntityCharts';
import { EnvironmentTag } from '../components/EnvironmentTag';
import { LabelList, MetaList } from '../components/MetaList';
import { PageLayout } from '../components/PageLayout';
import { RiskBadges } from '../components/RiskBadges';
import { SecurityEventList, useSecurityAnnotations, useSecurityEvents } from '../components/SecurityEvents';
import { CardGrid, StatCard } from '../components/StatCard';
import { ContainerStateBadge } from '../components/StatusBadge';
import { ContainerActions } from '../components/actions/ContainerActions';
import { PodNetworkPolicies } from '../components/networks/PodNetworkPolicies';
import { ContainerPressureCards, memoryParts, memorySentence } from '../components/ContainerPressure';
import { appUrl, ROUTES } from '../constants';
import { formatCores, formatMetric, formatPercent, formatTime, formatUnit, NO_VALUE } from '../utils/format';

/** One container: its metadata, current usage, and charts with its security events marked on them. */
export function ContainerDetailPage() {
  const { id = '' } = useParams();
  const container = useApiData<ContainerDetailReply>(`container:${id}`, (c, signal) => c.container(id, signal), {
    keepPrevious: false,
  });
  const series = useEntitySeries('container', id, CONTAINER_CHARTS);
  const security = useSecurityEvents(id);
  const annotations = useSecurityAnnotations(security.data);
  const c = container.data;

  return (
    <PageLayout
      hideClusterPicker
      error={container.error ?? series.error ?? security.error}
      loading={container.loading}
      pageNav={{ text: c?.name ?? 'Container', parentItem: { text: 'Containers', url: appUrl(ROUTES.containers) } }}
      subTitle={c ? c.image : undefined}
    >
      {c && (
        <>
          <ContainerActions container={c} />
          <CardGrid>
            <StatCard
              title="CPU"
              value={formatCores(c.cpuCores)}
              sub={c.cpuPercent === null ? undefined : `${formatPercent(c.cpuPercent)} of the node`}
            />
            <StatCard
              title="Memory"
              value={formatUnit('bytes', c.memBytes)}
              sub={
                c.memLimitBytes
                  ? `${formatPercent(c.memPercent)} of ${formatUnit('bytes', c.memLimitBytes)} limit`
                  : 'no limit'
              }
            />
            <StatCard
              title="Network"
              value={c.hostNetwork ? 'host network' : `↓ ${formatMetric('netRxBps', c.netRxBps)}`}
              sub={
                c.hostNetwork
                  ? 'Shares the host network: no numbers of its own'
                  : `↑ ${formatMetric('netTxBps', c.netTxBps)}`
              }
            />
            <StatCard
              title="Disk I/O"
              value={`R ${formatMetric('diskReadBps', c.diskReadBps)}`}
              sub={`W ${formatMetric('diskWriteBps', c.diskWriteBps)}`}
            />
            <ContainerPressureCards pressure={c.pressure} />
          </CardGrid>
          <MetaList
            label="Container facts"
            items={[
              [
                'Name',
                <span key="n" data-testid="container-name">
                  {c.name}
                </span>,
              ],
              [
                'State',
                <>
                  <ContainerStateBadge state={c.displayState} /> {c.statusText}
                </>,
              ],
              ['Image', <code key="i">{c.image}</code>],
              ['Security', c.security ? <RiskBadges key="risk" risks={c.risks} /> : 'not reported by this agent'],
              [
                'Node',
                <Link key="node" to={appUrl(ROUTES.nodes, c.nodeId)}>
                  {c.nodeName}
                </Link>,
              ],
              [
                'Cluster',
                <>
                  {c.clusterName} <EnvironmentTag environment={c.environment} />
                </>,
              ],
              ['Namespace', c.namespace ?? NO_VALUE],
              ['Pod', c.pod ?? NO_VALUE],
              ['Workload', c.workloadKind && c.workloadName ? `${c.workloadKind} ${c.workloadName}` : NO_VALUE],
              ['Created', formatTime(c.createdAt)],
              ['Started', formatTime(c.startedAt)],
              ['Restarts', String(c.restartCount)],
              ['Exit code', c.exitCode === null ? NO_VALUE : `${c.exitCode}${c.oomKilled ? ' (OOM killed)' : ''}`],
              ['Processes', c.pids === null ? NO_VALUE : String(c.pids)],
              [
                'Memory',
                <span key="mem" data-testid="memory-explained">
                  {memorySentence(c.pressure.memory) ?? NO_VALUE}
                </span>,
              ],
              ['Memory parts', memoryParts(c.pressure.memory) ?? NO_VALUE],
              ['Container id', <code key="rid">{c.runtimeId.slice(0, 12)}</code>],
              ['Labels', <LabelList key="l" labels={c.labels} />],
            ]}
          />
          <EntityCharts reply={series.data} charts={CONTAINER_CHARTS} annotations={annotations} />
          <SecurityEventList reply={security.data} containerId={id} />
          {c.podUid && <PodNetworkPolicies podUid={c.podUid} />}
        </>
      )}
    </PageLayout>
  );
}

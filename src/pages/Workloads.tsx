import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Stack, useStyles2 } from '@grafana/ui';
import type {
  Action,
  GroupUsage,
  NamespaceListReply,
  NamespaceRow,
  PodListReply,
  PodRow,
  WorkloadDetailReply,
  WorkloadListReply,
  WorkloadRow,
  WorkloadScaleRequestInput,
} from '@fleetlens/protocol/api';
import { Link, useParams } from 'react-router-dom';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { RestartWorkloadButton } from '../components/actions/RestartWorkloadButton';
import { ScaleControl } from '../components/actions/ScaleControl';
import { ComposeServices } from '../components/ComposeServices';
import { DataTable, type Column } from '../components/DataTable';
import { CONTAINER_CHARTS, EntityCharts, useEntitySeries } from '../components/EntityCharts';
import { useFleetlens } from '../components/FleetlensContext';
import { MetaList } from '../components/MetaList';
import { NoData } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { appUrl, ROUTES } from '../constants';
import { formatCores, formatMetric, NO_VALUE } from '../utils/format';

/** The usage columns every Kubernetes group shares (summed over its running containers). */
function usageColumns<T extends { usage: GroupUsage }>(): Array<Column<T>> {
  return [
    { id: 'cpu', header: 'CPU', align: 'right', render: (r) => formatCores(r.usage.cpuCores) },
    { id: 'memory', header: 'Memory', align: 'right', render: (r) => formatMetric('memBytes', r.usage.memBytes) },
    {
      id: 'net',
      header: 'Network ↓ / ↑',
      align: 'right',
      render: (r) => `${formatMetric('netRxBps', r.usage.netRxBps)} / ${formatMetric('netTxBps', r.usage.netTxBps)}`,
    },
    {
      id: 'disk',
      header: 'Disk R / W',
      align: 'right',
      render: (r) =>
        `${formatMetric('diskReadBps', r.usage.diskReadBps)} / ${formatMetric('diskWriteBps', r.usage.diskWriteBps)}`,
    },
  ];
}

function replicas(w: Pick<WorkloadRow, 'desiredReplicas' | 'readyReplicas' | 'runningPods'>): string {
  if (w.desiredReplicas === null) {
    return `${w.runningPods} running`;
  }
  return `${w.readyReplicas ?? 0} / ${w.desiredReplicas} ready`;
}

/** Scale (Deployments and StatefulSets: the scale subresource) and Restart, for editors; nothing for other kinds. */
function WorkloadActions({
  workload: w,
}: {
  workload: Pick<WorkloadRow, 'id' | 'kind' | 'namespace' | 'name' | 'desiredReplicas'>;
}) {
  const { client } = useFleetlens();
  const scalable = w.kind === 'Deployment' || w.kind === 'StatefulSet';
  return (
    <Stack gap={1} alignItems="center" wrap="wrap">
      {scalable && (
        <ScaleControl
          target={`${w.namespace}/${w.kind}/${w.name}`}
          where="(Kubernetes)"
          current={w.desiredReplicas}
          downText={(from, to) =>
            to === 0
              ? `all ${from} pods are deleted and none replace them until it is scaled up again.`
              : `goes from ${from} to ${to} replicas: ${from - to} pod${from - to === 1 ? '' : 's'} will be deleted.`
          }
          scale={(replicas) => {
            const body: WorkloadScaleRequestInput = { replicas };
            return client.send<Action>('POST', `/k8s/workloads/${encodeURIComponent(w.id)}/scale`, body);
          }}
        />
      )}
      <RestartWorkloadButton workload={w} />
    </Stack>
  );
}

function workloadColumns(canEdit: boolean): Array<Column<WorkloadRow>> {
  return [
    { id: 'name', header: 'Workload', render: (w) => <Link to={appUrl(ROUTES.workloads, w.id)}>{w.name}</Link> },
    { id: 'kind', header: 'Kind', render: (w) => w.kind },
    { id: 'namespace', header: 'Namespace', render: (w) => w.namespace },
    { id: 'replicas', header: 'Replicas', render: replicas },
    { id: 'pods', header: 'Pods', align: 'right', render: (w) => `${w.runningPods} / ${w.pods}` },
    ...usageColumns<WorkloadRow>(),
    ...(canEdit
      ? [{ id: 'actions', header: 'Actions', render: (w: WorkloadRow) => <WorkloadActions workload={w} /> }]
      : []),
  ];
}

const POD_COLUMNS: Array<Column<PodRow>> = [
  { id: 'name', header: 'Pod', render: (p) => p.name },
  { id: 'phase', header: 'Phase', render: (p) => p.phase },
  { id: 'node', header: 'Node', render: (p) => <Link to={appUrl(ROUTES.nodes, p.nodeId)}>{p.nodeName}</Link> },
  {
    id: 'containers',
    header: 'Containers',
    align: 'right',
    render: (p) => `${p.runningContainers} / ${p.containers}`,
  },
  { id: 'restarts', header: 'Restarts', align: 'right', render: (p) => p.restarts },
  ...usageColumns<PodRow>(),
];

/** Kubernetes namespaces → workloads → pods, or one workload when the URL names it. */
export function WorkloadsPage() {
  const { id } = useParams();
  return id ? <WorkloadDetail id={id} /> : <NamespacesView />;
}

function NamespacesView() {
  const styles = useStyles2(getStyles);
  const { clusters } = useFleetlens();
  const me = useMe();
  const [selected, setSelected] = useState<NamespaceRow | undefined>();
  const namespaces = useApiData<NamespaceListReply>(`namespaces:${clusters.join(',')}`, (c, signal) =>
    c.namespaces(clusters, signal)
  );
  const scope = selected ? { cluster: [selected.clusterName], namespace: [selected.name] } : { cluster: clusters };
  const workloads = useApiData<WorkloadListReply>(
    `workloads:${JSON.stringify(scope)}`,
    (c, signal) => c.workloads(scope, signal),
    {
      enabled: !!selected,
    }
  );
  const pods = useApiData<PodListReply>(`pods:${JSON.stringify(scope)}`, (c, signal) => c.pods(scope, signal), {
    enabled: !!selected,
  });
  const series = useEntitySeries('namespace', selected?.id, CONTAINER_CHARTS);

  const nsColumns = useMemo<Array<Column<NamespaceRow>>>(
    () => [
      {
        id: 'name',
        header: 'Namespace',
        render: (n) => (
          <Button fill="text" size="sm" onClick={() => setSelected(n)} aria-label={`Show namespace ${n.name}`}>
            {n.name}
          </Button>
        ),
      },
      { id: 'cluster', header: 'Cluster', render: (n) => n.clusterName },
      { id: 'workloads', header: 'Workloads', align: 'right', render: (n) => n.workloads },
      { id: 'pods', header: 'Pods running', align: 'right', render: (n) => `${n.runningPods} / ${n.pods}` },
      { id: 'containers', header: 'Containers', align: 'right', render: (n) => n.containers },
      ...usageColumns<NamespaceRow>(),
    ],
    []
  );
  const wColumns = useMemo(() => workloadColumns(me.canEdit), [me.canEdit]);
  const pColumns = POD_COLUMNS;
  const items = namespaces.data?.items ?? [];

  return (
    <PageLayout error={namespaces.error ?? workloads.error ?? pods.error} loading={namespaces.loading}>
      {namespaces.data && items.length === 0 && (
        <NoData message="No Kubernetes namespaces yet">
          Workloads come from Kubernetes clusters. Deploy the Fleetlens agent DaemonSet and the cluster agent on a
          cluster; its namespaces, deployments and pods appear here within a few seconds. Docker hosts have no
          workloads; their Compose services are listed below.
        </NoData>
      )}
      {items.length > 0 && (
        <DataTable label="Namespaces" testId="namespaces-table" columns={nsColumns} rows={items} rowKey={(n) => n.id} />
      )}
      {selected && (
        <section className={styles.section} aria-label={`Namespace ${selected.name}`}>
          <h3>
            Namespace {selected.name} <span className={styles.dim}>({selected.clusterName})</span>{' '}
            <Button size="sm" variant="secondary" fill="text" icon="times" onClick={() => setSelected(undefined)}>
              Close
            </Button>
          </h3>
          <EntityCharts reply={series.data} charts={CONTAINER_CHARTS.slice(0, 2)} />
          <h4>Workloads</h4>
          {workloads.data && (
            <DataTable
              label="Workloads"
              testId="workloads-table"
              columns={wColumns}
              rows={workloads.data.items}
              rowKey={(w) => w.id}
            />
          )}
          <h4>Pods</h4>
          {pods.data && (
            <DataTable
              label="Pods"
              testId="pods-table"
              columns={pColumns}
              rows={pods.data.items}
              rowKey={(p) => p.uid}
            />
          )}
        </section>
      )}
      <ComposeServices />
    </PageLayout>
  );
}

function WorkloadDetail({ id }: { id: string }) {
  const styles = useStyles2(getStyles);
  const workload = useApiData<WorkloadDetailReply>(`workload:${id}`, (c, signal) => c.workload(id, signal), {
    keepPrevious: false,
  });
  const series = useEntitySeries('workload', id, CONTAINER_CHARTS);
  const pColumns = POD_COLUMNS;
  const w = workload.data;
  return (
    <PageLayout
      hideClusterPicker
      error={workload.error ?? series.error}
      loading={workload.loading}
      pageNav={{ text: w?.name ?? 'Workload', parentItem: { text: 'Workloads', url: appUrl(ROUTES.workloads) } }}
      subTitle={w ? `${w.kind} in ${w.namespace} (${w.clusterName})` : undefined}
    >
      {w && (
        <>
          <MetaList
            label="Workload facts"
            items={[
              [
                'Name',
                <span key="n" data-testid="workload-name">
                  {w.name}
                </span>,
              ],
              ['Kind', w.kind],
              ['Namespace', w.namespace],
              ['Cluster', w.clusterName],
              ['Replicas', replicas(w)],
              ['Pods running', `${w.runningPods} / ${w.pods.length}`],
              ['CPU', formatCores(w.usage.cpuCores)],
              ['Memory', formatMetric('memBytes', w.usage.memBytes)],
              [
                'Network ↓ / ↑',
                `${formatMetric('netRxBps', w.usage.netRxBps)} / ${formatMetric('netTxBps', w.usage.netTxBps)}`,
              ],
              ['Desired', w.desiredReplicas === null ? NO_VALUE : String(w.desiredReplicas)],
            ]}
          />
          <section aria-label="Workload actions" className={styles.section}>
            <WorkloadActions workload={w} />
          </section>
          <EntityCharts reply={series.data} charts={CONTAINER_CHARTS} />
          <h3>Pods</h3>
          <DataTable label="Pods" testId="pods-table" columns={pColumns} rows={w.pods} rowKey={(p) => p.uid} />
        </>
      )}
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(2) }),
  dim: css({ color: theme.colors.text.secondary, fontWeight: 'normal' }),
});

import React, { useState } from 'react';
import { EmptyState } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { ContainerListReply, ContainerRow, RiskCountsReply } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { DataTable, TablePager, type Column } from '../components/DataTable';
import { EntityFilter } from '../components/EntityFilter';
import { NamespaceFilter } from '../components/NamespaceFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { NoMatches } from '../components/NoData';
import { PageLayout } from '../components/PageLayout';
import { RiskBadges } from '../components/RiskBadges';
import { SearchBox } from '../components/SearchBox';
import { CardGrid, StatCard } from '../components/StatCard';
import { appUrl, ROUTES } from '../constants';
import { RISKS, RISK_ORDER } from '../utils/risks';

export const RISKY_PAGE_SIZE = 50;

const columns: Array<Column<ContainerRow>> = [
  {
    id: 'name',
    header: 'Container',
    render: (c) => <Link to={appUrl(ROUTES.containers, c.id)}>{c.name}</Link>,
  },
  { id: 'cluster', header: 'Cluster', render: (c) => c.clusterName },
  { id: 'namespace', header: 'Namespace', render: (c) => c.namespace ?? '–' },
  { id: 'node', header: 'Node', render: (c) => c.nodeName },
  { id: 'image', header: 'Image', render: (c) => <code>{c.image}</code> },
  { id: 'risks', header: 'Risks', render: (c) => <RiskBadges risks={c.risks} testId={`risks-${c.id}`} /> },
];

const RISK_OPTIONS = RISK_ORDER.map((r) => ({ label: RISKS[r].label, value: r }));

/**
 * Risky containers (issue 17): every container with a security risk within the caller's scope,
 * most risks first, with cluster (the shared picker), namespace and risk filters and the number
 * of containers per risk. Risks are named by the backend (docs/security.md).
 */
export function RiskyContainersPage() {
  const { clusters } = useFleetlens();
  const [namespace, setNamespace] = useState('');
  const [risk, setRisk] = useState('');
  const [q, setQ] = useState('');
  const filters = {
    cluster: clusters,
    namespace: namespace ? [namespace] : undefined,
  };
  const listFilters = { ...filters, risk: risk ? [risk] : undefined, q: q || undefined };
  const filterKey = JSON.stringify(listFilters);
  const [pageState, setPageState] = useState({ key: filterKey, page: 1 });
  const page = pageState.key === filterKey ? pageState.page : 1;

  const list = useApiData<ContainerListReply>(`risky:${filterKey}:${page}`, (c, s) =>
    c.riskyContainers({ ...listFilters, page, pageSize: RISKY_PAGE_SIZE }, s)
  );
  const counts = useApiData<RiskCountsReply>(`risk-counts:${JSON.stringify(filters)}`, (c, s) =>
    c.riskCounts(filters, s)
  );
  const data = list.data;
  const filtered = !!(namespace || risk || q || clusters.length);

  return (
    <PageLayout
      error={list.error ?? counts.error}
      loading={list.loading}
      controls={
        <>
          <SearchBox label="Search risky containers" placeholder="Name or image" value={q} onChange={setQ} />
          <NamespaceFilter value={namespace} onChange={setNamespace} />
          <EntityFilter label="Risk" allLabel="All risks" options={RISK_OPTIONS} value={risk} onChange={setRisk} />
        </>
      }
    >
      {counts.data && (
        <CardGrid min={150}>
          <StatCard
            title="Risky containers"
            value={String(counts.data.risky)}
            sub={`of ${counts.data.assessed} with posture facts`}
            tone={counts.data.risky > 0 ? 'warning' : 'good'}
            testId="risk-count-total"
          />
          {RISK_ORDER.filter((r) => counts.data!.byRisk[r] > 0).map((r) => (
            <StatCard
              key={r}
              title={RISKS[r].label}
              value={String(counts.data!.byRisk[r])}
              sub={RISKS[r].help}
              tone={RISKS[r].color === 'red' ? 'bad' : 'warning'}
              testId={`risk-count-${r}`}
            />
          ))}
        </CardGrid>
      )}
      {data &&
        data.items.length === 0 &&
        (filtered ? (
          <NoMatches what="risky containers" />
        ) : (
          <EmptyState variant="completed" message="No risky containers">
            No container in view runs privileged, as root, with host namespaces or sensitive host mounts, without limits
            or from a floating image, as far as the agents report.
          </EmptyState>
        ))}
      {data && data.items.length > 0 && (
        <>
          <DataTable
            label="Risky containers"
            testId="risky-table"
            columns={columns}
            rows={data.items}
            rowKey={(c) => c.id}
          />
          <TablePager
            page={data.page}
            pageSize={data.pageSize}
            total={data.total}
            shown={data.items.length}
            what="risky containers"
            onPage={(p) => setPageState({ key: filterKey, page: p })}
            testId="risky-count"
          />
        </>
      )}
    </PageLayout>
  );
}

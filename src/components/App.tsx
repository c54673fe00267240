import React, { useMemo } from 'react';
import type { AppRootProps } from '@grafana/data';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom-v5-compat';
import { appUrl, ROUTES } from '../constants';
import type { AppSettings } from '../types';
import { FleetlensProvider } from './FleetlensContext';
import { AdminPage } from '../pages/Admin';
import { AlertsPage } from '../pages/Alerts';
import { ContainersPage } from '../pages/Containers';
import { EventsPage } from '../pages/Events';
import { LogsPage } from '../pages/Logs';
import { ContainerDetailPage } from '../pages/ContainerDetail';
import { HeatmapPage } from '../pages/Heatmap';
import { MonitoringPage } from '../pages/Monitoring';
import { NodeDetailPage } from '../pages/NodeDetail';
import { NodesPage } from '../pages/Nodes';
import { OverviewPage } from '../pages/Overview';
import { WorkloadsPage } from '../pages/Workloads';

/** Reads the shareable view state (from, to, refresh, cluster) from the URL the app opened with. */
function initialFromSearch(search: string) {
  const p = new URLSearchParams(search);
  const from = p.get('from');
  const to = p.get('to');
  const refresh = p.get('refresh');
  const cluster = p.get('cluster');
  return {
    rawRange: from && to ? { from, to } : undefined,
    refresh: refresh ?? undefined,
    clusters: cluster ? cluster.split(',').filter(Boolean) : undefined,
  };
}

/** The app root: shared state and the page routes, relative to /a/fleetlens-monitor-app. */
export function App(props: AppRootProps<AppSettings>) {
  const location = useLocation();
  // Only the first location matters: afterwards the state lives in the provider.
  const initial = useMemo(() => initialFromSearch(location.search), []);
  const settings = useMemo(() => props.meta.jsonData ?? {}, [props.meta.jsonData]);
  return (
    <FleetlensProvider settings={settings} initial={initial}>
      <Routes>
        <Route path={ROUTES.overview} element={<OverviewPage />} />
        <Route path={ROUTES.nodes} element={<NodesPage />} />
        <Route path={`${ROUTES.nodes}/:id`} element={<NodeDetailPage />} />
        <Route path={ROUTES.heatmap} element={<HeatmapPage />} />
        <Route path={ROUTES.containers} element={<ContainersPage />} />
        <Route path={`${ROUTES.containers}/:id`} element={<ContainerDetailPage />} />
        <Route path={ROUTES.workloads} element={<WorkloadsPage />} />
        <Route path={`${ROUTES.workloads}/:id`} element={<WorkloadsPage />} />
        <Route path={ROUTES.monitoring} element={<MonitoringPage />} />
        <Route path={ROUTES.alerts} element={<AlertsPage />} />
        <Route path={ROUTES.events} element={<EventsPage />} />
        <Route path={ROUTES.logs} element={<LogsPage />} />
        <Route path={ROUTES.admin} element={<AdminPage />} />
        <Route path="*" element={<Navigate replace to={appUrl(ROUTES.overview)} />} />
      </Routes>
    </FleetlensProvider>
  );
}

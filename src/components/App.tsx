import React, { useMemo } from 'react';
import type { AppRootProps } from '@grafana/data';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom-v5-compat';
import { appUrl, ROUTES } from '../constants';
import type { AppSettings } from '../types';
import { FleetlensProvider } from './FleetlensContext';
import { VIEW_DEFAULTS, ViewStateUrlSync } from './ViewStateUrlSync';
import { parseViewState } from '../utils/viewState';
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

/** The app root: shared state and the page routes, relative to /a/fleetlens-monitor-app. */
export function App(props: AppRootProps<AppSettings>) {
  const location = useLocation();
  // The first render starts from the URL; afterwards ViewStateUrlSync keeps the two in step.
  const initial = useMemo(() => parseViewState(location.search, VIEW_DEFAULTS), []);
  const settings = useMemo(() => props.meta.jsonData ?? {}, [props.meta.jsonData]);
  return (
    <FleetlensProvider settings={settings} initial={initial}>
      <ViewStateUrlSync />
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

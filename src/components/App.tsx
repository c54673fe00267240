import React, { useEffect, useMemo, useState } from 'react';
import type { AppRootProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { appUrl, PLUGIN_ID, ROUTES } from '../constants';
import type { AppSettings } from '../types';
import { FleetlensProvider } from './FleetlensContext';
import { VIEW_DEFAULTS, ViewStateUrlSync } from './ViewStateUrlSync';
import { parseViewState } from '../utils/viewState';
import { AdminPage } from '../pages/Admin';
import { AlertsPage } from '../pages/Alerts';
import { AutoscalingPage } from '../pages/Autoscaling';
import { AutoscalingRulePage } from '../pages/AutoscalingRule';
import { AUTOSCALING_ROUTE } from './autoscaling/routes';
import { ContainersPage } from '../pages/Containers';
import { EventsPage } from '../pages/Events';
import { LogsPage } from '../pages/Logs';
import { ContainerDetailPage } from '../pages/ContainerDetail';
import { HeatmapPage } from '../pages/Heatmap';
import { MonitoringPage } from '../pages/Monitoring';
import { NodeDetailPage } from '../pages/NodeDetail';
import { NodesPage } from '../pages/Nodes';
import { OverviewPage } from '../pages/Overview';
import { RiskyContainersPage } from '../pages/RiskyContainers';
import { ServiceDetailPage } from '../pages/ServiceDetail';
import { ServicesPage } from '../pages/Services';
import { SERVICES_ROUTE } from './services/routes';
import { WorkloadsPage } from '../pages/Workloads';
import { NetworksPage } from '../pages/Networks';
import { NETWORKS_ROUTE } from './networks/routes';

/**
 * The app's settings as saved now. Grafana hands the app the plugin meta it loaded once and keeps
 * it cached, so after "Save settings" on the configuration page the meta is stale until a page
 * reload; the app root therefore reads its settings from Grafana's settings API when it mounts
 * (one small request per visit of the app, not per page). Until that answer, or if it fails, the
 * meta's jsonData is used; when the meta has no backend URL yet, pages wait for the answer instead
 * of flashing "not configured".
 */
function useCurrentSettings(metaSettings: AppSettings | undefined): AppSettings | undefined {
  const [fresh, setFresh] = useState<AppSettings | null | undefined>(undefined);
  useEffect(() => {
    const sub = getBackendSrv()
      .fetch<{ jsonData?: AppSettings }>({ url: `/api/plugins/${PLUGIN_ID}/settings`, showErrorAlert: false })
      .subscribe({
        next: (r) => setFresh(r.data?.jsonData ?? {}),
        error: () => setFresh(null),
      });
    return () => sub.unsubscribe();
  }, []);
  return useMemo(() => {
    const meta = metaSettings ?? {};
    if (fresh === undefined) {
      return meta.backendUrl ? meta : undefined;
    }
    // Same content, same object: nothing reloads when the meta was current.
    return fresh === null || JSON.stringify(fresh) === JSON.stringify(meta) ? meta : fresh;
  }, [metaSettings, fresh]);
}

/** The app root: shared state and the page routes, relative to /a/fleetlens-monitor-app. */
export function App(props: AppRootProps<AppSettings>) {
  const location = useLocation();
  // The first render starts from the URL; afterwards ViewStateUrlSync keeps the two in step.
  const [initial] = useState(() => parseViewState(location.search, VIEW_DEFAULTS));
  const settings = useCurrentSettings(props.meta.jsonData);
  if (!settings) {
    return null;
  }
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
        <Route path={SERVICES_ROUTE} element={<ServicesPage />} />
        <Route path={`${SERVICES_ROUTE}/:id`} element={<ServiceDetailPage />} />
        <Route path={AUTOSCALING_ROUTE} element={<AutoscalingPage />} />
        <Route path={`${AUTOSCALING_ROUTE}/:id`} element={<AutoscalingRulePage />} />
        <Route path={NETWORKS_ROUTE} element={<NetworksPage />} />
        <Route path={ROUTES.alerts} element={<AlertsPage />} />
        <Route path={ROUTES.events} element={<EventsPage />} />
        <Route path={ROUTES.logs} element={<LogsPage />} />
        <Route path={ROUTES.security} element={<RiskyContainersPage />} />
        <Route path={ROUTES.admin} element={<AdminPage />} />
        <Route path="*" element={<Navigate replace to={appUrl(ROUTES.overview)} />} />
      </Routes>
    </FleetlensProvider>
  );
}

import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;

/** Where Grafana mounts the app's pages. */
export const APP_BASE = `/a/${PLUGIN_ID}`;

/** Grafana's app proxy route (`routes[].path = "api"` in plugin.json) in front of the backend. */
export const PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}/api`;

/** Grafana's configuration page of this app. */
export const CONFIG_PAGE_URL = `/plugins/${PLUGIN_ID}`;

/** The query API version this build of the plugin speaks. */
export const EXPECTED_API_VERSION = 'v1';

/** Page paths relative to APP_BASE. */
export const ROUTES = {
  overview: 'overview',
  nodes: 'nodes',
  heatmap: 'heatmap',
  containers: 'containers',
  workloads: 'workloads',
  monitoring: 'monitoring',
  alerts: 'alerts',
  events: 'events',
  logs: 'logs',
  security: 'security',
  admin: 'admin',
} as const;

/** Absolute URL of a page of the app, e.g. appUrl('nodes', id). */
export function appUrl(...parts: string[]): string {
  return [APP_BASE, ...parts.map(encodeURIComponent)].join('/');
}

/**
 * Grafana provisioning files: they parse, name the right plugin ids, provide every setting the
 * plugins' proxy routes read, and take secrets only from environment variables that the
 * Grafana service in docker-compose.yml receives. No Grafana server can run here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, allStrings, envMap, exists, loadYaml, mounts, read, walk, type Doc } from './helpers';
import { PROMETHEUS_PREFIX } from '../../backend/src/routes/prometheus';

/** The agent's default sample interval, read from its config schema's source. */
const AGENT_DEFAULT_INTERVAL = Number(
  /intervalSeconds: z\.coerce\.number\(\)[^\n]*\.default\((\d+)\)/.exec(read('agent/src/config.ts'))![1]
);

const DATASOURCE_ID = 'fleetlens-monitor-datasource';
const app = JSON.parse(read('src/plugin.json'));
const compose = loadYaml('docker-compose.yml');
const grafanaEnv = envMap(compose.services.grafana.environment);
const pluginMount = mounts(compose.services.grafana.volumes).find((m) => m.source === './dist')!;
const dsPluginFile = ['src/datasource/plugin.json', 'src/datasources/fleetlens/plugin.json'].find(exists);
const srcDashboards = exists('src') ? walk('src').filter((f) => /\/dashboards\/.+\.json$/.test(f)) : [];

const plugins = loadYaml('provisioning/plugins/fleetlens.yaml');
const datasources = loadYaml('provisioning/datasources/fleetlens.yaml');
const promDatasources = loadYaml('provisioning/datasources/fleetlens-prometheus.yaml');
const dashboards = loadYaml('provisioning/dashboards/fleetlens.yaml');

/** Settings a plugin.json's proxy routes read: {{ .JsonData.x }} and {{ .SecureJsonData.x }}. */
function routeSettings(pluginJson: Doc): { jsonData: string[]; secure: string[] } {
  const text = JSON.stringify(pluginJson.routes ?? []);
  return {
    jsonData: [...new Set([...text.matchAll(/\.JsonData\.(\w+)/g)].map((m) => m[1]))],
    secure: [...new Set([...text.matchAll(/\.SecureJsonData\.(\w+)/g)].map((m) => m[1]))],
  };
}

/** Environment variables Grafana expands in a provisioning file ($VAR or ${VAR}). */
function envRefs(doc: Doc): string[] {
  return allStrings(doc).flatMap((s) => [...s.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)].map((m) => m[1]));
}

/** The backend URL Grafana must use inside the Compose network. */
const composeBackendUrl = `http://backend:${envMap(compose.services.backend.environment).PORT ?? 8480}`;

describe('Grafana provisioning', () => {
  test('plugins/fleetlens.yaml: the app (id from src/plugin.json and the built dist/plugin.json) enabled, with every setting its proxy route reads', () => {
    expect(plugins.apiVersion).toBe(1);
    expect(plugins.apps).toHaveLength(1);
    const a = plugins.apps[0];
    expect(a.type).toBe(app.id);
    expect(a.type).toBe('fleetlens-monitor-app');
    if (existsSync(join(ROOT, 'dist/plugin.json'))) expect(JSON.parse(read('dist/plugin.json')).id).toBe(a.type);
    expect(a.org_id).toBe(1);
    expect(a.disabled).toBe(false);
    const needed = routeSettings(app);
    expect(needed.jsonData).toContain('backendUrl');
    expect(needed.secure).toContain('serviceKey');
    for (const k of needed.jsonData) expect({ k, set: a.jsonData?.[k] != null }).toEqual({ k, set: true });
    for (const k of needed.secure) expect({ k, set: a.secureJsonData?.[k] != null }).toEqual({ k, set: true });
    // Only settings the app knows (AppSettings in src/types.ts).
    const known = [
      ...(/export interface AppSettings \{([\s\S]*?)\n\}/.exec(read('src/types.ts'))?.[1] ?? '').matchAll(
        /^\s+(\w+)\??:/gm
      ),
    ].map((m) => m[1]);
    for (const k of Object.keys(a.jsonData)) expect(known).toContain(k);
    expect(a.jsonData.backendUrl).toBe(composeBackendUrl);
    expect(a.secureJsonData.serviceKey).toBe('$FLEETLENS_SERVICE_KEY');
  });

  test(
    dsPluginFile
      ? `datasources/fleetlens.yaml: type matches ${dsPluginFile}, every setting its proxy route reads is provided`
      : `datasources/fleetlens.yaml: type ${DATASOURCE_ID} (the datasource plugin is not in src/ yet, so its plugin.json could not be compared)`,
    () => {
      expect(datasources.apiVersion).toBe(1);
      expect(datasources.datasources).toHaveLength(1);
      const ds = datasources.datasources[0];
      expect(ds.type).toBe(DATASOURCE_ID);
      expect(ds).toMatchObject({ name: 'Fleetlens', uid: 'fleetlens', access: 'proxy', orgId: 1 });
      expect(ds.jsonData.backendUrl).toBe(plugins.apps[0].jsonData.backendUrl);
      // Its own credential: an API key (the route sends it as X-Api-Key), never the service key.
      expect(ds.secureJsonData).toEqual({ apiKey: '$FLEETLENS_DATASOURCE_API_KEY' });
      expect(JSON.stringify(ds)).not.toContain('SERVICE_KEY');
      if (dsPluginFile) {
        const dsJson = JSON.parse(read(dsPluginFile));
        expect(dsJson.id).toBe(ds.type);
        const needed = routeSettings(dsJson);
        expect(needed.secure).toEqual(['apiKey']);
        expect(
          dsJson.routes.flatMap((r: { headers?: { name: string }[] }) => (r.headers ?? []).map((h) => h.name))
        ).toEqual(['X-Api-Key']);
        for (const k of needed.jsonData) expect({ k, set: ds.jsonData?.[k] != null }).toEqual({ k, set: true });
        for (const k of needed.secure) expect({ k, set: ds.secureJsonData?.[k] != null }).toEqual({ k, set: true });
      } else {
        expect(existsSync(join(ROOT, 'src/datasource/plugin.json'))).toBe(false);
      }
      // Grafana may load it unsigned.
      expect(grafanaEnv.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',')).toContain(ds.type);
    }
  );

  test(
    srcDashboards.length
      ? `dashboards/fleetlens.yaml: a file provider reading the plugin's dashboards/ folder, where the ${srcDashboards.length} dashboard(s) of src/ are built to`
      : "dashboards/fleetlens.yaml: a file provider reading the plugin's dashboards/ folder (no dashboards in src/ yet: they come with the datasource and panels work)",
    () => {
      expect(dashboards.apiVersion).toBe(1);
      expect(dashboards.providers).toHaveLength(1);
      const p = dashboards.providers[0];
      expect(p).toMatchObject({
        type: 'file',
        orgId: 1,
        folder: 'Fleetlens',
        disableDeletion: true,
        allowUiUpdates: false,
      });
      // The path is the plugin's own folder in Grafana: Compose mounts dist/ there; a manual install copies dist/ there.
      expect(p.options.path).toBe(`${pluginMount.target}/dashboards`);
      expect(pluginMount.target).toBe(`/var/lib/grafana/plugins/${app.id}`);
      if (srcDashboards.length) {
        for (const f of srcDashboards) {
          const built = `dist/dashboards/${f.split('/').pop()}`;
          expect({ f, built, exists: exists(built) }).toEqual({ f, built, exists: true });
          const d = JSON.parse(read(built));
          expect(typeof d.title).toBe('string');
        }
      } else {
        expect(srcDashboards).toEqual([]);
      }
    }
  );

  test("datasources/fleetlens-prometheus.yaml: Grafana's built-in Prometheus datasource on the backend's Prometheus API, its own API key in secureJsonData", () => {
    expect(promDatasources.apiVersion).toBe(1);
    expect(promDatasources.datasources).toHaveLength(1);
    const ds = promDatasources.datasources[0];
    expect(ds).toMatchObject({ type: 'prometheus', uid: 'fleetlens-prometheus', access: 'proxy', orgId: 1 });
    // Grafana appends /api/v1/query, /api/v1/query_range, ... to the URL: that must be the backend's route prefix.
    expect(`${ds.url}/api/v1`).toBe(`${composeBackendUrl}${PROMETHEUS_PREFIX}`);
    // The custom header carries the datasource's own API key (never the service key, which alone
    // is no one); its value is a secret, so it sits in secureJsonData only.
    expect(ds.jsonData.httpHeaderName1).toBe('X-Api-Key');
    expect(ds.secureJsonData).toEqual({ httpHeaderValue1: '$FLEETLENS_PROMETHEUS_API_KEY' });
    expect(JSON.stringify(ds.jsonData)).not.toContain('API_KEY');
    expect(JSON.stringify(ds)).not.toContain('SERVICE_KEY');
    // Grafana POSTs forms by default; the backend accepts both (backend/test/prometheus-api.test.ts).
    expect(ds.jsonData.httpMethod).toBe('POST');
    // The smallest step equals the agents' default interval (agent/src/config.ts).
    expect(ds.jsonData.timeInterval).toBe(`${AGENT_DEFAULT_INTERVAL}s`);
  });

  test('every environment variable the provisioning files use is given to the Grafana service in docker-compose.yml', () => {
    const refs = [...new Set([plugins, datasources, promDatasources, dashboards].flatMap(envRefs))];
    expect(refs.sort()).toEqual([
      'FLEETLENS_DATASOURCE_API_KEY',
      'FLEETLENS_PROMETHEUS_API_KEY',
      'FLEETLENS_SERVICE_KEY',
    ]);
    for (const r of refs) expect({ r, given: r in grafanaEnv }).toEqual({ r, given: true });
  });
});

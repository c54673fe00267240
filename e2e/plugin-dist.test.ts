import fs from 'node:fs';
import path from 'node:path';
import { ensurePluginBuilt } from './host/build';
import { GRAFANA_LINES, SHARED_DEPENDENCIES } from './host/src/shared/lines';

/**
 * What Grafana checks when it loads dist/: plugin.json against the rules of Grafana's
 * plugin.json schema (docs/sources/developers/plugins/plugin.schema.json: required fields, id
 * pattern, type, info, includes, routes, dependencies), and module.js as an AMD module that asks
 * only for modules Grafana shares with plugins.
 */

jest.setTimeout(300_000);

const DIST = path.resolve(__dirname, '..', 'dist');
let pj: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(() => {
  ensurePluginBuilt();
  pj = JSON.parse(fs.readFileSync(path.join(DIST, 'plugin.json'), 'utf8'));
});

// Top-level properties the schema allows (it sets additionalProperties: false).
const TOP_LEVEL = new Set([
  '$schema',
  'alerting',
  'annotations',
  'autoEnabled',
  'backend',
  'builtIn',
  'category',
  'dependencies',
  'enterpriseFeatures',
  'executable',
  'hideFromList',
  'id',
  'includes',
  'info',
  'logs',
  'metrics',
  'name',
  'pascalName',
  'preload',
  'queryOptions',
  'routes',
  'skipDataQuery',
  'state',
  'streaming',
  'tracing',
  'type',
  'iam',
  'roles',
  'extensions',
  'languages',
  'buildMode',
]);
const ROUTE_KEYS = new Set([
  'path',
  'method',
  'url',
  'reqSignedIn',
  'reqRole',
  'reqAction',
  'headers',
  'body',
  'tokenAuth',
  'jwtTokenAuth',
  'urlParams',
]);

/** Compares dotted versions numerically: -1, 0 or 1. */
function cmp(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) {
      return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
    }
  }
  return 0;
}

describe('dist/ as Grafana loads it', () => {
  it('plugin.json has the required fields, an app id of the required pattern, and only known properties', () => {
    for (const key of ['type', 'name', 'id', 'info', 'dependencies']) {
      expect(pj).toHaveProperty(key);
    }
    expect(Object.keys(pj).filter((k) => !TOP_LEVEL.has(k))).toEqual([]);
    expect(pj.type).toBe('app');
    expect(pj.id).toMatch(/^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/);
    expect(pj.id).toBe('fleetlens-monitor-app');
  });

  it('info carries keywords, logos that exist in dist/, and the stamped version and build date', () => {
    const info = pj.info;
    expect(Array.isArray(info.keywords) && info.keywords.length).toBeGreaterThan(0);
    for (const size of ['small', 'large']) {
      expect(info.logos[size]).toMatch(/\.svg$/);
      expect(fs.existsSync(path.join(DIST, info.logos[size]))).toBe(true);
    }
    // The placeholders are filled at build time.
    expect(info.version).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
    expect(info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('includes: one page per app page in the navigation, under the app, one default', () => {
    const pages = pj.includes.filter((i: { type: string }) => i.type === 'page');
    expect(pages.map((p: { name: string }) => p.name)).toEqual([
      'Overview',
      'Nodes',
      'Heatmap',
      'Containers',
      'Workloads',
      'Monitoring',
      'Services',
      'Autoscaling',
      'Networks',
      'Alerts',
      'Events',
      'Logs',
      'Risky containers',
      'Admin',
      'Configuration',
    ]);
    for (const inc of pj.includes) {
      expect(['dashboard', 'page', 'panel', 'datasource', 'secretsmanager']).toContain(inc.type);
    }
    // Nested datasource, panels and dashboards: e2e/nested-plugins.test.ts.
    for (const inc of pages) {
      expect(['Admin', 'Editor', 'Viewer']).toContain(inc.role);
      expect(inc.addToNav).toBe(true);
      expect(inc.path.startsWith(`/a/${pj.id}/`) || inc.path === `/plugins/${pj.id}`).toBe(true);
    }
    expect(pj.includes.filter((i: { defaultNav?: boolean }) => i.defaultNav)).toHaveLength(1);
  });

  it('routes: one wildcard proxy route takes the backend URL from jsonData and the service key from secureJsonData', () => {
    expect(pj.routes).toHaveLength(1);
    const route = pj.routes[0];
    expect(Object.keys(route).filter((k) => !ROUTE_KEYS.has(k))).toEqual([]);
    // Grafana matches app routes with web.Tree (pkg/api/pluginproxy/pluginproxy.go): a path without
    // `*` matches only itself, so the client's `<route>/api/v1/...` needs `api/*`. The matching
    // itself is tested against the stand-in in e2e/grafana-proxy-stand-in.test.ts.
    expect(route.path).toBe('api/*');
    expect(route.url).toMatch(/^\{\{\s*\.JsonData\.backendUrl\s*\}\}$/);
    expect(route.headers).toEqual([{ name: 'X-Fleetlens-Key', content: '{{ .SecureJsonData.serviceKey }}' }]);
    // No Grafana-level role: the backend's own user records decide roles (docs/access.md).
    expect(route.reqRole).toBeUndefined();
    // The secret is never in jsonData (which the browser sees).
    expect(JSON.stringify(pj)).not.toMatch(/\.JsonData\.serviceKey/);
  });

  it('dependencies: grafanaDependency matches the schema pattern and admits the @grafana/* line the plugin is built with', () => {
    const dep: string = pj.dependencies.grafanaDependency;
    expect(dep).toMatch(
      /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/
    );
    const built = JSON.parse(fs.readFileSync(require.resolve('@grafana/data/package.json'), 'utf8')).version as string;
    const m = dep.match(/^>=(\d+\.\d+\.\d+)$/);
    expect(m).not.toBeNull();
    // Not below the version whose types and components the code uses (React 18 line).
    expect(cmp(m![1], built)).toBeLessThanOrEqual(0);
    expect(cmp(m![1], '12.4.0')).toBeGreaterThanOrEqual(0);
  });

  const modules = [
    'module.js',
    'datasource/module.js',
    'panels/node-heatmap/module.js',
    'panels/top-containers/module.js',
  ];

  it.each(modules)(
    '%s is one AMD module that asks only for modules every supported Grafana line shares, and bundles no React',
    (file) => {
      const js = fs.readFileSync(path.join(DIST, file), 'utf8');
      const m = js.match(/define\((\[[^\]]*\])/);
      expect(m).not.toBeNull();
      const deps = JSON.parse(m![1]) as string[];
      for (const line of GRAFANA_LINES) {
        // Grafana's SystemJS resolves only the keys of its sharedDependencies.ts; anything else is
        // fetched as a URL and fails (public/app/features/plugins/loader/systemjsHooks.ts).
        expect({ line, unshared: deps.filter((d) => !SHARED_DEPENDENCIES[line].includes(d)) }).toEqual({
          line,
          unshared: [],
        });
      }
      expect(deps).toEqual(expect.arrayContaining(['react', 'react/jsx-runtime', '@grafana/data']));
      // No React, ReactDOM or jsx-runtime inside the bundle: React 18's jsx-runtime reads
      // internals that React 19 (Grafana 13) removed; React 19's read ones React 18 lacks.
      expect(js.includes('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED')).toBe(false);
      expect(js.includes('__CLIENT_INTERNALS_DO_NOT_USE_OR_WARN_USERS_THEY_CANNOT_UPGRADE')).toBe(false);
      expect(js.includes('reactjs.org/docs/error-decoder')).toBe(false);
      expect(js.includes('react-dom.production')).toBe(false);
    }
  );
});

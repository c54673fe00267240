import fs from 'node:fs';
import path from 'node:path';
import { ensurePluginBuilt } from './host/build';
import { GRAFANA_LINES, SHARED_DEPENDENCIES } from './host/src/shared/lines';

/**
 * The nested plugins and dashboards in the built dist/, as Grafana finds them: each nested
 * plugin.json valid against the rules of Grafana's plugin.json schema (id pattern, type, info
 * with logos that exist, dependencies), its module.js an AMD module needing only modules that
 * every supported Grafana line shares (the host's per-line lists, e2e/host/src/shared/),
 * the app's includes naming each of them, and every dashboard parsing and referring only to
 * datasource and panel plugins that exist (in dist/ or built into Grafana).
 */

jest.setTimeout(300_000);

const DIST = path.resolve(__dirname, '..', 'dist');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (p: string): Json => JSON.parse(fs.readFileSync(path.join(DIST, p), 'utf8'));

const NESTED = [
  { dir: 'datasource', type: 'datasource', id: 'fleetlens-monitor-datasource' },
  { dir: 'panels/node-heatmap', type: 'panel', id: 'fleetlens-nodeheatmap-panel' },
  { dir: 'panels/top-containers', type: 'panel', id: 'fleetlens-topcontainers-panel' },
];
const DASHBOARDS = ['cluster-overview', 'node-detail', 'container-detail', 'kubernetes-workloads'];
// Panel types built into Grafana 12 that the dashboards use.
const BUILTIN_PANELS = ['timeseries', 'table', 'stat', 'row', 'text'];
const TOP_LEVEL = new Set([
  '$schema',
  'alerting',
  'annotations',
  'backend',
  'dependencies',
  'id',
  'info',
  'logs',
  'metrics',
  'name',
  'routes',
  'skipDataQuery',
  'type',
  'streaming',
  'tracing',
  'queryOptions',
  'category',
  'state',
  'hideFromList',
  'preload',
]);

beforeAll(() => ensurePluginBuilt());

describe.each(NESTED)('dist/$dir/plugin.json ($id)', ({ dir, type, id }) => {
  test('required fields, id pattern, type, known properties, info with existing logos and stamped version', () => {
    const pj = read(`${dir}/plugin.json`);
    for (const key of ['type', 'name', 'id', 'info', 'dependencies']) expect(pj).toHaveProperty(key);
    expect(Object.keys(pj).filter((k) => !TOP_LEVEL.has(k))).toEqual([]);
    expect(pj.type).toBe(type);
    expect(pj.id).toBe(id);
    expect(pj.id).toMatch(new RegExp(`^[0-9a-z]+-([0-9a-z]+-)?${type}$`));
    expect(pj.info.keywords.length).toBeGreaterThan(0);
    for (const size of ['small', 'large']) expect(fs.existsSync(path.join(DIST, dir, pj.info.logos[size]))).toBe(true);
    expect(pj.info.version).toBe(read('plugin.json').info.version);
    expect(pj.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pj.dependencies.grafanaDependency).toBe(read('plugin.json').dependencies.grafanaDependency);
  });

  test.each(GRAFANA_LINES)(
    'module.js: an AMD module whose dependencies are all modules Grafana %s shares, with no React bundled',
    (line) => {
      const js = fs.readFileSync(path.join(DIST, dir, 'module.js'), 'utf8');
      const m = js.match(/define\((\[[^\]]*\])/);
      expect(m).not.toBeNull();
      expect((JSON.parse(m![1]) as string[]).filter((d) => !SHARED_DEPENDENCIES[line].includes(d))).toEqual([]);
      expect(js.includes('react-dom.production')).toBe(false);
      // A bundled React jsx-runtime reads React's internals; Grafana 13.2+ (React 19) has no such object.
      expect(js.includes('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED')).toBe(false);
    }
  );

  test('the app includes it by name and type', () => {
    const pj = read(`${dir}/plugin.json`);
    expect(read('plugin.json').includes).toEqual(
      expect.arrayContaining([expect.objectContaining({ type, name: pj.name })])
    );
  });
});

describe('the datasource plugin.json', () => {
  test("its own proxy route: backend URL from its jsonData, its own API key from its secureJsonData (never the app's service key); alerting honestly off (no backend component)", () => {
    const pj = read('datasource/plugin.json');
    expect(pj.routes).toEqual([
      expect.objectContaining({
        path: 'api',
        url: '{{ .JsonData.backendUrl }}',
        headers: [{ name: 'X-Api-Key', content: '{{ .SecureJsonData.apiKey }}' }],
      }),
    ]);
    expect(pj).toMatchObject({ metrics: true, annotations: true, alerting: false, backend: false });
  });
});

describe('dashboards', () => {
  const pluginIds = new Set(NESTED.map((n) => n.id));
  test.each(DASHBOARDS)(
    'dist/dashboards/%s.json: parses, is included by the app, uses only existing datasources and panels',
    (name) => {
      const d = read(`dashboards/${name}.json`);
      expect(typeof d.title).toBe('string');
      expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      const include = read('plugin.json').includes.find(
        (i: Json) => i.type === 'dashboard' && i.path === `dashboards/${name}.json`
      );
      expect(include?.name).toBe(d.title);
      // Panels: Grafana's own or ours; every datasource reference is the Fleetlens datasource (or Grafana's built-in).
      for (const p of d.panels) {
        expect(BUILTIN_PANELS.includes(p.type) || pluginIds.has(p.type)).toBe(true);
        expect(p.targets.length).toBeGreaterThan(0);
      }
      const refs: Json[] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          const o = v as Json;
          if (o.datasource && typeof o.datasource === 'object') refs.push(o.datasource);
          Object.values(o).forEach(walk);
        }
      };
      walk(d);
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) {
        if (r.type === 'grafana') continue;
        expect(r).toEqual({ type: 'fleetlens-monitor-datasource', uid: '${datasource}' });
      }
      // The datasource variable picks the Fleetlens datasource, the provisioned one (uid fleetlens) by default.
      const dsVar = d.templating.list.find((v: Json) => v.type === 'datasource');
      expect(dsVar).toMatchObject({
        name: 'datasource',
        query: 'fleetlens-monitor-datasource',
        current: { value: 'fleetlens' },
      });
      const provisioned = fs.readFileSync(
        path.resolve(__dirname, '..', 'provisioning/datasources/fleetlens.yaml'),
        'utf8'
      );
      expect(provisioned).toMatch(/uid: fleetlens\n/);
      // Every variable a query or panel uses is defined.
      const defined = new Set(d.templating.list.map((v: Json) => v.name));
      const used = [...JSON.stringify(d.panels).matchAll(/\$\{?(\w+)/g)].map((m) => m[1]);
      for (const u of used) expect({ u, defined: defined.has(u) }).toEqual({ u, defined: true });
    }
  );
});

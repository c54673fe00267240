import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DatasourceProxyEmulator, type DatasourceInstance } from './datasourceProxy';
import { GrafanaEmulator } from './grafana/appProxy';
import { GrafanaIdTokens } from './grafana/idTokens';
import type { GrafanaUser, PluginJson } from './grafana/types';
import { lineDist, lineIcons, lineVersions, type GrafanaLine } from './lines';

/**
 * The test host's HTTP server, standing in for a Grafana server:
 *  - `/public/plugins/<id>/…`  the built plugin from dist/ (module.js, plugin.json, img)
 *  - `/public/build/img/icons/…` @grafana/ui's icons, where Grafana serves them
 *  - `/api/plugins/<id>/settings`, `/api/plugin-proxy/<id>/…`  the emulated Grafana API, whose
 *    proxy applies the routes of dist/plugin.json to forward to a live backend
 *  - `/public/plugins/e2e-fixtures/…` the loader fixtures (e2e/host/fixtures)
 *  - `/host/…` the host's own bundle for the chosen Grafana line (e2e/host/dist/<line>/)
 *  - the page itself: 200 on the host's page routes (/, /a/…, /plugins/…, /panel-host/…,
 *    /fixture-host/…), 404 with the same page on any other path, as Grafana's
 *    `NotFoundHandler` (pkg/api/index.go) answers a path that is no route: so a module name that
 *    SystemJS could not resolve and fetches as a URL gets a 404, as in Grafana.
 */

const ROOT = path.resolve(__dirname, '..', '..');
export const PLUGIN_DIST = path.join(ROOT, 'dist');
export const FIXTURES = path.join(__dirname, 'fixtures');
const FIXTURE_PREFIX = '/public/plugins/e2e-fixtures/';
const PAGE_ROUTES = /^\/($|a\/|plugins\/|panel-host\/|fixture-host\/)/;

const TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.md': 'text/markdown',
  '.css': 'text/css',
  '.png': 'image/png',
};

export interface HostOptions {
  backendUrl: string;
  serviceKey: string;
  theme?: 'dark' | 'light';
  port?: number;
  /** Extra jsonData (thresholds…). */
  jsonData?: Record<string, unknown>;
  /** The signed-in Grafana user (default: an org Admin, login "admin"). */
  user?: GrafanaUser;
  /**
   * The datasource instance (uid "fleetlens", dist/datasource): its `jsonData` (default
   * `{ backendUrl }`) and `secureJsonData` (e.g. `{ apiKey }`), set apart from the app's settings.
   * Without `secureJsonData` it gets the app's `{ serviceKey }`, as the previous host did.
   */
  datasource?: Partial<Pick<DatasourceInstance, 'uid' | 'url' | 'jsonData' | 'secureJsonData' | 'allowedLogins'>>;
  /** grafana.ini `[dataproxy] send_user_header` (Grafana's default: false). */
  sendUserHeader?: boolean;
  /**
   * ID forwarding: both proxies send `X-Grafana-Id` signed by a key the host makes, and the host
   * serves its public key at `/api/signing-keys/keys` (default: off).
   */
  idForwarding?: boolean;
  /** The Grafana line to emulate (its shared modules, React and @grafana/* versions); default 12.4. */
  grafanaLine?: GrafanaLine;
  /** Label every page as a preview outside Grafana (`npm run preview`). */
  preview?: boolean;
}

const PLACEHOLDER_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="4" fill="currentColor"/></svg>';

export interface RunningHost {
  url: string;
  emulator: GrafanaEmulator;
  /** Grafana's datasource proxy for the nested datasource (absent when dist/ has none). */
  datasource?: DatasourceProxyEmulator;
  /** The ID token signer when `idForwarding` is on (its issuer is the host's URL + "/"). */
  ids?: GrafanaIdTokens;
  /** Where the host publishes its signing keys: `<url>/api/signing-keys/keys`. */
  jwksUrl: string;
  /** Icons @grafana/ui asked for that the npm package does not ship (served as a placeholder). */
  missingIcons: Set<string>;
  stop(): Promise<void>;
}

const DEFAULT_USER: GrafanaUser = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' };

/** The slice of Grafana's boot data that @grafana/runtime's config reads at load time. */
function bootData(theme: 'dark' | 'light', user: GrafanaUser = DEFAULT_USER, line: GrafanaLine = '12.4') {
  // The version of the line's @grafana/runtime, which is the Grafana release it comes with.
  const version = lineVersions(line).grafana;
  return {
    assets: { dark: '', light: '' },
    settings: {
      buildInfo: {
        version,
        versionString: `Grafana v${version} (test-host)`,
        commit: 'test-host',
        env: 'production',
        edition: 'Open Source',
      },
      minRefreshInterval: '5s',
      appSubUrl: '',
    },
    user: {
      id: user.id,
      login: user.login,
      email: user.email,
      orgRole: user.orgRole,
      isSignedIn: true,
      theme,
      lightTheme: theme === 'light',
      timezone: 'browser',
    },
    navTree: [],
  };
}

function page(
  pluginId: string,
  theme: 'dark' | 'light',
  user: GrafanaUser | undefined,
  line: GrafanaLine,
  preview = false
): string {
  // <base href="/"> as in Grafana's index.html: @grafana/ui loads icons from relative paths.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><base href="/"><title>Fleetlens · test host</title>
<link rel="icon" href="data:,"><style>body { margin: 0; }</style>
<script>window.__hostBoot = ${JSON.stringify({ pluginId, theme, grafanaLine: line, preview })};
window.grafanaBootData = ${JSON.stringify(bootData(theme, user, line))};</script>
</head><body class="theme-${theme}"><div id="root"></div><script src="/host/host.js"></script></body></html>`;
}

/** Serves a file under `dir`, refusing paths that escape it. */
function sendFile(res: http.ServerResponse, dir: string, rel: string, cacheControl = 'no-store'): void {
  const file = path.join(dir, rel);
  if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControl,
  });
  fs.createReadStream(file).pipe(res);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the host in front of a backend; the app starts enabled with the given URL and key. */
export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const pluginJsonPath = path.join(PLUGIN_DIST, 'plugin.json');
  if (!fs.existsSync(path.join(PLUGIN_DIST, 'module.js')) || !fs.existsSync(pluginJsonPath)) {
    throw new Error('dist/ has no built plugin: run `npm run build:plugin` first');
  }
  const line = opts.grafanaLine ?? '12.4';
  const hostDist = lineDist(line);
  const icons = lineIcons(line);
  if (!fs.existsSync(path.join(hostDist, 'host.js'))) {
    throw new Error(
      `${hostDist}/host.js is missing: build the host bundles first (ensureHostBuilt in e2e/host/build.ts)`
    );
  }
  const plugin = JSON.parse(fs.readFileSync(pluginJsonPath, 'utf8')) as PluginJson;
  const ids = opts.idForwarding ? new GrafanaIdTokens() : undefined;
  const grafanaOptions = { sendUserHeader: opts.sendUserHeader ?? false, ids, version: lineVersions(line).grafana };
  const emulator = new GrafanaEmulator(
    plugin,
    {
      enabled: true,
      jsonData: { ...(opts.jsonData ?? {}), backendUrl: opts.backendUrl },
      secureJsonData: { serviceKey: opts.serviceKey },
    },
    opts.user,
    grafanaOptions
  );
  // The nested datasource (dist/datasource), as one instance with uid "fleetlens" (the provisioned
  // one): its own settings, and Grafana's datasource proxy applying its plugin.json routes.
  const dsJsonPath = path.join(PLUGIN_DIST, 'datasource', 'plugin.json');
  const dsProxy = fs.existsSync(dsJsonPath)
    ? new DatasourceProxyEmulator(
        JSON.parse(fs.readFileSync(dsJsonPath, 'utf8')) as PluginJson,
        {
          uid: opts.datasource?.uid ?? 'fleetlens',
          url: opts.datasource?.url,
          jsonData: opts.datasource?.jsonData ?? { backendUrl: opts.backendUrl },
          secureJsonData: opts.datasource?.secureJsonData ?? { serviceKey: opts.serviceKey },
          allowedLogins: opts.datasource?.allowedLogins,
        },
        opts.user,
        grafanaOptions
      )
    : undefined;
  const theme = opts.theme ?? 'dark';
  const missingIcons = new Set<string>();
  const pluginPrefix = `/public/plugins/${plugin.id}/`;

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://host.local');
      const p = decodeURIComponent(url.pathname);
      if (p.startsWith('/api/')) {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
        const remoteAddr = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
        const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body, remoteAddr };
        let out = (await emulator.handle(request)) ?? (await dsProxy?.handle(request));
        if (!out && dsProxy && p === `/api/datasources/uid/${dsProxy.instance.uid}`) {
          // pkg/api/datasources.go GetDataSourceByUID: settings, secrets only as "is set" flags.
          const { uid, jsonData, url: dsUrl, secureJsonData } = dsProxy.instance;
          const secureJsonFields = Object.fromEntries(
            Object.keys(secureJsonData)
              .filter((k) => secureJsonData[k])
              .map((k) => [k, true])
          );
          out = {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ uid, type: dsProxy.plugin.id, url: dsUrl ?? '', jsonData, secureJsonFields }),
          };
        }
        const reply = out ?? {
          status: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'Not found' }),
        };
        res.writeHead(reply.status, reply.headers).end(reply.body);
      } else if (p.startsWith(FIXTURE_PREFIX)) {
        sendFile(res, FIXTURES, p.slice(FIXTURE_PREFIX.length));
      } else if (p.startsWith(pluginPrefix)) {
        sendFile(res, PLUGIN_DIST, p.slice(pluginPrefix.length));
      } else if (p.startsWith('/public/build/img/icons/')) {
        const rel = p.slice('/public/build/img/icons/'.length);
        if (fs.existsSync(path.join(icons, rel))) {
          sendFile(res, icons, rel);
        } else {
          // The npm package ships a subset of Grafana's icons (a Grafana server has them all):
          // draw a neutral placeholder and remember the name for the test report.
          missingIcons.add(rel);
          res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(PLACEHOLDER_ICON);
        }
      } else if (p.startsWith('/public/fonts/')) {
        // Grafana serves its Inter font here; the npm packages do not ship it, so browsers fall back.
        res.writeHead(204).end();
      } else if (p.startsWith('/host/')) {
        // The host's bundle does not change while a host runs: a browser context that opens many
        // pages parses it from its cache (the plugin's own files stay no-store).
        sendFile(res, hostDist, p.slice('/host/'.length), 'max-age=3600');
      } else {
        res
          .writeHead(PAGE_ROUTES.test(p) ? 200 : 404, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
          })
          .end(page(plugin.id, theme, opts.user, line, opts.preview));
      }
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    });
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', () => ok()));
  const { port } = server.address() as { port: number };
  if (ids) {
    ids.issuer = `http://127.0.0.1:${port}/`; // [server] root_url: the tokens' iss
  }
  return {
    url: `http://127.0.0.1:${port}`,
    emulator,
    datasource: dsProxy,
    ids,
    jwksUrl: `http://127.0.0.1:${port}/api/signing-keys/keys`,
    missingIcons,
    stop: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

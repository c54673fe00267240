import React, { useLayoutEffect } from 'react';
import http from 'node:http';
import net from 'node:net';
import { render, screen, within, type RenderResult } from '@testing-library/react';
import type { AppPluginMeta } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import {
  MemoryRouter,
  Route,
  Routes,
  useLocation,
  useNavigate,
  type Location,
  type NavigateFunction,
} from 'react-router-dom';
import { createBackendSrv } from '../../e2e/host/backendSrv';
import { GrafanaEmulator } from '../../e2e/host/grafana/appProxy';
import type { GrafanaUser, PluginJson } from '../../e2e/host/grafana/types';
import { App } from '../components/App';
import { APP_BASE } from '../constants';
import pluginJson from '../plugin.json';
import type { AppSettings } from '../types';

/**
 * Test harness: Grafana's side of the plugin (settings store, app proxy applying plugin.json's
 * routes, BackendSrv) in front of a real backend started by .config/jest/globalSetup.ts.
 */

export type BackendChoice = 'fleet' | 'empty' | 'ops' | { url: string };

export function serviceKey(): string {
  return required('FLEETLENS_TEST_SERVICE_KEY');
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: run the plugin tests through Jest's plugin project (its globalSetup starts the backends)`
    );
  }
  return v;
}

/** The URL of a test backend. */
export function backendUrl(choice: BackendChoice): string {
  if (typeof choice === 'object') {
    return choice.url;
  }
  return required(
    choice === 'fleet'
      ? 'FLEETLENS_TEST_FLEET_URL'
      : choice === 'ops'
        ? 'FLEETLENS_TEST_OPS_URL'
        : 'FLEETLENS_TEST_EMPTY_URL'
  );
}

/** An address where nothing listens (a port just released by the OS). */
export async function closedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

/** Installs an emulated Grafana (settings + proxy) as the BackendSrv the plugin uses. */
export function installGrafana(settings: {
  backendUrl?: string;
  serviceKey?: string;
  enabled?: boolean;
  jsonData?: AppSettings;
  /** The signed-in Grafana user (defaults to the emulator's org Admin). */
  user?: GrafanaUser;
}) {
  const emulator = new GrafanaEmulator(
    pluginJson as PluginJson,
    {
      enabled: settings.enabled ?? true,
      jsonData: {
        ...(settings.jsonData ?? {}),
        ...(settings.backendUrl !== undefined ? { backendUrl: settings.backendUrl } : {}),
      },
      secureJsonData: settings.serviceKey ? { serviceKey: settings.serviceKey } : {},
    },
    settings.user
  );
  const requests: string[] = [];
  setBackendSrv(
    createBackendSrv(async (req) => {
      requests.push(`${req.method} ${req.url}`);
      const res = (await emulator.handle(req)) ?? {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not found"}',
      };
      return { status: res.status, contentType: res.headers['content-type'] ?? '', body: res.body };
    })
  );
  return { emulator, requests };
}

/** The plugin meta Grafana passes to the app root. */
export function appMeta(
  jsonData: AppSettings,
  secureJsonFields: Record<string, boolean> = {}
): AppPluginMeta<AppSettings> {
  return {
    id: pluginJson.id,
    name: pluginJson.name,
    type: 'app',
    enabled: true,
    jsonData,
    secureJsonFields,
    info: pluginJson.info,
    module: `public/plugins/${pluginJson.id}/module.js`,
    baseUrl: `public/plugins/${pluginJson.id}`,
  } as unknown as AppPluginMeta<AppSettings>;
}

interface RenderOptions {
  backend?: BackendChoice;
  /** Defaults to the test backends' key. */
  key?: string;
  /** Query string of the first URL, e.g. '?refresh=' (auto-refresh off is the harness default). */
  search?: string;
  /** Extra app settings (thresholds). */
  jsonData?: AppSettings;
  /** The signed-in Grafana user (defaults to an org Admin). */
  user?: GrafanaUser;
}

/** A Grafana user with the Viewer org role, unknown to the backend (so a Fleetlens viewer). */
export const VIEWER_USER: GrafanaUser = { id: 7, login: 'viewer', email: 'viewer@example.com', orgRole: 'Viewer' };

/** The test's view of the router: where the app is, and Back/Forward (`navigate(-1)`). */
export interface RouterHandle {
  location(): Location;
  navigate: NavigateFunction;
}

function RouterProbe({ onRender }: { onRender(location: Location, navigate: NavigateFunction): void }) {
  const location = useLocation();
  const navigate = useNavigate();
  useLayoutEffect(() => onRender(location, navigate));
  return null;
}

/** Renders the app root at a page path (relative to /a/<id>/) against a live backend. */
export function renderApp(
  page: string,
  opts: RenderOptions = {}
): RenderResult & { requests: string[]; router: RouterHandle } {
  const url = backendUrl(opts.backend ?? 'fleet');
  const { requests } = installGrafana({
    backendUrl: url,
    serviceKey: opts.key ?? serviceKey(),
    jsonData: opts.jsonData,
    user: opts.user,
  });
  const meta = appMeta({ ...(opts.jsonData ?? {}), backendUrl: url });
  return Object.assign(renderAppRoot(page, meta, opts.search), { requests });
}

/** Renders the app root with this plugin meta (as Grafana passes it) against the installed Grafana. */
export function renderAppRoot(
  page: string,
  meta: AppPluginMeta<AppSettings>,
  search?: string
): RenderResult & { router: RouterHandle } {
  const entry = `${APP_BASE}/${page}${search ?? '?refresh='}`;
  const probe: { location?: Location; navigate?: NavigateFunction } = {};
  const router: RouterHandle = {
    location: () => probe.location!,
    navigate: ((to: never, o?: never) => probe.navigate!(to, o)) as NavigateFunction,
  };
  const result = render(
    <MemoryRouter initialEntries={[entry]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <RouterProbe
        onRender={(location, navigate) => {
          probe.location = location;
          probe.navigate = navigate;
        }}
      />
      <Routes>
        <Route
          path={`${APP_BASE}/*`}
          element={<App meta={meta} basename={APP_BASE} onNavChanged={() => undefined} query={{}} path={APP_BASE} />}
        />
      </Routes>
    </MemoryRouter>
  );
  return Object.assign(result, { router });
}

/**
 * GETs the backend's query API directly (not through the plugin), for the expected values;
 * `prefix` picks another API of the backend (the Prometheus-compatible one).
 */
export function backendGet<T>(path: string, choice: BackendChoice = 'fleet', prefix = '/api/v1'): Promise<T> {
  const url = new URL(`${prefix}${path}`, backendUrl(choice));
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'X-Fleetlens-Key': serviceKey() } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(`backend ${path} answered ${res.statusCode}: ${text}`));
          } else {
            resolve(JSON.parse(text) as T);
          }
        });
      })
      .on('error', reject);
  });
}

/** Sends a change to the backend's API directly (service key, acting as admin); resolves the parsed reply. */
export function backendSend<T>(
  method: string,
  path: string,
  body?: unknown,
  choice: BackendChoice = 'fleet'
): Promise<T> {
  const url = new URL(`/api/v1${path}`, backendUrl(choice));
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        headers: { 'X-Fleetlens-Key': serviceKey(), ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(`backend ${method} ${path} answered ${res.statusCode}: ${text}`));
          } else {
            resolve((text ? JSON.parse(text) : undefined) as T);
          }
        });
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Pushes one ingest batch (plain JSON) with the test agent token, as an agent would. */
export function ingest(batch: unknown, choice: BackendChoice = 'ops'): Promise<void> {
  const url = new URL('/api/v1/ingest', backendUrl(choice));
  const data = JSON.stringify(batch);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${required('FLEETLENS_TEST_AGENT_TOKEN')}`,
          'content-type': 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 202
            ? resolve()
            : reject(new Error(`ingest answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`))
        );
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Opens a Grafana Select by its accessible name and picks the option with this text. */
export async function pickOption(user: { click(el: Element): Promise<void> }, selectLabel: string, optionText: string) {
  await user.click(screen.getByLabelText(selectLabel));
  const menu = await screen.findByLabelText('Select options menu');
  // The options may still be loading (the cluster list comes from the backend): wait for this one.
  await user.click(await within(menu).findByText(optionText, undefined, { timeout: 10_000 }));
}

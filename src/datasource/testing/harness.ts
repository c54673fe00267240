import http from 'node:http';
import {
  dateTime,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type ScopedVars,
  type TypedVariableModel,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { createBackendSrv } from '../../../e2e/host/backendSrv';
import { DatasourceProxyEmulator } from '../../../e2e/host/datasourceProxy';
import type { PluginJson } from '../../../e2e/host/grafana/types';
import { FleetlensDataSource } from '../datasource';
import pluginJson from '../plugin.json';
import type { FleetlensOptions, FleetlensQuery } from '../types';

/**
 * The datasource API key globalSetup made for the backend at `url` (a fleet-wide viewer's key,
 * .config/jest/globalSetup.ts), if it is one of those.
 */
export function datasourceKeyFor(url: string | undefined): string | undefined {
  if (!url) {
    return undefined;
  }
  const keys = JSON.parse(process.env.FLEETLENS_TEST_DATASOURCE_KEYS ?? '{}') as Record<string, string>;
  return keys[url];
}

/**
 * Grafana's side of the datasource for tests: an instance with its settings (backend URL and the
 * API key in secureJsonData.apiKey), the datasource proxy applying src/datasource/plugin.json's
 * route to a real backend, and a template service. Without `apiKey`, the datasource key
 * globalSetup made for that backend is used. `serviceKey` is accepted from older callers and
 * ignored: the datasource no longer sends it.
 */
export function installDatasource(
  settings: { backendUrl?: string; apiKey?: string; serviceKey?: string },
  uid = 'fleetlens'
) {
  const apiKey = settings.apiKey ?? datasourceKeyFor(settings.backendUrl);
  const proxy = new DatasourceProxyEmulator(pluginJson as PluginJson, {
    uid,
    jsonData: settings.backendUrl !== undefined ? { backendUrl: settings.backendUrl } : {},
    secureJsonData: apiKey ? { apiKey } : {},
  });
  const requests: string[] = [];
  setBackendSrv(
    createBackendSrv(async (req) => {
      requests.push(req.url);
      const res = (await proxy.handle(req)) ?? {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not found"}',
      };
      // Header names as the proxy writes them (Go's canonical form, e.g. Content-Type): any case.
      const contentType = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
      return { status: res.status, contentType, body: res.body };
    })
  );
  const instance: DataSourceInstanceSettings<FleetlensOptions> = {
    id: 1,
    uid,
    type: pluginJson.id,
    name: 'Fleetlens',
    access: 'proxy',
    url: proxy.url,
    readOnly: true,
    jsonData: settings.backendUrl !== undefined ? { backendUrl: settings.backendUrl } : {},
    meta: { id: pluginJson.id, name: pluginJson.name, type: 'datasource' } as DataSourceInstanceSettings['meta'],
  };
  return { ds: new FleetlensDataSource(instance), requests, proxy };
}

/**
 * A small stand-in for Grafana's template service: dashboard variables by name (a list is a
 * multi-value variable), `$v`, `${v}` and `[[v]]` forms, scoped variables first; multi values
 * joined with commas for the `csv` format and as `{a,b}` otherwise (Grafana's defaults).
 */
export class TestTemplateSrv implements TemplateSrv {
  constructor(public vars: Record<string, string | string[]> = {}) {}
  getVariables(): TypedVariableModel[] {
    return [];
  }
  containsTemplate(target?: string): boolean {
    return !!target && /\$\w+|\$\{\w+\}|\[\[\w+\]\]/.test(target);
  }
  updateTimeRange(): void {}
  replace(target?: string, scopedVars?: ScopedVars, format?: string | ((value: unknown) => string)): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (m, a, b, c) => {
      const name = a ?? b ?? c;
      const scoped = scopedVars?.[name]?.value;
      const v = scoped !== undefined ? (scoped as string | string[]) : this.vars[name];
      if (v === undefined) {
        return m;
      }
      if (!Array.isArray(v)) {
        return String(v);
      }
      return format === 'csv' ? v.join(',') : v.length === 1 ? v[0] : `{${v.join(',')}}`;
    });
  }
}

export function installTemplates(vars: Record<string, string | string[]> = {}): TestTemplateSrv {
  const t = new TestTemplateSrv(vars);
  setTemplateSrv(t);
  return t;
}

/** A query request the way Grafana builds one for a panel. */
export function request(
  targets: Array<Partial<FleetlensQuery>>,
  opts: { fromSec: number; toSec: number; maxDataPoints?: number; intervalMs?: number; scopedVars?: ScopedVars }
): DataQueryRequest<FleetlensQuery> {
  const from = dateTime(opts.fromSec * 1000);
  const to = dateTime(opts.toSec * 1000);
  return {
    requestId: 'Q1',
    interval: `${(opts.intervalMs ?? 1000) / 1000}s`,
    intervalMs: opts.intervalMs ?? 1000,
    maxDataPoints: opts.maxDataPoints ?? 1000,
    range: { from, to, raw: { from, to } },
    scopedVars: opts.scopedVars ?? {},
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t })) as FleetlensQuery[],
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  };
}

/** A local HTTP server that is not Fleetlens (answers every path with an HTML page). */
export async function otherServer(status = 200): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to nginx!</body></html>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

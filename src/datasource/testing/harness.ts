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
import type { PluginJson } from '../../../e2e/host/grafanaEmulator';
import { FleetlensDataSource } from '../datasource';
import pluginJson from '../plugin.json';
import type { FleetlensOptions, FleetlensQuery } from '../types';

/**
 * Grafana's side of the datasource for tests: an instance with its settings, the datasource
 * proxy applying src/datasource/plugin.json's route to a real backend, and a template service.
 */
export function installDatasource(settings: { backendUrl?: string; serviceKey?: string }, uid = 'fleetlens') {
  const proxy = new DatasourceProxyEmulator(pluginJson as PluginJson, {
    uid,
    jsonData: settings.backendUrl !== undefined ? { backendUrl: settings.backendUrl } : {},
    secureJsonData: settings.serviceKey ? { serviceKey: settings.serviceKey } : {},
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
      return { status: res.status, contentType: res.headers['content-type'] ?? '', body: res.body };
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

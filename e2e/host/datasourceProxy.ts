import {
  forward,
  interpolateRoute,
  type EmulatorRequest,
  type EmulatorResponse,
  type PluginJson,
} from './grafanaEmulator';

/**
 * Grafana's datasource proxy for one datasource instance, for tests where no Grafana server can
 * run: `/api/datasources/proxy/uid/<uid>/<route path>/…` goes to the route of the datasource
 * plugin's plugin.json whose path matches, with the URL and headers templated from the
 * instance's jsonData / secureJsonData (as Grafana does), plus the signed-in user headers.
 * An unreachable target answers 502, as Grafana's proxy does.
 */
export interface DatasourceInstance {
  uid: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

export class DatasourceProxyEmulator {
  constructor(
    readonly plugin: PluginJson,
    public instance: DatasourceInstance,
    readonly user = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' }
  ) {}

  /** What DataSourceInstanceSettings.url is for a proxy-access datasource. */
  get url(): string {
    return `/api/datasources/proxy/uid/${this.instance.uid}`;
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    const url = new URL(req.url, 'http://grafana.local');
    const prefix = `${this.url}/`;
    if (!url.pathname.startsWith(prefix)) {
      return undefined;
    }
    const proxyPath = url.pathname.slice(prefix.length);
    const route = (this.plugin.routes ?? []).find((r) => proxyPath === r.path || proxyPath.startsWith(`${r.path}/`));
    const json = (status: number, body: unknown): EmulatorResponse => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!route?.url) {
      return json(404, { message: 'Datasource route not found' });
    }
    const settings = { enabled: true, jsonData: this.instance.jsonData, secureJsonData: this.instance.secureJsonData };
    let target: URL;
    try {
      target = new URL(interpolateRoute(route.url, settings));
    } catch {
      return json(502, { message: 'Bad Gateway' });
    }
    target.pathname = `${target.pathname.replace(/\/+$/, '')}/${proxyPath.slice(route.path.length).replace(/^\/+/, '')}`;
    target.search = url.search;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (!['cookie', 'authorization', 'host', 'connection', 'content-length'].includes(k.toLowerCase())) {
        headers[k] = v;
      }
    }
    for (const h of route.headers ?? []) {
      headers[h.name] = interpolateRoute(h.content, settings);
    }
    headers['X-Grafana-User'] = this.user.login;
    headers['X-Grafana-Context'] = JSON.stringify({
      UserID: this.user.id,
      Login: this.user.login,
      Email: this.user.email,
      OrgRole: this.user.orgRole,
    });
    return forward(target, req.method, headers, req.body);
  }
}

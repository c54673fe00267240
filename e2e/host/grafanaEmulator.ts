import http from 'node:http';
import https from 'node:https';

/**
 * The parts of Grafana's HTTP API an app plugin relies on, for tests where no Grafana server can
 * run: the app's settings (`/api/plugins/<id>/settings`, secrets write-only) and the app proxy
 * (`/api/plugin-proxy/<id>/<route path>/…`) that applies the routes declared in plugin.json —
 * target URL and headers templated from jsonData / secureJsonData — and answers 502 when the
 * target cannot be reached, as Grafana's proxy does.
 */

export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  reqRole?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface PluginJson {
  id: string;
  type: string;
  name: string;
  routes?: PluginRoute[];
}

export interface PluginSettings {
  enabled: boolean;
  pinned?: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

export interface GrafanaUser {
  login: string;
  email: string;
  orgRole: 'Admin' | 'Editor' | 'Viewer';
  id: number;
}

export interface EmulatorRequest {
  method: string;
  /** Path with query string, e.g. /api/plugin-proxy/x-app/api/api/v1/nodes?sort=name */
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Replaces `{{ .JsonData.x }}` and `{{ .SecureJsonData.x }}` the way Grafana's route templates do. */
export function interpolateRoute(template: string, settings: PluginSettings): string {
  return template.replace(
    /\{\{\s*\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)\s*\}\}/g,
    (_m, scope: string, key: string) => {
      const source = scope === 'JsonData' ? settings.jsonData : settings.secureJsonData;
      const v = source[key];
      return v === undefined || v === null ? '' : String(v);
    }
  );
}

/** Joins URL path fragments with exactly one slash between them. */
function joinPath(a: string, b: string): string {
  if (!b) {
    return a || '/';
  }
  return `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;
}

const json = (status: number, body: unknown): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export class GrafanaEmulator {
  constructor(
    readonly plugin: PluginJson,
    public settings: PluginSettings,
    readonly user: GrafanaUser = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' }
  ) {}

  /** The plugin meta Grafana gives the app (secrets only as "is set" flags). */
  meta() {
    return {
      id: this.plugin.id,
      type: this.plugin.type,
      name: this.plugin.name,
      enabled: this.settings.enabled,
      pinned: this.settings.pinned ?? this.settings.enabled,
      jsonData: this.settings.jsonData,
      secureJsonFields: Object.fromEntries(
        Object.keys(this.settings.secureJsonData)
          .filter((k) => this.settings.secureJsonData[k])
          .map((k) => [k, true])
      ),
    };
  }

  /** Handles a request if it is one of the emulated APIs; otherwise resolves undefined. */
  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    const url = new URL(req.url, 'http://grafana.local');
    const settingsPath = `/api/plugins/${this.plugin.id}/settings`;
    const proxyPrefix = `/api/plugin-proxy/${this.plugin.id}/`;
    if (url.pathname === settingsPath) {
      return this.handleSettings(req);
    }
    if (url.pathname.startsWith(proxyPrefix)) {
      return this.proxy(req, url.pathname.slice(proxyPrefix.length), url.search);
    }
    return undefined;
  }

  private handleSettings(req: EmulatorRequest): EmulatorResponse {
    if (req.method === 'GET') {
      return json(200, this.meta());
    }
    if (req.method === 'POST') {
      if (this.user.orgRole !== 'Admin') {
        return json(403, { message: 'Permission denied' });
      }
      const body = JSON.parse(req.body || '{}') as Partial<PluginSettings> & {
        secureJsonData?: Record<string, string>;
      };
      this.settings = {
        enabled: body.enabled ?? this.settings.enabled,
        pinned: body.pinned ?? this.settings.pinned,
        jsonData: body.jsonData ?? this.settings.jsonData,
        // Grafana keeps existing secrets unless new values are sent.
        secureJsonData: { ...this.settings.secureJsonData, ...(body.secureJsonData ?? {}) },
      };
      return json(200, { message: 'Plugin settings updated' });
    }
    return json(405, { message: 'Method not allowed' });
  }

  private async proxy(req: EmulatorRequest, proxyPath: string, search: string): Promise<EmulatorResponse> {
    if (!this.settings.enabled) {
      return json(404, { message: 'Plugin not found' });
    }
    const route = (this.plugin.routes ?? []).find(
      (r) =>
        proxyPath.startsWith(r.path) &&
        (!r.method ||
          r.method === '*' ||
          r.method
            .split(',')
            .map((m) => m.trim().toUpperCase())
            .includes(req.method.toUpperCase()))
    );
    if (!route || !route.url) {
      return json(404, { message: 'Plugin route not found' });
    }
    let target: URL;
    try {
      const base = new URL(interpolateRoute(route.url, this.settings));
      base.pathname = joinPath(base.pathname, proxyPath.slice(route.path.length));
      base.search = search;
      target = base;
    } catch {
      return json(502, { message: 'Bad Gateway' });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      // Grafana does not forward cookies or the browser's authorization to plugin routes.
      if (!['cookie', 'authorization', 'host', 'connection', 'content-length'].includes(k.toLowerCase())) {
        headers[k] = v;
      }
    }
    for (const h of route.headers ?? []) {
      headers[h.name] = interpolateRoute(h.content, this.settings);
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

/** Sends the proxied request; a connection failure becomes Grafana's 502. */
export function forward(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body?: string
): Promise<EmulatorResponse> {
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const out = lib.request(target, { method, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 502,
          headers: { 'content-type': String(res.headers['content-type'] ?? 'application/octet-stream') },
          body: Buffer.concat(chunks).toString('utf8'),
        })
      );
      res.on('error', () => resolve(json(502, { message: 'Bad Gateway' })));
    });
    out.on('timeout', () => out.destroy(new Error('timeout')));
    out.on('error', () => resolve(json(502, { message: 'Bad Gateway' })));
    if (body) {
      out.write(body);
    }
    out.end();
  });
}

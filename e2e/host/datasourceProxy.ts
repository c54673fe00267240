import { hasAccessToRoute, hasPermission } from './grafana/access';
import { accessDenied, jsonApiErr } from './grafana/apiErrors';
import { interpolateTemplate, type TemplateData } from './grafana/goTemplate';
import {
  goEscapePath,
  goParseUrl,
  goPathClean,
  goPathUnescape,
  joinURLFragments,
  splitRequestUrl,
  type GoUrl,
} from './grafana/goUrl';
import {
  applyForwardIdHeader,
  applyUserHeader,
  directorHeaders,
  finishProxyHeaders,
  type GoHeaders,
} from './grafana/proxyHeaders';
import { addRouteHeaders, checkPluginRoutes, routeAcceptsMethod, routeBodyContent } from './grafana/pluginRoutes';
import { badGateway, send, type OutgoingRequest } from './grafana/transport';
import {
  DEFAULT_USER,
  proxyServerSettings,
  type EmulatorRequest,
  type EmulatorResponse,
  type GrafanaServerOptions,
  type GrafanaUser,
  type PluginJson,
  type PluginRoute,
  type ProxyServerSettings,
} from './grafana/types';

/**
 * Grafana's datasource proxy for one datasource instance, for tests where no Grafana server can
 * run, reproduced from Grafana's Go source (newest versions in the search index):
 *
 *  1. `/api/datasources/proxy/uid/:uid/*` (and `/:id/*`) in the `/api` group (pkg/api/api.go):
 *     signed in, and `authorize(ac.EvalPermission(datasources.ActionQuery))` — the basic roles
 *     grant `datasources:query`; without it the access-control 403.
 *  2. pkg/services/datasourceproxy/datasourceproxy.go: `util.IsValidShortUID` (400 "UID is
 *     invalid"), the datasource by uid (404 "Unable to find datasource"; datasource permissions →
 *     403 "Access denied to datasource"), `proxyPath` = the escaped path after
 *     `/api/datasources/proxy/uid/<uid>/` — not cleaned (`extractProxyPath`).
 *  3. pkg/api/pluginproxy/ds_proxy.go `NewDataSourceProxy`: the instance URL through
 *     pkg/api/datasource/validation `ValidateURL` (`http://` prepended when there is no scheme).
 *  4. `validateRequest`: routes in plugin.json order, `method` exact unless empty or `*`; the route
 *     matches when `CleanRelativePath(proxyPath)` starts with `CleanRelativePath(route.path)` — a
 *     plain string prefix (route `api` also matches `apis/…`), after resolving `..` and `//`;
 *     `reqAction`/`reqRole` (`hasAccessToRoute`, `OrgRole.Includes`) → 403 "plugin proxy route
 *     access denied". No route → the request still goes to the instance's own URL (a datasource
 *     without a URL: 502).
 *  5. `director`: path = `JoinURLFragments(instanceURL.path, proxyPath)`; basic auth from the
 *     instance; `X-DS-Authorization` becomes `Authorization`; `X-Grafana-User` deleted, set only
 *     with `send_user_header` (proxyutil.go `ApplyUserHeader`); cookies dropped except the
 *     instance's `jsonData.keepCookies` (proxyutil.go `ClearCookieHeader`, never Grafana's
 *     session cookie); `User-Agent: Grafana/<version>`; the matched route applied
 *     (ds_auth_provider.go `ApplyRoute`: `TrimPrefix(proxyPath, route.path)` on the raw path
 *     joined to the route URL's path, the query string re-encoded in key order with the route's
 *     `urlParams` (`addQueryString`), route headers set (`addHeaders`), route body
 *     (`setBodyContent`)); `X-Grafana-Id` set when the user has an ID token
 *     (`ApplyForwardIDHeader`). NO `X-Grafana-Context` is set — and a browser-supplied one is not
 *     removed either; nor is a browser-supplied `X-Grafana-Id` when ID forwarding is off.
 *  6. Around it (pkg/util/proxyutil/reverse_proxy.go `wrapDirector`, `PrepareProxyRequest`): the
 *     browser's `Authorization` deleted first; `Origin`/`Referer`/`X-Forwarded-Host/-Port/-Proto`
 *     deleted, `X-Grafana-Referer`, `X-Forwarded-For`; hop-by-hop headers removed (Go).
 *     The instance's custom headers (`httpHeaderNameN`/`httpHeaderValueN`, as the provisioned
 *     Prometheus datasource uses) are set by its HTTP client (datasource.go `getCustomHeaders`).
 *  7. The answer (`HandleRequest`'s modifyResponse, then reverse_proxy.go `modifyResponse`): a 401
 *     from the datasource becomes 400 "Authentication to data source failed"; `Set-Cookie`
 *     removed; `Content-Security-Policy: sandbox`; unreachable → 502, empty body.
 *
 * Not reproduced: Grafana's own authentication; datasource permissions beyond a list of logins
 * (`allowedLogins`); the Elasticsearch/Prometheus/Loki method restrictions and InfluxDB rewrites
 * (other plugin types); the data proxy whitelist; route token providers (Azure, GCE, JWT) and
 * OAuth pass-through; `forward_user_agent`, `jsonData.allowedHeaders`; TLS client settings;
 * response timeouts (504) and the 499 of a cancelled request; tracing headers.
 */
export interface DatasourceInstance {
  uid: string;
  /** Numeric id for `/api/datasources/proxy/:id/*` (default 1). */
  id?: number;
  /** The instance URL (`ds.url`); empty for a datasource that only uses routes. */
  url?: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  basicAuth?: boolean;
  basicAuthUser?: string;
  /** Datasource permissions: only these logins may query it (default: everyone with datasources:query). */
  allowedLogins?: string[];
}

/** pkg/util/shortid_generator.go `IsValidShortUID`. */
export function isValidShortUid(uid: string): boolean {
  return uid !== '' && uid.length <= 40 && /^[a-zA-Z0-9\-_]*$/.test(uid);
}

/**
 * pkg/util/filepath.go `CleanRelativePath`: `filepath.Clean(filepath.Join("/", p))` made relative
 * to "/" — `..` cannot climb above the root, `//` and `.` vanish, no trailing slash, "" → ".".
 */
export function cleanRelativePath(p: string): string {
  const clean = goPathClean(`/${p}`);
  return clean === '/' ? '.' : clean.slice(1);
}

/** Go's url.QueryUnescape (`+` is a space); throws on a bad escape. */
function goQueryUnescape(s: string): string {
  return goPathUnescape(s.replace(/\+/g, ' '));
}

/** Go's url.QueryEscape: unreserved characters kept, space as `+`, the rest %XX. */
function goQueryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : c === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `req.URL.Query()` then `Values.Encode()`: pairs with `;` or bad escapes dropped, keys sorted. */
export function goReencodeQuery(rawQuery: string, add: Array<[string, string]> = []): string {
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (!pair || pair.includes(';')) {
      continue;
    }
    const eq = pair.indexOf('=');
    try {
      const k = goQueryUnescape(eq === -1 ? pair : pair.slice(0, eq));
      const v = goQueryUnescape(eq === -1 ? '' : pair.slice(eq + 1));
      values.set(k, [...(values.get(k) ?? []), v]);
    } catch {
      // dropped, as url.ParseQuery drops a pair it cannot unescape
    }
  }
  for (const [k, v] of add) {
    values.set(k, [...(values.get(k) ?? []), v]);
  }
  return [...values.keys()]
    .sort()
    .flatMap((k) => values.get(k)!.map((v) => `${goQueryEscape(k)}=${goQueryEscape(v)}`))
    .join('&');
}

/**
 * proxyutil.go `ClearCookieHeader`: keep only cookies named in keepCookies (exact name, `[]` for
 * all, `prefix[]` for a prefix), never the skipped ones (Grafana's login cookie), sorted by name.
 */
export function clearCookieHeader(h: GoHeaders, keepCookies: string[], skip: string[]): void {
  const cookies = new Map<string, string>();
  for (const part of (h.get('Cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      continue;
    }
    const name = part.slice(0, eq).trim();
    const keep = keepCookies.some(
      (p) => p === '[]' || (p.endsWith('[]') ? name.startsWith(p.slice(0, -2)) : name === p)
    );
    if (keep && !skip.includes(name)) {
      cookies.set(name, part.slice(eq + 1).trim());
    }
  }
  h.delete('Cookie');
  if (cookies.size) {
    h.set(
      'Cookie',
      [...cookies.keys()]
        .sort()
        .map((n) => `${n}=${cookies.get(n)}`)
        .join('; ')
    );
  }
}

export class DatasourceProxyEmulator {
  /** Every request the proxy sent on, as sent (for tests). */
  readonly sent: OutgoingRequest[] = [];
  private readonly server: ProxyServerSettings;

  constructor(
    readonly plugin: PluginJson,
    public instance: DatasourceInstance,
    public user: GrafanaUser = DEFAULT_USER,
    options: GrafanaServerOptions = {}
  ) {
    checkPluginRoutes(plugin);
    this.server = proxyServerSettings(options);
  }

  /** What DataSourceInstanceSettings.url is for a proxy-access datasource. */
  get url(): string {
    return `/api/datasources/proxy/uid/${this.instance.uid}`;
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    const { escapedPath, rawQuery } = splitRequestUrl(req.url);
    // pkg/api/api.go: /datasources/proxy/uid/:uid(/*) and /datasources/proxy/:id(/*).
    const byUid = /^\/api\/datasources\/proxy\/uid\/([^/]+)(?:\/.*)?$/.exec(escapedPath);
    const byId = byUid ? null : /^\/api\/datasources\/proxy\/([^/]+)(?:\/.*)?$/.exec(escapedPath);
    if (!byUid && !byId) {
      return undefined;
    }
    const user = this.user;
    if (!hasPermission(user, 'datasources:query')) {
      return accessDenied('datasources:query');
    }
    // datasourceproxy.go ProxyDatasourceRequestWithUID / ProxyDataSourceRequest.
    if (byUid) {
      if (!isValidShortUid(byUid[1])) {
        return jsonApiErr(400, 'UID is invalid');
      }
      if (byUid[1] !== this.instance.uid) {
        return jsonApiErr(404, 'Unable to find datasource');
      }
    } else {
      if (!/^-?\d+$/.test(byId![1])) {
        return jsonApiErr(400, 'id is invalid');
      }
      if (Number(byId![1]) !== (this.instance.id ?? 1)) {
        return jsonApiErr(404, 'Unable to find datasource');
      }
    }
    if (this.instance.allowedLogins && !this.instance.allowedLogins.includes(user.login)) {
      return jsonApiErr(403, 'Access denied to datasource');
    }
    // datasourceproxy.go getProxyPath: the escaped path after the datasource prefix, as it is.
    const proxyPath = escapedPath.replace(/^\/api\/datasources\/proxy\/(\d+|uid\/[\w-]+)\/?/, '');

    // validation.ValidateURL: a URL without a scheme gets http://.
    const dsUrlRaw = this.instance.url ?? '';
    let target: GoUrl;
    try {
      target = goParseUrl(/^[^:]*:\/\//.test(dsUrlRaw) ? dsUrlRaw : `http://${dsUrlRaw}`);
    } catch {
      return jsonApiErr(400, `Invalid data source URL: "${dsUrlRaw}"`);
    }

    // ds_proxy.go validateRequest.
    let matched: PluginRoute | undefined;
    for (const route of this.plugin.routes ?? []) {
      if (!routeAcceptsMethod(route, req.method)) {
        continue;
      }
      let r1 = cleanRelativePath(proxyPath);
      let r2 = cleanRelativePath(route.path);
      if (r1 === '.' && proxyPath !== '.') {
        r1 = '';
      }
      if (r2 === '.' && route.path !== '.') {
        r2 = '';
      }
      if (!r1.startsWith(r2)) {
        continue;
      }
      // ds_proxy.go hasAccessToRoute.
      if (!hasAccessToRoute(user, route)) {
        return jsonApiErr(403, 'plugin proxy route access denied');
      }
      matched = route;
      break;
    }

    const h = directorHeaders(req.headers); // reverse_proxy.go wrapDirector
    const remoteAddr = req.remoteAddr ?? '127.0.0.1';

    // ds_proxy.go director.
    let origin = `${target.scheme}://${target.host}`;
    const rawPath = joinURLFragments(target.rawPath, proxyPath);
    let path: string;
    try {
      path = goPathUnescape(rawPath);
    } catch {
      path = rawPath;
    }
    let query = rawQuery;
    let body = req.body;
    if (this.instance.basicAuth) {
      const pass = this.instance.secureJsonData.basicAuthPassword ?? '';
      h.set('Authorization', `Basic ${Buffer.from(`${this.instance.basicAuthUser ?? ''}:${pass}`).toString('base64')}`);
    }
    const dsAuth = h.get('X-DS-Authorization');
    if (dsAuth) {
      h.delete('X-DS-Authorization');
      h.set('Authorization', dsAuth);
    }
    applyUserHeader(this.server.sendUserHeader, h, user);
    const keep = this.instance.jsonData.keepCookies;
    clearCookieHeader(h, Array.isArray(keep) ? keep.map(String) : [], ['grafana_session']);
    h.set('User-Agent', `Grafana/${this.server.version}`);

    if (matched) {
      // ds_auth_provider.go ApplyRoute (errors are logged and end it early, as in Grafana).
      const data: TemplateData = {
        JsonData: this.instance.jsonData,
        SecureJsonData: this.instance.secureJsonData,
        URL: dsUrlRaw,
      };
      const trimmed = proxyPath.startsWith(matched.path) ? proxyPath.slice(matched.path.length) : proxyPath;
      try {
        if (matched.url) {
          const routeUrl = goParseUrl(interpolateTemplate(matched.url, data));
          origin = `${routeUrl.scheme}://${routeUrl.host}`;
          path = joinURLFragments(routeUrl.path, trimmed);
        }
        const params: Array<[string, string]> = (matched.urlParams ?? []).map((p) => [
          interpolateTemplate(p.name, data),
          interpolateTemplate(p.content, data),
        ]);
        query = goReencodeQuery(rawQuery, params);
        addRouteHeaders(h, matched, data);
        body = routeBodyContent(matched, data) ?? body;
      } catch {
        // "Error interpolating proxy url" / "Failed to render plugin headers": logged by Grafana
      }
    }
    await applyForwardIdHeader(h, user, this.server.ids);

    // The instance's custom headers (jsonData.httpHeaderNameN / secureJsonData.httpHeaderValueN,
    // pkg/services/datasources/service/datasource.go getCustomHeaders) are set by the datasource's
    // HTTP client on every request it sends (grafana-plugin-sdk-go CustomHeadersMiddleware).
    const customHeaders: Array<[string, string]> = [];
    for (const [k, name] of Object.entries(this.instance.jsonData)) {
      const n = /^httpHeaderName(\d+)$/.exec(k);
      if (n && typeof name === 'string' && name) {
        customHeaders.push([name, this.instance.secureJsonData[`httpHeaderValue${n[1]}`] ?? '']);
      }
    }
    finishProxyHeaders(h, remoteAddr, customHeaders);

    // Go's URL.EscapedPath: RawPath while it still encodes Path, else Path escaped anew — which is
    // why a route's remainder (raw, still escaped) is escaped a second time.
    let sentPath: string;
    try {
      sentPath = goPathUnescape(rawPath) === path ? rawPath : goEscapePath(path);
    } catch {
      sentPath = goEscapePath(path);
    }
    if (!origin.replace(/^[a-z]*:\/\//, '')) {
      return badGateway(); // no host: the transport refuses the request (Go: "no Host in request URL")
    }
    const out: OutgoingRequest = {
      method: req.method,
      origin,
      path: (sentPath || '/') + (query ? `?${query}` : ''),
      headers: h,
      body,
    };
    this.sent.push(out);
    return send(out, (res) =>
      res.status === 401
        ? // ds_proxy.go HandleRequest modifyResponse; Go's server then sniffs the type.
          {
            status: 400,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: 'Authentication to data source failed',
          }
        : res
    );
  }
}

import { hasAccessToRoute, hasPermission } from './access';
import { accessDenied, jsonApiErr } from './apiErrors';
import { interpolateTemplate, type TemplateData } from './goTemplate';
import { goEscapePath, goParseUrl, goPathClean, joinURLFragments, splitRequestUrl, type GoUrl } from './goUrl';
import { signedInUserJson } from './idTokens';
import { addRouteHeaders, checkPluginRoutes, routeAcceptsMethod, routeBodyContent } from './pluginRoutes';
import { applyForwardIdHeader, applyUserHeader, directorHeaders, finishProxyHeaders } from './proxyHeaders';
import { send, type OutgoingRequest } from './transport';
import {
  DEFAULT_USER,
  proxyServerSettings,
  type EmulatorRequest,
  type EmulatorResponse,
  type GrafanaServerOptions,
  type GrafanaUser,
  type PluginJson,
  type PluginRoute,
  type PluginSettings,
  type ProxyServerSettings,
} from './types';
import { matchRoutePath } from './webTree';

/**
 * The parts of Grafana's HTTP API an app plugin relies on, for tests where no Grafana server can
 * run, reproduced from Grafana's Go source (grafana/grafana, newest versions in the search index;
 * each rule below names the file and function it follows):
 *
 *  - the app plugin proxy `/api/plugin-proxy/<id>/…` (pkg/api/api.go route registration,
 *    pkg/api/plugin_proxy.go, pkg/api/pluginproxy/pluginproxy.go, pkg/web/tree.go,
 *    pkg/util/proxyutil/*.go, pkg/api/pluginproxy/utils.go),
 *  - the app's settings `/api/plugins/<id>/settings` (pkg/api/api.go, secrets write-only),
 *  - Grafana's ID tokens (`X-Grafana-Id`, pkg/services/auth/idimpl/) and the keys that verify them
 *    at `/api/signing-keys/keys` (pkg/services/signingkeys/signingkeysimpl/).
 *
 * The datasource proxy is in ../datasourceProxy.ts and shares the helpers of this folder.
 *
 * Reproduced (app proxy), in Grafana's order:
 *  1. `/api/*` needs a signed-in user (pkg/api/api.go: the `/api` group has `reqSignedIn`).
 *  2. `plugins.app:access` on `plugins:id:<id>` (pkg/api/api.go `authorize(ac.EvalPermission(
 *     pluginaccesscontrol.ActionAppAccess, …))`): granted by the basic roles; a user configured
 *     without it gets the access-control 403 (pkg/services/accesscontrol/middleware.go `deny`).
 *  3. `checkAppEnabled` (package api, registered before `ProxyPluginRequest` in api.go): unknown
 *     plugin → 404 "Plugin not found"; app not enabled → 404 "Plugin is not enabled".
 *  4. `proxyPath` = `path.Join("/", <path after /api/plugin-proxy/<id>/>)` on the escaped path
 *     (pkg/api/plugin_proxy.go `getProxyPath`): `..` and `//` are resolved and a trailing `/` is
 *     dropped before any route is matched.
 *  5. Routes in plugin.json order (pluginproxy.go `HandleRequest`): `method` compared exactly
 *     unless empty or `*`; `path` matched with `web.NewTree().Add(path)` / `Match(proxyPath)`
 *     (pkg/web/tree.go; see `matchRoutePath`); the first route that matches decides; a matched
 *     route the user may not use → 403 "plugin proxy route access denied" (`hasAccessToRoute`:
 *     `reqAction` by RBAC, else a valid `reqRole` by `OrgRole.Includes`, pkg/apimachinery/
 *     identity/role_type.go — the org role only, a Grafana server admin flag does not count);
 *     no match → 404 "plugin route match not found". The `*` capture is the forwarded path; a
 *     route without `*` forwards nothing after the route URL.
 *  6. The director (pluginproxy.go `director`): route URL templated from jsonData/secureJsonData
 *     (utils.go `interpolateString`, Go text/template: see `interpolateTemplate`), path =
 *     `util.JoinURLFragments(url.Path, proxyPath)`, the browser's query string kept as it is (the
 *     route URL's own query is dropped); `Cookie` and `Set-Cookie` deleted; `X-Grafana-Context` =
 *     `json.Marshal(SignedInUser)` always (field names of pkg/services/user/identity.go
 *     `SignedInUser`, see `signedInUserJson`); `X-Grafana-User` deleted, then set to the login
 *     only with `send_user_header` (proxyutil.go `ApplyUserHeader`); `X-Grafana-Id` set when the
 *     user has an ID token (`ApplyForwardIDHeader`) — otherwise a browser-supplied one is NOT
 *     removed; route headers set last (utils.go `addHeaders`, `Header.Set`); route `body` templated
 *     and used only if valid JSON (utils.go `setBodyContent`).
 *  7. Around it (pkg/util/proxyutil/reverse_proxy.go `wrapDirector`, proxyutil.go
 *     `PrepareProxyRequest`; Go's httputil.ReverseProxy): `Authorization` deleted before the
 *     director (contexthandler `WithAuthHTTPHeaders`); after it `X-Grafana-Referer` = `Referer`,
 *     `Origin`, `Referer`, `X-Forwarded-Host/-Port/-Proto` deleted, `X-Forwarded-For` appended by
 *     Grafana and again by Go's ReverseProxy; hop-by-hop headers removed.
 *  8. The answer (reverse_proxy.go `modifyResponse`, `errorHandler`): `Set-Cookie` removed,
 *     `Content-Security-Policy: sandbox` added; a target that cannot be reached → 502 with an
 *     empty body.
 *
 * Not reproduced (deliberately): Grafana's own authentication (sessions, API keys, OAuth, auth
 * proxy, JWT auth — the signed-in user is configured per test); RBAC beyond a list of granted
 * actions (`GrafanaUser.permissions`: no scopes, no custom roles, no teams' permissions); route
 * token providers (`tokenAuth`, `jwtTokenAuth`) and OAuth token forwarding; tracing headers
 * (`traceparent`); the `pluginProxyPreserveTrailingSlash` toggle (path.Join already drops the
 * slash); Go's transport adding `Accept-Encoding: gzip`; response timeouts (504); TLS settings;
 * Grafana's app backend plugins (`/api/plugins/<id>/resources`); compressed answers (the host
 * decompresses them, its answers being strings); the templating subset is
 * `{{ .JsonData.x }}`, `{{ .SecureJsonData.x }}`, `{{ .URL }}`, `orEmpty`, `if`/`else`/`end`.
 */

export class GrafanaEmulator {
  /** Every request the proxy sent on, as sent (for tests). */
  readonly sent: OutgoingRequest[] = [];
  readonly server: ProxyServerSettings;

  constructor(
    readonly plugin: PluginJson,
    public settings: PluginSettings,
    public user: GrafanaUser = DEFAULT_USER,
    options: GrafanaServerOptions = {}
  ) {
    checkPluginRoutes(plugin); // a plugin.json Grafana would refuse to load fails here
    this.server = proxyServerSettings(options);
    if (options.ids && options.appUrl) {
      options.ids.issuer = options.appUrl;
    }
  }

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
    const { escapedPath } = splitRequestUrl(req.url);
    if (escapedPath === '/api/signing-keys/keys') {
      // pkg/services/signingkeys/signingkeysimpl: the public keys, no authentication needed.
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(this.server.ids ? this.server.ids.jwks() : { keys: [] }),
      };
    }
    const settings = /^\/api\/plugins\/([^/]+)\/settings$/.exec(escapedPath);
    if (settings && settings[1] === this.plugin.id) {
      return this.handleSettings(req);
    }
    // pkg/api/api.go: `/plugin-proxy/:pluginId/*` and `/plugin-proxy/:pluginId` in the /api group.
    const proxy = /^\/api\/plugin-proxy\/([^/]+)(\/.*)?$/.exec(escapedPath);
    if (proxy) {
      return this.proxy(req, proxy[1]);
    }
    return undefined;
  }

  private handleSettings(req: EmulatorRequest): EmulatorResponse {
    if (req.method === 'GET') {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.meta()) };
    }
    if (req.method === 'POST') {
      // pkg/api/api.go: POST /plugins/:pluginId/settings needs `plugins:write` on the plugin.
      if (!hasPermission(this.user, 'plugins:write')) {
        return accessDenied('plugins:write');
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
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Plugin settings updated' }),
      };
    }
    return jsonApiErr(405, 'Method not allowed');
  }

  private async proxy(req: EmulatorRequest, pluginId: string): Promise<EmulatorResponse> {
    const user = this.user;
    // pkg/api/api.go: authorize(ac.EvalPermission(pluginaccesscontrol.ActionAppAccess, plugins:id:<id>)).
    if (!hasPermission(user, 'plugins.app:access')) {
      return accessDenied('plugins.app:access');
    }
    // pkg/api/api.go checkAppEnabled: plugin store, then the org's plugin settings.
    if (pluginId !== this.plugin.id) {
      return jsonApiErr(404, 'Plugin not found');
    }
    if (!this.settings.enabled) {
      return jsonApiErr(404, 'Plugin is not enabled');
    }
    const { escapedPath, rawQuery } = splitRequestUrl(req.url);
    // pkg/api/plugin_proxy.go getProxyPath: path.Join("/", extractProxyPath(EscapedPath)).
    const proxyPathIn = goPathClean(`/${escapedPath.replace(/^\/api\/plugin-proxy\/([\w-]+)\/?/, '')}`);

    // pkg/api/pluginproxy/pluginproxy.go HandleRequest: the first route whose method and path match.
    let matched: PluginRoute | undefined;
    let proxyPath = '';
    for (const route of this.plugin.routes ?? []) {
      if (!routeAcceptsMethod(route, req.method)) {
        continue;
      }
      const params = matchRoutePath(route.path, proxyPathIn);
      if (!params) {
        continue;
      }
      // pluginproxy.go hasAccessToRoute.
      if (!hasAccessToRoute(user, route)) {
        return jsonApiErr(403, 'plugin proxy route access denied');
      }
      proxyPath = params['*'] ?? '';
      matched = route;
      break;
    }
    if (!matched) {
      return jsonApiErr(404, 'plugin route match not found');
    }

    // reverse_proxy.go wrapDirector: the auth headers go before the director runs.
    const h = directorHeaders(req.headers);
    const remoteAddr = req.remoteAddr ?? '127.0.0.1';

    // pluginproxy.go director.
    const data: TemplateData = { JsonData: this.settings.jsonData, SecureJsonData: this.settings.secureJsonData };
    let target: GoUrl;
    try {
      target = goParseUrl(interpolateTemplate(matched.url ?? '', data));
    } catch {
      return jsonApiErr(500, 'Could not interpolate plugin route url');
    }
    const path = joinURLFragments(target.path, proxyPath);
    h.delete('Cookie');
    h.delete('Set-Cookie');
    h.set('X-Grafana-Context', signedInUserJson(user));
    applyUserHeader(this.server.sendUserHeader, h, user);
    await applyForwardIdHeader(h, user, this.server.ids);
    try {
      addRouteHeaders(h, matched, data);
    } catch {
      return jsonApiErr(500, 'Failed to render plugin headers');
    }
    let body = req.body;
    // utils.go setBodyContent: the templated body replaces the request's only if it is valid JSON.
    try {
      body = routeBodyContent(matched, data) ?? body;
    } catch {
      // logged by Grafana ("Failed to set plugin route body content"); the request goes on
    }
    finishProxyHeaders(h, remoteAddr);

    const out: OutgoingRequest = {
      method: req.method,
      origin: `${target.scheme}://${target.host}`,
      path: goEscapePath(path || '/') + (rawQuery ? `?${rawQuery}` : ''),
      headers: h,
      body,
    };
    this.sent.push(out);
    return send(out);
  }
}

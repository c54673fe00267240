import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

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
 * The datasource proxy is in ./datasourceProxy.ts and shares the helpers exported here.
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

export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  /** plugin.json's role; parsed as Grafana parses it (see `parseReqRole`). */
  reqRole?: string;
  /** An RBAC action (checked against `GrafanaUser.permissions`). */
  reqAction?: string;
  /** Accepted and ignored, as by Grafana: every `/api` route already requires a signed-in user. */
  reqSignedIn?: boolean;
  headers?: Array<{ name: string; content: string }>;
  urlParams?: Array<{ name: string; content: string }>;
  body?: unknown;
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

/** pkg/apimachinery/identity/role_type.go `RoleType`. */
export type OrgRole = 'Admin' | 'Editor' | 'Viewer' | 'None';

/** The signed-in Grafana user (the fields of pkg/services/user/identity.go `SignedInUser` a test sets). */
export interface GrafanaUser {
  /** `UserID`. */
  id: number;
  login: string;
  email: string;
  orgRole: OrgRole;
  /** `Name` (display name; empty by default, as for a user created with a login only). */
  name?: string;
  /** `UserUID` (default `u<id>`). */
  uid?: string;
  /** `OrgID` (default 1). */
  orgId?: number;
  /** `OrgName` (default "Main Org."). */
  orgName?: string;
  /** `IsGrafanaAdmin` (server admin; default false). */
  isGrafanaAdmin?: boolean;
  emailVerified?: boolean;
  /** `AuthenticatedBy` (default "password", a login-form user). */
  authenticatedBy?: string;
  teams?: number[];
  /**
   * RBAC actions granted (e.g. a route's `reqAction`). `plugins.app:access`, `datasources:query`
   * and `plugins:write` are implied as by Grafana's basic roles unless listed in `denied`.
   */
  permissions?: string[];
  /** Actions taken away from the basic role (e.g. `plugins.app:access` to test the 403). */
  denied?: string[];
}

/** The slice of grafana.ini / feature toggles the proxies read. */
export interface GrafanaServerOptions {
  /** `[dataproxy] send_user_header` (conf/defaults.ini: false). */
  sendUserHeader?: boolean;
  /**
   * Signs `X-Grafana-Id` for the signed-in user (pkg/services/auth/idimpl). The `idForwarding`
   * feature toggle in older lines; the newest idimpl/service.go registers its hook unconditionally.
   * Default off here, so that tests say which case they exercise.
   */
  ids?: GrafanaIdTokens;
  /** `[server] root_url` (the ID tokens' `iss`), default http://localhost:3000/. */
  appUrl?: string;
  /** Grafana version, for the datasource proxy's `User-Agent: Grafana/<version>`. */
  version?: string;
}

export interface EmulatorRequest {
  method: string;
  /** Path with query string, e.g. /api/plugin-proxy/x-app/api/v1/nodes?sort=name */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's address (`X-Forwarded-For`); default 127.0.0.1. */
  remoteAddr?: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const DEFAULT_GRAFANA_VERSION = '12.4.0';

/* ------------------------------------------------------------------------------------------ */
/* Errors as Grafana writes them                                                              */
/* ------------------------------------------------------------------------------------------ */

/**
 * `c.JsonApiErr` (pkg/services/contexthandler/model/model.go) and pluginproxy.go `writeJSONErr`:
 * `{"message": …}` as `application/json; charset=UTF-8`, written by json.Encoder (trailing newline).
 */
export function jsonApiErr(status: number, message: string): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: `${goJson({ message })}\n`,
  };
}

/** pkg/services/accesscontrol/middleware.go `deny`: the 403 of an `authorize(…)` middleware. */
export function accessDenied(action: string): EmulatorResponse {
  return {
    status: 403,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: goJson({
      accessErrorId: `ACE${crypto.randomInt(1e9, 1e10)}`,
      message: `You'll need additional permissions to perform this action. Permissions needed: ${action}`,
      title: 'Access denied',
    }),
  };
}

/** Go's encoding/json escapes <, >, & and U+2028/9 (HTMLEscape); JSON.stringify does not. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Identity                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const ROLE_PRECEDENCE: Record<string, number> = { None: 10, Viewer: 20, Editor: 30, Admin: 40 };

/** pkg/apimachinery/identity/role_type.go `RoleType.IsValid`. */
export function isValidRole(role: string | undefined): role is OrgRole {
  return role !== undefined && role in ROLE_PRECEDENCE;
}

/** pkg/apimachinery/identity/role_type.go `RoleType.Includes`: None < Viewer < Editor < Admin. */
export function roleIncludes(role: string, other: string): boolean {
  return (ROLE_PRECEDENCE[role] ?? 0) >= (ROLE_PRECEDENCE[other] ?? 0);
}

/**
 * plugin.json's `reqRole` as Grafana reads it: `RoleType.UnmarshalText` (role_type.go) title-cases
 * the first letter ("admin" → "Admin"), turns "" into Viewer and refuses any other value (the
 * plugin does not load); an absent key stays "" and is not a valid role, so the route is open.
 */
export function parseReqRole(route: PluginRoute): OrgRole | undefined {
  if (!('reqRole' in route) || route.reqRole === undefined) {
    return undefined;
  }
  const raw = String(route.reqRole);
  const titled = raw.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  if (isValidRole(titled)) {
    return titled;
  }
  if (titled === '') {
    return 'Viewer';
  }
  throw new Error(
    `plugin.json route ${route.path}: invalid role value: ${titled} (Grafana refuses to load the plugin)`
  );
}

/** The RBAC actions a basic role grants that the proxies check (fixed roles of the basic roles). */
export function hasPermission(user: GrafanaUser, action: string): boolean {
  if (user.denied?.includes(action)) {
    return false;
  }
  if (user.permissions?.includes(action)) {
    return true;
  }
  switch (action) {
    case 'plugins.app:access':
    case 'datasources:query':
      return roleIncludes(user.orgRole, 'Viewer');
    case 'plugins:write':
      return user.orgRole === 'Admin';
    default:
      return false;
  }
}

/** pkg/services/apiserver/endpoints/request (on-prem namespace mapper): org 1 → "default". */
export function orgNamespace(orgId: number): string {
  return orgId === 1 ? 'default' : `org-${orgId}`;
}

const lastSeen = new Date();

/**
 * `json.Marshal(SignedInUser)` — pkg/services/user/identity.go `SignedInUser` has no JSON tags,
 * so the Go field names are the keys, in declaration order; `Permissions`, `IDToken` and
 * `IDTokenClaims` are `json:"-"`. `Teams` is a Go slice: `null` when the user is in no team.
 */
export function signedInUserJson(user: GrafanaUser): string {
  const orgId = user.orgId ?? 1;
  return goJson({
    UserID: user.id,
    UserUID: user.uid ?? `u${user.id}`,
    OrgID: orgId,
    OrgName: user.orgName ?? 'Main Org.',
    OrgRole: user.orgRole,
    Login: user.login,
    Name: user.name ?? '',
    Email: user.email,
    EmailVerified: user.emailVerified ?? false,
    AuthID: '',
    AuthenticatedBy: user.authenticatedBy ?? 'password',
    AllowedKubernetesNamespace: orgNamespace(orgId),
    ApiKeyID: 0,
    IsServiceAccount: false,
    IsGrafanaAdmin: user.isGrafanaAdmin ?? false,
    IsAnonymous: false,
    IsDisabled: false,
    HelpFlags1: 0,
    LastSeenAt: lastSeen.toISOString(),
    Teams: user.teams && user.teams.length ? user.teams : null,
    FallbackType: '',
  });
}

/**
 * Grafana's ID tokens (`X-Grafana-Id`) and the keys that verify them.
 *
 * pkg/services/auth/idimpl/service.go `SignIdentity`: `iss` = root_url, `aud` = `org:<orgId>`
 * (go-jose marshals a one-element audience as a string), `sub` = `user:<id>`, `iat` = now,
 * `exp` = now + 10 min (`tokenTTL`), plus authlib's `IDTokenClaims` (grafana/authlib
 * authn/verifier_id_token.go): `identifier` (the user's UID), `type` ("user"), `namespace`,
 * and for users `email`, `email_verified`, `authenticatedBy`, `username` (login), `name`
 * (omitempty); `role` for a valid org role (idimpl sets `Rest.Role`; that authlib version is
 * not in the index, so the `role` key is inferred). A token is cached and reused until 30 s
 * before it expires (`cacheLeeway`).
 * pkg/services/auth/idimpl/signer.go: ES256, header `kid` = the key id, `typ` = "jwt".
 * pkg/services/signingkeys/signingkeysimpl: the key id is `id-<YYYY-MM>-es256`
 * (`keyMonthScopedID`); GET /api/signing-keys/keys answers the JWKS
 * `{"keys":[{"use":"sig","kty":"EC","kid":…,"crv":"P-256","alg":"ES256","x":…,"y":…}]}`.
 */
export class GrafanaIdTokens {
  readonly keyId: string;
  private readonly privateKey: crypto.KeyObject;
  private readonly publicKey: crypto.KeyObject;
  private readonly cache = new Map<string, { token: string; exp: number }>();
  /** Tokens minted (a cached one is not counted again). */
  minted = 0;

  constructor(
    public issuer = 'http://localhost:3000/',
    private readonly now: () => number = () => Date.now()
  ) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    const month = new Date(this.now()).toISOString().slice(0, 7);
    this.keyId = `id-${month}-es256`;
  }

  /** The body of GET /api/signing-keys/keys. */
  jwks(): { keys: Array<Record<string, string>> } {
    const jwk = this.publicKey.export({ format: 'jwk' }) as { crv: string; x: string; y: string; kty: string };
    return { keys: [{ use: 'sig', kty: 'EC', kid: this.keyId, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }] };
  }

  /** The user's ID token (cached per user, org and role as idimpl caches it). */
  async token(user: GrafanaUser): Promise<string> {
    const orgId = user.orgId ?? 1;
    const key = `id-token${orgId}-user-${user.id}${user.orgRole}`;
    const nowSec = Math.floor(this.now() / 1000);
    const hit = this.cache.get(key);
    if (hit && hit.exp - 30 > nowSec) {
      return hit.token;
    }
    const { SignJWT } = await import('jose');
    const claims: Record<string, unknown> = {
      identifier: user.uid ?? `u${user.id}`,
      type: 'user',
      namespace: orgNamespace(orgId),
      authenticatedBy: user.authenticatedBy ?? 'password',
      email: user.email || undefined,
      email_verified: user.emailVerified || undefined,
      username: user.login || undefined,
      name: user.name || undefined,
      role: isValidRole(user.orgRole) ? user.orgRole : undefined,
    };
    for (const k of Object.keys(claims)) {
      if (claims[k] === undefined) {
        delete claims[k];
      }
    }
    const exp = nowSec + 600;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: this.keyId, typ: 'jwt' })
      .setIssuer(this.issuer)
      .setAudience(`org:${orgId}`)
      .setSubject(`user:${user.id}`)
      .setIssuedAt(nowSec)
      .setExpirationTime(exp)
      .sign(this.privateKey);
    this.cache.set(key, { token, exp });
    this.minted++;
    return token;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Templates (pkg/api/pluginproxy/utils.go interpolateString: Go text/template)               */
/* ------------------------------------------------------------------------------------------ */

export interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
  /** templateData.URL: the datasource URL for datasource routes, "" for app routes. */
  URL?: string;
}

const NO_VALUE = Symbol('no value');

/** Go's fmt of a decoded JSON value (`{{ . }}` printing). */
function goPrint(v: unknown): string {
  if (v === NO_VALUE) {
    return '<no value>';
  }
  if (v === null || v === undefined) {
    return '<nil>';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e\+?/, 'e+');
  }
  if (Array.isArray(v)) {
    return `[${v.map(goPrint).join(' ')}]`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goPrint(x)}`).join(' ')}]`;
  }
  return String(v);
}

/** Go template truth (`if`): false, 0, nil, empty string/map/slice, and a missing map key are false. */
function goTruth(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined || v === false || v === 0 || v === '') {
    return false;
  }
  if (Array.isArray(v)) {
    return v.length > 0;
  }
  if (typeof v === 'object') {
    return Object.keys(v as object).length > 0;
  }
  return true;
}

/**
 * Evaluates a field chain like `.SecureJsonData.apiKey`. A missing key of `map[string]any`
 * (JsonData) is "no value" (printed `<no value>`); of `map[string]string` (SecureJsonData) it is
 * the zero value "". (Go text/template, default `missingkey` option.)
 */
function evalField(expr: string, data: TemplateData): unknown {
  if (expr === '.') {
    return data;
  }
  const parts = expr.slice(1).split('.');
  let cur: unknown = data;
  let stringMap = false;
  for (const [i, p] of parts.entries()) {
    if (i === 0) {
      if (p === 'JsonData') {
        cur = data.JsonData ?? {};
      } else if (p === 'SecureJsonData') {
        cur = data.SecureJsonData ?? {};
        stringMap = true;
      } else if (p === 'URL') {
        cur = data.URL ?? '';
      } else {
        throw new Error(`can't evaluate field ${p} in type pluginproxy.templateData`);
      }
      continue;
    }
    if (cur === NO_VALUE || cur === null || cur === undefined) {
      return NO_VALUE;
    }
    if (typeof cur !== 'object' || Array.isArray(cur)) {
      throw new Error(`can't evaluate field ${p}`);
    }
    const obj = cur as Record<string, unknown>;
    cur = Object.prototype.hasOwnProperty.call(obj, p) ? obj[p] : stringMap ? '' : NO_VALUE;
  }
  return cur;
}

function evalPipeline(src: string, data: TemplateData): unknown {
  const words = src.trim().split(/\s+/);
  if (words.length === 1 && words[0].startsWith('.')) {
    return evalField(words[0], data);
  }
  if (words.length === 2 && words[0] === 'orEmpty' && words[1].startsWith('.')) {
    const v = evalField(words[1], data);
    return v === NO_VALUE || v === null || v === undefined ? '' : v;
  }
  throw new Error(`template action not emulated: {{${src}}}`);
}

/**
 * Go text/template as pluginproxy uses it (utils.go `interpolateString`, with its `orEmpty`
 * function), for the subset plugin.json routes use: `{{ .JsonData.x }}`, `{{ .SecureJsonData.x }}`,
 * `{{ .URL }}`, `{{ orEmpty .JsonData.x }}` and `{{if …}}…{{else}}…{{end}}`. Anything else throws
 * (Grafana would either render it or fail with "could not parse template").
 */
export function interpolateTemplate(text: string, data: TemplateData): string {
  const tokens: Array<{ t: 'text'; v: string } | { t: 'action'; v: string }> = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let before = text.slice(last, m.index);
    if (m[1] === '-') {
      before = before.replace(/\s+$/, '');
    }
    tokens.push({ t: 'text', v: before });
    tokens.push({ t: 'action', v: m[2] });
    last = m.index + m[0].length;
    if (m[3] === '-') {
      const rest = text.slice(last);
      last += rest.length - rest.replace(/^\s+/, '').length;
    }
  }
  tokens.push({ t: 'text', v: text.slice(last) });
  if (text.slice(last).includes('{{')) {
    throw new Error(`could not parse template ${text}`);
  }
  let i = 0;
  const render = (stopAt: Set<string>): { out: string; stop: string | undefined } => {
    let out = '';
    while (i < tokens.length) {
      const tok = tokens[i++];
      if (tok.t === 'text') {
        out += tok.v;
        continue;
      }
      const a = tok.v;
      if (stopAt.has(a)) {
        return { out, stop: a };
      }
      if (a.startsWith('if ')) {
        const cond = goTruth(evalPipeline(a.slice(3), data));
        const yes = render(new Set(['else', 'end']));
        let no = { out: '', stop: yes.stop };
        if (yes.stop === 'else') {
          no = render(new Set(['end']));
        }
        if (no.stop !== 'end') {
          throw new Error(`could not parse template ${text}`);
        }
        out += cond ? yes.out : no.out;
        continue;
      }
      if (a === 'else' || a === 'end') {
        throw new Error(`could not parse template ${text}`);
      }
      out += goPrint(evalPipeline(a, data));
    }
    return { out, stop: undefined };
  };
  const result = render(new Set());
  if (result.stop !== undefined) {
    throw new Error(`could not parse template ${text}`);
  }
  return result.out;
}

/** Kept for callers of the previous host: templates a string from settings' jsonData/secureJsonData. */
export function interpolateRoute(template: string, settings: PluginSettings): string {
  return interpolateTemplate(template, { JsonData: settings.jsonData, SecureJsonData: settings.secureJsonData });
}

/* ------------------------------------------------------------------------------------------ */
/* Paths                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Go's path.Clean (lexical: `//`, `.`, `..`; no trailing slash; "" → "."). */
export function goPathClean(p: string): string {
  if (p === '') {
    return '.';
  }
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') {
      continue;
    }
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') {
        out.pop();
      } else if (!rooted) {
        out.push('..');
      }
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** pkg/util/url.go `JoinURLFragments`: one slash between a and b; b empty → a. */
export function joinURLFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) {
    return a + b.slice(1);
  }
  if (!aslash && !bslash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/** Go's url.PathUnescape (throws on a bad escape, as Go returns an error). */
export function goPathUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) {
    throw new Error(`invalid URL escape in ${s}`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's url.URL.EscapedPath for a Path without a matching RawPath (`escape(path, encodePath)`). */
export function goEscapePath(p: string): string {
  let out = '';
  for (const byte of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The parts of Go's url.Parse the proxies use: scheme, host, and the unescaped path ("" when absent). */
export interface GoUrl {
  scheme: string;
  host: string;
  path: string;
  rawPath: string;
}

/**
 * Go's url.Parse for the URLs in plugin routes and datasource settings. A string without
 * `scheme://` parses as a relative reference (no scheme, no host): the transport then fails, 502.
 * Throws where url.Parse returns an error (a bad escape).
 */
export function goParseUrl(raw: string): GoUrl {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(raw);
  if (!m) {
    const rawPath = raw.split(/[?#]/)[0];
    return { scheme: '', host: '', path: goPathUnescape(rawPath), rawPath };
  }
  return { scheme: m[1].toLowerCase(), host: m[2], path: goPathUnescape(m[3]), rawPath: m[3] };
}

/* ------------------------------------------------------------------------------------------ */
/* Route path matching: pkg/web/tree.go (Macaron's router tree, one pattern per route)        */
/* ------------------------------------------------------------------------------------------ */

type PatternType = 0 | 1 | 2 | 3 | 4; // static, regexp, path-ext (*.*), holder (:name), match-all (*)

interface Segment {
  typ: PatternType;
  pattern: string;
  wildcards: string[];
  reg?: RegExp;
}

/** tree.go `getWildcards`/`checkPattern`: classifies one path segment of a route pattern. */
function classifySegment(segment: string): Segment {
  const pattern = segment.replace(/^\?+/, '');
  if (pattern === '*') {
    return { typ: 4, pattern: segment, wildcards: [] };
  }
  if (pattern === '*.*') {
    return { typ: 2, pattern: segment, wildcards: [] };
  }
  if (!pattern.includes(':')) {
    return { typ: 0, pattern: segment, wildcards: [] };
  }
  let rest = pattern;
  const wildcards: string[] = [];
  for (;;) {
    const m = /:[a-zA-Z0-9]+/.exec(rest);
    if (!m) {
      break;
    }
    const wildcard = m[0];
    const end = m.index + wildcard.length;
    wildcards.push(wildcard);
    if (end === rest.length || rest[end] !== '(') {
      if (rest.startsWith(':int', end)) {
        rest = rest.replace(':int', '([0-9]+)');
      } else if (rest.startsWith(':string', end)) {
        rest = rest.replace(':string', '([\\w]+)');
      } else {
        rest = rest.replace(wildcard, '(.+)');
        continue;
      }
    }
    rest = rest.slice(0, m.index) + rest.slice(end);
  }
  if (rest === '(.+)') {
    return { typ: 3, pattern: segment, wildcards };
  }
  return { typ: 1, pattern: segment, wildcards, reg: new RegExp(rest) };
}

class TreeNode {
  subtrees: Array<{ seg: Segment; node: TreeNode }> = [];
  leaves: Segment[] = [];

  constructor(
    readonly parent?: TreeNode,
    readonly seg?: Segment
  ) {}

  private addLeaf(pattern: string): void {
    if (this.leaves.some((l) => l.pattern === pattern)) {
      return;
    }
    const leaf = classifySegment(pattern);
    if (pattern.startsWith('?')) {
      // An optional last segment also matches without it (tree.go `addLeaf`).
      if (this.parent && this.seg) {
        this.parent.addLeaf(this.seg.pattern);
      } else {
        this.addLeaf('');
      }
    }
    const at = this.leaves.findIndex((l) => leaf.typ < l.typ);
    this.leaves.splice(at === -1 ? this.leaves.length : at, 0, leaf);
  }

  addNext(pattern: string): void {
    const p = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    const i = p.indexOf('/');
    if (i === -1) {
      this.addLeaf(p);
      return;
    }
    const segment = p.slice(0, i);
    let sub = this.subtrees.find((s) => s.seg.pattern === segment);
    if (!sub) {
      const seg = classifySegment(segment);
      sub = { seg, node: new TreeNode(this, seg) };
      const at = this.subtrees.findIndex((s) => seg.typ < s.seg.typ);
      this.subtrees.splice(at === -1 ? this.subtrees.length : at, 0, sub);
    }
    sub.node.addNext(p.slice(i + 1));
  }

  matchLeaf(level: number, raw: string, params: Record<string, string>): boolean {
    let url: string;
    try {
      url = goPathUnescape(raw);
    } catch {
      return false;
    }
    for (const leaf of this.leaves) {
      switch (leaf.typ) {
        case 0:
          if (leaf.pattern === url) {
            return true;
          }
          break;
        case 1: {
          const r = leaf.reg!.exec(url);
          if (!r || r.length - 1 !== leaf.wildcards.length) {
            break;
          }
          leaf.wildcards.forEach((w, j) => (params[w] = r[j + 1]));
          return true;
        }
        case 2: {
          const j = url.lastIndexOf('.');
          if (j > -1) {
            params[':path'] = url.slice(0, j);
            params[':ext'] = url.slice(j + 1);
          } else {
            params[':path'] = url;
          }
          return true;
        }
        case 3:
          params[leaf.wildcards[0]] = url;
          return true;
        case 4:
          params['*'] = url;
          params[`*${level}`] = url;
          return true;
      }
    }
    return false;
  }

  matchSubtree(level: number, segment: string, rest: string, params: Record<string, string>): boolean {
    let unescaped: string;
    try {
      unescaped = goPathUnescape(segment);
    } catch {
      return false;
    }
    for (const { seg, node } of this.subtrees) {
      switch (seg.typ) {
        case 0:
          if (seg.pattern === unescaped && node.matchNext(level, rest, params)) {
            return true;
          }
          break;
        case 1: {
          const r = seg.reg!.exec(unescaped);
          if (!r || r.length - 1 !== seg.wildcards.length) {
            break;
          }
          seg.wildcards.forEach((w, j) => (params[w] = r[j + 1]));
          if (node.matchNext(level, rest, params)) {
            return true;
          }
          break;
        }
        case 3:
          if (node.matchNext(level + 1, rest, params)) {
            params[seg.wildcards[0]] = unescaped;
            return true;
          }
          break;
        case 4:
          if (node.matchNext(level + 1, rest, params)) {
            params[`*${level}`] = unescaped;
            return true;
          }
          break;
        default:
          break;
      }
    }
    // Nothing deeper matched: a trailing `*` (or `*.*`) here takes the whole remainder.
    const leaf = this.leaves[this.leaves.length - 1];
    if (leaf && (leaf.typ === 2 || leaf.typ === 4)) {
      let url: string;
      try {
        url = goPathUnescape(`${segment}/${rest}`);
      } catch {
        return false;
      }
      if (leaf.typ === 4) {
        params['*'] = url;
        params[`*${level}`] = url;
      } else {
        const j = url.lastIndexOf('.');
        params[':path'] = j > -1 ? url.slice(0, j) : url;
        if (j > -1) {
          params[':ext'] = url.slice(j + 1);
        }
      }
      return true;
    }
    return false;
  }

  matchNext(level: number, url: string, params: Record<string, string>): boolean {
    const i = url.indexOf('/');
    if (i === -1) {
      return this.matchLeaf(level, url, params);
    }
    return this.matchSubtree(level, url.slice(0, i), url.slice(i + 1), params);
  }
}

/**
 * `t := web.NewTree(); t.Add(pattern, nil); _, params, ok := t.Match(url)` (pkg/web/tree.go):
 * one trailing `/` of the pattern and one leading and one trailing `/` of the URL are ignored;
 * literal segments are compared case-sensitively after unescaping; `:name` takes one segment;
 * a final `*` takes one or more segments (`api/*` matches `api/x` and `api/x/y`, not `api`) and
 * is returned as `params["*"]`; `?:name` makes the last segment optional.
 */
export function matchRoutePath(pattern: string, url: string): Record<string, string> | undefined {
  const root = new TreeNode();
  root.addNext(pattern.endsWith('/') ? pattern.slice(0, -1) : pattern);
  let u = url.startsWith('/') ? url.slice(1) : url;
  u = u.endsWith('/') ? u.slice(0, -1) : u;
  const params: Record<string, string> = {};
  return root.matchNext(0, u, params) ? params : undefined;
}

/* ------------------------------------------------------------------------------------------ */
/* Headers: pkg/util/proxyutil and Go's net/http/httputil.ReverseProxy                        */
/* ------------------------------------------------------------------------------------------ */

/** A case-insensitive header set that keeps the last spelling, like Go's http.Header.Set/Del/Get. */
export class GoHeaders {
  private readonly map = new Map<string, { name: string; value: string }>();

  constructor(init: Record<string, string | undefined> = {}) {
    for (const [k, v] of Object.entries(init)) {
      if (v !== undefined) {
        this.set(k, v);
      }
    }
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), { name: canonicalHeaderKey(name), value });
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  entries(): Array<[string, string]> {
    return [...this.map.values()].map(({ name, value }) => [name, value]);
  }
  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** textproto.CanonicalMIMEHeaderKey: "x-grafana-id" → "X-Grafana-Id". */
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/**
 * contexthandler.go `WithAuthHTTPHeaders` + reverse_proxy.go `wrapDirector`: the headers Grafana
 * authenticated the browser with are deleted before the director runs (always `Authorization`;
 * the JWT and auth-proxy headers only when those are configured, which the host does not do).
 */
export function deleteAuthHeaders(h: GoHeaders): void {
  h.delete('Authorization');
}

/** proxyutil.go `ApplyUserHeader`: always delete X-Grafana-User, set it only with send_user_header. */
export function applyUserHeader(sendUserHeader: boolean, h: GoHeaders, user: GrafanaUser): void {
  h.delete('X-Grafana-User');
  if (sendUserHeader) {
    h.set('X-Grafana-User', user.login);
  }
}

/** proxyutil.go `ApplyForwardIDHeader`: set X-Grafana-Id when the user has a token; never delete. */
export async function applyForwardIdHeader(h: GoHeaders, user: GrafanaUser, ids?: GrafanaIdTokens): Promise<void> {
  if (ids) {
    h.set('X-Grafana-Id', await ids.token(user));
  }
}

/** proxyutil.go `PrepareProxyRequest` (run by `wrapDirector` after the director). */
export function prepareProxyRequest(h: GoHeaders, remoteAddr: string): void {
  h.set('X-Grafana-Referer', h.get('Referer') ?? '');
  h.delete('Origin');
  h.delete('Referer');
  h.delete('X-Forwarded-Host');
  h.delete('X-Forwarded-Port');
  h.delete('X-Forwarded-Proto');
  const prior = h.get('X-Forwarded-For');
  h.set('X-Forwarded-For', prior ? `${prior}, ${remoteAddr}` : remoteAddr);
}

const HOP_BY_HOP = [
  'Connection',
  'Proxy-Connection',
  'Keep-Alive',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Te',
  'Trailer',
  'Transfer-Encoding',
  'Upgrade',
];

/** Go's httputil.ReverseProxy: hop-by-hop headers (and those named in Connection) are not forwarded. */
export function removeHopByHop(h: GoHeaders): void {
  for (const name of (h.get('Connection') ?? '').split(',')) {
    if (name.trim()) {
      h.delete(name.trim());
    }
  }
  for (const name of HOP_BY_HOP) {
    h.delete(name);
  }
}

/** Go's httputil.ReverseProxy appends the client address to X-Forwarded-For after the director. */
export function reverseProxyForwardedFor(h: GoHeaders, remoteAddr: string): void {
  const prior = h.get('X-Forwarded-For');
  h.set('X-Forwarded-For', prior ? `${prior}, ${remoteAddr}` : remoteAddr);
}

/* ------------------------------------------------------------------------------------------ */
/* Sending                                                                                    */
/* ------------------------------------------------------------------------------------------ */

export interface OutgoingRequest {
  method: string;
  /** scheme://host[:port] of the target. */
  origin: string;
  /** The request target as sent: escaped path plus `?query`. */
  path: string;
  headers: GoHeaders;
  body?: string;
}

/**
 * Sends the proxied request and returns the answer with Grafana's response rules applied
 * (reverse_proxy.go `modifyResponse`: Set-Cookie removed, `Content-Security-Policy: sandbox`;
 * `errorHandler`: a failed round trip → 502 with no body).
 */
export function send(
  out: OutgoingRequest,
  modify?: (res: EmulatorResponse) => EmulatorResponse
): Promise<EmulatorResponse> {
  let origin: URL;
  try {
    origin = new URL(out.origin);
    if (!['http:', 'https:'].includes(origin.protocol) || !origin.host) {
      throw new Error('unsupported protocol scheme or no host');
    }
  } catch {
    return Promise.resolve(badGateway());
  }
  const lib = origin.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {};
  for (const [k, v] of out.headers.entries()) {
    // Go writes header values as bytes: send UTF-8, not Node's latin1 reading of the string.
    headers[k] = Buffer.from(v, 'utf8').toString('latin1');
  }
  delete headers['Content-Length'];
  delete headers.Host;
  if (out.body !== undefined && out.body !== '') {
    headers['Content-Length'] = String(Buffer.byteLength(out.body));
  }
  return new Promise((resolve) => {
    const req = lib.request(
      {
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: origin.port || undefined,
        method: out.method,
        path: out.path || '/',
        headers,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new GoHeaders();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) {
              h.set(k, Array.isArray(v) ? v.join(', ') : v);
            }
          }
          removeHopByHop(h);
          h.delete('Content-Length');
          // Grafana passes a compressed body on as it is; this host's answers are strings, so it
          // decompresses here and drops Content-Encoding (the browser sees the same content).
          let raw = Buffer.concat(chunks);
          const encoding = (h.get('Content-Encoding') ?? '').toLowerCase();
          try {
            raw =
              encoding === 'gzip'
                ? zlib.gunzipSync(raw)
                : encoding === 'deflate'
                  ? zlib.inflateSync(raw)
                  : encoding === 'br'
                    ? zlib.brotliDecompressSync(raw)
                    : raw;
            if (encoding) {
              h.delete('Content-Encoding');
            }
          } catch {
            // left as it came
          }
          let answer: EmulatorResponse = {
            status: res.statusCode ?? 502,
            headers: h.toObject(),
            body: raw.toString('utf8'),
          };
          if (modify) {
            answer = modify(answer);
          }
          const final = new GoHeaders(answer.headers);
          final.delete('Set-Cookie');
          final.set('Content-Security-Policy', 'sandbox');
          // Header names in lower case, as Node's http module gives them to the host's callers.
          const headers = Object.fromEntries(final.entries().map(([k, v]) => [k.toLowerCase(), v]));
          resolve({ ...answer, headers });
        });
        res.on('error', () => resolve(badGateway()));
      }
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(badGateway()));
    if (out.body) {
      req.write(out.body);
    }
    req.end();
  });
}

/** reverse_proxy.go `errorHandler`: `w.WriteHeader(http.StatusBadGateway)`, nothing else. */
export function badGateway(): EmulatorResponse {
  return { status: 502, headers: {}, body: '' };
}

/** Kept for callers of the previous host: sends a request to a URL, 502 when it cannot be reached. */
export function forward(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body?: string
): Promise<EmulatorResponse> {
  return send({
    method,
    origin: target.origin,
    path: target.pathname + target.search,
    headers: new GoHeaders(headers),
    body,
  });
}

/* ------------------------------------------------------------------------------------------ */
/* The app: settings API and plugin proxy                                                     */
/* ------------------------------------------------------------------------------------------ */

export const DEFAULT_USER: GrafanaUser = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' };

function parseUrl(raw: string): { escapedPath: string; rawQuery: string } {
  const q = raw.indexOf('?');
  const pathPart = q === -1 ? raw : raw.slice(0, q);
  return { escapedPath: pathPart, rawQuery: q === -1 ? '' : raw.slice(q + 1) };
}

export class GrafanaEmulator {
  /** Every request the proxy sent on, as sent (for tests). */
  readonly sent: OutgoingRequest[] = [];
  readonly server: Required<Pick<GrafanaServerOptions, 'sendUserHeader' | 'version'>> &
    Pick<GrafanaServerOptions, 'ids'>;

  constructor(
    readonly plugin: PluginJson,
    public settings: PluginSettings,
    public user: GrafanaUser = DEFAULT_USER,
    options: GrafanaServerOptions = {}
  ) {
    for (const route of plugin.routes ?? []) {
      parseReqRole(route); // a plugin.json Grafana would refuse to load fails here
    }
    this.server = {
      sendUserHeader: options.sendUserHeader ?? false,
      version: options.version ?? DEFAULT_GRAFANA_VERSION,
      ids: options.ids,
    };
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
    const { escapedPath } = parseUrl(req.url);
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
    const { escapedPath, rawQuery } = parseUrl(req.url);
    // pkg/api/plugin_proxy.go getProxyPath: path.Join("/", extractProxyPath(EscapedPath)).
    const proxyPathIn = goPathClean(`/${escapedPath.replace(/^\/api\/plugin-proxy\/([\w-]+)\/?/, '')}`);

    // pkg/api/pluginproxy/pluginproxy.go HandleRequest: the first route whose method and path match.
    let matched: PluginRoute | undefined;
    let proxyPath = '';
    for (const route of this.plugin.routes ?? []) {
      if (route.method && route.method !== '*' && route.method !== req.method) {
        continue;
      }
      const params = matchRoutePath(route.path, proxyPathIn);
      if (!params) {
        continue;
      }
      if (!this.hasAccessToRoute(route)) {
        return jsonApiErr(403, 'plugin proxy route access denied');
      }
      proxyPath = params['*'] ?? '';
      matched = route;
      break;
    }
    if (!matched) {
      return jsonApiErr(404, 'plugin route match not found');
    }

    const h = new GoHeaders(req.headers ?? {});
    const remoteAddr = req.remoteAddr ?? '127.0.0.1';
    // reverse_proxy.go wrapDirector: the auth headers go before the director runs.
    deleteAuthHeaders(h);

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
      for (const header of matched.headers ?? []) {
        h.set(header.name, interpolateTemplate(header.content, data));
      }
    } catch {
      return jsonApiErr(500, 'Failed to render plugin headers');
    }
    let body = req.body;
    if (matched.body !== undefined) {
      // utils.go setBodyContent: the templated body replaces the request's only if it is valid JSON.
      try {
        const rendered = interpolateTemplate(
          typeof matched.body === 'string' ? matched.body : JSON.stringify(matched.body),
          data
        );
        JSON.parse(rendered);
        body = rendered;
      } catch {
        // logged by Grafana ("Failed to set plugin route body content"); the request goes on
      }
    }
    prepareProxyRequest(h, remoteAddr);
    removeHopByHop(h);
    reverseProxyForwardedFor(h, remoteAddr);

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

  /** pluginproxy.go hasAccessToRoute: reqAction by RBAC, else a valid reqRole by OrgRole.Includes. */
  private hasAccessToRoute(route: PluginRoute): boolean {
    if (route.reqAction) {
      return hasPermission(this.user, route.reqAction);
    }
    const role = parseReqRole(route);
    if (role) {
      return roleIncludes(this.user.orgRole, role);
    }
    return true;
  }
}

import http from 'node:http';
import net from 'node:net';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DatasourceProxyEmulator, type DatasourceInstance } from './host/datasourceProxy';
import { GrafanaEmulator } from './host/grafana/appProxy';
import { GrafanaIdTokens } from './host/grafana/idTokens';
import type { EmulatorRequest, GrafanaServerOptions, GrafanaUser, PluginRoute } from './host/grafana/types';
import { matchRoutePath } from './host/grafana/webTree';

/**
 * The test host's stand-ins for Grafana's app plugin proxy and datasource proxy (no Grafana
 * server can run here), checked against the rules of Grafana's Go source that each test names:
 * the stand-ins forward to a local echo server that records what arrives, so every test shows
 * what a backend behind a real Grafana would (or would not) receive.
 */

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let echo: http.Server;
let echoUrl: string;
let received: Received[] = [];

beforeAll(async () => {
  echo = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (req.url?.includes('/status/401')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad key"}');
        return;
      }
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': 'backend_session=1; Path=/',
          'x-backend': 'echo',
        })
        .end('{"ok":true}');
    });
  });
  await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', () => ok()));
  echoUrl = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((ok) => echo.close(() => ok()));
});

beforeEach(() => {
  received = [];
});

/** An address where nothing listens. */
async function closedUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

const ADMIN: GrafanaUser = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' };
const EDITOR: GrafanaUser = { id: 2, login: 'ed', email: 'ed@example.com', orgRole: 'Editor' };
const VIEWER: GrafanaUser = { id: 3, login: 'vi', email: 'vi@example.com', orgRole: 'Viewer' };
const NO_ROLE: GrafanaUser = { id: 4, login: 'nobody', email: 'nobody@example.com', orgRole: 'None' };
/** Org role None, given the app (fixed:plugins.app:reader goes to Viewer and up by default). */
const NO_ROLE_WITH_APP: GrafanaUser = { ...NO_ROLE, permissions: ['plugins.app:access'] };
const ROUTE_DENIED = JSON.stringify({ message: 'plugin proxy route access denied' });

const APP_ID = 'test-app';

function app(routes: PluginRoute[], opts: { user?: GrafanaUser; enabled?: boolean } & GrafanaServerOptions = {}) {
  return new GrafanaEmulator(
    { id: APP_ID, type: 'app', name: 'Test', routes },
    {
      enabled: opts.enabled ?? true,
      jsonData: { backendUrl: echoUrl },
      secureJsonData: { serviceKey: 'svc-key' },
    },
    opts.user ?? ADMIN,
    opts
  );
}

/** Fleetlens' own app route, as the plugin's dist/plugin.json declares it. */
const API_ROUTE: PluginRoute = {
  path: 'api/*',
  url: '{{ .JsonData.backendUrl }}',
  headers: [{ name: 'X-Fleetlens-Key', content: '{{ .SecureJsonData.serviceKey }}' }],
};

async function call(
  target: { handle(r: EmulatorRequest): Promise<unknown> },
  url: string,
  init: Partial<EmulatorRequest> = {}
) {
  const res = (await target.handle({ method: 'GET', url, ...init })) as {
    status: number;
    headers: Record<string, string>;
    body: string;
  };
  if (!res) {
    throw new Error(`not handled: ${url}`);
  }
  return res;
}

const proxyUrl = (rest: string) => `/api/plugin-proxy/${APP_ID}/${rest}`;

describe('app plugin proxy stand-in (pkg/api/pluginproxy/pluginproxy.go, pkg/web/tree.go)', () => {
  it("a route path without * matches only itself: `api` does not match api/api/v1/x (404, Grafana's message) — pluginproxy.go HandleRequest + web.Tree", async () => {
    const a = app([{ path: 'api', url: '{{ .JsonData.backendUrl }}/base' }]);
    const miss = await call(a, proxyUrl('api/api/v1/x'));
    expect(miss.status).toBe(404);
    expect(JSON.parse(miss.body)).toEqual({ message: 'plugin route match not found' });
    expect(miss.headers['content-type']).toBe('application/json; charset=UTF-8');
    const hit = await call(a, proxyUrl('api'));
    expect(hit.status).toBe(200);
    // No `*`: nothing after the route path is forwarded (proxyPath = "").
    expect(received.map((r) => r.url)).toEqual(['/base']);
  });

  it('`api/*` forwards the * capture (v1/x); it matches neither `api` nor `api/` — web.Tree Match, plugin_proxy.go getProxyPath (path.Join drops the slash)', async () => {
    const a = app([{ ...API_ROUTE, url: '{{ .JsonData.backendUrl }}/base' }]);
    expect((await call(a, proxyUrl('api/v1/x?b=2&a=1'))).status).toBe(200);
    expect((await call(a, proxyUrl('api'))).status).toBe(404);
    expect((await call(a, proxyUrl('api/'))).status).toBe(404);
    expect((await call(a, proxyUrl('api/v1/'))).status).toBe(200);
    // The browser's query string goes on untouched (not re-encoded, not sorted); the trailing
    // slash of api/v1/ is gone.
    expect(received.map((r) => r.url)).toEqual(['/base/v1/x?b=2&a=1', '/base/v1']);
  });

  it('web.Tree semantics: literal segments are case-sensitive, :param takes one segment and is not forwarded, * takes one or more — pkg/web/tree.go', () => {
    expect(matchRoutePath('api/*', '/api/v1/x')).toEqual({ '*': 'v1/x', '*0': 'v1/x' });
    expect(matchRoutePath('api/*', '/api')).toBeUndefined();
    expect(matchRoutePath('api/*', '/API/v1')).toBeUndefined();
    expect(matchRoutePath('api', '/api/')).toEqual({});
    expect(matchRoutePath('api/', '/api')).toEqual({});
    expect(matchRoutePath('nodes/:name', '/nodes/n1')).toEqual({ ':name': 'n1' });
    expect(matchRoutePath('nodes/:name', '/nodes/n1/x')).toBeUndefined();
    expect(matchRoutePath('nodes/:name/*', '/nodes/n1/x/y')).toMatchObject({ ':name': 'n1', '*': 'x/y' });
    expect(matchRoutePath('v:id([0-9]+)/*', '/v12/a')).toMatchObject({ ':id': '12', '*': 'a' });
    expect(matchRoutePath('*', '/')).toEqual({ '*': '', '*0': '' });
    expect(matchRoutePath('', '/')).toEqual({});
    expect(matchRoutePath('', '/x')).toBeUndefined();
    // Segments are unescaped before they are compared and captured.
    expect(matchRoutePath('api/*', '/api/a%2Fb')).toMatchObject({ '*': 'a/b' });
  });

  it(':param routes through the proxy: matched, but only the route URL is called — pluginproxy.go (params["*"] only)', async () => {
    const a = app([{ path: 'nodes/:name', url: '{{ .JsonData.backendUrl }}/n' }]);
    expect((await call(a, proxyUrl('nodes/n1'))).status).toBe(200);
    expect((await call(a, proxyUrl('nodes/n1/x'))).status).toBe(404);
    expect((await call(a, proxyUrl('nodes'))).status).toBe(404);
    expect(received.map((r) => r.url)).toEqual(['/n']);
  });

  it('method is compared exactly unless empty or *: a POST-only route 404s a GET, "post" never matches — pluginproxy.go HandleRequest', async () => {
    const a = app([
      { path: 'write/*', method: 'POST', url: '{{ .JsonData.backendUrl }}' },
      { path: 'lower/*', method: 'post', url: '{{ .JsonData.backendUrl }}' },
      { path: 'any/*', method: '*', url: '{{ .JsonData.backendUrl }}' },
    ]);
    expect((await call(a, proxyUrl('write/x'))).status).toBe(404);
    expect((await call(a, proxyUrl('write/x'), { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await call(a, proxyUrl('lower/x'), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await call(a, proxyUrl('any/x'), { method: 'DELETE' })).status).toBe(200);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /x', 'DELETE /x']);
  });

  it('reqRole Admin refuses an Editor and a Viewer with 403 "plugin proxy route access denied"; the first matching route decides — pluginproxy.go hasAccessToRoute', async () => {
    const routes: PluginRoute[] = [
      { path: 'api/admin/*', reqRole: 'Admin', url: '{{ .JsonData.backendUrl }}/admin' },
      { ...API_ROUTE },
    ];
    for (const user of [EDITOR, VIEWER]) {
      const res = await call(app(routes, { user }), proxyUrl('api/admin/users'));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({ message: 'plugin proxy route access denied' });
    }
    expect((await call(app(routes, { user: ADMIN }), proxyUrl('api/admin/users'))).status).toBe(200);
    expect((await call(app(routes, { user: VIEWER }), proxyUrl('api/nodes'))).status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/admin/users', '/nodes']);
  });

  it('reqRole uses OrgRole.Includes (None < Viewer < Editor < Admin) on the org role only: a Grafana server admin with org role Viewer is refused an Admin route — identity/role_type.go', async () => {
    const editorRoute = [{ path: 'e/*', reqRole: 'Editor', url: '{{ .JsonData.backendUrl }}' }];
    expect((await call(app(editorRoute, { user: ADMIN }), proxyUrl('e/x'))).status).toBe(200);
    expect((await call(app(editorRoute, { user: EDITOR }), proxyUrl('e/x'))).status).toBe(200);
    expect((await call(app(editorRoute, { user: VIEWER }), proxyUrl('e/x'))).status).toBe(403);
    const viewerRoute = [{ path: 'v/*', reqRole: 'Viewer', url: '{{ .JsonData.backendUrl }}' }];
    expect((await call(app(viewerRoute, { user: VIEWER }), proxyUrl('v/x'))).status).toBe(200);
    expect((await call(app(viewerRoute, { user: NO_ROLE_WITH_APP }), proxyUrl('v/x'))).body.trim()).toBe(ROUTE_DENIED);
    const serverAdmin: GrafanaUser = { ...VIEWER, isGrafanaAdmin: true };
    const adminRoute = [{ path: 'a/*', reqRole: 'Admin', url: '{{ .JsonData.backendUrl }}' }];
    expect((await call(app(adminRoute, { user: serverAdmin }), proxyUrl('a/x'))).status).toBe(403);
  });

  it('reqRole is read as Grafana reads plugin.json: "admin" is Admin, "" is Viewer, an unknown role stops the plugin loading, no reqRole is open — role_type.go UnmarshalText', async () => {
    const lower = [{ path: 'a/*', reqRole: 'admin', url: '{{ .JsonData.backendUrl }}' }];
    expect((await call(app(lower, { user: EDITOR }), proxyUrl('a/x'))).body.trim()).toBe(ROUTE_DENIED);
    const empty = [{ path: 'a/*', reqRole: '', url: '{{ .JsonData.backendUrl }}' }];
    expect((await call(app(empty, { user: NO_ROLE_WITH_APP }), proxyUrl('a/x'))).body.trim()).toBe(ROUTE_DENIED);
    expect((await call(app(empty, { user: VIEWER }), proxyUrl('a/x'))).status).toBe(200);
    expect(() => app([{ path: 'a/*', reqRole: 'Superuser', url: 'http://x' }])).toThrow(/invalid role value/);
    // A route without reqRole is open to anyone who may use the app (org role None may not, by
    // default: fixed:plugins.app:reader is granted to Viewer and up).
    expect((await call(app([{ ...API_ROUTE }], { user: NO_ROLE_WITH_APP }), proxyUrl('api/x'))).status).toBe(200);
    const noRole = await call(app([{ ...API_ROUTE }], { user: NO_ROLE }), proxyUrl('api/x'));
    expect(JSON.parse(noRole.body)).toMatchObject({ title: 'Access denied' });
  });

  it('reqAction is decided by RBAC, before and instead of reqRole — pluginproxy.go hasAccessToRoute', async () => {
    const routes = [
      { path: 'r/*', reqAction: 'test-app.reports:read', reqRole: 'Viewer', url: '{{ .JsonData.backendUrl }}' },
    ];
    expect((await call(app(routes, { user: ADMIN }), proxyUrl('r/x'))).status).toBe(403);
    const granted = { ...VIEWER, permissions: ['test-app.reports:read'] };
    expect((await call(app(routes, { user: granted }), proxyUrl('r/x'))).status).toBe(200);
  });

  it('the proxy path is cleaned before matching: `..` cannot leave the route, `//` collapses — plugin_proxy.go getProxyPath (path.Join)', async () => {
    const a = app([{ ...API_ROUTE }]);
    expect((await call(a, proxyUrl('api/v1/../../secret'))).status).toBe(404);
    expect((await call(a, proxyUrl('api//v1///x'))).status).toBe(200);
    expect((await call(a, proxyUrl('api/v1/./y/../z'))).status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/v1/x', '/v1/z']);
  });

  it("the route URL is templated from jsonData, headers from secureJsonData (route header wins over the browser's); the route URL's own query is dropped — pluginproxy.go director, utils.go addHeaders", async () => {
    const a = app([
      {
        path: 'api/*',
        url: '{{ .JsonData.backendUrl }}/v1?ignored=1',
        headers: [
          { name: 'X-Fleetlens-Key', content: '{{ .SecureJsonData.serviceKey }}' },
          { name: 'X-Missing-Secret', content: '[{{ .SecureJsonData.nope }}]' },
          { name: 'X-Missing-Json', content: '[{{ .JsonData.nope }}]' },
          { name: 'X-Or-Empty', content: '[{{ orEmpty .JsonData.nope }}]' },
          { name: 'X-If', content: '{{if .JsonData.backendUrl}}yes{{else}}no{{end}}' },
        ],
      },
    ]);
    await call(a, proxyUrl('api/nodes?x=1'), { headers: { 'x-fleetlens-key': 'forged' } });
    const r = received[0];
    expect(r.url).toBe('/v1/nodes?x=1');
    expect(r.headers['x-fleetlens-key']).toBe('svc-key');
    // Go text/template: a missing key of map[string]string is "", of map[string]any "<no value>".
    expect(r.headers['x-missing-secret']).toBe('[]');
    expect(r.headers['x-missing-json']).toBe('[<no value>]');
    expect(r.headers['x-or-empty']).toBe('[]');
    expect(r.headers['x-if']).toBe('yes');
  });

  it('a route body is templated and sent only when it is valid JSON — utils.go setBodyContent', async () => {
    const a = app([
      { path: 'b/*', url: '{{ .JsonData.backendUrl }}', body: { key: '{{ .SecureJsonData.serviceKey }}' } },
      { path: 'bad/*', url: '{{ .JsonData.backendUrl }}', body: '{ not json {{ .SecureJsonData.serviceKey }}' },
    ]);
    await call(a, proxyUrl('b/x'), { method: 'POST', body: '{"from":"browser"}' });
    await call(a, proxyUrl('bad/x'), { method: 'POST', body: '{"from":"browser"}' });
    expect(received.map((r) => r.body)).toEqual(['{"key":"svc-key"}', '{"from":"browser"}']);
  });

  it('Cookie, Set-Cookie and Authorization are stripped; Origin, Referer, X-Forwarded-Host/Port/Proto go, X-Grafana-Referer and X-Forwarded-For come; hop-by-hop headers go — pluginproxy.go director, proxyutil.go PrepareProxyRequest, reverse_proxy.go wrapDirector', async () => {
    const a = app([{ ...API_ROUTE }]);
    await call(a, proxyUrl('api/x'), {
      remoteAddr: '10.1.2.3',
      headers: {
        cookie: 'grafana_session=abc; other=1',
        'set-cookie': 'x=1',
        authorization: 'Bearer browser-token',
        origin: 'http://grafana.local',
        referer: 'http://grafana.local/a/test-app/nodes',
        'x-forwarded-host': 'evil',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '1',
        'x-forwarded-for': '192.0.2.1',
        connection: 'x-drop-me',
        'x-drop-me': '1',
        'x-kept': 'kept',
      },
    });
    const h = received[0].headers;
    for (const gone of [
      'cookie',
      'set-cookie',
      'authorization',
      'origin',
      'referer',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-forwarded-port',
      'x-drop-me',
    ]) {
      expect(h[gone]).toBeUndefined();
    }
    expect(h['x-grafana-referer']).toBe('http://grafana.local/a/test-app/nodes');
    // Grafana appends the client, and Go's ReverseProxy appends it once more.
    expect(h['x-forwarded-for']).toBe('192.0.2.1, 10.1.2.3, 10.1.2.3');
    expect(h['x-kept']).toBe('kept');
  });

  it("X-Grafana-Context is always set on app routes, with SignedInUser's Go field names, replacing a forged one — pluginproxy.go director, pkg/services/user/identity.go", async () => {
    const user: GrafanaUser = {
      id: 42,
      login: 'sam',
      email: 'sam@example.com',
      name: 'Sam <Ops>',
      orgRole: 'Editor',
      orgId: 3,
      isGrafanaAdmin: true,
      teams: [7],
    };
    const a = app([{ ...API_ROUTE }], { user });
    await call(a, proxyUrl('api/x'), { headers: { 'x-grafana-context': '{"Login":"admin","OrgRole":"Admin"}' } });
    const raw = received[0].headers['x-grafana-context'] as string;
    const ctx = JSON.parse(raw) as Record<string, unknown>;
    expect(Object.keys(ctx)).toEqual([
      'UserID',
      'UserUID',
      'OrgID',
      'OrgName',
      'OrgRole',
      'Login',
      'Name',
      'Email',
      'EmailVerified',
      'AuthID',
      'AuthenticatedBy',
      'AllowedKubernetesNamespace',
      'ApiKeyID',
      'IsServiceAccount',
      'IsGrafanaAdmin',
      'IsAnonymous',
      'IsDisabled',
      'HelpFlags1',
      'LastSeenAt',
      'Teams',
      'FallbackType',
    ]);
    expect(ctx).toMatchObject({
      UserID: 42,
      OrgID: 3,
      OrgRole: 'Editor',
      Login: 'sam',
      Email: 'sam@example.com',
      Name: 'Sam <Ops>',
      IsGrafanaAdmin: true,
      Teams: [7],
      AllowedKubernetesNamespace: 'org-3',
    });
    // json.Marshal escapes < and > (HTMLEscape).
    expect(raw).toContain('"Name":"Sam \\u003cOps\\u003e"');
    expect(ctx).not.toHaveProperty('Permissions');
    expect(ctx).not.toHaveProperty('IDToken');
  });

  it('X-Grafana-User only with send_user_header (default off, conf/defaults.ini); a forged one is always removed — proxyutil.go ApplyUserHeader', async () => {
    await call(app([{ ...API_ROUTE }]), proxyUrl('api/x'), { headers: { 'x-grafana-user': 'admin' } });
    await call(app([{ ...API_ROUTE }], { user: VIEWER, sendUserHeader: true }), proxyUrl('api/x'), {
      headers: { 'x-grafana-user': 'admin' },
    });
    expect(received.map((r) => r.headers['x-grafana-user'])).toEqual([undefined, 'vi']);
  });

  it('X-Grafana-Id: a forged one passes through when ID forwarding is off (ApplyForwardIDHeader never deletes it); with ID forwarding on it is replaced by a token that verifies against /api/signing-keys/keys — proxyutil.go ApplyForwardIDHeader, auth/idimpl, signingkeysimpl', async () => {
    const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyOjEifQ.';
    await call(app([{ ...API_ROUTE }], { user: VIEWER }), proxyUrl('api/x'), { headers: { 'x-grafana-id': forged } });
    expect(received[0].headers['x-grafana-id']).toBe(forged);

    const ids = new GrafanaIdTokens('http://grafana.local/');
    const a = app([{ ...API_ROUTE }], { user: { ...VIEWER, name: 'Vi' }, ids });
    await call(a, proxyUrl('api/x'), { headers: { 'x-grafana-id': forged } });
    const token = received[1].headers['x-grafana-id'] as string;
    expect(token).not.toBe(forged);
    const jwks = await call(a, '/api/signing-keys/keys');
    expect(jwks.status).toBe(200);
    const keySet = JSON.parse(jwks.body) as { keys: Array<Record<string, string>> };
    expect(keySet.keys).toHaveLength(1);
    expect(keySet.keys[0]).toMatchObject({ use: 'sig', kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(keySet.keys[0].kid).toMatch(/^id-\d{4}-\d{2}-es256$/);
    expect(keySet.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keySet as never), {
      issuer: 'http://grafana.local/',
      audience: 'org:1',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: keySet.keys[0].kid, typ: 'jwt' });
    expect(payload).toMatchObject({
      sub: 'user:3',
      aud: 'org:1',
      type: 'user',
      identifier: 'u3',
      namespace: 'default',
      username: 'vi',
      email: 'vi@example.com',
      name: 'Vi',
      authenticatedBy: 'password',
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    // idimpl caches the token; the next request carries the same one.
    await call(a, proxyUrl('api/y'));
    expect(received[2].headers['x-grafana-id']).toBe(token);
    expect(ids.minted).toBe(1);
  });

  it("a token from another Grafana (other key) does not verify against this one's keys — signingkeysimpl", async () => {
    const mine = new GrafanaIdTokens('http://grafana.local/');
    const other = new GrafanaIdTokens('http://grafana.local/');
    const token = await other.token(VIEWER);
    await expect(jwtVerify(token, createLocalJWKSet(mine.jwks() as never))).rejects.toThrow();
    expect(decodeProtectedHeader(token).kid).toBe(mine.keyId);
  });

  it('the answer loses Set-Cookie and gains Content-Security-Policy: sandbox — reverse_proxy.go modifyResponse', async () => {
    const res = await call(app([{ ...API_ROUTE }]), proxyUrl('api/x'));
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBe('sandbox');
    expect(res.headers['x-backend']).toBe('echo');
    expect(res.body).toBe('{"ok":true}');
  });

  it('an unreachable target answers 502 with an empty body; a route URL that templates to no URL too — reverse_proxy.go errorHandler', async () => {
    const down = await closedUrl();
    const a = new GrafanaEmulator(
      { id: APP_ID, type: 'app', name: 'Test', routes: [{ ...API_ROUTE }] },
      { enabled: true, jsonData: { backendUrl: down }, secureJsonData: {} }
    );
    expect(await call(a, proxyUrl('api/x'))).toEqual({ status: 502, headers: {}, body: '' });
    a.settings = { enabled: true, jsonData: {}, secureJsonData: {} };
    expect((await call(a, proxyUrl('api/x'))).status).toBe(502);
  });

  it('app disabled → 404 "Plugin is not enabled"; another plugin id → 404 "Plugin not found"; no plugins.app:access → 403 access denied — pkg/api/api.go checkAppEnabled, accesscontrol middleware', async () => {
    const off = await call(app([{ ...API_ROUTE }], { enabled: false }), proxyUrl('api/x'));
    expect(off.status).toBe(404);
    expect(JSON.parse(off.body)).toEqual({ message: 'Plugin is not enabled' });
    const other = await call(app([{ ...API_ROUTE }]), '/api/plugin-proxy/other-app/api/x');
    expect(JSON.parse(other.body)).toEqual({ message: 'Plugin not found' });
    const denied = await call(
      app([{ ...API_ROUTE }], { user: { ...VIEWER, denied: ['plugins.app:access'] } }),
      proxyUrl('api/x')
    );
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({
      title: 'Access denied',
      message: expect.stringContaining('plugins.app:access'),
    });
    expect(received).toEqual([]);
  });

  it('saving the app settings needs plugins:write (org Admin) — pkg/api/api.go', async () => {
    const res = await call(app([], { user: EDITOR }), `/api/plugins/${APP_ID}/settings`, {
      method: 'POST',
      body: '{"enabled":false}',
    });
    expect(res.status).toBe(403);
    const ok = await call(app([], { user: ADMIN }), `/api/plugins/${APP_ID}/settings`, {
      method: 'POST',
      body: '{"jsonData":{"a":1}}',
    });
    expect(ok.status).toBe(200);
  });
});

const DS_ID = 'test-datasource';

function ds(
  routes: PluginRoute[],
  opts: { user?: GrafanaUser; instance?: Partial<DatasourceInstance> } & GrafanaServerOptions = {}
) {
  return new DatasourceProxyEmulator(
    { id: DS_ID, type: 'datasource', name: 'Test', routes },
    {
      uid: 'fleetlens',
      jsonData: { backendUrl: echoUrl },
      secureJsonData: { apiKey: 'ds-api-key' },
      ...opts.instance,
    },
    opts.user ?? VIEWER,
    opts
  );
}

const DS_ROUTE: PluginRoute = {
  path: 'api',
  url: '{{ .JsonData.backendUrl }}',
  headers: [{ name: 'X-Api-Key', content: '{{ .SecureJsonData.apiKey }}' }],
};

const dsUrl = (rest: string) => `/api/datasources/proxy/uid/fleetlens/${rest}`;

describe('datasource proxy stand-in (pkg/api/pluginproxy/ds_proxy.go, ds_auth_provider.go)', () => {
  it('routes match by string prefix after CleanRelativePath: `api` takes api/v1/x (remainder appended) and even apis/x — ds_proxy.go validateRequest, ApplyRoute', async () => {
    const d = ds([{ ...DS_ROUTE, url: '{{ .JsonData.backendUrl }}/base' }]);
    expect((await call(d, dsUrl('api/v1/x'))).status).toBe(200);
    expect((await call(d, dsUrl('api'))).status).toBe(200);
    expect((await call(d, dsUrl('apis/x'))).status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/base/v1/x', '/base', '/base/s/x']);
  });

  it('`..` is resolved for matching (api/../secret is not the api route, so it goes to the instance URL), while the path itself is sent raw; `//` matches but is sent as it came — ds_proxy.go validateRequest, CleanRelativePath', async () => {
    const noUrl = ds([{ ...DS_ROUTE }]);
    // No route matched and the datasource has no URL of its own: Grafana cannot send it (502).
    expect((await call(noUrl, dsUrl('api/../secret'))).status).toBe(502);
    expect(received).toEqual([]);
    const withUrl = ds([{ ...DS_ROUTE, url: 'http://127.0.0.1:9/never' }], { instance: { url: `${echoUrl}/own` } });
    await call(withUrl, dsUrl('api/../secret'));
    expect(received[0].url).toBe('/own/api/../secret');
    expect(received[0].headers['x-api-key']).toBeUndefined();
    const d = ds([{ ...DS_ROUTE }]);
    await call(d, dsUrl('api//v1//x'));
    expect(received[1].url).toBe('//v1//x');
  });

  it("route headers are templated from the instance's secureJsonData and replace the browser's — ds_auth_provider.go ApplyRoute, utils.go addHeaders", async () => {
    await call(ds([{ ...DS_ROUTE }]), dsUrl('api/v1/nodes'), { headers: { 'x-api-key': 'forged' } });
    expect(received[0].headers['x-api-key']).toBe('ds-api-key');
    expect(received[0].headers['user-agent']).toBe('Grafana/12.4.0');
  });

  it('no X-Grafana-Context is set on datasource routes, and a forged one from the browser passes through untouched — ds_proxy.go director', async () => {
    await call(ds([{ ...DS_ROUTE }], { user: ADMIN }), dsUrl('api/x'));
    expect(received[0].headers['x-grafana-context']).toBeUndefined();
    const forged = '{"Login":"admin","OrgRole":"Admin","IsGrafanaAdmin":true}';
    await call(ds([{ ...DS_ROUTE }], { user: VIEWER }), dsUrl('api/x'), { headers: { 'x-grafana-context': forged } });
    expect(received[1].headers['x-grafana-context']).toBe(forged);
  });

  it('X-Grafana-User only with send_user_header, a forged one always removed — proxyutil.go ApplyUserHeader from ds_proxy.go director', async () => {
    await call(ds([{ ...DS_ROUTE }]), dsUrl('api/x'), { headers: { 'x-grafana-user': 'admin' } });
    await call(ds([{ ...DS_ROUTE }], { sendUserHeader: true }), dsUrl('api/x'), {
      headers: { 'x-grafana-user': 'admin' },
    });
    expect(received.map((r) => r.headers['x-grafana-user'])).toEqual([undefined, 'vi']);
  });

  it('X-Grafana-Id only with ID forwarding (a forged one passes when it is off); the signed one verifies — ds_proxy.go director, ApplyForwardIDHeader', async () => {
    await call(ds([{ ...DS_ROUTE }]), dsUrl('api/x'));
    await call(ds([{ ...DS_ROUTE }]), dsUrl('api/x'), { headers: { 'x-grafana-id': 'forged' } });
    const ids = new GrafanaIdTokens('http://grafana.local/');
    await call(ds([{ ...DS_ROUTE }], { ids }), dsUrl('api/x'), { headers: { 'x-grafana-id': 'forged' } });
    expect(received[0].headers['x-grafana-id']).toBeUndefined();
    expect(received[1].headers['x-grafana-id']).toBe('forged');
    const { payload } = await jwtVerify(
      received[2].headers['x-grafana-id'] as string,
      createLocalJWKSet(ids.jwks() as never),
      {
        issuer: 'http://grafana.local/',
        audience: 'org:1',
      }
    );
    expect(payload).toMatchObject({ sub: 'user:3', username: 'vi', role: 'Viewer' });
  });

  it("the browser's Authorization is dropped, X-DS-Authorization becomes Authorization; cookies go except keepCookies (never grafana_session) — reverse_proxy.go wrapDirector, ds_proxy.go director, proxyutil.go ClearCookieHeader", async () => {
    const d = ds([{ ...DS_ROUTE }], {
      instance: { jsonData: { backendUrl: echoUrl, keepCookies: ['keep', 'pre[]', 'grafana_session'] } },
    });
    await call(d, dsUrl('api/x'), {
      headers: {
        authorization: 'Bearer grafana-session-token',
        'x-ds-authorization': 'Bearer for-the-datasource',
        cookie: 'grafana_session=s; keep=1; drop=2; pre_a=3',
      },
    });
    const h = received[0].headers;
    expect(h.authorization).toBe('Bearer for-the-datasource');
    expect(h['x-ds-authorization']).toBeUndefined();
    expect(h.cookie).toBe('keep=1; pre_a=3');
  });

  it("on a matched route the query string is re-encoded in key order, with the route's urlParams — ds_auth_provider.go ApplyRoute, utils.go addQueryString", async () => {
    const d = ds([{ ...DS_ROUTE, urlParams: [{ name: 'key', content: '{{ .SecureJsonData.apiKey }}' }] }]);
    await call(d, dsUrl('api/q?b=2&a=x%20y&b=1'));
    expect(received[0].url).toBe('/q?a=x+y&b=2&b=1&key=ds-api-key');
  });

  it('a 401 from the datasource reaches the browser as 400 "Authentication to data source failed" — ds_proxy.go HandleRequest modifyResponse', async () => {
    const res = await call(ds([{ ...DS_ROUTE }]), dsUrl('api/status/401'));
    expect(res.status).toBe(400);
    expect(res.body).toBe('Authentication to data source failed');
    expect(res.headers['content-security-policy']).toBe('sandbox');
  });

  it('reqRole on a datasource route: 403 "plugin proxy route access denied"; a method that does not match skips the route — ds_proxy.go validateRequest, hasAccessToRoute', async () => {
    const routes: PluginRoute[] = [
      { ...DS_ROUTE, path: 'api/admin', reqRole: 'Admin' },
      { ...DS_ROUTE, path: 'api', method: 'GET' },
    ];
    const res = await call(ds(routes, { user: EDITOR }), dsUrl('api/admin/users'));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ message: 'plugin proxy route access denied' });
    // POST matches no route (GET only): it goes to the instance URL, which this datasource has not.
    expect((await call(ds(routes, { user: EDITOR }), dsUrl('api/x'), { method: 'POST', body: '{}' })).status).toBe(502);
    expect((await call(ds(routes, { user: ADMIN }), dsUrl('api/admin/users'))).status).toBe(200);
    expect(received.map((r) => r.url)).toEqual(['/users']);
  });

  it('unknown uid → 404, malformed uid → 400, datasource permissions → 403, no datasources:query → access denied — datasourceproxy.go, pkg/api/api.go', async () => {
    const d = ds([{ ...DS_ROUTE }]);
    expect(JSON.parse((await call(d, '/api/datasources/proxy/uid/other/api/x')).body)).toEqual({
      message: 'Unable to find datasource',
    });
    expect((await call(d, '/api/datasources/proxy/uid/bad$uid/api/x')).status).toBe(400);
    const restricted = ds([{ ...DS_ROUTE }], { instance: { allowedLogins: ['ed'] } });
    expect(JSON.parse((await call(restricted, dsUrl('api/x'))).body)).toEqual({
      message: 'Access denied to datasource',
    });
    const noQuery = ds([{ ...DS_ROUTE }], { user: { ...VIEWER, denied: ['datasources:query'] } });
    expect((await call(noQuery, dsUrl('api/x'))).status).toBe(403);
    expect(received).toEqual([]);
  });

  it('a datasource with a URL and custom headers (as the provisioned Prometheus one): no route needed, its header is added — and a forged X-Grafana-Context rides along with it — datasource.go getCustomHeaders, ds_proxy.go director', async () => {
    const prom = ds([], {
      instance: {
        url: `${echoUrl}/prometheus`,
        jsonData: { httpHeaderName1: 'X-Fleetlens-Key' },
        secureJsonData: { httpHeaderValue1: 'svc-key' },
      },
    });
    const forged = '{"Login":"admin","OrgRole":"Admin"}';
    await call(prom, dsUrl('api/v1/query?query=up'), { headers: { 'x-grafana-context': forged } });
    expect(received[0].url).toBe('/prometheus/api/v1/query?query=up');
    expect(received[0].headers['x-fleetlens-key']).toBe('svc-key');
    expect(received[0].headers['x-grafana-context']).toBe(forged);
  });

  it('an unreachable route target answers 502 with an empty body — reverse_proxy.go errorHandler', async () => {
    const down = await closedUrl();
    const d = ds([{ ...DS_ROUTE }], { instance: { jsonData: { backendUrl: down } } });
    expect(await call(d, dsUrl('api/x'))).toEqual({ status: 502, headers: {}, body: '' });
  });
});

describe('the round trip (stand-in of Go net/http as Grafana uses it)', () => {
  it('a replayable request whose reused keep-alive connection dies before an answer is sent again on a new one; a request with a body is not — transport.go shouldRetryRequest, request.go isReplayable', async () => {
    // The backend answers the first request of each connection and drops the connection, without
    // an answer, at the second: what a server closing an idle keep-alive connection looks like.
    const perSocket = new WeakMap<net.Socket, number>();
    const arrived: string[] = [];
    const flaky = http.createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      arrived.push(`${req.method} #${n}`);
      req.resume();
      if (n > 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' }).end('ok');
    });
    await new Promise<void>((ok) => flaky.listen(0, '127.0.0.1', () => ok()));
    const url = `http://127.0.0.1:${(flaky.address() as net.AddressInfo).port}`;
    try {
      const d = ds([{ ...DS_ROUTE }], { instance: { jsonData: { backendUrl: url } } });
      expect((await call(d, dsUrl('api/one'))).status).toBe(200);
      // Reuses the first connection, which dies; sent again on a fresh one.
      expect((await call(d, dsUrl('api/two'))).status).toBe(200);
      expect(arrived).toEqual(['GET #1', 'GET #2', 'GET #1']);
      arrived.length = 0;
      // A POST with a body on the reused connection is not replayed: 502.
      expect((await call(d, dsUrl('api/three'), { method: 'POST', body: '{"a":1}' })).status).toBe(502);
      expect(arrived).toEqual(['POST #2']);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((ok) => flaky.close(() => ok()));
    }
  });
});

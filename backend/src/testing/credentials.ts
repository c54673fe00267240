import http from 'node:http';
import type { access } from '@fleetlens/protocol';

/**
 * Real credentials for tests, harnesses and demos, made the way an operator makes them: a Grafana
 * org Admin opens the app (Grafana's app proxy sends the service key and `X-Grafana-Context`),
 * becomes an admin record (GRAFANA_ADMIN_ROLE) and creates API keys; scoped users and their keys
 * are then created with that admin key. Nothing here relies on the bare service key being admin.
 */

/** A Grafana user as Grafana's app proxy describes it in `X-Grafana-Context` (SignedInUser as JSON). */
export interface GrafanaUser {
  login: string;
  email: string;
  name?: string;
  /** Grafana org role: Admin, Editor, Viewer. */
  orgRole?: 'Admin' | 'Editor' | 'Viewer';
}

/** The headers Grafana's app proxy adds for a signed-in user (pkg/api/pluginproxy/pluginproxy.go), plus the route's service key. */
export function appRouteHeaders(serviceKey: string, user: GrafanaUser): Record<string, string> {
  return {
    'X-Fleetlens-Key': serviceKey,
    'X-Grafana-Context': JSON.stringify({
      Login: user.login,
      Email: user.email,
      Name: user.name ?? user.login,
      OrgRole: user.orgRole ?? 'Viewer',
    }),
  };
}

/** The Grafana org Admin the helpers below act as, unless told otherwise. */
export const GRAFANA_ADMIN: GrafanaUser = {
  login: 'fleet-admin',
  email: 'fleet-admin@example.com',
  name: 'Fleet admin',
  orgRole: 'Admin',
};

/**
 * One JSON request with node:http (not fetch: some callers run in Jest's jsdom environment,
 * which has none); throws naming the request on anything but 2xx.
 */
function call<T>(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  what: string,
  body?: unknown
): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      new URL(path, url),
      // agent: false: no keep-alive socket is left in the shared pool, where a later request in
      // the same process (Jest's globalSetup and in-band tests) could pick it as the server closes it.
      { method, agent: false, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${what} → HTTP ${status}: ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      }
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * An admin API key, as a Grafana org Admin gets one through the app: the first request
 * provisions their admin record, the second creates a key they own.
 */
export async function adminApiKeyViaApp(
  url: string,
  serviceKey: string,
  user: GrafanaUser = GRAFANA_ADMIN,
  name = 'admin key (tests)'
): Promise<{ key: string; userId: string; email: string; headers: Record<string, string> }> {
  const headers = appRouteHeaders(serviceKey, user);
  const me = await call<access.MeReply>(url, 'GET', '/api/v1/me', headers, 'GET /api/v1/me as Grafana Admin');
  if (me.role !== 'admin' || !me.userId)
    throw new Error(`the Grafana org Admin ${user.login} is ${me.role} here (GRAFANA_ADMIN_ROLE), not an admin record`);
  const created = await call<access.ApiKeyCreated>(
    url,
    'POST',
    '/api/v1/api-keys',
    headers,
    'POST /api/v1/api-keys as Grafana Admin',
    { name }
  );
  return { key: created.key, userId: me.userId, email: me.email ?? user.email, headers: { 'X-Api-Key': created.key } };
}

/**
 * A user record with a role and scopes, and an API key it owns (e.g. the credential a datasource
 * is configured with), created with an admin's headers.
 */
export async function scopedApiKey(
  url: string,
  adminHeaders: Record<string, string>,
  user: { email: string; role: access.Role; scopes: access.Scopes; displayName?: string; login?: string | null },
  name = `key of ${user.email}`
): Promise<{ key: string; userId: string; headers: Record<string, string> }> {
  const u = await call<access.User>(url, 'POST', '/api/v1/users', adminHeaders, `POST /api/v1/users ${user.email}`, {
    email: user.email,
    displayName: user.displayName ?? user.email.split('@')[0],
    role: user.role,
    scopes: user.scopes,
    ...(user.login !== undefined ? { login: user.login } : {}),
  });
  const k = await call<access.ApiKeyCreated>(
    url,
    'POST',
    '/api/v1/api-keys',
    adminHeaders,
    `POST /api/v1/api-keys for ${user.email}`,
    { name, userId: u.id }
  );
  return { key: k.key, userId: u.id, headers: { 'X-Api-Key': k.key } };
}

/** Scopes that restrict nothing (a fleet-wide viewer, e.g. the default datasource credential of a demo). */
export const ALL_SCOPES: access.Scopes = { clusters: null, namespaces: null, nodes: null };

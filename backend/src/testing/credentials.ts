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

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} → HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
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
  const headers = { ...appRouteHeaders(serviceKey, user), 'content-type': 'application/json' };
  const me = await json<access.MeReply>(
    await fetch(`${url}/api/v1/me`, { headers }),
    'GET /api/v1/me as Grafana Admin'
  );
  if (me.role !== 'admin' || !me.userId)
    throw new Error(`the Grafana org Admin ${user.login} is ${me.role} here (GRAFANA_ADMIN_ROLE), not an admin record`);
  const created = await json<access.ApiKeyCreated>(
    await fetch(`${url}/api/v1/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name }) }),
    'POST /api/v1/api-keys as Grafana Admin'
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
  const headers = { ...adminHeaders, 'content-type': 'application/json' };
  const u = await json<access.User>(
    await fetch(`${url}/api/v1/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        email: user.email,
        displayName: user.displayName ?? user.email.split('@')[0],
        role: user.role,
        scopes: user.scopes,
        ...(user.login !== undefined ? { login: user.login } : {}),
      }),
    }),
    `POST /api/v1/users ${user.email}`
  );
  const k = await json<access.ApiKeyCreated>(
    await fetch(`${url}/api/v1/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name, userId: u.id }) }),
    `POST /api/v1/api-keys for ${user.email}`
  );
  return { key: k.key, userId: u.id, headers: { 'X-Api-Key': k.key } };
}

/** Scopes that restrict nothing (a fleet-wide viewer, e.g. the default datasource credential of a demo). */
export const ALL_SCOPES: access.Scopes = { clusters: null, namespaces: null, nodes: null };

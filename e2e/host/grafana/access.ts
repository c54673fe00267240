import type { GrafanaUser, OrgRole, PluginRoute } from './types';

/**
 * Roles and permissions: the org role (pkg/apimachinery/identity/role_type.go `RoleType`:
 * `IsValid`, `Includes`, `UnmarshalText`), the RBAC actions the basic roles grant that the
 * proxies check, and who may use a plugin route (pkg/api/pluginproxy/pluginproxy.go and
 * ds_proxy.go `hasAccessToRoute`).
 */

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

/**
 * pluginproxy.go and ds_proxy.go `hasAccessToRoute` (the same rule in both proxies): reqAction by
 * RBAC, else a valid reqRole by OrgRole.Includes.
 */
export function hasAccessToRoute(user: GrafanaUser, route: PluginRoute): boolean {
  if (route.reqAction) {
    return hasPermission(user, route.reqAction);
  }
  const role = parseReqRole(route);
  if (role) {
    return roleIncludes(user.orgRole, role);
  }
  return true;
}

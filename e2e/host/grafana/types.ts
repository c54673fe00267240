import type { GrafanaIdTokens } from './idTokens';

/**
 * The shapes the emulated Grafana APIs read and answer, shared by the app proxy (./appProxy.ts)
 * and the datasource proxy (../datasourceProxy.ts): plugin.json and its routes, the app's
 * settings, the signed-in user (pkg/services/user/identity.go `SignedInUser`, its org role from
 * pkg/apimachinery/identity/role_type.go), the grafana.ini options the proxies read
 * (conf/defaults.ini), and a request and its answer.
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

/** The options a proxy keeps, defaults applied. */
export type ProxyServerSettings = Required<Pick<GrafanaServerOptions, 'sendUserHeader' | 'version'>> &
  Pick<GrafanaServerOptions, 'ids'>;

/** `[dataproxy] send_user_header` off and the default version unless the options say otherwise. */
export function proxyServerSettings(options: GrafanaServerOptions): ProxyServerSettings {
  return {
    sendUserHeader: options.sendUserHeader ?? false,
    version: options.version ?? DEFAULT_GRAFANA_VERSION,
    ids: options.ids,
  };
}

export const DEFAULT_USER: GrafanaUser = { id: 1, login: 'admin', email: 'admin@localhost', orgRole: 'Admin' };

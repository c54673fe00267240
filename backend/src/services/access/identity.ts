import { access } from '@fleetlens/protocol';
import { z } from 'zod';
import type { AccessConfig } from '../../config';
import { sameSecret } from '../agent-auth';
import { FULL_SCOPE } from '../scope';
import type { LoginThrottle, ApiKeyService, SessionService } from './credentials';
import { AccessError, effectiveScope, type Caller, type Role } from './errors';
import { verifyPassword } from './secrets';
import { parseScopes, toUser, type UserService } from './users';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The credentials of one request, as read from its headers (no HTTP types here). */
export interface Presented {
  serviceKey: string | null;
  grafanaUser: string | null;
  grafanaContext: string | null;
  authorization: string | null;
  apiKey: string | null;
}

/** The signed-in Grafana user, as far as the proxy's headers tell. */
export interface GrafanaIdentity {
  login: string | null;
  email: string | null;
  name: string | null;
  /** Admin, Editor, Viewer or None (Grafana's org roles), when known. */
  orgRole: string | null;
}

const isEmail = (s: string) => z.email().safeParse(s).success;
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Reads a field whatever its capitalisation (`Login`, `login`, `LOGIN`, …), one level of nesting allowed. */
function field(obj: Record<string, unknown>, names: string[]): unknown {
  const want = names.map((n) => n.toLowerCase());
  for (const [k, v] of Object.entries(obj))
    if (want.includes(k.toLowerCase()) && v !== null && v !== undefined && v !== '') return v;
  for (const nest of ['SignedInUser', 'signedInUser', 'user', 'User']) {
    const inner = obj[nest];
    if (inner && typeof inner === 'object') {
      const v = field(inner as Record<string, unknown>, names);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** Parses X-Grafana-Context: JSON, or JSON that was URI- or base64-encoded. */
function contextObject(raw: string): Record<string, unknown> | null {
  const attempts = [() => raw, () => decodeURIComponent(raw), () => Buffer.from(raw, 'base64').toString('utf8')];
  for (const a of attempts) {
    try {
      const v = JSON.parse(a());
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * The Grafana user named by the proxy headers: `X-Grafana-Context` (the signed-in user as JSON;
 * field names vary across Grafana versions) and/or `X-Grafana-User` (the login). Null when
 * neither names anyone.
 */
export function parseGrafanaIdentity(userHeader: string | null, contextHeader: string | null): GrafanaIdentity | null {
  const ctx = contextHeader ? contextObject(contextHeader) : null;
  const id: GrafanaIdentity = {
    login: (ctx && str(field(ctx, ['Login', 'login', 'userLogin', 'UserLogin']))) ?? str(userHeader),
    email: ctx ? str(field(ctx, ['Email', 'email', 'userEmail', 'UserEmail'])) : null,
    name: ctx ? str(field(ctx, ['Name', 'name', 'displayName', 'DisplayName'])) : null,
    orgRole: null,
  };
  if (ctx) {
    const r = str(field(ctx, ['OrgRole', 'orgRole', 'org_role', 'Role', 'role']));
    if (r) id.orgRole = r[0].toUpperCase() + r.slice(1).toLowerCase();
  }
  if (id.email && !isEmail(id.email)) id.email = null;
  if (id.email) id.email = id.email.toLowerCase();
  if (!id.login && !id.email) return null;
  return id;
}

/** Resolves who is calling, and logs users in. */
export class IdentityService {
  constructor(
    private readonly cfg: AccessConfig,
    private readonly serviceKey: string | undefined,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService,
    private readonly throttle: LoginThrottle
  ) {}

  /**
   * The caller behind a request's credentials, in this order: the service key (with an optional
   * Grafana user it asserts), a login token (`Authorization: Bearer`), an API key (`X-Api-Key`).
   * Only a request with the service key may assert a user by header.
   */
  async resolve(p: Presented): Promise<Caller> {
    const asserts = !!(p.grafanaUser || p.grafanaContext);
    if (p.serviceKey !== null) {
      if (!this.serviceKey || !sameSecret(p.serviceKey, this.serviceKey))
        throw new AccessError(401, 'invalid service key (X-Fleetlens-Key)');
      const g = asserts ? parseGrafanaIdentity(p.grafanaUser, p.grafanaContext) : null;
      if (g) return this.grafanaCaller(g);
      if (asserts) throw new AccessError(401, 'X-Grafana-User / X-Grafana-Context name no user');
      const role = this.cfg.serviceKeyAnonymousRole;
      if (role === 'none')
        throw new AccessError(
          401,
          'a Grafana user (X-Grafana-User or X-Grafana-Context) is required with the service key'
        );
      return {
        userId: null,
        email: null,
        displayName: null,
        role,
        scope: FULL_SCOPE,
        via: 'service-key',
        actor: 'service-key',
      };
    }
    if (asserts) throw new AccessError(401, 'only requests carrying the service key may name a Grafana user');
    const bearer = (p.authorization ?? '').match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (bearer) {
      const row = await this.sessions.verify(bearer);
      if (!row) throw new AccessError(401, 'invalid or expired token; log in again');
      return this.userCaller(row, 'token');
    }
    if (p.apiKey) {
      const row = await this.apiKeys.verify(p.apiKey);
      if (!row) throw new AccessError(401, 'invalid or revoked API key');
      return this.userCaller(row, 'api-key');
    }
    throw new AccessError(
      401,
      'authentication required: a login token (Authorization: Bearer), an API key (X-Api-Key) or the service key'
    );
  }

  private async userCaller(row: Row, via: Caller['via']): Promise<Caller> {
    if (!row.active) throw new AccessError(403, 'this user is deactivated');
    await this.users.touch(String(row.id));
    const role = row.role as Role;
    return {
      userId: String(row.id),
      email: String(row.email),
      displayName: String(row.display_name),
      role,
      scope: effectiveScope(role, parseScopes(row.scopes)),
      via,
      actor: String(row.email),
    };
  }

  /** A Grafana user: their record if there is one, else the configured default (created as a record when enabled). */
  private async grafanaCaller(g: GrafanaIdentity): Promise<Caller> {
    let row = await this.users.rowForGrafana(g.login, g.email);
    if (!row) {
      const role = (g.orgRole === 'Admin' ? this.cfg.grafanaAdminRole : this.cfg.grafanaDefaultRole) as Role | 'none';
      if (role === 'none')
        throw new AccessError(403, `Grafana user ${g.login ?? g.email} has no access to Fleetlens; ask an admin`);
      const scopes =
        role === 'admin' || this.cfg.grafanaDefaultScope === 'all'
          ? { clusters: null, namespaces: null, nodes: null }
          : { ...access.NO_SCOPES };
      const email = g.email ?? (g.login && isEmail(g.login) ? g.login.toLowerCase() : null);
      if (!this.cfg.grafanaAutoProvision || !email) {
        return {
          userId: null,
          email,
          displayName: g.name ?? g.login,
          role,
          scope: effectiveScope(role, scopes),
          via: 'grafana',
          actor: `grafana:${g.login ?? email}`,
        };
      }
      const input = access.UserCreate.safeParse({
        email,
        displayName: g.name ?? g.login ?? email,
        role,
        login: g.login && g.login.toLowerCase() !== email ? g.login : null,
        scopes,
      });
      if (input.success) {
        try {
          await this.users.create(
            { actor: `grafana:${g.login ?? email}`, actorId: null },
            input.data,
            'user.provision'
          );
        } catch (err) {
          // Two first requests at once: the other one created the record.
          if (!(err instanceof AccessError && err.status === 409)) throw err;
        }
        row = await this.users.rowForGrafana(g.login, email);
      }
      if (!row)
        return {
          userId: null,
          email,
          displayName: g.name ?? g.login,
          role,
          scope: effectiveScope(role, scopes),
          via: 'grafana',
          actor: `grafana:${g.login ?? email}`,
        };
    }
    return this.userCaller(row, 'grafana');
  }

  /** Checks e-mail and password (argon2id) and opens a session; failures are rate-limited per e-mail and address. */
  async login(email: string, password: string, ip: string | null): Promise<access.LoginReply> {
    const wait = await this.throttle.retryAfter(email, ip);
    if (wait !== null) throw new AccessError(429, `too many failed logins; retry in ${wait} s`, wait);
    const row = await this.users.rowByEmail(email);
    const ok = await verifyPassword(row?.password_hash ?? null, password);
    if (!row || !ok || !row.active) {
      await this.throttle.fail(email, ip);
      throw new AccessError(401, 'invalid e-mail or password');
    }
    await this.throttle.clear(email);
    const { token, expiresAt } = await this.sessions.create(String(row.id));
    const caller = await this.userCaller(row, 'token');
    return { token, tokenType: 'Bearer', expiresAt, user: me(caller) };
  }

  logout(token: string) {
    return this.sessions.revoke(token);
  }
}

/** GET /me: the caller as the API shows it. */
export function me(c: Caller): access.MeReply {
  return { userId: c.userId, email: c.email, displayName: c.displayName, role: c.role, scopes: c.scope, via: c.via };
}

export { toUser };

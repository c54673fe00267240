import { access } from '@fleetlens/protocol';
import { z } from 'zod';
import type { AccessConfig } from '../../config';
import { sameSecret } from '../agent-auth';
import { FULL_SCOPE, intersectScopes } from '../scope';
import type { LoginThrottle, ApiKeyService, SessionService } from './credentials';
import { AccessError, effectiveScope, lowerRole, type Caller, type Role } from './errors';
import type { GrafanaIdVerifier } from './grafana-id';
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
  /** X-Grafana-Id: Grafana's signed ID token (ID forwarding). */
  grafanaId?: string | null;
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
    private readonly throttle: LoginThrottle,
    /** Null when GRAFANA_URL is not configured: X-Grafana-Id is then ignored. */
    private readonly grafanaIds: GrafanaIdVerifier | null = null
  ) {}

  /**
   * The caller behind a request's credentials (docs/access.md, "Callers"):
   * - the service key naming a Grafana user (`X-Grafana-Context`, which Grafana's app proxy always
   *   sets; `X-Grafana-User` with send_user_header): that user's record or the default for unknown
   *   users; a present `X-Grafana-Id` is verified and must name the same user;
   * - the service key alone: SERVICE_KEY_ANONYMOUS_ROLE (`none` by default: 401);
   * - a login token (`Authorization: Bearer`);
   * - an API key (`X-Api-Key`, how datasources authenticate): its owner's role and scopes, narrowed
   *   to a Grafana user's by a verified `X-Grafana-Id`.
   * Only a request with the service key may name a user by `X-Grafana-Context`; a browser can send
   * that header through a datasource (Grafana's datasource proxy passes it on), so with any other
   * credential it is 401.
   */
  async resolve(p: Presented): Promise<Caller> {
    const idToken = p.grafanaId?.trim() || null;
    if (p.serviceKey !== null) {
      if (!this.serviceKey || !sameSecret(p.serviceKey, this.serviceKey))
        throw new AccessError(401, 'invalid service key (X-Fleetlens-Key)');
      if (p.grafanaUser || p.grafanaContext) {
        const g = parseGrafanaIdentity(p.grafanaUser, p.grafanaContext);
        if (!g) throw new AccessError(401, 'X-Grafana-User / X-Grafana-Context name no user');
        const grafanaId = await this.checkSameUser(idToken, g);
        return { ...(await this.grafanaCaller(g)), grafanaId };
      }
      if (idToken && this.grafanaIds) {
        const t = await this.grafanaIds.verify(idToken);
        if (t.type === 'user' && (t.login || t.email))
          return {
            ...(await this.grafanaCaller({ login: t.login, email: t.email, name: t.name, orgRole: null })),
            grafanaId: verified(t.subject, 'the Grafana user in X-Grafana-Id'),
          };
      }
      const role = this.cfg.serviceKeyAnonymousRole;
      if (role === 'none')
        throw new AccessError(
          401,
          'the service key alone is not accepted (SERVICE_KEY_ANONYMOUS_ROLE=none): name the Grafana user ' +
            "(X-Grafana-Context, as Grafana's app proxy sends it), or authenticate with an API key (X-Api-Key) " +
            'or a login token (Authorization: Bearer)'
        );
      return {
        userId: null,
        email: null,
        displayName: null,
        role,
        scope: FULL_SCOPE,
        via: 'service-key',
        actor: 'service-key',
        grafanaId: this.notApplied(idToken),
      };
    }
    if (p.grafanaContext)
      throw new AccessError(
        401,
        "X-Grafana-Context is accepted only with the service key (Grafana's app proxy sets it); " +
          'a datasource request cannot name a user this way'
      );
    const bearer = (p.authorization ?? '').match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (bearer) {
      if (p.grafanaUser)
        throw new AccessError(401, 'only requests carrying the service key may name a Grafana user (X-Grafana-User)');
      const row = await this.sessions.verify(bearer);
      if (!row) throw new AccessError(401, 'invalid or expired token; log in again');
      return { ...(await this.userCaller(row, 'token')), grafanaId: this.notApplied(idToken) };
    }
    if (p.apiKey) {
      // X-Grafana-User is ignored here: Grafana's datasource proxy sends it with send_user_header,
      // but it is not signed, so it cannot identify anyone; X-Grafana-Id can.
      const row = await this.apiKeys.verify(p.apiKey);
      if (!row) throw new AccessError(401, 'invalid or revoked API key (X-Api-Key)');
      return this.apiKeyCaller(row, idToken);
    }
    if (p.grafanaUser)
      throw new AccessError(401, 'only requests carrying the service key may name a Grafana user (X-Grafana-User)');
    throw new AccessError(
      401,
      'authentication required: an API key (X-Api-Key), a login token (Authorization: Bearer), ' +
        'or the service key with the Grafana user (X-Fleetlens-Key + X-Grafana-Context)'
    );
  }

  /** An API key: its owner, or, with a verified X-Grafana-Id naming a user, that user narrowed by the owner. */
  private async apiKeyCaller(row: Row, idToken: string | null): Promise<Caller> {
    const owner = await this.userCaller(row, 'api-key');
    const apiKey: access.MeApiKey = {
      id: String(row.key_id),
      name: String(row.key_name),
      ownerId: String(row.id),
      ownerEmail: String(row.email),
      ownerRole: owner.role,
      ownerScopes: owner.scope,
    };
    if (!idToken) return { ...owner, apiKey, grafanaId: this.notApplied(null) };
    if (!this.grafanaIds) return { ...owner, apiKey, grafanaId: this.notApplied(idToken) };
    const t = await this.grafanaIds.verify(idToken);
    if (t.type !== 'user' || !(t.login || t.email))
      return {
        ...owner,
        apiKey,
        grafanaId: verified(t.subject, `a ${t.type} identity, not a user: the API key alone decides`),
      };
    const user = await this.grafanaCaller({ login: t.login, email: t.email, name: t.name, orgRole: null });
    const role = lowerRole(owner.role, user.role);
    return {
      userId: user.userId,
      email: user.email,
      displayName: user.displayName,
      role,
      scope: role === 'admin' ? FULL_SCOPE : intersectScopes(owner.scope, user.scope),
      via: 'grafana-id',
      actor: user.actor,
      apiKey,
      grafanaId: verified(
        t.subject,
        'the Grafana user in X-Grafana-Id, narrowed by the API key (lower role, common scopes)'
      ),
    };
  }

  /** With the service key and a named user, a present X-Grafana-Id must verify and name that user. */
  private async checkSameUser(idToken: string | null, g: GrafanaIdentity): Promise<access.MeGrafanaId> {
    if (!idToken || !this.grafanaIds) return this.notApplied(idToken);
    const t = await this.grafanaIds.verify(idToken);
    const same = (a: string | null, b: string | null) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
    if (!(same(t.login, g.login) || same(t.email, g.email) || same(t.email, g.login) || same(t.login, g.email)))
      throw new AccessError(401, `X-Grafana-Id (${t.subject}) and X-Grafana-Context name different users`);
    return verified(t.subject, 'matches the Grafana user in X-Grafana-Context');
  }

  private notApplied(idToken: string | null): access.MeGrafanaId {
    if (!idToken)
      return { status: 'not-sent', subject: null, message: "no X-Grafana-Id (Grafana's ID forwarding is off)" };
    if (!this.grafanaIds)
      return {
        status: 'ignored',
        subject: null,
        message:
          'X-Grafana-Id ignored: GRAFANA_URL is not configured, so it cannot be verified; the credential alone decides',
      };
    return { status: 'ignored', subject: null, message: 'X-Grafana-Id is not used with this credential' };
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

const verified = (subject: string, what: string): access.MeGrafanaId => ({
  status: 'verified',
  subject,
  message: `X-Grafana-Id verified against Grafana's signing keys: ${what}`,
});

/** GET /me: the caller as the API shows it. */
export function me(c: Caller): access.MeReply {
  return {
    userId: c.userId,
    email: c.email,
    displayName: c.displayName,
    role: c.role,
    scopes: c.scope,
    via: c.via,
    apiKey: c.apiKey ?? null,
    ...(c.grafanaId ? { grafanaId: c.grafanaId } : {}),
  };
}

export { toUser };

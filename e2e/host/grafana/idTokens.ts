import crypto from 'node:crypto';
import { isValidRole } from './access';
import { goJson } from './apiErrors';
import type { GrafanaUser } from './types';

/**
 * The signed-in user as the proxies pass it on: `X-Grafana-Context` (`json.Marshal` of
 * pkg/services/user/identity.go `SignedInUser`), Grafana's ID tokens (`X-Grafana-Id`,
 * pkg/services/auth/idimpl/, grafana/authlib authn/verifier_id_token.go) and the keys that verify
 * them at `/api/signing-keys/keys` (pkg/services/signingkeys/signingkeysimpl/); the org's
 * namespace (pkg/services/apiserver/endpoints/request).
 */

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

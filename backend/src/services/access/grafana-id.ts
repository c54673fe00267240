import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { GrafanaIdConfig } from '../../config';
import { AccessError } from './errors';

/**
 * The identity in a verified `X-Grafana-Id` token. Grafana's ID token service
 * (`pkg/services/auth/idimpl/service.go`, claims type `IDTokenClaims` in grafana/authlib
 * `authn/verifier_id_token.go`) signs: `iss` = Grafana's root_url, `aud` = [`org:<orgId>`],
 * `sub` = `<type>:<id>`, `exp` = 10 minutes after `iat`, and the claims `type`, `identifier`,
 * `namespace`, and for users `email`, `email_verified`, `username` (the login), `name`.
 */
export interface GrafanaIdToken {
  subject: string;
  /** `user`, `service-account`, `anonymous`, … (Grafana's identity types). */
  type: string;
  login: string | null;
  email: string | null;
  name: string | null;
  namespace: string | null;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
const noSlash = (s: string) => s.replace(/\/+$/, '');

type Jose = typeof import('jose');

/**
 * jose, loaded when a verifier is made (GRAFANA_URL set), not when the backend module is: code
 * that imports the backend under a browser-like resolver (the plugin's Jest tests in jsdom) would
 * otherwise get jose's browser ES module.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadJose = (): Jose => require('jose') as Jose;

/** Why a token was refused, in words that name the header and never repeat the token. */
function refusal({ errors }: Jose, err: unknown, cfg: GrafanaIdConfig): string {
  if (err instanceof errors.JWTExpired) return 'X-Grafana-Id has expired; Grafana signs a new one with each request';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud')
      return `X-Grafana-Id is not for this backend (aud must be one of ${cfg.audiences.join(', ')})`;
    return `X-Grafana-Id has an invalid "${err.claim}" claim (${err.reason})`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return `X-Grafana-Id is not signed by a key Grafana publishes at ${cfg.jwksUrl}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'X-Grafana-Id must be signed with ES256, as Grafana signs it';
  if (err instanceof errors.JOSENotSupported) return 'X-Grafana-Id uses an unsupported algorithm; Grafana signs ES256';
  return 'X-Grafana-Id is not a well-formed Grafana ID token (a signed JWT)';
}

/**
 * Verifies Grafana's signed ID tokens against the keys Grafana publishes (GET
 * `/api/signing-keys/keys`, `pkg/services/signingkeys/signingkeysimpl/service.go`: a JWKS of
 * EC P-256 keys, `alg` ES256, `use` sig). Keys are fetched on first use and again when a token
 * names an unknown `kid` (key rotation), at most every 30 s.
 */
export class GrafanaIdVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly jose: Jose = loadJose();

  constructor(
    private readonly cfg: GrafanaIdConfig,
    private readonly now: () => number
  ) {
    this.keys = this.jose.createRemoteJWKSet(new URL(cfg.jwksUrl), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  /** The identity in a valid token; 401 naming X-Grafana-Id otherwise, 503 when the keys cannot be fetched. */
  async verify(token: string): Promise<GrafanaIdToken> {
    const { errors, jwtVerify } = this.jose;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: ['ES256'],
        // Grafana sets the header typ "jwt" since 11.1 (grafana/grafana#87430); authlib checks it too.
        typ: 'jwt',
        audience: this.cfg.audiences,
        requiredClaims: ['exp', 'iat', 'sub', 'iss'],
        currentDate: new Date(this.now() * 1000),
        clockTolerance: 30,
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError))
        throw new AccessError(
          503,
          `cannot read Grafana's signing keys at ${this.cfg.jwksUrl} to verify X-Grafana-Id; retry later`
        );
      throw new AccessError(401, refusal(this.jose, err, this.cfg));
    }
    if (noSlash(String(payload.iss)) !== this.cfg.issuer)
      throw new AccessError(
        401,
        `X-Grafana-Id was issued by ${String(payload.iss)}, not by ${this.cfg.issuer} (GRAFANA_ID_ISSUER: Grafana's root_url)`
      );
    const sub = String(payload.sub);
    const type = str(payload.type) ?? sub.split(':')[0];
    const email = str(payload.email);
    return {
      subject: sub,
      type,
      login: str(payload.username),
      email: email ? email.toLowerCase() : null,
      name: str(payload.name),
      namespace: str(payload.namespace),
    };
  }
}

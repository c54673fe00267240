import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import type { GrafanaIdConfig } from '../../src/config';

/**
 * A stand-in for the part of Grafana that issues ID tokens (no Grafana server can run here):
 * - the public JWKS at `/api/signing-keys/keys`, shaped as Grafana's signing-keys service serves
 *   it (`pkg/services/signingkeys/signingkeysimpl/service.go`: EC P-256 keys with `kid`,
 *   `alg` ES256, `use` sig, under `keys`);
 * - tokens minted with the claims Grafana's ID token service sets (`pkg/services/auth/idimpl/service.go`,
 *   claim names from grafana/authlib `authn/verifier_id_token.go`): header `alg` ES256, `kid`, `typ` jwt;
 *   `iss` = root_url, `aud` = [`org:<orgId>`], `sub` = `user:<uid>`, `iat`, `exp` = iat + 10 min,
 *   `identifier`, `type`, `namespace`, `email`, `email_verified`, `username` (login), `name`,
 *   `authenticatedBy`.
 */
export interface GrafanaStandIn {
  url: string;
  /** Backend settings that trust this stand-in (what GRAFANA_URL etc. resolve to). */
  config: GrafanaIdConfig;
  /** Requests the JWKS endpoint has answered. */
  jwksFetches: number;
  mint(user: MintUser, opts?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export interface MintUser {
  login: string;
  email: string | null;
  name?: string;
  uid?: string;
  type?: string;
}

export interface MintOptions {
  /** Seconds since the epoch the token says it was issued (default: now). */
  iat?: number;
  /** Lifetime in seconds (Grafana: 600). */
  ttl?: number;
  audience?: string;
  issuer?: string;
  /** Sign with a key the JWKS does not publish (same kid), as a forger would. */
  foreignKey?: boolean;
  kid?: string;
  typ?: string | null;
}

const ROOT_URL = 'http://grafana.example.test:3000/';

export async function startGrafanaStandIn(): Promise<GrafanaStandIn> {
  const kid = 'id-es256-stand-in';
  const real = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(real.publicKey)), kid, alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/signing-keys/keys') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not found"}');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const standIn: GrafanaStandIn = {
    url,
    config: { jwksUrl: `${url}/api/signing-keys/keys`, issuer: ROOT_URL.replace(/\/+$/, ''), audiences: ['org:1'] },
    get jwksFetches() {
      return fetches;
    },
    async mint(user, opts = {}) {
      const iat = opts.iat ?? Math.floor(Date.now() / 1000);
      const uid = user.uid ?? `u${user.login.replace(/[^a-z0-9]/gi, '').slice(0, 12)}`;
      const type = user.type ?? 'user';
      const key: KeyLike = opts.foreignKey ? foreign.privateKey : real.privateKey;
      const header: { alg: string; kid: string; typ?: string } = { alg: 'ES256', kid: opts.kid ?? kid };
      if (opts.typ !== null) header.typ = opts.typ ?? 'jwt';
      return new SignJWT({
        identifier: uid,
        type,
        namespace: 'default',
        ...(type === 'user'
          ? {
              email: user.email ?? undefined,
              email_verified: false,
              username: user.login,
              name: user.name ?? user.login,
              authenticatedBy: 'password',
            }
          : {}),
      })
        .setProtectedHeader(header)
        .setIssuer(opts.issuer ?? ROOT_URL)
        .setAudience([opts.audience ?? 'org:1'])
        .setSubject(`${type}:${uid}`)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (opts.ttl ?? 600))
        .sign(key);
    },
    async close() {
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
    },
  };
  return standIn;
}

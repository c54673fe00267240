/**
 * Identity: the Grafana proxy headers (field-name variants, who may assert a user, defaults for
 * unknown users), direct login with argon2id, token expiry on an injected clock, failed-login
 * rate limiting, API keys and their revocation, and agent tokens kept off the query API.
 */
import { loadConfig } from '../src/config';
import { parseGrafanaIdentity } from '../src/services/access';
import { DIALECTS } from './helpers/databases';
import { warnAboutAccess } from '../src/server';
import { startGrafanaStandIn, type GrafanaStandIn } from './helpers/grafana-id';
import {
  ADMIN_KEY,
  AGENT_TOKEN,
  SEED_AS_SERVICE_KEY,
  SERVICE_KEY,
  clockedBackend,
  seedBatches,
  type Clocked,
} from './access-fixtures';

describe('X-Grafana-Context / X-Grafana-User parsing', () => {
  it.each([
    [
      'Go field names (Grafana 10+)',
      { UserID: 7, Login: 'ana', Email: 'Ana@Example.com', OrgRole: 'Admin', Name: 'Ana' },
      { login: 'ana', email: 'ana@example.com', orgRole: 'Admin', name: 'Ana' },
    ],
    [
      'older Go names',
      { UserId: 7, OrgId: 1, Login: 'ana', Email: 'ana@example.com', OrgRole: 'Viewer' },
      { login: 'ana', email: 'ana@example.com', orgRole: 'Viewer' },
    ],
    [
      'camelCase',
      { userId: 7, login: 'bo', email: 'bo@example.com', orgRole: 'editor' },
      { login: 'bo', email: 'bo@example.com', orgRole: 'Editor' },
    ],
    [
      '"Role" instead of "OrgRole"',
      { login: 'cy', email: 'cy@example.com', Role: 'VIEWER' },
      { login: 'cy', email: 'cy@example.com', orgRole: 'Viewer' },
    ],
    [
      'nested under SignedInUser',
      { SignedInUser: { Login: 'di', Email: 'di@example.com', OrgRole: 'Admin' } },
      { login: 'di', email: 'di@example.com', orgRole: 'Admin' },
    ],
    ['e-mail that is not one', { Login: 'ed', Email: 'not-an-email' }, { login: 'ed', email: null, orgRole: null }],
  ])('%s', (_name, ctx, want) => {
    expect(parseGrafanaIdentity(null, JSON.stringify(ctx))).toMatchObject(want);
  });

  it('reads URI- and base64-encoded contexts, and the user header alone', () => {
    const json = JSON.stringify({ Login: 'fa', Email: 'fa@example.com', OrgRole: 'Editor' });
    expect(parseGrafanaIdentity(null, encodeURIComponent(json))).toMatchObject({ login: 'fa', orgRole: 'Editor' });
    expect(parseGrafanaIdentity(null, Buffer.from(json).toString('base64'))).toMatchObject({
      login: 'fa',
      email: 'fa@example.com',
    });
    expect(parseGrafanaIdentity('gus', null)).toEqual({ login: 'gus', email: null, name: null, orgRole: null });
    // The context wins over the header when both name a login.
    expect(parseGrafanaIdentity('someone-else', json)).toMatchObject({ login: 'fa' });
  });

  it('names nobody when the headers carry no login or e-mail', () => {
    expect(parseGrafanaIdentity(null, 'not json')).toBeNull();
    expect(parseGrafanaIdentity(null, JSON.stringify({ OrgRole: 'Admin' }))).toBeNull();
    expect(parseGrafanaIdentity('   ', null)).toBeNull();
  });
});

describe('access configuration', () => {
  it('defaults: the bare service key is no one, unknown Grafana admins are admins, others viewers with no scopes', () => {
    expect(loadConfig({}).access).toEqual({
      serviceKeyAnonymousRole: 'none',
      grafanaAdminRole: 'admin',
      grafanaDefaultRole: 'viewer',
      grafanaDefaultScope: 'none',
      grafanaAutoProvision: true,
      tokenTtlSeconds: 3600,
      loginMaxFailures: 5,
      loginWindowSeconds: 60,
      trustProxy: false,
      grafanaId: null,
    });
  });

  it('GRAFANA_URL: the JWKS at <url>/api/signing-keys/keys, issuer and audiences as Grafana sets them', () => {
    expect(loadConfig({ GRAFANA_URL: 'http://grafana:3000/' }).access.grafanaId).toEqual({
      jwksUrl: 'http://grafana:3000/api/signing-keys/keys',
      issuer: 'http://grafana:3000',
      audiences: ['org:1'],
    });
    expect(
      loadConfig({
        GRAFANA_URL: 'http://grafana:3000',
        GRAFANA_ID_ISSUER: 'https://grafana.example.com/',
        GRAFANA_ID_AUDIENCE: 'org:1, org:2',
      }).access.grafanaId
    ).toEqual({
      jwksUrl: 'http://grafana:3000/api/signing-keys/keys',
      issuer: 'https://grafana.example.com',
      audiences: ['org:1', 'org:2'],
    });
    expect(() => loadConfig({ GRAFANA_URL: 'grafana:3000' })).toThrow(/GRAFANA_URL/);
  });

  it('warns at start-up when the bare service key gets a role, without logging any secret', () => {
    const lines: string[] = [];
    const log = {
      debug: () => {},
      info: (m: string, f?: object) => lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
      warn: (m: string, f?: object) => lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
      error: () => {},
    };
    const base = { ...loadConfig({}), serviceKey: SERVICE_KEY };
    warnAboutAccess(base, log);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(lines.join('\n')).toContain('X-Grafana-Id is ignored');
    for (const role of ['admin', 'viewer'] as const) {
      lines.length = 0;
      warnAboutAccess({ ...base, access: { ...base.access, serviceKeyAnonymousRole: role } }, log);
      expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
      expect(lines[0]).toContain(`SERVICE_KEY_ANONYMOUS_ROLE=${role}`);
      expect(lines.join('\n')).not.toContain(SERVICE_KEY);
    }
  });

  it('reads the environment and names bad values', () => {
    const c = loadConfig({
      SERVICE_KEY_ANONYMOUS_ROLE: 'none',
      GRAFANA_DEFAULT_ROLE: 'editor',
      TOKEN_TTL_SECONDS: '900',
      GRAFANA_AUTO_PROVISION: 'false',
    });
    expect(c.access).toMatchObject({
      serviceKeyAnonymousRole: 'none',
      grafanaDefaultRole: 'editor',
      tokenTtlSeconds: 900,
      grafanaAutoProvision: false,
    });
    expect(() => loadConfig({ SERVICE_KEY_ANONYMOUS_ROLE: 'root', LOGIN_MAX_FAILURES: '0' })).toThrow(
      /SERVICE_KEY_ANONYMOUS_ROLE[\s\S]*LOGIN_MAX_FAILURES|LOGIN_MAX_FAILURES[\s\S]*SERVICE_KEY_ANONYMOUS_ROLE/
    );
  });
});

describe.each(DIALECTS)('identity on %s', (dialect) => {
  let be: Clocked;
  const grafana = (ctx: Record<string, unknown>, extra: Record<string, string> = {}) => ({
    'x-fleetlens-key': SERVICE_KEY,
    'x-grafana-context': JSON.stringify(ctx),
    ...extra,
  });

  beforeAll(async () => {
    // Clients come through a proxy that sets X-Forwarded-For (how the tests give each a different address).
    // Seeded by the operator with the bare service key, opted into explicitly.
    be = await clockedBackend(dialect, { trustProxy: true, ...SEED_AS_SERVICE_KEY });
    for (const b of seedBatches())
      expect((await be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${AGENT_TOKEN}` }, b)).status).toBe(202);
  });
  afterAll(async () => {
    await be?.close();
  });

  describe('Grafana proxy identity', () => {
    beforeAll(async () => {
      const r = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email: 'eve@example.com',
        login: 'eve',
        displayName: 'Eve',
        role: 'editor',
        scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
      });
      expect(r.status).toBe(201);
    });

    it('maps a known user by e-mail, whatever the field names, to its role and scopes', async () => {
      for (const ctx of [
        { Login: 'x', Email: 'EVE@example.com', OrgRole: 'Admin' },
        { login: 'x', email: 'eve@example.com', orgRole: 'Admin' },
      ]) {
        const me = await be.call('GET', '/api/v1/me', grafana(ctx));
        // The record decides the role, not the Grafana org role.
        expect(me.body).toMatchObject({
          email: 'eve@example.com',
          role: 'editor',
          via: 'grafana',
          scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
        });
        const clusters = await be.call('GET', '/api/v1/clusters', grafana(ctx));
        expect(clusters.body.items.map((c: { name: string }) => c.name)).toEqual(['cl-east']);
      }
    });

    it('maps X-Grafana-User alone by login', async () => {
      const me = await be.call('GET', '/api/v1/me', { 'x-fleetlens-key': SERVICE_KEY, 'x-grafana-user': 'eve' });
      expect(me.body).toMatchObject({ email: 'eve@example.com', role: 'editor' });
    });

    it('refuses a user asserted without the service key (401), even next to other credentials', async () => {
      expect((await be.call('GET', '/api/v1/clusters', { 'x-grafana-user': 'eve' })).status).toBe(401);
      expect(
        (
          await be.call('GET', '/api/v1/me', {
            'x-grafana-context': JSON.stringify({ Login: 'admin', OrgRole: 'Admin' }),
          })
        ).status
      ).toBe(401);
      const key = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, {
        name: 'k',
        userId: (await be.call('GET', '/api/v1/users?q=eve', ADMIN_KEY)).body.items[0].id,
      });
      expect((await be.call('GET', '/api/v1/me', { 'x-api-key': key.body.key })).status).toBe(200);
      // With an API key, X-Grafana-Context is 401 and X-Grafana-User is ignored (Grafana's datasource
      // proxy sends it with send_user_header; unsigned, it identifies no one): the key's owner.
      expect(
        (
          await be.call('GET', '/api/v1/me', {
            'x-api-key': key.body.key,
            'x-grafana-context': JSON.stringify({ Login: 'admin', OrgRole: 'Admin' }),
          })
        ).status
      ).toBe(401);
      expect(
        (await be.call('GET', '/api/v1/me', { 'x-api-key': key.body.key, 'x-grafana-user': 'admin' })).body
      ).toMatchObject({ email: 'eve@example.com', via: 'api-key' });
      expect(
        (await be.call('GET', '/api/v1/me', { 'x-fleetlens-key': 'wrong-key-0123456789', 'x-grafana-user': 'eve' }))
          .status
      ).toBe(401);
    });

    it('gives an unknown viewer the default: viewer, no scopes (sees nothing), recorded for admins to grant', async () => {
      const h = grafana({ Login: 'newbie', Email: 'newbie@example.com', OrgRole: 'Viewer' });
      const me = await be.call('GET', '/api/v1/me', h);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        role: 'viewer',
        scopes: { clusters: [], namespaces: null, nodes: null },
        via: 'grafana',
      });
      expect((await be.call('GET', '/api/v1/clusters', h)).body.items).toEqual([]);
      expect((await be.call('GET', '/api/v1/containers', h)).body.total).toBe(0);
      expect((await be.call('GET', '/api/v1/users', h)).status).toBe(403);
      const users = (await be.call('GET', '/api/v1/users?q=newbie', ADMIN_KEY)).body.items;
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({
        email: 'newbie@example.com',
        login: 'newbie',
        role: 'viewer',
        hasPassword: false,
      });
      expect(users[0].lastSeenAt).toBe(be.clock.now);
      const audit = (await be.call('GET', `/api/v1/audit?action=user.provision`, ADMIN_KEY)).body.items;
      expect(audit.find((a: { targetId: string }) => a.targetId === users[0].id)).toMatchObject({
        actor: 'grafana:newbie',
        before: null,
      });
      // Once an admin grants a scope, the same Grafana user sees it.
      expect(
        (
          await be.call('PATCH', `/api/v1/users/${users[0].id}`, ADMIN_KEY, {
            scopes: { clusters: ['cl-dock'], namespaces: null, nodes: null },
          })
        ).status
      ).toBe(200);
      expect((await be.call('GET', '/api/v1/clusters', h)).body.items.map((c: { name: string }) => c.name)).toEqual([
        'cl-dock',
      ]);
    });

    it('gives an unknown Grafana org Admin the admin role', async () => {
      const h = grafana({ Login: 'boss', Email: 'boss@example.com', OrgRole: 'Admin' });
      expect((await be.call('GET', '/api/v1/me', h)).body).toMatchObject({
        role: 'admin',
        scopes: { clusters: null, namespaces: null, nodes: null },
      });
      expect((await be.call('GET', '/api/v1/clusters', h)).body.items).toHaveLength(3);
      expect((await be.call('GET', '/api/v1/users', h)).status).toBe(200);
    });

    it('refuses a deactivated user (403)', async () => {
      const id = (await be.call('GET', '/api/v1/users?q=eve', ADMIN_KEY)).body.items[0].id;
      expect((await be.call('PATCH', `/api/v1/users/${id}`, ADMIN_KEY, { active: false })).status).toBe(200);
      expect(
        (await be.call('GET', '/api/v1/me', { 'x-fleetlens-key': SERVICE_KEY, 'x-grafana-user': 'eve' })).status
      ).toBe(403);
      expect((await be.call('PATCH', `/api/v1/users/${id}`, ADMIN_KEY, { active: true })).status).toBe(200);
      expect(
        (await be.call('GET', '/api/v1/me', { 'x-fleetlens-key': SERVICE_KEY, 'x-grafana-user': 'eve' })).status
      ).toBe(200);
    });

    it('keeps the bare service key working as admin (default), and nothing works without credentials', async () => {
      expect((await be.call('GET', '/api/v1/me', ADMIN_KEY)).body).toMatchObject({
        role: 'admin',
        via: 'service-key',
        userId: null,
      });
      expect((await be.call('GET', '/api/v1/clusters')).status).toBe(401);
      expect((await be.call('GET', '/api/v1/clusters', { 'x-fleetlens-key': 'wrong-key-0123456789' })).status).toBe(
        401
      );
    });
  });

  describe('login, tokens, rate limiting, API keys', () => {
    const PASSWORD = 'correct horse battery staple';
    let userId: string;

    beforeAll(async () => {
      const r = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email: 'lou@example.com',
        displayName: 'Lou',
        role: 'viewer',
        password: PASSWORD,
        scopes: { clusters: null, namespaces: ['data'], nodes: null },
      });
      expect(r.status).toBe(201);
      userId = r.body.id;
      expect(JSON.stringify(r.body)).not.toContain(PASSWORD);
      expect(r.body).not.toHaveProperty('password');
      expect(r.body).not.toHaveProperty('passwordHash');
      expect(r.body.hasPassword).toBe(true);
    });

    const login = (email: string, password: string, ip = '10.0.0.1') =>
      be.call('POST', '/api/v1/auth/login', { 'x-forwarded-for': ip }, { email, password });

    it('stores an argon2id hash, never the password', async () => {
      const row = await be.db('users').where('id', userId).first();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
      const listed = await be.call('GET', `/api/v1/users/${userId}`, ADMIN_KEY);
      expect(JSON.stringify(listed.body)).not.toContain('argon2');
    });

    it('logs in with the right password (token works with its scopes) and refuses a wrong one (401)', async () => {
      const ok = await login('LOU@example.com', PASSWORD, '10.0.0.2');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ tokenType: 'Bearer', user: { userId, role: 'viewer', via: 'token' } });
      expect(ok.body.expiresAt).toBe(be.clock.now + 3600);
      const h = { authorization: `Bearer ${ok.body.token}` };
      expect((await be.call('GET', '/api/v1/me', h)).body).toMatchObject({
        email: 'lou@example.com',
        scopes: { namespaces: ['data'] },
      });
      const containers = (await be.call('GET', '/api/v1/containers', h)).body.items
        .map((c: { name: string }) => c.name)
        .sort();
      expect(containers).toEqual(['ctr-wb', 'ctr-wc']);
      expect((await be.call('GET', '/api/v1/users', h)).status).toBe(403);
      expect((await login('lou@example.com', 'wrong password', '10.0.0.2')).status).toBe(401);
      expect((await login('nobody@example.com', PASSWORD, '10.0.0.2')).status).toBe(401);
      expect((await be.call('GET', '/api/v1/me', { authorization: 'Bearer fls_made-up-token' })).status).toBe(401);
    });

    it('validates the login body (400 naming the field)', async () => {
      const r = await be.call('POST', '/api/v1/auth/login', {}, { email: 'not-an-email', password: '' });
      expect(r.status).toBe(400);
      expect(r.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'password']);
    });

    it('expires tokens after the configured lifetime (injected clock)', async () => {
      const ok = await login('lou@example.com', PASSWORD, '10.0.0.3');
      const h = { authorization: `Bearer ${ok.body.token}` };
      const start = be.clock.now;
      try {
        be.clock.now = start + 3599;
        expect((await be.call('GET', '/api/v1/me', h)).status).toBe(200);
        be.clock.now = start + 3600;
        expect((await be.call('GET', '/api/v1/me', h)).status).toBe(401);
      } finally {
        be.clock.now = start;
      }
    });

    it('ends a session on logout', async () => {
      const ok = await login('lou@example.com', PASSWORD, '10.0.0.4');
      const h = { authorization: `Bearer ${ok.body.token}` };
      expect((await be.call('POST', '/api/v1/auth/logout', h)).status).toBe(204);
      expect((await be.call('GET', '/api/v1/me', h)).status).toBe(401);
    });

    it('rate-limits failed logins per e-mail: 429 with Retry-After, even for the right password, until the window passes', async () => {
      const start = be.clock.now;
      try {
        for (let i = 0; i < 5; i++)
          expect((await login('lou@example.com', `wrong ${i}`, `10.1.0.${i}`)).status).toBe(401);
        const limited = await login('lou@example.com', PASSWORD, '10.1.0.99');
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBe(60);
        be.clock.now = start + 30;
        const later = await login('lou@example.com', PASSWORD, '10.1.0.98');
        expect(later.status).toBe(429);
        expect(Number(later.headers.get('retry-after'))).toBe(30);
        be.clock.now = start + 61;
        expect((await login('lou@example.com', PASSWORD, '10.1.0.97')).status).toBe(200);
      } finally {
        be.clock.now = start;
      }
    });

    it('rate-limits failed logins per client address across e-mails', async () => {
      for (let i = 0; i < 5; i++) expect((await login(`ghost${i}@example.com`, 'x', '10.2.0.1')).status).toBe(401);
      expect((await login('lou@example.com', PASSWORD, '10.2.0.1')).status).toBe(429);
      expect((await login('lou@example.com', PASSWORD, '10.2.0.2')).status).toBe(200);
    });

    it('logs out every session of a user whose password changes or who is deactivated', async () => {
      const a = await login('lou@example.com', PASSWORD, '10.3.0.1');
      const h = { authorization: `Bearer ${a.body.token}` };
      expect(
        (await be.call('PATCH', `/api/v1/users/${userId}`, ADMIN_KEY, { password: 'another password 123' })).status
      ).toBe(200);
      expect((await be.call('GET', '/api/v1/me', h)).status).toBe(401);
      const b = await login('lou@example.com', 'another password 123', '10.3.0.1');
      expect(b.status).toBe(200);
      expect((await be.call('PATCH', `/api/v1/users/${userId}`, ADMIN_KEY, { active: false })).status).toBe(200);
      expect((await be.call('GET', '/api/v1/me', { authorization: `Bearer ${b.body.token}` })).status).toBe(401);
      expect((await login('lou@example.com', 'another password 123', '10.3.0.1')).status).toBe(401);
      expect(
        (await be.call('PATCH', `/api/v1/users/${userId}`, ADMIN_KEY, { active: true, password: PASSWORD })).status
      ).toBe(200);
    });

    it('API keys act as their owner, are shown once, and stop working at once when revoked', async () => {
      const created = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'ci script', userId });
      expect(created.status).toBe(201);
      const key: string = created.body.key;
      expect(key).toMatch(/^flk_/);
      const h = { 'x-api-key': key };
      expect((await be.call('GET', '/api/v1/me', h)).body).toMatchObject({ userId, role: 'viewer', via: 'api-key' });
      expect((await be.call('GET', '/api/v1/containers', h)).body.total).toBe(2);
      const listed = await be.call('GET', '/api/v1/api-keys', ADMIN_KEY);
      const mine = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(mine).toMatchObject({ name: 'ci script', userId, userEmail: 'lou@example.com', revokedAt: null });
      expect(mine.lastUsedAt).toBe(be.clock.now);
      expect(JSON.stringify(listed.body)).not.toContain(key);
      const stored = await be.db('api_keys').where('id', created.body.id).first();
      expect(stored.key_hash).not.toContain(key);
      expect((await be.call('DELETE', `/api/v1/api-keys/${created.body.id}`, ADMIN_KEY)).status).toBe(200);
      expect((await be.call('GET', '/api/v1/me', h)).status).toBe(401);
    });

    it('keeps agent tokens off the query API (401), whether bootstrap or admin-created', async () => {
      const t = await be.call('POST', '/api/v1/agent-tokens', ADMIN_KEY, { name: 'east agents', cluster: 'cl-east' });
      for (const token of [AGENT_TOKEN, t.body.token]) {
        expect((await be.call('GET', '/api/v1/clusters', { authorization: `Bearer ${token}` })).status).toBe(401);
        expect((await be.call('GET', '/api/v1/me', { 'x-api-key': token })).status).toBe(401);
      }
    });
  });
});

describe.each(DIALECTS)('identity settings on %s', (dialect) => {
  it('SERVICE_KEY_ANONYMOUS_ROLE=none requires a Grafana user; GRAFANA_DEFAULT_ROLE=none refuses unknown users', async () => {
    const be = await clockedBackend(dialect, {
      serviceKeyAnonymousRole: 'none',
      grafanaDefaultRole: 'none',
      grafanaAutoProvision: false,
    });
    try {
      expect((await be.call('GET', '/api/v1/clusters', ADMIN_KEY)).status).toBe(401);
      const stranger = {
        ...ADMIN_KEY,
        'x-grafana-context': JSON.stringify({ login: 'stranger', email: 's@example.com', orgRole: 'Editor' }),
      };
      expect((await be.call('GET', '/api/v1/me', stranger)).status).toBe(403);
      const boss = {
        ...ADMIN_KEY,
        'x-grafana-context': JSON.stringify({ login: 'boss', email: 'b@example.com', orgRole: 'Admin' }),
      };
      expect((await be.call('GET', '/api/v1/me', boss)).body).toMatchObject({
        role: 'admin',
        userId: null,
        via: 'grafana',
      });
      // Auto-provisioning off: nobody was recorded.
      expect(await be.db('users').count({ n: '*' })).toEqual([{ n: 0 }]);
    } finally {
      await be.close();
    }
  });

  it('SERVICE_KEY_ANONYMOUS_ROLE=viewer reads everything but may not administer', async () => {
    const be = await clockedBackend(dialect, { serviceKeyAnonymousRole: 'viewer', grafanaDefaultScope: 'all' });
    try {
      expect((await be.call('GET', '/api/v1/me', ADMIN_KEY)).body).toMatchObject({
        role: 'viewer',
        via: 'service-key',
      });
    } finally {
      await be.close();
    }
  });

  it('by default (none) the bare service key is 401 naming what is required; the app route still works', async () => {
    const be = await clockedBackend(dialect);
    try {
      expect(be.deps.config.access.serviceKeyAnonymousRole).toBe('none');
      for (const path of ['/api/v1/me', '/api/v1/clusters', '/prometheus/api/v1/labels']) {
        const r = await be.call('GET', path, ADMIN_KEY);
        expect(r.status).toBe(401);
        expect(JSON.stringify(r.body)).toMatch(/X-Grafana-Context[\s\S]*X-Api-Key/);
      }
      // A Grafana org Admin through the app route: an admin record, as the first admin gets in.
      const boss = {
        ...ADMIN_KEY,
        'x-grafana-context': JSON.stringify({ Login: 'boss', Email: 'boss@example.com', OrgRole: 'Admin' }),
      };
      expect((await be.call('GET', '/api/v1/me', boss)).body).toMatchObject({ role: 'admin', via: 'grafana' });
      // The context wins over X-Grafana-User when both are sent.
      expect((await be.call('GET', '/api/v1/me', { ...boss, 'x-grafana-user': 'someone-else' })).body).toMatchObject({
        email: 'boss@example.com',
      });
    } finally {
      await be.close();
    }
  });

  it('SERVICE_KEY_ANONYMOUS_ROLE=viewer with GRAFANA_DEFAULT_SCOPE=all', async () => {
    const be = await clockedBackend(dialect, { serviceKeyAnonymousRole: 'viewer', grafanaDefaultScope: 'all' });
    try {
      expect((await be.call('GET', '/api/v1/me', ADMIN_KEY)).body).toMatchObject({
        role: 'viewer',
        scopes: { clusters: null },
      });
      expect((await be.call('GET', '/api/v1/users', ADMIN_KEY)).status).toBe(403);
      expect((await be.call('POST', '/api/v1/agent-tokens', ADMIN_KEY, { name: 'x', cluster: 'c' })).status).toBe(403);
      // GRAFANA_DEFAULT_SCOPE=all: an unknown viewer sees everything.
      const v = { ...ADMIN_KEY, 'x-grafana-user': 'vic@example.com' };
      expect((await be.call('GET', '/api/v1/me', v)).body).toMatchObject({
        role: 'viewer',
        scopes: { clusters: null, namespaces: null, nodes: null },
      });
    } finally {
      await be.close();
    }
  });
});

describe('secrets in logs', () => {
  it('never logs passwords, tokens, keys or hashes, even at debug level and on failures', async () => {
    const lines: string[] = [];
    const capture = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
    const log = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
    const be = await clockedBackend('sqlite', SEED_AS_SERVICE_KEY, {}, log);
    try {
      const password = 'log-secret-password-42';
      const u = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email: 'log@example.com',
        displayName: 'L',
        role: 'viewer',
        password,
      });
      const ok = await be.call('POST', '/api/v1/auth/login', {}, { email: 'log@example.com', password });
      await be.call('POST', '/api/v1/auth/login', {}, { email: 'log@example.com', password: `${password}-wrong` });
      await be.call('POST', '/api/v1/auth/login', {}, '{"email": broken');
      const k = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'k', userId: u.body.id });
      const t = await be.call('POST', '/api/v1/agent-tokens', ADMIN_KEY, { name: 't', cluster: 'c1' });
      await be.call('GET', '/api/v1/me', { authorization: `Bearer ${ok.body.token}` });
      await be.call('GET', '/api/v1/me', { 'x-api-key': `${k.body.key}x` });
      await be.call('GET', '/api/v1/me', { 'x-fleetlens-key': `${SERVICE_KEY}x` });
      await be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${t.body.token}x` }, {});
      const hash = (await be.db('users').where('id', u.body.id).first()).password_hash;
      expect(ok.status).toBe(200);
      const text = lines.join('\n');
      for (const secret of [password, ok.body.token, k.body.key, t.body.token, SERVICE_KEY, hash])
        expect(text.includes(secret)).toBe(false);
    } finally {
      await be.close();
    }
  });
});

describe('client address for the per-address login limit (TRUST_PROXY)', () => {
  const failFrom = (be: Awaited<ReturnType<typeof clockedBackend>>, i: number, xff: string) =>
    be.call(
      'POST',
      '/api/v1/auth/login',
      { 'x-forwarded-for': xff },
      { email: `ghost${i}@example.com`, password: 'x' }
    );

  it('by default a client cannot dodge the limit with X-Forwarded-For: its socket address counts', async () => {
    const be = await clockedBackend('sqlite');
    try {
      expect(be.deps.config.access.trustProxy).toBe(false);
      for (let i = 0; i < 5; i++) expect((await failFrom(be, i, `198.51.100.${i}`)).status).toBe(401);
      expect((await failFrom(be, 9, '198.51.100.99')).status).toBe(429);
    } finally {
      await be.close();
    }
  });

  it('with TRUST_PROXY=true only the entry the proxy appended counts, not what the client put before it', async () => {
    const be = await clockedBackend('sqlite', { trustProxy: true });
    try {
      // The client forges a different first entry each time; the proxy appends the real address.
      for (let i = 0; i < 5; i++) expect((await failFrom(be, i, `198.51.100.${i}, 203.0.113.7`)).status).toBe(401);
      expect((await failFrom(be, 9, '198.51.100.99, 203.0.113.7')).status).toBe(429);
      // Another real client behind the same proxy is not limited.
      expect((await failFrom(be, 10, '203.0.113.8')).status).toBe(401);
    } finally {
      await be.close();
    }
  });
});

describe.each(DIALECTS)("X-Grafana-Id on %s, against a stand-in for Grafana's signing keys", (dialect) => {
  let grafana: GrafanaStandIn;
  let be: Clocked;
  /** The datasource's credential: a viewer's key limited to cl-east. */
  let dsKey = '';
  let adminKey = '';

  beforeAll(async () => {
    grafana = await startGrafanaStandIn();
    be = await clockedBackend(dialect, { ...SEED_AS_SERVICE_KEY, grafanaId: grafana.config });
    for (const b of seedBatches())
      expect((await be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${AGENT_TOKEN}` }, b)).status).toBe(202);
    const user = async (email: string, role: string, scopes: unknown, login: string | null) => {
      const u = await be.call('POST', '/api/v1/users', ADMIN_KEY, { email, displayName: email, role, scopes, login });
      expect(u.status).toBe(201);
      return u.body.id as string;
    };
    const ds = await user('ds@example.com', 'viewer', { clusters: ['cl-east'], namespaces: null, nodes: null }, null);
    dsKey = (await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'grafana datasource', userId: ds })).body.key;
    const adm = await user('ds-admin@example.com', 'admin', { clusters: [], namespaces: null, nodes: null }, null);
    adminKey = (await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'admin datasource', userId: adm })).body
      .key;
    await user('ivy@example.com', 'editor', { clusters: null, namespaces: ['shop'], nodes: null }, 'ivy');
    await user('gone@example.com', 'viewer', { clusters: null, namespaces: null, nodes: null }, 'gone');
    const gone = (await be.call('GET', '/api/v1/users?q=gone', ADMIN_KEY)).body.items[0];
    await be.call('PATCH', `/api/v1/users/${gone.id}`, ADMIN_KEY, { active: false });
  });
  afterAll(async () => {
    await be?.close();
    await grafana?.close();
  });

  const me = (headers: Record<string, string>) => be.call('GET', '/api/v1/me', headers);
  const ivy = () => grafana.mint({ login: 'ivy', email: 'ivy@example.com', name: 'Ivy' }, { iat: be.clock.now });

  it('the key alone: its owner, and /me says no X-Grafana-Id came', async () => {
    expect((await me({ 'x-api-key': dsKey })).body).toMatchObject({
      email: 'ds@example.com',
      role: 'viewer',
      scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
      via: 'api-key',
      apiKey: { name: 'grafana datasource', ownerEmail: 'ds@example.com', ownerRole: 'viewer' },
      grafanaId: { status: 'not-sent' },
    });
  });

  it('a valid token: the Grafana user, narrowed by the key (lower role, common scopes)', async () => {
    const r = await me({ 'x-api-key': dsKey, 'x-grafana-id': await ivy() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      email: 'ivy@example.com',
      role: 'viewer',
      scopes: { clusters: ['cl-east'], namespaces: ['shop'], nodes: null },
      via: 'grafana-id',
      apiKey: { ownerEmail: 'ds@example.com' },
      grafanaId: { status: 'verified', subject: expect.stringMatching(/^user:/) },
    });
    // An admin's key: the user's own role and scopes are the limit.
    expect((await me({ 'x-api-key': adminKey, 'x-grafana-id': await ivy() })).body).toMatchObject({
      role: 'editor',
      scopes: { clusters: null, namespaces: ['shop'], nodes: null },
    });
    // Narrowing holds on the data: no cl-west names, only shop containers.
    const list = await be.call('GET', '/api/v1/containers?pageSize=500', {
      'x-api-key': adminKey,
      'x-grafana-id': await ivy(),
    });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    for (const c of list.body.items) expect(c.namespace).toBe('shop');
  });

  it('an unknown Grafana user gets the default (viewer, no scopes) and is recorded; a deactivated one is 403', async () => {
    const t = await grafana.mint({ login: 'newbie', email: 'newbie@example.com' }, { iat: be.clock.now });
    expect((await me({ 'x-api-key': adminKey, 'x-grafana-id': t })).body).toMatchObject({
      email: 'newbie@example.com',
      role: 'viewer',
      scopes: { clusters: [], namespaces: null, nodes: null },
    });
    expect((await be.call('GET', '/api/v1/users?q=newbie', ADMIN_KEY)).body.items).toHaveLength(1);
    const g = await grafana.mint({ login: 'gone', email: 'gone@example.com' }, { iat: be.clock.now });
    expect((await me({ 'x-api-key': adminKey, 'x-grafana-id': g })).status).toBe(403);
  });

  it('a service-account token does not name a user: the key alone decides', async () => {
    const t = await grafana.mint({ login: 'sa', email: null, type: 'service-account' }, { iat: be.clock.now });
    expect((await me({ 'x-api-key': dsKey, 'x-grafana-id': t })).body).toMatchObject({
      email: 'ds@example.com',
      via: 'api-key',
      grafanaId: { status: 'verified', subject: expect.stringMatching(/^service-account:/) },
    });
  });

  it.each([
    ['forged (signed with another key, same kid)', { foreignKey: true }, /not signed by a key Grafana publishes/],
    ['expired (issued an hour ago, 10 min lifetime)', { iat: -3600 }, /X-Grafana-Id has expired/],
    ['for another org (aud org:2)', { audience: 'org:2' }, /not for this backend/],
    ['from another Grafana (iss)', { issuer: 'http://evil.example/' }, /issued by http:\/\/evil.example/],
    ['without typ jwt', { typ: null }, /X-Grafana-Id has an invalid|X-Grafana-Id/],
    ['with an unknown kid', { kid: 'other' }, /not signed by a key Grafana publishes/],
  ])('a token %s is 401 naming X-Grafana-Id', async (_what, opts, message) => {
    const o = { ...opts } as Record<string, unknown>;
    if (typeof o.iat === 'number') o.iat = be.clock.now + (o.iat as number);
    else o.iat = be.clock.now;
    const t = await grafana.mint({ login: 'ivy', email: 'ivy@example.com' }, o);
    const attempts: Record<string, string>[] = [
      { 'x-api-key': dsKey, 'x-grafana-id': t },
      // On the app route too, the token must verify.
      {
        'x-fleetlens-key': SERVICE_KEY,
        'x-grafana-context': JSON.stringify({ Login: 'ivy', Email: 'ivy@example.com' }),
        'x-grafana-id': t,
      },
    ];
    for (const headers of attempts) {
      const r = await me(headers);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(message);
      expect(r.body.error).toContain('X-Grafana-Id');
      expect(r.body.error).not.toContain(t);
    }
  });

  it('garbage and a token with no signature are 401', async () => {
    for (const t of ['not-a-jwt', `${(await ivy()).split('.').slice(0, 2).join('.')}.`]) {
      const r = await me({ 'x-api-key': dsKey, 'x-grafana-id': t });
      expect(r.status).toBe(401);
      expect(r.body.error).toContain('X-Grafana-Id');
    }
  });

  it('a forged X-Grafana-Context with an API key is 401; X-Grafana-User with an API key is ignored', async () => {
    const forged = JSON.stringify({ Login: 'root', Email: 'ds-admin@example.com', OrgRole: 'Admin' });
    const r = await me({ 'x-api-key': dsKey, 'x-grafana-context': forged });
    expect(r.status).toBe(401);
    expect(r.body.error).toContain('X-Grafana-Context');
    expect((await me({ 'x-api-key': dsKey, 'x-grafana-user': 'ivy' })).body).toMatchObject({
      email: 'ds@example.com',
      via: 'api-key',
    });
  });

  it('app route: a token naming another user than X-Grafana-Context is 401; the same user is verified', async () => {
    const ctx = (login: string, email: string) => ({
      'x-fleetlens-key': SERVICE_KEY,
      'x-grafana-context': JSON.stringify({ Login: login, Email: email, OrgRole: 'Viewer' }),
    });
    const other = await me({ ...ctx('ds-admin', 'ds-admin@example.com'), 'x-grafana-id': await ivy() });
    expect(other.status).toBe(401);
    expect(other.body.error).toMatch(/X-Grafana-Id .* and X-Grafana-Context name different users/);
    expect((await me({ ...ctx('ivy', 'ivy@example.com'), 'x-grafana-id': await ivy() })).body).toMatchObject({
      email: 'ivy@example.com',
      role: 'editor',
      via: 'grafana',
      grafanaId: { status: 'verified' },
    });
  });

  it('the JWKS is fetched once and cached, not per request', () => {
    expect(grafana.jwksFetches).toBeGreaterThanOrEqual(1);
    expect(grafana.jwksFetches).toBeLessThanOrEqual(3);
  });
});

describe('X-Grafana-Id without GRAFANA_URL, or with Grafana unreachable', () => {
  it('without GRAFANA_URL the token is ignored (the key is the ceiling) and /me says so', async () => {
    const grafana = await startGrafanaStandIn();
    const be = await clockedBackend('sqlite', SEED_AS_SERVICE_KEY);
    try {
      const u = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email: 'ds@example.com',
        displayName: 'ds',
        role: 'viewer',
        scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
      });
      const key = (await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'ds', userId: u.body.id })).body.key;
      const t = await grafana.mint({ login: 'ivy', email: 'ivy@example.com' }, { iat: be.clock.now });
      const r = await be.call('GET', '/api/v1/me', { 'x-api-key': key, 'x-grafana-id': t });
      expect(r.body).toMatchObject({
        email: 'ds@example.com',
        via: 'api-key',
        grafanaId: { status: 'ignored', message: expect.stringContaining('GRAFANA_URL is not configured') },
      });
      // Even a forged token changes nothing then: it is not read at all.
      const f = await grafana.mint({ login: 'ivy', email: 'ivy@example.com' }, { iat: be.clock.now, foreignKey: true });
      expect((await be.call('GET', '/api/v1/me', { 'x-api-key': key, 'x-grafana-id': f })).status).toBe(200);
    } finally {
      await be.close();
      await grafana.close();
    }
  });

  it('with Grafana unreachable, a token cannot be checked: 503 naming the signing-keys URL', async () => {
    const grafana = await startGrafanaStandIn();
    const token = await grafana.mint({ login: 'ivy', email: 'ivy@example.com' });
    await grafana.close();
    const be = await clockedBackend('sqlite', { ...SEED_AS_SERVICE_KEY, grafanaId: grafana.config });
    try {
      const u = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email: 'x@example.com',
        displayName: 'x',
        role: 'viewer',
      });
      const key = (await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'x', userId: u.body.id })).body.key;
      const r = await be.call('GET', '/api/v1/me', { 'x-api-key': key, 'x-grafana-id': token });
      expect(r.status).toBe(503);
      expect(r.body.error).toContain('/api/signing-keys/keys');
    } finally {
      await be.close();
    }
  });
});

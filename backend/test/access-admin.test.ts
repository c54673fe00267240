/**
 * Administration: admin-only endpoints (403 for everyone else), user CRUD with the last-admin
 * rule, validation that names the field and stores nothing, agent tokens bound to a cluster,
 * and an audit entry with before/after (and no secrets) for every change.
 */
import { DIALECTS } from './helpers/databases';
import { ADMIN_KEY, SEED_AS_SERVICE_KEY, clockedBackend, seedBatches, type Clocked } from './access-fixtures';
import { VERIFIED_TOKEN_SECONDS } from '../src/services/agent-auth';

const ADMIN_ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/v1/users'],
  ['POST', '/api/v1/users', { email: 'x@example.com', displayName: 'X', role: 'admin' }],
  ['GET', '/api/v1/users/any'],
  ['PATCH', '/api/v1/users/any', { role: 'admin' }],
  ['DELETE', '/api/v1/users/any'],
  ['GET', '/api/v1/agent-tokens'],
  ['POST', '/api/v1/agent-tokens', { name: 'x', cluster: 'cl-east' }],
  ['DELETE', '/api/v1/agent-tokens/any'],
  ['GET', '/api/v1/api-keys'],
  ['POST', '/api/v1/api-keys', { name: 'x' }],
  ['DELETE', '/api/v1/api-keys/any'],
  ['GET', '/api/v1/audit'],
];

describe.each(DIALECTS)('administration on %s', (dialect) => {
  let be: Clocked;
  const keyOf: Record<string, Record<string, string>> = {};
  const idOf: Record<string, string> = {};

  const createUser = async (email: string, role: string, extra: Record<string, unknown> = {}) => {
    const r = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
      email,
      displayName: email.split('@')[0],
      role,
      ...extra,
    });
    expect(r.status).toBe(201);
    idOf[email] = r.body.id;
    const k = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: `key of ${email}`, userId: r.body.id });
    keyOf[email] = { 'x-api-key': k.body.key };
    return r.body;
  };
  const auditCount = async () => Number((await be.db('audit_log').count({ n: '*' }))[0].n);

  beforeAll(async () => {
    // The operator seeding the first records: the bare service key as admin, opted into explicitly
    // (the default, none, is covered by access-identity.test.ts).
    be = await clockedBackend(dialect, SEED_AS_SERVICE_KEY);
    await createUser('root@example.com', 'admin');
    await createUser('ed@example.com', 'editor', { scopes: { clusters: null, namespaces: null, nodes: null } });
    await createUser('vi@example.com', 'viewer', { scopes: { clusters: null, namespaces: null, nodes: null } });
  });
  afterAll(async () => {
    await be?.close();
  });

  it('answers 403 to editors and viewers on every admin endpoint, and changes nothing', async () => {
    const before = await auditCount();
    const users = Number((await be.db('users').count({ n: '*' }))[0].n);
    for (const who of ['ed@example.com', 'vi@example.com'])
      for (const [method, path, body] of ADMIN_ROUTES) {
        const r = await be.call(method, path, keyOf[who], body);
        expect([method, path, who, r.status]).toEqual([method, path, who, 403]);
      }
    for (const [method, path, body] of ADMIN_ROUTES) {
      const r = await be.call(method, path, keyOf['root@example.com'], body);
      expect([method, path, r.status === 403]).toEqual([method, path, false]);
    }
    // The admin's own calls above created one user and one agent token; the refused ones nothing.
    expect(await auditCount()).toBeGreaterThan(before);
    const refusedOnly = await be
      .db('audit_log')
      .where('actor', 'in', ['ed@example.com', 'vi@example.com'])
      .count({ n: '*' });
    expect(Number(refusedOnly[0].n)).toBe(0);
    expect(Number((await be.db('users').count({ n: '*' }))[0].n)).toBe(users + 1);
  });

  it('rejects bad input with 400 naming each field, and stores nothing', async () => {
    const before = { audit: await auditCount(), users: Number((await be.db('users').count({ n: '*' }))[0].n) };
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/api/v1/users', { email: 'nope', displayName: '', role: 'root' }, ['displayName', 'email', 'role']],
      [
        'POST',
        '/api/v1/users',
        { email: 'a@example.com', displayName: 'A', role: 'viewer', scopes: { clusters: 'all' } },
        ['scopes.clusters', 'scopes.namespaces', 'scopes.nodes'],
      ],
      [
        'POST',
        '/api/v1/users',
        { email: 'a@example.com', displayName: 'A', role: 'viewer', password: 'short' },
        ['password'],
      ],
      [
        'POST',
        '/api/v1/users',
        { email: 'a@example.com', displayName: 'A', role: 'viewer', isAdmin: true },
        ['(root)'],
      ],
      ['PATCH', `/api/v1/users/${idOf['vi@example.com']}`, {}, ['(root)']],
      ['PATCH', `/api/v1/users/${idOf['vi@example.com']}`, { role: 'owner', active: 'yes' }, ['active', 'role']],
      ['POST', '/api/v1/agent-tokens', { name: '', cluster: '' }, ['cluster', 'name']],
      ['POST', '/api/v1/api-keys', { userId: idOf['vi@example.com'] }, ['name']],
    ];
    for (const [method, path, body, fields] of cases) {
      const r = await be.call(method, path, ADMIN_KEY, body);
      expect(r.status).toBe(400);
      expect([...new Set(r.body.issues.map((i: { path: string }) => i.path))].sort()).toEqual(fields);
    }
    // The bare service key is not a user: an API key needs an explicit owner.
    const ownerless = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'k' });
    expect(ownerless.status).toBe(400);
    expect(ownerless.body.issues.map((i: { path: string }) => i.path)).toEqual(['userId']);
    const notJson = await be.call('POST', '/api/v1/users', ADMIN_KEY, '{"email":');
    expect(notJson.status).toBe(400);
    expect((await be.call('GET', '/api/v1/audit?pageSize=100000', ADMIN_KEY)).body.issues[0].path).toBe('pageSize');
    expect(await auditCount()).toBe(before.audit);
    expect(Number((await be.db('users').count({ n: '*' }))[0].n)).toBe(before.users);
    const vi = await be.call('GET', `/api/v1/users/${idOf['vi@example.com']}`, ADMIN_KEY);
    expect(vi.body.role).toBe('viewer');
  });

  it('refuses a second user with the same e-mail (409)', async () => {
    const r = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
      email: 'ED@example.com',
      displayName: 'dup',
      role: 'viewer',
    });
    expect(r.status).toBe(409);
    expect(
      (await be.call('PATCH', `/api/v1/users/${idOf['vi@example.com']}`, ADMIN_KEY, { email: 'ed@example.com' })).status
    ).toBe(409);
  });

  it('always keeps one active admin: demoting, deactivating or deleting the last one is 409', async () => {
    // Only admin records count; root is the only one (the admin created in the 403 test was made by root; remove it first).
    for (const u of (await be.call('GET', '/api/v1/users?role=admin', ADMIN_KEY)).body.items)
      if (u.email !== 'root@example.com')
        expect((await be.call('DELETE', `/api/v1/users/${u.id}`, ADMIN_KEY)).status).toBe(204);
    const root = idOf['root@example.com'];
    const before = await auditCount();
    for (const [method, body] of [
      ['PATCH', { role: 'editor' }],
      ['PATCH', { active: false }],
      ['PATCH', { role: 'viewer', active: false }],
      ['DELETE', undefined],
    ] as const) {
      const r = await be.call(method, `/api/v1/users/${root}`, ADMIN_KEY, body);
      expect(r.status).toBe(409);
      expect(r.body.error).toMatch(/last active admin/);
    }
    expect(await auditCount()).toBe(before);
    expect((await be.call('GET', `/api/v1/users/${root}`, ADMIN_KEY)).body).toMatchObject({
      role: 'admin',
      active: true,
    });
    // An inactive admin does not count: making one does not free root.
    const idle = await createUser('idle-admin@example.com', 'admin', { active: false });
    const inactive = (await be.call('GET', '/api/v1/users?active=false', ADMIN_KEY)).body.items.map(
      (u: { email: string }) => u.email
    );
    expect(inactive).toEqual(['idle-admin@example.com']);
    const active = (await be.call('GET', '/api/v1/users?active=true&role=admin', ADMIN_KEY)).body.items.map(
      (u: { email: string }) => u.email
    );
    expect(active).toEqual(['root@example.com']);
    expect((await be.call('PATCH', `/api/v1/users/${root}`, ADMIN_KEY, { role: 'editor' })).status).toBe(409);
    // With a second active admin, root may step down; then the other one is the last.
    expect((await be.call('PATCH', `/api/v1/users/${idle.id}`, ADMIN_KEY, { active: true })).status).toBe(200);
    expect((await be.call('PATCH', `/api/v1/users/${root}`, ADMIN_KEY, { role: 'editor' })).status).toBe(200);
    expect((await be.call('DELETE', `/api/v1/users/${idle.id}`, ADMIN_KEY)).status).toBe(409);
    expect((await be.call('PATCH', `/api/v1/users/${root}`, ADMIN_KEY, { role: 'admin' })).status).toBe(200);
    expect((await be.call('DELETE', `/api/v1/users/${idle.id}`, ADMIN_KEY)).status).toBe(204);
  });

  it('two concurrent demotions of the only two admins: exactly one succeeds, one admin remains', async () => {
    const a = await createUser('race-a@example.com', 'admin');
    const b = await createUser('race-b@example.com', 'admin');
    // Leave a and b as the only active admins.
    const root = idOf['root@example.com'];
    expect((await be.call('PATCH', `/api/v1/users/${root}`, ADMIN_KEY, { role: 'editor' })).status).toBe(200);
    const results = await Promise.all([
      be.call('PATCH', `/api/v1/users/${a.id}`, ADMIN_KEY, { role: 'viewer' }),
      be.call('PATCH', `/api/v1/users/${b.id}`, ADMIN_KEY, { active: false }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const admins = await be.db('users').where({ role: 'admin', active: true }).select('email');
    expect(admins).toHaveLength(1);
    // Restore: root admin again, the race users gone.
    expect((await be.call('PATCH', `/api/v1/users/${root}`, ADMIN_KEY, { role: 'admin' })).status).toBe(200);
    for (const u of [a, b]) expect((await be.call('DELETE', `/api/v1/users/${u.id}`, ADMIN_KEY)).status).toBe(204);
  });

  it('agent tokens: shown once, bound to their cluster (403 for another), last use listed, revocable', async () => {
    const created = await be.call('POST', '/api/v1/agent-tokens', keyOf['root@example.com'], {
      name: 'east agents',
      cluster: 'cl-east',
    });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(created.body).toMatchObject({ name: 'east agents', cluster: 'cl-east', lastUsedAt: null, revokedAt: null });
    const batches = seedBatches() as { cluster: { name: string } }[];
    const east = batches.find((b) => b.cluster.name === 'cl-east')!;
    const west = batches.find((b) => b.cluster.name === 'cl-west')!;
    const ingest = (b: unknown, t = token) => be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${t}` }, b);
    expect((await ingest(east)).status).toBe(202);
    const refused = await ingest(west);
    expect(refused.status).toBe(403);
    expect(await be.db('clusters').where('name', 'cl-west').first()).toBeUndefined();
    const listed = await be.call('GET', '/api/v1/agent-tokens', ADMIN_KEY);
    const row = listed.body.items.find((t: { id: string }) => t.id === created.body.id);
    expect(row.lastUsedAt).not.toBeNull();
    expect(row).not.toHaveProperty('token');
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((await be.db('agent_tokens').where('id', created.body.id).first()).token_hash).not.toContain(token);
    expect(
      (await be.call('DELETE', `/api/v1/agent-tokens/${created.body.id}`, ADMIN_KEY)).body.revokedAt
    ).not.toBeNull();
    expect((await ingest(east)).status).toBe(401);
    expect((await be.call('DELETE', '/api/v1/agent-tokens/does-not-exist', ADMIN_KEY)).status).toBe(404);
  });

  it('trusts a verified agent token for a few seconds: a revocation by another replica bites after that', async () => {
    const created = await be.call('POST', '/api/v1/agent-tokens', ADMIN_KEY, { name: 'cached', cluster: 'cl-east' });
    const east = (seedBatches() as { cluster: { name: string } }[]).find((b) => b.cluster.name === 'cl-east')!;
    const ingest = () => be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${created.body.token}` }, east);
    expect((await ingest()).status).toBe(202);
    // The next pushes read no token row: the point of the cache (one statement less per batch).
    const reads: string[] = [];
    const onQuery = (q: { sql: string }) => /agent_tokens/.test(q.sql) && reads.push(q.sql);
    be.db.on('query', onQuery);
    expect((await ingest()).status).toBe(202);
    be.db.off('query', onQuery);
    expect(reads).toEqual([]);
    // Revoked as another replica would (the row only): trusted until the cached verdict is due again.
    await be.db('agent_tokens').where('id', created.body.id).update({ revoked_at: be.clock.now });
    be.clock.now += VERIFIED_TOKEN_SECONDS - 1;
    expect((await ingest()).status).toBe(202);
    be.clock.now += 1;
    expect((await ingest()).status).toBe(401);
  });

  it('audits every change with actor, before and after, and never a secret', async () => {
    const root = keyOf['root@example.com'];
    const secretPassword = 'audit-secret-password-1';
    const u = await be.call('POST', '/api/v1/users', root, {
      email: 'aud@example.com',
      displayName: 'Aud',
      role: 'viewer',
      password: secretPassword,
    });
    const p = await be.call('PATCH', `/api/v1/users/${u.body.id}`, root, {
      role: 'editor',
      scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
      password: 'audit-secret-password-2',
    });
    const k = await be.call('POST', '/api/v1/api-keys', root, { name: 'aud key', userId: u.body.id });
    await be.call('DELETE', `/api/v1/api-keys/${k.body.id}`, root);
    const t = await be.call('POST', '/api/v1/agent-tokens', root, { name: 'aud token', cluster: 'cl-dock' });
    await be.call('DELETE', `/api/v1/agent-tokens/${t.body.id}`, root);
    const k2 = await be.call('POST', '/api/v1/api-keys', root, { name: 'aud key 2', userId: u.body.id });
    await be.call('DELETE', `/api/v1/users/${u.body.id}`, root);
    expect(p.status).toBe(200);

    const entries = (await be.call('GET', '/api/v1/audit?actor=root@example.com&pageSize=500', ADMIN_KEY)).body
      .items as {
      action: string;
      targetId: string;
      actor: string;
      actorId: string | null;
      before: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      after: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    }[];
    const about = (id: string) =>
      entries
        .filter((e) => e.targetId === id)
        .map((e) => e.action)
        .reverse();
    expect(about(u.body.id)).toEqual(['user.create', 'user.update', 'user.delete']);
    expect(about(k.body.id)).toEqual(['apikey.create', 'apikey.revoke']);
    expect(about(t.body.id)).toEqual(['agent_token.create', 'agent_token.revoke']);
    expect(entries.every((e) => e.actor === 'root@example.com' && e.actorId === idOf['root@example.com'])).toBe(true);

    const update = entries.find((e) => e.targetId === u.body.id && e.action === 'user.update')!;
    expect(update.before).toMatchObject({ role: 'viewer', scopes: { clusters: [], namespaces: null, nodes: null } });
    expect(update.after).toMatchObject({ role: 'editor', scopes: { clusters: ['cl-east'] }, passwordChanged: true });
    const created = entries.find((e) => e.targetId === u.body.id && e.action === 'user.create')!;
    expect(created.before).toBeNull();
    expect(created.after).toMatchObject({ email: 'aud@example.com', role: 'viewer', hasPassword: true });
    const deleted = entries.find((e) => e.targetId === u.body.id && e.action === 'user.delete')!;
    expect(deleted.before).toMatchObject({ email: 'aud@example.com', role: 'editor' });
    expect(deleted.after).toEqual({ revokedApiKeys: [k2.body.id] });
    const revoked = entries.find((e) => e.targetId === t.body.id && e.action === 'agent_token.revoke')!;
    expect(revoked.before.revokedAt).toBeNull();
    expect(revoked.after.revokedAt).toBe(be.clock.now);

    // No secret in any stored entry: passwords, hashes, keys, tokens.
    const raw = JSON.stringify(await be.db('audit_log').select('*'));
    const hashes = (await be.db('agent_tokens').select('token_hash')).map((r: { token_hash: string }) => r.token_hash);
    for (const secret of [
      secretPassword,
      'audit-secret-password-2',
      k.body.key,
      k2.body.key,
      t.body.token,
      '$argon2',
      ...hashes,
    ])
      expect(raw.includes(secret)).toBe(false);
  });

  it('lists the audit log newest first, filtered by actor, action and time, paged', async () => {
    const all = (await be.call('GET', '/api/v1/audit?pageSize=500', ADMIN_KEY)).body;
    expect(all.total).toBe(all.items.length);
    expect(all.items.map((e: { id: number }) => e.id)).toEqual(
      [...all.items.map((e: { id: number }) => e.id)].sort((a, b) => b - a)
    );
    const byAction = (await be.call('GET', '/api/v1/audit?action=agent_token.create&pageSize=500', ADMIN_KEY)).body;
    expect(byAction.items.length).toBe(
      all.items.filter((e: { action: string }) => e.action === 'agent_token.create').length
    );
    expect(byAction.items.length).toBeGreaterThanOrEqual(2);
    const bySvcKey = (await be.call('GET', '/api/v1/audit?actor=service-key&pageSize=500', ADMIN_KEY)).body;
    expect(bySvcKey.items.length).toBeGreaterThan(0);
    expect(bySvcKey.items.every((e: { actor: string }) => e.actor === 'service-key')).toBe(true);
    const page2 = (await be.call('GET', '/api/v1/audit?pageSize=2&page=2', ADMIN_KEY)).body;
    expect(page2.items.map((e: { id: number }) => e.id)).toEqual(
      all.items.slice(2, 4).map((e: { id: number }) => e.id)
    );
    // Time filters: move the clock, make one change, and find only it after that time.
    const start = be.clock.now;
    try {
      be.clock.now = start + 1000;
      await be.call('POST', '/api/v1/agent-tokens', ADMIN_KEY, { name: 'late', cluster: 'cl-east' });
      const late = (await be.call('GET', `/api/v1/audit?from=${start + 1000}`, ADMIN_KEY)).body;
      expect(late.items.map((e: { action: string; after: { name: string } }) => [e.action, e.after.name])).toEqual([
        ['agent_token.create', 'late'],
      ]);
      const early = (await be.call('GET', `/api/v1/audit?to=${start + 999}&pageSize=500`, ADMIN_KEY)).body;
      expect(early.total).toBe(all.total);
    } finally {
      be.clock.now = start;
    }
  });
});

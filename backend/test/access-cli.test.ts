/**
 * The operator CLI (backend/src/cli.ts): the first admin and a datasource's API key without any
 * admin credential, on the backend's own database; then those credentials work over HTTP.
 */
import { runCli } from '../src/cli';
import { startBackend } from '../src/server';
import { createTestDatabase } from './helpers/databases';
import { DIALECTS } from './helpers/databases';
import { AGENT_TOKEN, SERVICE_KEY, testBackendOptions } from './helpers/backend';

describe.each(DIALECTS)('operator CLI on %s', (dialect) => {
  it('creates the first admin and a scoped datasource key; both act as their users; bad input names the option', async () => {
    const db = await createTestDatabase(dialect);
    const env = { DATABASE_URL: db.url, SERVICE_KEY, AGENT_TOKEN, FIRST_ADMIN_PASSWORD: 'a long passphrase' };
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(
        argv,
        env,
        (l) => out.push(l),
        (l) => err.push(l)
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    try {
      const admin = await run(
        'create-user',
        '--email',
        'Ops@Example.com',
        '--role',
        'admin',
        '--password-env',
        'FIRST_ADMIN_PASSWORD'
      );
      expect(admin).toMatchObject({ code: 0, err: '' });
      expect(JSON.parse(admin.out)).toMatchObject({ email: 'ops@example.com', role: 'admin' });
      expect(admin.out).not.toContain('a long passphrase');
      const ds = await run(
        'create-user',
        '--email',
        'grafana-datasource@example.com',
        '--role',
        'viewer',
        '--scopes',
        '{"clusters":["cl-east"],"namespaces":null,"nodes":null}'
      );
      expect(ds.code).toBe(0);
      const key = await run(
        'create-api-key',
        '--email',
        'grafana-datasource@example.com',
        '--name',
        'Grafana datasource'
      );
      expect(key.code).toBe(0);
      expect(key.out).toMatch(/^flk_\S+$/);

      // Refusals name what is wrong.
      expect(await run('create-user', '--email', 'x@example.com', '--role', 'root')).toMatchObject({
        code: 2,
        err: expect.stringContaining('--role'),
      });
      expect(
        await run('create-user', '--email', 'x@example.com', '--role', 'viewer', '--scopes', '{nope')
      ).toMatchObject({
        code: 2,
        err: expect.stringContaining('--scopes'),
      });
      expect(await run('create-user', '--email', 'ops@example.com', '--role', 'admin')).toMatchObject({ code: 1 });
      expect(await run('create-api-key', '--email', 'nobody@example.com', '--name', 'k')).toMatchObject({
        code: 1,
        err: expect.stringContaining('--email'),
      });
      expect(await run('drop-tables')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command') });
      expect(await run('create-user', '--bogus')).toMatchObject({ code: 2 });

      // Over HTTP, with the default SERVICE_KEY_ANONYMOUS_ROLE=none.
      const be = await startBackend(testBackendOptions(db.url));
      try {
        expect(be.config.access.serviceKeyAnonymousRole).toBe('none');
        const login = await fetch(`${be.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'ops@example.com', password: 'a long passphrase' }),
        });
        expect(login.status).toBe(200);
        const { token } = (await login.json()) as { token: string };
        const users = await fetch(`${be.url}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } });
        expect(users.status).toBe(200);
        const me = await (await fetch(`${be.url}/api/v1/me`, { headers: { 'x-api-key': key.out } })).json();
        expect(me).toMatchObject({
          email: 'grafana-datasource@example.com',
          role: 'viewer',
          scopes: { clusters: ['cl-east'], namespaces: null, nodes: null },
          via: 'api-key',
        });
        const audit = await (
          await fetch(`${be.url}/api/v1/audit?actor=cli`, { headers: { authorization: `Bearer ${token}` } })
        ).json();
        expect((audit as { items: { action: string }[] }).items.map((e) => e.action).sort()).toEqual([
          'apikey.create',
          'user.create',
          'user.create',
        ]);
      } finally {
        await be.stop();
      }
    } finally {
      await db.drop();
    }
  });
});

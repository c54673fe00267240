import { parseArgs } from 'node:util';
import { access, fieldIssues } from '@fleetlens/protocol';
import { ConfigError, loadConfig } from './config';
import { openDb } from './db/connection';
import { migrate } from './db/migrations';
import { AccessError, createAccess } from './services/access';

/**
 * Operator commands that work on the backend's database directly (the same DATABASE_URL), for
 * what no credential exists for yet: the first admin, and the API keys Grafana's datasources
 * authenticate with. Run where the backend runs, e.g.
 *   docker compose exec backend node backend/dist/cli.js create-user --email ops@example.com --role admin
 * Changes are audited with the actor `cli`. Keys are printed once, on stdout, and never logged.
 */
const USAGE = `usage: cli.js <command> [options]

commands:
  create-user     --email <e-mail> --role admin|editor|viewer [--name <display name>] [--login <Grafana login>]
                  [--scopes '<JSON {"clusters":[…]|null,"namespaces":…,"nodes":…}>'] [--password-env <VARIABLE>]
                  creates a user record (an admin sees everything; others see their scopes; default: nothing)
  create-api-key  --email <owner's e-mail> --name <key name>
                  creates an API key acting as that user (its current role and scopes); prints the key once
`;

const WHO = { actor: 'cli', actorId: null };

/** Runs one command; returns the exit code (0 ok, 1 refused, 2 bad usage). */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    (command ? out : err)(USAGE);
    return command ? 0 : 2;
  }
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        login: { type: 'string' },
        scopes: { type: 'string' },
        'password-env': { type: 'string' },
      },
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (command !== 'create-user' && command !== 'create-api-key') {
    err(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const db = openDb(config.databaseUrl, 2);
  try {
    await migrate(db.knex);
    const services = createAccess(config, db, () => Math.floor(Date.now() / 1000));
    if (command === 'create-user') {
      let scopes: unknown = undefined;
      if (values.scopes !== undefined) {
        try {
          scopes = JSON.parse(values.scopes);
        } catch {
          err('--scopes: not JSON (e.g. {"clusters":["prod"],"namespaces":null,"nodes":null})');
          return 2;
        }
      }
      const passwordVar = values['password-env'];
      if (passwordVar && !env[passwordVar]) {
        err(`--password-env: the variable ${passwordVar} is not set`);
        return 2;
      }
      const input = access.UserCreate.safeParse({
        email: values.email,
        role: values.role,
        displayName: values.name ?? values.email?.split('@')[0],
        ...(values.login ? { login: values.login } : {}),
        ...(scopes !== undefined ? { scopes } : {}),
        ...(passwordVar ? { password: env[passwordVar] } : {}),
      });
      if (!input.success) {
        for (const i of fieldIssues(input.error))
          err(`--${i.path.split('.')[0] === 'displayName' ? 'name' : i.path}: ${i.message}`);
        return 2;
      }
      const user = await services.users.create(WHO, input.data);
      out(JSON.stringify({ id: user.id, email: user.email, role: user.role, scopes: user.scopes }));
      return 0;
    }
    if (!values.email || !values.name) {
      err(`create-api-key needs --email (the owner) and --name\n${USAGE}`);
      return 2;
    }
    const owner = await services.users.rowByEmail(values.email.toLowerCase());
    if (!owner) {
      err(`--email: no user ${values.email}; create it first with create-user`);
      return 1;
    }
    const key = await services.apiKeys.create(WHO, values.name, String(owner.id));
    out(key.key);
    return 0;
  } catch (e) {
    if (e instanceof AccessError) {
      err(e.message);
      return 1;
    }
    throw e;
  } finally {
    await db.knex.destroy();
  }
}

if (require.main === module) {
  void runCli(
    process.argv.slice(2),
    process.env,
    (l) => process.stdout.write(`${l}\n`),
    (l) => process.stderr.write(`${l}\n`)
  ).then((code) => process.exit(code));
}

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';

/** A throw-away database for one test file: a temp SQLite file, or a uniquely named MariaDB database. */
export interface TestDatabase {
  dialect: 'sqlite' | 'mysql';
  url: string;
  drop(): Promise<void>;
}

const MYSQL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * The dialects to test: SQLite always; MariaDB when its port answers. With REQUIRE_MYSQL=1 the
 * MariaDB cases always run, so an unreachable server fails them instead of skipping them.
 * (Synchronous, because Jest needs the list when it collects tests.)
 */
export const DIALECTS: ('sqlite' | 'mysql')[] = (() => {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `require('net').connect(3306,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`,
    ],
    { timeout: 3000 }
  );
  if (probe.status === 0) return ['sqlite', 'mysql'];
  if (process.env.REQUIRE_MYSQL === '1') return ['sqlite', 'mysql']; // the MySQL cases will fail loudly
  return ['sqlite'];
})();

/** Creates a fresh database of the dialect. */
export async function createTestDatabase(dialect: 'sqlite' | 'mysql'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fleetlens-test-'));
    return { dialect, url: join(dir, 'test.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `fleetlens_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'mysql2', connection: MYSQL.replace(/\/$/, '') + '/', pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.destroy();
  return {
    dialect,
    url: `${MYSQL.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const a = knexFactory({ client: 'mysql2', connection: MYSQL.replace(/\/$/, '') + '/', pool: { min: 0, max: 1 } });
      await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.destroy();
    },
  };
}

import type { Knex } from 'knex';
import { initial } from './0001_initial';
import { access } from './0002_access';
import { alerts } from './0003_alerts';
import type { Migration } from './types';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
const MIGRATIONS: Migration[] = [initial, access, alerts];

const source: Knex.MigrationSource<Migration> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

/** Brings the schema up to date; safe to run on every start and from several replicas (knex locks). */
export async function migrate(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source, tableName: 'knex_migrations' });
}

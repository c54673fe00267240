import type { Migration } from './types';

/** Users, login sessions, API keys, the audit log and failed-login records (identity and access). */
export const access: Migration = {
  name: '0002_access',
  async up(knex) {
    await knex.schema.createTable('users', (t) => {
      t.string('id', 32).primary();
      t.string('email', 254).notNullable().unique();
      t.string('login', 190).nullable().unique();
      t.string('display_name', 200).notNullable();
      t.string('role', 16).notNullable();
      t.boolean('active').notNullable();
      t.string('password_hash', 255).nullable();
      t.text('scopes').notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('updated_at').unsigned().notNullable();
      t.integer('last_seen_at').unsigned().nullable();
    });
    await knex.schema.createTable('sessions', (t) => {
      t.string('id', 32).primary();
      t.string('token_hash', 64).notNullable().unique();
      t.string('user_id', 32).notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('expires_at').unsigned().notNullable();
      t.index(['user_id']);
      t.index(['expires_at']);
    });
    await knex.schema.createTable('api_keys', (t) => {
      t.string('id', 32).primary();
      t.string('name', 128).notNullable();
      t.string('user_id', 32).notNullable();
      t.string('key_hash', 64).notNullable().unique();
      t.string('prefix', 16).notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('last_used_at').unsigned().nullable();
      t.integer('revoked_at').unsigned().nullable();
      t.index(['user_id']);
    });
    await knex.schema.createTable('audit_log', (t) => {
      t.increments('id');
      t.integer('ts').unsigned().notNullable();
      t.string('actor', 254).notNullable();
      t.string('actor_id', 32).nullable();
      t.string('action', 64).notNullable();
      t.string('target_type', 32).notNullable();
      t.string('target_id', 64).nullable();
      t.text('before').nullable();
      t.text('after').nullable();
      t.index(['ts']);
      t.index(['actor', 'ts']);
      t.index(['action', 'ts']);
    });
    await knex.schema.createTable('login_failures', (t) => {
      t.increments('id');
      t.string('kind', 8).notNullable();
      t.string('subject', 254).notNullable();
      t.integer('ts').unsigned().notNullable();
      t.index(['kind', 'subject', 'ts']);
      t.index(['ts']);
    });
  },
  async down(knex) {
    for (const t of ['login_failures', 'audit_log', 'api_keys', 'sessions', 'users'])
      await knex.schema.dropTableIfExists(t);
  },
};

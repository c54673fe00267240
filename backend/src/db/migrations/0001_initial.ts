import type { Knex } from 'knex';
import { metricsOf as allMetricsOf, TABLES, type SampleFamily } from '../metrics';
import type { Migration } from './types';
import { partitionByDay } from '../partitions';

/** The metrics whose columns this migration creates; later ones add theirs (`MetricDef.since`). */
const metricsOf = (family: SampleFamily) => allMetricsOf(family).filter((m) => m.since === undefined);

export const idCol = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 16).notNullable();

async function rawTable(knex: Knex, family: SampleFamily) {
  const table = TABLES[family].raw;
  await knex.schema.createTable(table, (t) => {
    idCol(t, 'entity_id');
    t.integer('ts').unsigned().notNullable();
    for (const m of metricsOf(family)) t.double(m.column).nullable();
    t.primary(['entity_id', 'ts']);
  });
  // MySQL: daily partitions make retention a partition drop; elsewhere retention needs a ts index.
  const partitioned = isMysql(knex) && (await partitionByDay(knex, table, Math.floor(Date.now() / 1000)));
  if (!partitioned) await knex.schema.alterTable(table, (t) => t.index(['ts'], `${table}_ts_idx`));
}

const isMysql = (knex: Knex) => /mysql/.test(String(knex.client.config.client));

function rollupTable(knex: Knex, family: SampleFamily, tier: '1m' | '1h') {
  return knex.schema.createTable(TABLES[family][tier], (t) => {
    idCol(t, 'entity_id');
    t.integer('ts').unsigned().notNullable();
    for (const m of metricsOf(family)) {
      t.double(`${m.column}_min`).nullable();
      t.double(`${m.column}_max`).nullable();
      t.double(`${m.column}_sum`).nullable();
      t.integer(`${m.column}_cnt`).unsigned().notNullable().defaultTo(0);
    }
    // Time-leading key: top-N and heatmaps scan a time range across all entities, and InnoDB
    // reads that range in key order instead of a secondary-index lookup per row (docs/decisions.md #3).
    t.primary(['ts', 'entity_id']);
    t.index(['entity_id', 'ts'], `${TABLES[family][tier]}_entity_idx`);
  });
}

function latestTable(knex: Knex, family: SampleFamily) {
  return knex.schema.createTable(TABLES[family].latest, (t) => {
    idCol(t, 'entity_id');
    t.integer('ts').unsigned().notNullable();
    for (const m of metricsOf(family)) t.double(m.column).nullable();
    t.primary(['entity_id']);
  });
}

/** Entities, sample tiers, events, logs, agent tokens, leases, rollup state. */
export const initial: Migration = {
  name: '0001_initial',
  async up(knex) {
    await knex.schema.createTable('clusters', (t) => {
      idCol(t, 'id').primary();
      t.string('name', 128).notNullable().unique();
      t.string('kind', 16).notNullable();
      t.string('environment', 16).notNullable();
      t.text('labels').notNullable();
      t.integer('first_seen').unsigned().notNullable();
      t.integer('last_seen').unsigned().notNullable();
    });
    await knex.schema.createTable('nodes', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      t.string('name', 253).notNullable();
      t.string('role', 64).notNullable();
      t.string('os', 256).notNullable();
      t.string('kernel', 256).notNullable();
      t.string('arch', 32).notNullable();
      t.double('cores').notNullable();
      t.bigInteger('memory_bytes').notNullable();
      t.integer('boot_time').unsigned().nullable();
      t.string('status', 16).notNullable();
      t.text('labels').notNullable();
      t.integer('first_seen').unsigned().notNullable();
      t.integer('last_seen').unsigned().notNullable();
      t.integer('inventory_ts').unsigned().notNullable().defaultTo(0);
      t.index(['cluster_id']);
    });
    await knex.schema.createTable('containers', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      idCol(t, 'node_id');
      t.string('runtime_id', 128).notNullable();
      t.string('name', 512).notNullable();
      t.string('image', 1024).notNullable();
      t.string('state', 16).notNullable();
      t.string('health', 16).notNullable();
      t.string('status_text', 512).notNullable();
      t.integer('created_at').unsigned().nullable();
      t.integer('started_at').unsigned().nullable();
      t.integer('exit_code').nullable();
      t.boolean('oom_killed').notNullable();
      t.integer('restart_count').unsigned().notNullable();
      t.boolean('host_network').notNullable();
      t.text('labels').notNullable();
      t.string('namespace', 253).nullable();
      t.string('pod', 253).nullable();
      t.string('pod_uid', 64).nullable();
      t.string('workload_kind', 16).nullable();
      t.string('workload_name', 253).nullable();
      t.integer('first_seen').unsigned().notNullable();
      t.integer('last_seen').unsigned().notNullable();
      t.integer('gone_at').unsigned().nullable();
      t.index(['cluster_id']);
      t.index(['node_id']);
      t.index(['namespace']);
      t.index(['pod_uid']);
    });
    await knex.schema.createTable('workloads', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      t.string('kind', 16).notNullable();
      t.string('namespace', 253).notNullable();
      t.string('name', 253).notNullable();
      t.integer('desired_replicas').nullable();
      t.integer('ready_replicas').nullable();
      t.text('labels').notNullable();
      t.integer('last_seen').unsigned().notNullable();
      t.index(['cluster_id', 'namespace']);
    });
    await knex.schema.createTable('agents', (t) => {
      t.string('id', 128).primary();
      idCol(t, 'cluster_id');
      t.string('hostname', 253).notNullable();
      t.string('version', 64).notNullable();
      t.string('mode', 16).notNullable();
      t.text('status').nullable();
      t.integer('last_seen').unsigned().notNullable();
    });
    for (const family of ['node', 'container'] as const) {
      await rawTable(knex, family);
      await rollupTable(knex, family, '1m');
      await rollupTable(knex, family, '1h');
      await latestTable(knex, family);
    }
    await knex.schema.createTable('events', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      t.integer('ts').unsigned().notNullable();
      t.string('source', 16).notNullable();
      t.string('type', 16).notNullable();
      t.string('reason', 128).notNullable();
      t.text('message').notNullable();
      t.string('object_kind', 64).notNullable();
      t.string('object_name', 512).notNullable();
      t.string('namespace', 253).nullable();
      t.string('node_name', 253).nullable();
      t.string('container_id', 16).nullable();
      t.integer('exit_code').nullable();
      t.integer('count').unsigned().notNullable();
      t.index(['cluster_id', 'ts']);
      t.index(['ts']);
    });
    await knex.schema.createTable('logs', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'container_id');
      t.integer('ts').unsigned().notNullable();
      t.integer('nanos').unsigned().notNullable();
      t.string('stream', 8).notNullable();
      t.string('level', 8).notNullable();
      t.text('message').notNullable();
      t.index(['container_id', 'ts']);
      t.index(['ts']);
    });
    await knex.schema.createTable('agent_tokens', (t) => {
      t.string('id', 32).primary();
      t.string('name', 128).notNullable();
      t.string('cluster_name', 128).nullable();
      t.string('token_hash', 64).notNullable().unique();
      t.integer('created_at').unsigned().notNullable();
      t.integer('last_used_at').unsigned().nullable();
      t.integer('revoked_at').unsigned().nullable();
    });
    await knex.schema.createTable('leases', (t) => {
      t.string('name', 64).primary();
      t.string('holder', 128).notNullable();
      t.bigInteger('expires_at_ms').notNullable();
    });
    await knex.schema.createTable('rollup_state', (t) => {
      t.string('name', 64).primary();
      t.integer('watermark').unsigned().notNullable();
    });
    await knex.schema.createTable('rollup_dirty', (t) => {
      t.increments('id');
      t.string('family', 16).notNullable();
      t.integer('ts_from').unsigned().notNullable();
    });
    await knex.schema.createTable('job_runs', (t) => {
      t.string('name', 64).primary();
      t.integer('last_run').unsigned().notNullable();
      t.integer('last_ok').unsigned().nullable();
      t.text('last_error').nullable();
      t.integer('duration_ms').unsigned().notNullable();
    });
  },
  async down(knex) {
    for (const t of [
      'job_runs',
      'rollup_dirty',
      'rollup_state',
      'leases',
      'agent_tokens',
      'logs',
      'events',
      ...(['node', 'container'] as const).flatMap((f) => Object.values(TABLES[f])),
      'agents',
      'workloads',
      'containers',
      'nodes',
      'clusters',
    ])
      await knex.schema.dropTableIfExists(t);
  },
};

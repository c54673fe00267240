import type { Knex } from 'knex';
import { idCol } from './0001_initial';
import { deleteDefaultRules, insertDefaultRules, type DefaultRule } from './default-rules';
import type { Migration } from './types';

const NAME = '0010_service_health';

/** Columns of the latency histogram in request_stats: one per LATENCY_BUCKETS_SECONDS bound, then +Inf. */
export const LATENCY_BUCKET_COLUMNS = Array.from({ length: 12 }, (_, i) => `lat_b${i}`);

/** The default rule on probes (issue 16): a service whose newest probe run in the last 5 minutes is down. */
export const PROBE_DOWN_RULE: DefaultRule = {
  id: 'builtin-service-probe-down',
  name: 'Service probe down',
  description:
    'A probe of a service failed on its newest run within the last 5 minutes (timeout, refused, unexpected status, body did not match).',
  target: 'service',
  metric: 'probeDown',
  operator: '>',
  threshold: 0,
  severity: 'critical',
  windowSeconds: 300,
};

const secondsCols = (t: Knex.CreateTableBuilder) => {
  for (const c of ['dns_seconds', 'connect_seconds', 'tls_seconds', 'first_byte_seconds', 'total_seconds'])
    t.double(c).nullable();
};

/**
 * Service health (issue 16; decision 29): services as the agent names them, probes (newest state)
 * and their runs, access-log request stats per container and interval, and the probes editors
 * define. Sample tables are wide rows keyed by (entity, ts) like the metric tables, so a replayed
 * batch overwrites itself; a ts index serves retention on both dialects. And the default
 * "probe down" rule.
 */
export const serviceHealth: Migration = {
  name: NAME,
  async up(knex) {
    await knex.schema.createTable('services', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      t.string('namespace', 253).nullable();
      t.string('name', 253).notNullable();
      t.integer('first_seen').unsigned().notNullable();
      t.integer('last_seen').unsigned().notNullable();
      t.index(['cluster_id', 'namespace'], 'services_cluster_ns_index');
    });
    await knex.schema.createTable('probes', (t) => {
      idCol(t, 'id').primary();
      idCol(t, 'cluster_id');
      idCol(t, 'service_id');
      t.string('probe_key', 512).notNullable();
      t.string('source', 16).notNullable();
      t.string('definition_id', 64).nullable();
      t.string('kind', 8).notNullable();
      t.string('target', 2048).notNullable();
      t.string('node_name', 253).notNullable();
      t.string('container_id', 16).nullable();
      t.integer('last_ts').unsigned().notNullable();
      t.index(['service_id'], 'probes_service_index');
    });
    await knex.schema.createTable('probe_runs', (t) => {
      idCol(t, 'probe_id');
      t.integer('ts').unsigned().notNullable();
      idCol(t, 'service_id');
      t.boolean('up').notNullable();
      t.integer('status_code').nullable();
      t.string('error', 1024).nullable();
      secondsCols(t);
      t.integer('cert_not_after').unsigned().nullable();
      t.primary(['probe_id', 'ts']);
      t.index(['service_id', 'ts'], 'probe_runs_service_ts_index');
      t.index(['ts'], 'probe_runs_ts_index');
    });
    await knex.schema.createTable('request_stats', (t) => {
      idCol(t, 'container_id');
      t.integer('ts').unsigned().notNullable();
      idCol(t, 'service_id');
      t.double('interval_seconds').notNullable();
      t.string('format', 8).notNullable();
      t.bigInteger('requests').unsigned().notNullable();
      for (const c of ['status_2xx', 'status_3xx', 'status_4xx', 'status_5xx'])
        t.bigInteger(c).unsigned().notNullable();
      t.bigInteger('latency_count').unsigned().notNullable();
      t.double('latency_sum').notNullable();
      for (const c of LATENCY_BUCKET_COLUMNS) t.bigInteger(c).unsigned().nullable();
      t.primary(['container_id', 'ts']);
      t.index(['service_id', 'ts'], 'request_stats_service_ts_index');
      t.index(['ts'], 'request_stats_ts_index');
    });
    await knex.schema.createTable('probe_definitions', (t) => {
      t.string('id', 32).primary();
      idCol(t, 'cluster_id');
      t.string('cluster_name', 128).notNullable();
      t.string('node_name', 253).nullable();
      t.string('namespace', 253).nullable();
      t.string('service_name', 253).notNullable();
      t.string('kind', 8).notNullable();
      t.string('target', 2048).notNullable();
      t.string('method', 8).notNullable();
      t.integer('interval_seconds').unsigned().notNullable();
      t.double('timeout_seconds').notNullable();
      t.string('expect_status', 128).nullable();
      t.string('body_match', 256).nullable();
      t.boolean('enabled').notNullable();
      t.string('created_by', 320).notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('updated_at').unsigned().notNullable();
      t.index(['cluster_id'], 'probe_definitions_cluster_index');
    });
    await insertDefaultRules(knex, [PROBE_DOWN_RULE]);
  },
  async down(knex) {
    await deleteDefaultRules(knex, [PROBE_DOWN_RULE]);
    for (const t of ['probe_definitions', 'request_stats', 'probe_runs', 'probes', 'services'])
      await knex.schema.dropTableIfExists(t);
  },
};

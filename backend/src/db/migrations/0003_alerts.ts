import type { Migration } from './types';

/** The rules every new install starts with (issue 5); fixed ids so they can be recognised. */
export const BUILTIN_RULES = [
  {
    id: 'builtin-cpu-high',
    name: 'Node CPU above 85 %',
    description: 'CPU usage of a node stays above 85 % for 5 minutes.',
    target: 'node',
    metric: 'cpuPercent',
    operator: '>',
    threshold: 85,
    for_seconds: 300,
    severity: 'warning',
  },
  {
    id: 'builtin-memory-high',
    name: 'Node memory above 90 %',
    description: 'Memory used on a node (MemTotal − MemAvailable) is above 90 %.',
    target: 'node',
    metric: 'memPercent',
    operator: '>',
    threshold: 90,
    for_seconds: 0,
    severity: 'critical',
  },
  {
    id: 'builtin-container-restarted',
    name: 'Container restarted',
    description: 'A container restarted within the last 10 minutes.',
    target: 'container',
    metric: 'restarts',
    operator: '>',
    threshold: 0,
    for_seconds: 0,
    severity: 'warning',
  },
  {
    id: 'builtin-node-not-ready',
    name: 'Node not ready',
    description: 'A node reports not ready, or its agent stopped reporting.',
    target: 'node',
    metric: 'nodeNotReady',
    operator: '>',
    threshold: 0,
    for_seconds: 0,
    severity: 'critical',
  },
  {
    id: 'builtin-disk-high',
    name: 'Node disk above 90 %',
    description: 'Filesystem usage of a node is above 90 %.',
    target: 'node',
    metric: 'diskPercent',
    operator: '>',
    threshold: 90,
    for_seconds: 0,
    severity: 'critical',
  },
] as const;

/** Alert rules, alerts and their transitions, silences, notification channels and deliveries. */
export const alerts: Migration = {
  name: '0003_alerts',
  async up(knex) {
    await knex.schema.createTable('alert_rules', (t) => {
      t.string('id', 36).primary();
      t.string('name', 128).notNullable();
      t.string('description', 1024).notNullable().defaultTo('');
      t.string('target', 16).notNullable();
      t.string('metric', 32).notNullable();
      t.string('operator', 2).notNullable();
      t.double('threshold').notNullable();
      t.integer('for_seconds').unsigned().notNullable();
      t.integer('window_seconds').unsigned().notNullable();
      t.string('severity', 16).notNullable();
      t.text('filters').notNullable();
      t.integer('cooldown_seconds').unsigned().notNullable();
      t.text('channel_ids').notNullable();
      t.boolean('enabled').notNullable();
      t.boolean('builtin').notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('updated_at').unsigned().notNullable();
    });
    await knex.schema.createTable('alerts', (t) => {
      t.string('id', 36).primary();
      t.string('rule_id', 36).notNullable();
      t.string('rule_name', 128).notNullable();
      /** rule id + entity kind + entity id: one alert episode at a time per fingerprint. */
      t.string('fingerprint', 160).notNullable();
      /** Equals the fingerprint while pending or firing, NULL once resolved: a unique key that forbids duplicates. */
      t.string('active_key', 160).nullable().unique();
      t.string('severity', 16).notNullable();
      t.string('state', 16).notNullable();
      t.boolean('silenced').notNullable();
      t.string('metric', 32).notNullable();
      t.string('operator', 2).notNullable();
      t.double('threshold').notNullable();
      t.double('value').nullable();
      t.string('entity_kind', 16).notNullable();
      t.string('entity_id', 64).notNullable();
      t.string('entity_name', 512).notNullable();
      t.string('cluster_name', 128).notNullable();
      t.string('namespace', 253).nullable();
      t.string('node_name', 253).nullable();
      t.integer('started_at').unsigned().notNullable();
      t.integer('fired_at').unsigned().nullable();
      t.integer('resolved_at').unsigned().nullable();
      t.integer('last_eval_at').unsigned().notNullable();
      t.index(['fingerprint', 'resolved_at']);
      t.index(['state']);
      t.index(['started_at']);
      t.index(['resolved_at']);
    });
    await knex.schema.createTable('alert_transitions', (t) => {
      t.increments('id');
      t.string('alert_id', 36).notNullable();
      t.integer('ts').unsigned().notNullable();
      t.string('from_state', 16).nullable();
      t.string('to_state', 16).notNullable();
      t.double('value').nullable();
      t.index(['alert_id']);
    });
    await knex.schema.createTable('alert_silences', (t) => {
      t.string('id', 36).primary();
      t.string('rule_id', 36).nullable();
      t.string('entity_id', 64).nullable();
      t.integer('starts_at').unsigned().notNullable();
      t.integer('ends_at').unsigned().notNullable();
      t.string('comment', 1024).notNullable();
      t.string('created_by', 320).nullable();
      t.integer('created_at').unsigned().notNullable();
      t.index(['ends_at']);
    });
    await knex.schema.createTable('notification_channels', (t) => {
      t.string('id', 36).primary();
      t.string('name', 128).notNullable();
      t.string('type', 16).notNullable();
      t.boolean('enabled').notNullable();
      /** JSON, including secrets (webhook URLs, headers, SMTP password); never returned unmasked. */
      t.text('config').notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('updated_at').unsigned().notNullable();
    });
    await knex.schema.createTable('notification_deliveries', (t) => {
      t.string('id', 36).primary();
      /** alert id + channel id + event: one delivery per transition and channel, whoever enqueues it. */
      t.string('dedupe_key', 128).nullable().unique();
      t.string('channel_id', 36).notNullable();
      t.string('alert_id', 36).nullable();
      t.string('event', 16).notNullable();
      t.string('status', 16).notNullable();
      t.integer('attempts').unsigned().notNullable();
      t.text('last_error').nullable();
      t.integer('response_code').nullable();
      t.text('payload').notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.integer('next_attempt_at').unsigned().nullable();
      t.integer('claimed_until').unsigned().nullable();
      t.integer('sent_at').unsigned().nullable();
      t.index(['status', 'next_attempt_at']);
      t.index(['alert_id']);
      t.index(['channel_id', 'created_at']);
    });
    /** The restart counter of each container as last seen by the evaluator, for the `restarts` metric. */
    await knex.schema.createTable('restart_observations', (t) => {
      t.string('container_id', 16).primary();
      t.integer('restart_count').unsigned().notNullable();
      t.integer('changed_at').unsigned().nullable();
      t.integer('last_increase').unsigned().notNullable();
    });
    const now = Math.floor(Date.now() / 1000);
    await knex('alert_rules').insert(
      BUILTIN_RULES.map((r) => ({
        ...r,
        window_seconds: 600,
        filters: JSON.stringify({ clusters: [], namespaces: [], nodes: [], namePattern: null }),
        cooldown_seconds: 300,
        channel_ids: '[]',
        enabled: true,
        builtin: true,
        created_at: now,
        updated_at: now,
      }))
    );
  },
  async down(knex) {
    for (const t of [
      'restart_observations',
      'notification_deliveries',
      'notification_channels',
      'alert_silences',
      'alert_transitions',
      'alerts',
      'alert_rules',
    ])
      await knex.schema.dropTableIfExists(t);
  },
};

import type { Migration } from './types';

/**
 * Automatic scaling (issue 15; decision 37): rules per workload, scoped by cluster and namespace
 * (Kubernetes) or node (Compose), and one decision per evaluation. The decisions are the rule's
 * history (the chart's replicas and metric series) and hold each recommendation the scale-down
 * stabilisation looks back on, so a new leader continues where the old one stopped.
 */
export const autoscaling: Migration = {
  name: '0015_autoscaling',
  async up(knex) {
    await knex.schema.createTable('autoscaling_rules', (t) => {
      t.string('id', 32).primary();
      t.string('name', 128).notNullable();
      t.string('cluster', 253).notNullable();
      // 'Deployment' | 'StatefulSet' | 'compose'; namespace for Kubernetes, node for Compose.
      t.string('workload_kind', 16).notNullable();
      t.string('namespace', 253).nullable();
      t.string('node', 253).nullable();
      // The Kubernetes workload's name, or the Compose project and service.
      t.string('workload_name', 253).nullable();
      t.string('project', 253).nullable();
      t.string('service', 253).nullable();
      t.string('metric', 32).notNullable();
      t.double('target').notNullable();
      t.integer('min_replicas').notNullable();
      t.integer('max_replicas').notNullable();
      t.integer('step').notNullable();
      t.integer('stabilisation_seconds').notNullable();
      t.integer('cooldown_seconds').notNullable();
      t.double('tolerance').notNullable();
      t.boolean('dry_run').notNullable();
      t.boolean('enabled').notNullable();
      t.string('created_by', 320).notNullable();
      t.integer('created_at').unsigned().notNullable();
      t.string('updated_by', 320).notNullable();
      t.integer('updated_at').unsigned().notNullable();
      t.index(['cluster'], 'autoscaling_rules_cluster_index');
    });
    await knex.schema.createTable('autoscaling_decisions', (t) => {
      t.string('id', 32).primary();
      t.string('rule_id', 32).notNullable();
      t.integer('ts').unsigned().notNullable();
      t.integer('current_replicas').notNullable();
      t.double('metric_value').nullable();
      t.integer('recommended_replicas').notNullable();
      t.integer('desired_replicas').notNullable();
      t.string('outcome', 16).notNullable();
      t.string('reason', 16).nullable();
      t.string('message', 1024).notNullable();
      t.string('action_id', 64).nullable();
      // History reads, the stabilisation window and the cooldown all read one rule's newest rows.
      t.index(['rule_id', 'ts'], 'autoscaling_decisions_rule_ts_index');
      t.index(['ts'], 'autoscaling_decisions_ts_index');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('autoscaling_decisions');
    await knex.schema.dropTable('autoscaling_rules');
  },
};

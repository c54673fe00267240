import type { Migration } from './types';

/**
 * Container actions (issue 15; decision 32): one row per requested action, queued until the agent
 * of the container's node is handed it (`agent_id`, `picked_at`, state running) and finished by
 * that agent's result (done, failed) or by expiry. The container's cluster, node and namespace
 * are copied in, so that scoped reads need no join and an action outlives its container.
 */
export const actions: Migration = {
  name: '0011_actions',
  async up(knex) {
    await knex.schema.createTable('actions', (t) => {
      t.string('id', 64).primary();
      t.string('kind', 32).notNullable();
      t.string('container_id', 16).notNullable();
      t.string('runtime_id', 128).notNullable();
      t.string('container_name', 512).notNullable();
      t.string('cluster', 128).notNullable();
      t.string('node', 253).notNullable();
      t.string('namespace', 253).nullable();
      t.text('options').notNullable();
      t.string('state', 16).notNullable();
      t.text('message').nullable();
      t.string('requested_by', 320).notNullable();
      t.integer('requested_at').unsigned().notNullable();
      t.string('agent_id', 128).nullable();
      t.integer('picked_at').unsigned().nullable();
      t.integer('finished_at').unsigned().nullable();
      t.integer('expires_at').unsigned().notNullable();
      // The hand-out lookup (this agent's node, queued) and the expiry sweep.
      t.index(['cluster', 'node', 'state'], 'actions_cluster_node_state_index');
      t.index(['state', 'expires_at'], 'actions_state_expires_index');
      t.index(['container_id', 'requested_at'], 'actions_container_index');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('actions');
  },
};

import type { Migration } from './types';

/**
 * Actions on more than containers (issue 15; decision 33): `executor` says which agent runs the
 * action (the node's agent, or the cluster agent for the Kubernetes API) and `target` holds what
 * it acts on as JSON (ActionTarget: Compose service, network, pod or workload). Container actions
 * keep their container columns; other actions store '' there and their target's name in
 * `container_name`.
 */
export const actionTargets: Migration = {
  name: '0012_action_targets',
  async up(knex) {
    await knex.schema.alterTable('actions', (t) => {
      t.string('executor', 8).notNullable().defaultTo('node');
      t.text('target').nullable();
      // The cluster agent's hand-out lookup (its cluster's queued cluster actions).
      t.index(['cluster', 'executor', 'state'], 'actions_cluster_executor_state_index');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('actions', (t) => {
      t.dropIndex(['cluster', 'executor', 'state'], 'actions_cluster_executor_state_index');
      t.dropColumn('target');
      t.dropColumn('executor');
    });
  },
};

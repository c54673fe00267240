import type { Migration } from './types';

/**
 * Networks (issue 15; decision 36): the Docker networks each node agent reports (one row per
 * network per node, keyed by cluster + node + Docker id), the containers attached to each, the
 * NetworkPolicies cluster agents report, and per node (or cluster, for policies) the time of the
 * newest full inventory applied, so that a replayed older one changes nothing.
 */
export const networks: Migration = {
  name: '0014_networks',
  async up(knex) {
    await knex.schema.createTable('networks', (t) => {
      t.string('id', 16).primary();
      t.string('cluster_id', 16).notNullable();
      t.string('node_id', 16).notNullable();
      // Names copied in for scoped reads without a join (as in `actions`).
      t.string('cluster', 128).notNullable();
      t.string('node', 253).notNullable();
      t.string('network_id', 128).notNullable();
      t.string('name', 255).notNullable();
      t.string('driver', 64).notNullable();
      t.string('scope', 16).notNullable();
      t.boolean('internal').notNullable();
      t.text('ipam').notNullable();
      t.text('labels').notNullable();
      t.integer('created_at').unsigned().nullable();
      t.integer('last_seen').unsigned().notNullable();
      t.index(['node_id', 'name'], 'networks_node_name_index');
      t.index(['cluster', 'node'], 'networks_cluster_node_index');
    });
    await knex.schema.createTable('network_attachments', (t) => {
      t.string('network', 16).notNullable();
      t.string('runtime_id', 128).notNullable();
      t.string('container_name', 512).notNullable();
      t.string('ipv4', 64).notNullable();
      t.string('ipv6', 64).notNullable();
      t.string('mac', 32).notNullable();
      t.primary(['network', 'runtime_id']);
    });
    await knex.schema.createTable('network_policies', (t) => {
      t.string('id', 16).primary();
      t.string('cluster_id', 16).notNullable();
      t.string('cluster', 128).notNullable();
      t.string('namespace', 253).notNullable();
      t.string('name', 253).notNullable();
      t.text('pod_selector').notNullable();
      t.text('policy_types').notNullable();
      t.integer('ingress_rules').unsigned().notNullable();
      t.integer('egress_rules').unsigned().notNullable();
      t.integer('created_at').unsigned().nullable();
      t.integer('last_seen').unsigned().notNullable();
      t.index(['cluster_id', 'namespace'], 'network_policies_cluster_namespace_index');
    });
    await knex.schema.createTable('network_inventories', (t) => {
      // `node:<node id>` for a node's networks, `policies:<cluster id>` for a cluster's policies.
      t.string('subject', 64).primary();
      t.integer('ts').unsigned().notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTable('network_inventories');
    await knex.schema.dropTable('network_policies');
    await knex.schema.dropTable('network_attachments');
    await knex.schema.dropTable('networks');
  },
};

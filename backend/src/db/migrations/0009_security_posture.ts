import type { Migration } from './types';

const NAME = '0009_security_posture';

/** The default rules on security events (issue 17), one per kind; fixed ids like the rules of 0003 and 0005. */
export const SECURITY_RULES = [
  {
    id: 'builtin-security-exec',
    name: 'Exec session into a container',
    description: 'Someone started a process in a running container (docker exec) within the last 10 minutes.',
    metric: 'execSessions',
    severity: 'warning',
  },
  {
    id: 'builtin-security-privileged-start',
    name: 'Container started privileged',
    description: 'A container was started with --privileged within the last 10 minutes.',
    metric: 'privilegedStarts',
    severity: 'warning',
  },
  {
    id: 'builtin-security-sensitive-mount',
    name: 'Container started with a sensitive host mount',
    description:
      'A container was started with a sensitive host path (the Docker or containerd socket, /, /etc, /var/run, …) mounted, within the last 10 minutes.',
    metric: 'sensitiveMountStarts',
    severity: 'warning',
  },
  {
    id: 'builtin-security-image-changed',
    name: 'Container image changed',
    description: 'A container was re-created under the same name with another image within the last 10 minutes.',
    metric: 'imageChanges',
    severity: 'info',
  },
] as const;

/**
 * Security posture (issue 17): the agent's posture facts per container (JSON), the risk names the
 * backend computed from them at ingest (",privileged,root," — delimited so that one risk is a LIKE
 * match) and their number; a category on events ('security' for exec sessions, privileged or
 * sensitive-mount starts and image changes); and one default alert rule per security event kind.
 */
export const securityPosture: Migration = {
  name: NAME,
  async up(knex) {
    await knex.schema.alterTable('containers', (t) => {
      t.text('security').nullable();
      t.string('risks', 255).notNullable().defaultTo('');
      t.integer('risk_count').unsigned().notNullable().defaultTo(0);
      t.index(['risk_count'], 'containers_risk_count_index');
    });
    await knex.schema.alterTable('events', (t) => {
      t.string('category', 16).nullable();
      t.index(['category', 'ts'], 'events_category_ts_index');
    });
    const now = Math.floor(Date.now() / 1000);
    await knex('alert_rules').insert(
      SECURITY_RULES.map((r) => ({
        ...r,
        target: 'container',
        operator: '>',
        threshold: 0,
        for_seconds: 0,
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
    await knex('alert_rules')
      .whereIn(
        'id',
        SECURITY_RULES.map((r) => r.id)
      )
      .delete();
    await knex.schema.alterTable('events', (t) => {
      t.dropIndex([], 'events_category_ts_index');
      t.dropColumn('category');
    });
    await knex.schema.alterTable('containers', (t) => {
      t.dropIndex([], 'containers_risk_count_index');
      t.dropColumn('risk_count');
      t.dropColumn('risks');
      t.dropColumn('security');
    });
  },
};

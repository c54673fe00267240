import { addMetricColumns, dropMetricColumns } from './metric-columns';
import type { Migration } from './types';

const NAME = '0005_container_pressure';

/** The default rule on OOM kills (issue 12); a fixed id like the rules of 0003. */
export const OOM_KILL_RULE = {
  id: 'builtin-container-oom-kill',
  name: 'Container OOM-killed',
  description: 'The kernel OOM killer killed a process of a container within the last 10 minutes.',
  target: 'container',
  metric: 'oomKills',
  operator: '>',
  threshold: 0,
  for_seconds: 0,
  severity: 'critical',
} as const;

/**
 * Container memory parts (usage, anon, active/inactive file) and CPU throttling (throttled
 * periods percent, throttled seconds per second) in every container sample tier, and the default
 * OOM-kill rule (issue 12).
 */
export const containerPressure: Migration = {
  name: NAME,
  async up(knex) {
    await addMetricColumns(knex, 'container', NAME);
    const now = Math.floor(Date.now() / 1000);
    await knex('alert_rules').insert({
      ...OOM_KILL_RULE,
      window_seconds: 600,
      filters: JSON.stringify({ clusters: [], namespaces: [], nodes: [], namePattern: null }),
      cooldown_seconds: 300,
      channel_ids: '[]',
      enabled: true,
      builtin: true,
      created_at: now,
      updated_at: now,
    });
  },
  async down(knex) {
    await knex('alert_rules').where('id', OOM_KILL_RULE.id).delete();
    await dropMetricColumns(knex, 'container', NAME);
  },
};

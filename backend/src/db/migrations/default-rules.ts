import type { Knex } from 'knex';

/** A default alert rule as a migration seeds it: fixed id, built in, enabled, no filters or channels. */
export interface DefaultRule {
  id: string;
  name: string;
  description: string;
  target: string;
  metric: string;
  operator: string;
  threshold: number;
  severity: string;
  forSeconds?: number;
  windowSeconds?: number;
  cooldownSeconds?: number;
}

/**
 * Inserts default rules with the columns every default shares (as 0003, 0005 and 0009 wrote them
 * inline; later migrations use this instead of another copy).
 */
export async function insertDefaultRules(knex: Knex, rules: DefaultRule[]): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await knex('alert_rules').insert(
    rules.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      target: r.target,
      metric: r.metric,
      operator: r.operator,
      threshold: r.threshold,
      severity: r.severity,
      for_seconds: r.forSeconds ?? 0,
      window_seconds: r.windowSeconds ?? 600,
      filters: JSON.stringify({ clusters: [], namespaces: [], nodes: [], namePattern: null }),
      cooldown_seconds: r.cooldownSeconds ?? 300,
      channel_ids: '[]',
      enabled: true,
      builtin: true,
      created_at: now,
      updated_at: now,
    }))
  );
}

/** Removes default rules by id (a migration's `down`). */
export const deleteDefaultRules = (knex: Knex, rules: DefaultRule[]) =>
  knex('alert_rules')
    .whereIn(
      'id',
      rules.map((r) => r.id)
    )
    .delete();

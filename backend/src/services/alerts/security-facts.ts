import type { Knex } from 'knex';

/** The security alert metrics (issue 17) and the event reason each counts. */
export const SECURITY_METRIC_REASONS = {
  execSessions: 'exec_start',
  privilegedStarts: 'privileged_start',
  sensitiveMountStarts: 'sensitive_mount_start',
  imageChanges: 'image_changed',
} as const;

export type SecurityMetric = keyof typeof SECURITY_METRIC_REASONS;

/** Times of a container's security events by reason, oldest first. */
export type SecurityTimes = Partial<Record<string, number[]>>;

/** Security events (category 'security') of containers since `since`, per container entity id. */
export async function loadSecurityTimes(knex: Knex, since: number): Promise<Map<string, SecurityTimes>> {
  const out = new Map<string, SecurityTimes>();
  const rows = await knex('events')
    .where('category', 'security')
    .whereIn('reason', Object.values(SECURITY_METRIC_REASONS))
    .whereNotNull('container_id')
    .where('ts', '>', since)
    .orderBy('ts')
    .select('container_id', 'reason', 'ts');
  for (const r of rows as Array<{ container_id: string; reason: string; ts: number }>) {
    let t = out.get(r.container_id);
    if (!t) out.set(r.container_id, (t = {}));
    (t[r.reason] ??= []).push(Number(r.ts));
  }
  return out;
}

/** Whether an alert metric is one of the security event counts. */
export const isSecurityMetric = (m: string): m is SecurityMetric => m in SECURITY_METRIC_REASONS;

/** The number of a metric's security events of a group of containers within the window ending now. */
export function securityCount(
  metric: SecurityMetric,
  cs: Array<{ securityTimes: SecurityTimes }>,
  now: number,
  windowSeconds: number
): number {
  const reason = SECURITY_METRIC_REASONS[metric];
  return cs.reduce((a, c) => a + (c.securityTimes[reason] ?? []).filter((t) => t > now - windowSeconds).length, 0);
}

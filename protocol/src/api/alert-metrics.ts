/*
 * Kept free of zod so that the plugin can import it without bundling the schema library;
 * `alerts.ts` re-exports it typed against its zod enums, so the two cannot drift apart.
 */

type Target = 'node' | 'container' | 'pod' | 'namespace' | 'workload' | 'cluster' | 'service';
type Metric =
  | 'cpuPercent'
  | 'memPercent'
  | 'diskPercent'
  | 'netRxBps'
  | 'netTxBps'
  | 'restartCount'
  | 'restarts'
  | 'nodeNotReady'
  | 'exitedNonZero'
  | 'oomKilled'
  | 'oomKills'
  | 'cpuThrottledPercent'
  | 'execSessions'
  | 'privilegedStarts'
  | 'sensitiveMountStarts'
  | 'imageChanges'
  | 'latencyAvgSeconds'
  | 'latencyP95Seconds'
  | 'errorPercent'
  | 'probeDown'
  | 'certDaysLeft';

/** Security event counts within the rule's window (issue 17): exec sessions, privileged and sensitive-mount starts, image changes. */
const SECURITY_METRICS: Metric[] = ['execSessions', 'privilegedStarts', 'sensitiveMountStarts', 'imageChanges'];

/** Which metrics each alert target supports. */
export const METRICS_BY_TARGET: Record<Target, Metric[]> = {
  node: ['cpuPercent', 'memPercent', 'diskPercent', 'netRxBps', 'netTxBps', 'nodeNotReady'],
  container: [
    'cpuPercent',
    'memPercent',
    'netRxBps',
    'netTxBps',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
    'oomKills',
    'cpuThrottledPercent',
    ...SECURITY_METRICS,
  ],
  pod: [
    'cpuPercent',
    'memPercent',
    'netRxBps',
    'netTxBps',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
    'oomKills',
    'cpuThrottledPercent',
    ...SECURITY_METRICS,
  ],
  namespace: [
    'cpuPercent',
    'memPercent',
    'netRxBps',
    'netTxBps',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
    'oomKills',
    'cpuThrottledPercent',
    ...SECURITY_METRICS,
  ],
  workload: [
    'cpuPercent',
    'memPercent',
    'netRxBps',
    'netTxBps',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
    'oomKills',
    'cpuThrottledPercent',
    ...SECURITY_METRICS,
  ],
  cluster: [
    'cpuPercent',
    'memPercent',
    'diskPercent',
    'netRxBps',
    'netTxBps',
    'nodeNotReady',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
    'oomKills',
    'cpuThrottledPercent',
    ...SECURITY_METRICS,
  ],
  // Service health over the rule's window (issue 16; the figures of GET /services).
  service: ['latencyAvgSeconds', 'latencyP95Seconds', 'errorPercent', 'probeDown', 'certDaysLeft'],
};

/** The parts of a rule that decide which alerts it raises (a zod-free view of `AlertRuleInput`/`AlertRule`). */
export interface RuleCondition {
  target: string;
  metric: string;
  operator: string;
  threshold: number;
  filters: { clusters: string[]; namespaces: string[]; nodes: string[]; namePattern: string | null };
}

/**
 * The default rules that `rule` duplicates (issue 14 item 4; docs/alerts.md "Duplicate rules"). A
 * rule duplicates a default rule when it has the same target, metric, operator and threshold as
 * the default rule as it is stored now, and watches no entity the default rule does not: on each
 * of clusters, namespaces and nodes the default has no filter or the rule names only values the
 * default names (a non-empty subset), and the default has no name pattern or the same one. Such a
 * rule raises a second alert for every alert it raises. `selfId` (the rule being edited) is never
 * its own duplicate.
 */
export function duplicatedDefaults<R extends RuleCondition & { id: string; builtin: boolean }>(
  rule: RuleCondition,
  rules: R[],
  selfId?: string
): R[] {
  const within = (mine: string[], theirs: string[]) =>
    theirs.length === 0 || (mine.length > 0 && mine.every((x) => theirs.includes(x)));
  return rules.filter(
    (d) =>
      d.builtin &&
      d.id !== selfId &&
      d.target === rule.target &&
      d.metric === rule.metric &&
      d.operator === rule.operator &&
      d.threshold === rule.threshold &&
      within(rule.filters.clusters, d.filters.clusters) &&
      within(rule.filters.namespaces, d.filters.namespaces) &&
      within(rule.filters.nodes, d.filters.nodes) &&
      (d.filters.namePattern === null || d.filters.namePattern === rule.filters.namePattern)
  );
}

/*
 * Kept free of zod so that the plugin can import it without bundling the schema library;
 * `alerts.ts` re-exports it typed against its zod enums, so the two cannot drift apart.
 */

type Target = 'node' | 'container' | 'pod' | 'namespace' | 'workload' | 'cluster';
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
  | 'oomKilled';

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
  ],
  pod: ['cpuPercent', 'memPercent', 'netRxBps', 'netTxBps', 'restartCount', 'restarts', 'exitedNonZero', 'oomKilled'],
  namespace: [
    'cpuPercent',
    'memPercent',
    'netRxBps',
    'netTxBps',
    'restartCount',
    'restarts',
    'exitedNonZero',
    'oomKilled',
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
  ],
};

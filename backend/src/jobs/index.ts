import type { AppDeps } from '../app';
import { RetentionService } from '../services/retention';
import { RollupService } from '../services/rollup';
import { alertingJobs } from './alerting';
import type { Job } from './scheduler';

/** The leader-only jobs: rollups every minute, retention every hour, alerting and log limits (jobs/alerting.ts), action expiry, autoscaling. */
export function defaultJobs(deps: AppDeps): Job[] {
  const rollup = new RollupService(deps.db, (line) => deps.log.warn(line));
  const retention = new RetentionService(deps.db, {
    ...deps.config.retentionDays,
    logs: deps.config.logs.retentionDays,
  });
  return [
    { name: 'rollup', schedule: '10 * * * * *', run: (now) => rollup.run(now) },
    { name: 'retention', schedule: '0 17 * * * *', run: (now) => retention.run(now) },
    ...alertingJobs(deps),
    // Container actions no agent took in time (decision 32).
    { name: 'action-expiry', schedule: '*/15 * * * * *', run: (now) => deps.actions.expire(now) },
    // Autoscaling rules (decision 37), and their history as long as the minute tier's samples.
    {
      name: 'autoscaling',
      schedule: `*/${deps.config.autoscalingIntervalSeconds} * * * * *`,
      run: (now) => deps.autoscaling.autoscaler.evaluate(now),
    },
    {
      name: 'autoscaling-history',
      schedule: '0 29 * * * *',
      run: (now) => deps.autoscaling.rules.prune(now - deps.config.retentionDays.m1 * 86_400),
    },
  ];
}

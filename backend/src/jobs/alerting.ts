import type { AppDeps } from '../app';
import { capLogsPerContainer, deleteLogsBefore } from '../services/logs';
import type { Job } from './scheduler';

/**
 * Alerting and log jobs (leader only): evaluate rules every 30 s and send what they queued;
 * retry due notifications every 10 s; bound logs per container every minute; prune old alert
 * history hourly.
 */
export function alertingJobs(deps: AppDeps): Job[] {
  const { evaluator, notifier } = deps.alerts;
  return [
    {
      name: 'alert-evaluation',
      schedule: '15,45 * * * * *',
      run: async (now) => {
        const summary = await evaluator.evaluate(now);
        await notifier.deliverDue(now);
        return summary;
      },
    },
    { name: 'alert-notifications', schedule: '5,25,35,55 * * * * *', run: (now) => notifier.deliverDue(now) },
    {
      name: 'log-limits',
      schedule: '40 * * * * *',
      run: async (now) =>
        (await deleteLogsBefore(deps.db, now - deps.config.logs.retentionDays * 86_400)) +
        (await capLogsPerContainer(deps.db, deps.config.logs.maxLinesPerContainer)),
    },
    { name: 'alert-history', schedule: '0 23 * * * *', run: (now) => deps.alerts.pruneHistory(now) },
  ];
}

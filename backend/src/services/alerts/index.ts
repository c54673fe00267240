import type { Db } from '../../db/connection';
import type { Logger } from '../../logger';
import { AlertAcks } from './acks';
import { ChannelService } from './channels';
import { AlertEvaluator } from './evaluator';
import { Notifier, type NotifyOptions } from './notifier';
import { AlertQueries } from './queries';
import { RuleService } from './rules';
import { SilenceService } from './silences';

export { InvalidFieldsError } from './common';

export interface AlertOptions extends NotifyOptions {
  /** Resolved alerts (and their transitions and deliveries) older than this are deleted. */
  historyDays: number;
  staleAfter: number;
}

/** Everything alerting: rules, evaluation, alerts, silences, channels and notifications. */
export interface AlertServices {
  rules: RuleService;
  evaluator: AlertEvaluator;
  notifier: Notifier;
  queries: AlertQueries;
  acks: AlertAcks;
  silences: SilenceService;
  channels: ChannelService;
  /** Deletes alert history older than the configured days as of `now`; returns alerts deleted. */
  pruneHistory(now: number): Promise<number>;
}

export function createAlertServices(db: Db, opts: AlertOptions, log: Logger, now: () => number): AlertServices {
  const rules = new RuleService(db, now);
  const channels = new ChannelService(db, now);
  const notifier = new Notifier(db, channels, opts, log);
  return {
    rules,
    channels,
    notifier,
    evaluator: new AlertEvaluator(db, rules, notifier, opts.staleAfter, log),
    queries: new AlertQueries(db),
    acks: new AlertAcks(db, now),
    silences: new SilenceService(db, now),
    async pruneHistory(at: number) {
      const cutoff = at - opts.historyDays * 86_400;
      const k = db.knex;
      let total = 0;
      for (;;) {
        const ids = (
          await k('alerts').where('state', 'resolved').where('resolved_at', '<', cutoff).limit(1000).select('id')
        ).map((r: { id: string }) => r.id);
        if (!ids.length) return total;
        await k('alert_transitions').whereIn('alert_id', ids).delete();
        await k('notification_deliveries').whereIn('alert_id', ids).delete();
        await k('alerts').whereIn('id', ids).delete();
        total += ids.length;
      }
    },
  };
}

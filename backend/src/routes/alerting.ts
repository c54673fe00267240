import type { AppDeps } from '../app';
import { ALERT_READS, ALERT_WRITES } from './alerts';
import { CHANNEL_READS, CHANNEL_WRITES } from './channels';
import { EVENT_READS } from './events';
import { LOG_READS } from './logs';
import { mountRoutes, type RouteSpec } from './mount';
import type { Endpoint } from './query';
import { RULE_READS, RULE_WRITES } from './rules';
import { SILENCE_READS, SILENCE_WRITES } from './silences';

/** Read endpoints of alerting, events and logs (merged into ENDPOINTS, so routed and documented like the others). */
export const ALERTING_READS: Endpoint[] = [
  ...ALERT_READS,
  ...RULE_READS,
  ...SILENCE_READS,
  ...CHANNEL_READS,
  ...EVENT_READS,
  ...LOG_READS,
];

/** Write endpoints of alerting (acknowledgements, rules, silences, channels, test-send). */
export const ALERTING_WRITES: RouteSpec[] = [...ALERT_WRITES, ...RULE_WRITES, ...SILENCE_WRITES, ...CHANNEL_WRITES];

/** Router for ALERTING_WRITES (rules and channel configs may be larger than access bodies). */
export const alertingRoutes = (deps: AppDeps) => mountRoutes(deps, ALERTING_WRITES, { bodyLimit: 1024 * 1024 });

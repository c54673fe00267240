import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';

/** Alerts: list, statistics, detail. (`/alerts/stats` precedes `/alerts/:id`.) */
export const ALERT_READS: Endpoint[] = [
  {
    path: '/alerts',
    summary: 'Alerts (pending, firing and resolved history) in scope, newest first',
    query: wire.AlertListQuery,
    reply: wire.AlertListReply,
    handle: (d, s, q) => d.alerts.queries.list(s, q),
  },
  {
    path: '/alerts/stats',
    summary: 'Firing alerts by severity and alerts resolved in the period, each against the previous period',
    query: wire.AlertStatsQuery,
    reply: wire.AlertStatsReply,
    handle: (d, s, q) => d.alerts.queries.stats(s, q, d.alerts.now()),
  },
  {
    path: '/alerts/:id',
    summary: 'One alert with its state transitions and notification deliveries',
    reply: wire.AlertDetailReply,
    handle: (d, s, _q, p) => d.alerts.queries.get(s, p.id),
  },
];

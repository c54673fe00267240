import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import { callerName, type RouteSpec } from './mount';
import type { AppDeps } from '../app';
import { actorOf } from '../services/access';
import { FULL_SCOPE } from '../services/scope';

const alertBefore = (d: AppDeps, p: Record<string, string>) => d.alerts.acks.get(FULL_SCOPE, p.id);

/** Alerts: list, statistics, groups, detail. (`/alerts/stats` and `/alerts/groups` precede `/alerts/:id`.) */
export const ALERT_READS: Endpoint[] = [
  {
    path: '/alerts',
    summary:
      'Alerts (pending, firing and resolved history) in scope, filtered by state, severity, rule, entity, cluster and acknowledgement; newest first or by severity (sort=severity)',
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
    path: '/alerts/groups',
    summary: 'Alerts in scope matching the list filters, counted per rule (total and acknowledged), most severe first',
    query: wire.AlertGroupsQuery,
    reply: wire.AlertGroupsReply,
    handle: (d, s, q) => d.alerts.queries.groups(s, q),
  },
  {
    path: '/alerts/:id',
    summary: 'One alert with its state transitions and notification deliveries',
    reply: wire.AlertDetailReply,
    handle: (d, s, _q, p) => d.alerts.queries.get(s, p.id),
  },
];

/** Acknowledging active alerts (editor or admin, within the caller's scope; audited). */
export const ALERT_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/alerts/acknowledgements',
    summary:
      'Acknowledge every unacknowledged pending or firing alert of a rule in your scope, narrowed by cluster and severity (editor or admin)',
    access: 'editor',
    body: wire.AlertGroupAckInput,
    reply: wire.AlertGroupAckReply,
    // Audited here, not by the router: the target is the rule (from the body), the entry lists the alerts.
    handle: async (d, c, i) => {
      const out = await d.alerts.acks.acknowledgeGroup(c!.scope, i.body, callerName(c) ?? 'service-key');
      await d.access.audit.record(
        d.db.knex,
        actorOf(c!),
        'alert.acknowledge-group',
        'alert-rule',
        i.body.ruleId,
        null,
        {
          ...out,
          comment: i.body.comment,
        }
      );
      return out;
    },
  },
  {
    method: 'post',
    path: '/alerts/:id/acknowledgement',
    summary:
      'Acknowledge a pending or firing alert as yourself, with an optional comment (editor or admin; 409 once resolved)',
    access: 'editor',
    body: wire.AlertAckInput,
    reply: wire.Alert,
    responses: { '404': 'no such alert in your scope', '409': 'the alert is resolved' },
    audit: { action: 'alert.acknowledge', targetType: 'alert', before: alertBefore },
    handle: (d, c, i) =>
      d.alerts.acks.acknowledge(c!.scope, i.params.id, callerName(c) ?? 'service-key', i.body.comment),
  },
  {
    method: 'delete',
    path: '/alerts/:id/acknowledgement',
    summary: 'Remove the acknowledgement of an alert (editor or admin)',
    access: 'editor',
    reply: wire.Alert,
    responses: { '404': 'no such alert in your scope' },
    audit: { action: 'alert.unacknowledge', targetType: 'alert', before: alertBefore },
    handle: (d, c, i) => d.alerts.acks.unacknowledge(c!.scope, i.params.id),
  },
];

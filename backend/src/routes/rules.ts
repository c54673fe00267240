import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import type { WriteEndpoint } from './alerts';

export const RULE_READS: Endpoint[] = [
  {
    path: '/alert-rules',
    summary: 'Alert rules that may concern something in scope (any role)',
    reply: wire.AlertRuleListReply,
    handle: (d, s) => d.alerts.rules.list(s),
  },
  {
    path: '/alert-rules/:id',
    summary: 'One alert rule',
    reply: wire.AlertRule,
    handle: (d, s, _q, p) => d.alerts.rules.get(s, p.id),
  },
];

export const RULE_WRITES: WriteEndpoint[] = [
  {
    method: 'post',
    path: '/alert-rules',
    summary: 'Create an alert rule (editor or admin)',
    minRole: 'editor',
    body: wire.AlertRuleInput,
    reply: wire.AlertRule,
    status: 201,
    handle: (d, r) => d.alerts.rules.create(r.body),
  },
  {
    method: 'put',
    path: '/alert-rules/:id',
    summary: 'Replace an alert rule (editor or admin)',
    minRole: 'editor',
    body: wire.AlertRuleInput,
    reply: wire.AlertRule,
    handle: (d, r) => d.alerts.rules.replace(r.scope, r.params.id, r.body),
  },
  {
    method: 'patch',
    path: '/alert-rules/:id',
    summary: 'Change some fields of an alert rule, e.g. enable or disable it (editor or admin)',
    minRole: 'editor',
    body: wire.AlertRulePatch,
    reply: wire.AlertRule,
    handle: (d, r) => d.alerts.rules.patch(r.scope, r.params.id, r.body),
  },
  {
    method: 'delete',
    path: '/alert-rules/:id',
    summary: 'Delete an alert rule; its alerts stay as history (editor or admin)',
    minRole: 'editor',
    handle: (d, r) => d.alerts.rules.remove(r.scope, r.params.id),
  },
];

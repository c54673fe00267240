import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import { FULL_SCOPE } from '../services/scope';
import type { WriteEndpoint } from './alerts';
import type { AppDeps } from '../app';

const ruleBefore = (d: AppDeps, p: Record<string, string>) => d.alerts.rules.get(FULL_SCOPE, p.id);

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
    audit: { action: 'alert-rule.create', targetType: 'alert-rule' },
    handle: (d, r) => d.alerts.rules.create(r.body, r.scope),
  },
  {
    method: 'put',
    path: '/alert-rules/:id',
    summary: 'Replace an alert rule (editor or admin)',
    minRole: 'editor',
    body: wire.AlertRuleInput,
    reply: wire.AlertRule,
    audit: { action: 'alert-rule.update', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, r) => d.alerts.rules.replace(r.scope, r.params.id, r.body),
  },
  {
    method: 'patch',
    path: '/alert-rules/:id',
    summary: 'Change some fields of an alert rule, e.g. enable or disable it (editor or admin)',
    minRole: 'editor',
    body: wire.AlertRulePatch,
    reply: wire.AlertRule,
    audit: { action: 'alert-rule.update', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, r) => d.alerts.rules.patch(r.scope, r.params.id, r.body),
  },
  {
    method: 'delete',
    path: '/alert-rules/:id',
    summary: 'Delete an alert rule; its alerts stay as history (editor or admin)',
    minRole: 'editor',
    audit: { action: 'alert-rule.delete', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, r) => d.alerts.rules.remove(r.scope, r.params.id),
  },
];

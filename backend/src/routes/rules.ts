import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import { FULL_SCOPE } from '../services/scope';
import type { RouteSpec } from './mount';
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

export const RULE_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/alert-rules',
    summary:
      'Create an alert rule (editor or admin); `warnings` names the default rules it duplicates (same target, metric, operator and threshold, no entity the default does not watch) — saved anyway',
    access: 'editor',
    body: wire.AlertRuleInput,
    reply: wire.AlertRuleCreated,
    status: 201,
    audit: { action: 'alert-rule.create', targetType: 'alert-rule' },
    handle: (d, c, i) => d.alerts.rules.createWithWarnings(i.body, c!.scope),
  },
  {
    method: 'put',
    path: '/alert-rules/:id',
    summary: 'Replace an alert rule (editor or admin)',
    access: 'editor',
    body: wire.AlertRuleInput,
    reply: wire.AlertRule,
    audit: { action: 'alert-rule.update', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, c, i) => d.alerts.rules.replace(c!.scope, i.params.id, i.body),
  },
  {
    method: 'patch',
    path: '/alert-rules/:id',
    summary: 'Change some fields of an alert rule, e.g. enable or disable it (editor or admin)',
    access: 'editor',
    body: wire.AlertRulePatch,
    reply: wire.AlertRule,
    audit: { action: 'alert-rule.update', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, c, i) => d.alerts.rules.patch(c!.scope, i.params.id, i.body),
  },
  {
    method: 'delete',
    path: '/alert-rules/:id',
    summary: 'Delete an alert rule; its alerts stay as history (editor or admin)',
    access: 'editor',
    audit: { action: 'alert-rule.delete', targetType: 'alert-rule', before: ruleBefore },
    handle: (d, c, i) => d.alerts.rules.remove(c!.scope, i.params.id),
  },
];

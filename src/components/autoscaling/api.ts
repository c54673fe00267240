import type {
  AutoscalingHistoryReply,
  AutoscalingRule,
  AutoscalingRuleInput,
  AutoscalingRuleListReply,
} from '@fleetlens/protocol/api';
import type { FleetlensClient } from '../../api/client';

/*
 * The autoscaling rules of the query API (protocol/src/api/autoscaling.ts; decision 37), on top
 * of the one typed client.
 */

/** GET /autoscaling/rules: the rules in scope, each with its newest decision. */
export function listAutoscalingRules(c: FleetlensClient, p: { cluster?: string }, signal?: AbortSignal) {
  return c.get<AutoscalingRuleListReply>('/autoscaling/rules', { ...p }, signal);
}

/** GET /autoscaling/rules/:id. */
export function getAutoscalingRule(c: FleetlensClient, id: string, signal?: AbortSignal) {
  return c.get<AutoscalingRule>(`/autoscaling/rules/${encodeURIComponent(id)}`, {}, signal);
}

/** GET /autoscaling/rules/:id/history: decisions within [from, to] and the chart's series. */
export function autoscalingHistory(
  c: FleetlensClient,
  id: string,
  p: { from: number; to: number; limit?: number },
  signal?: AbortSignal
) {
  return c.get<AutoscalingHistoryReply>(`/autoscaling/rules/${encodeURIComponent(id)}/history`, { ...p }, signal);
}

/** A rule as the form sends it: numbers possibly still as typed (the backend names the field it refuses). */
export type RuleBody = {
  [K in keyof AutoscalingRuleInput]: K extends 'workload' ? Record<string, string> : AutoscalingRuleInput[K] | string;
};

/** POST /autoscaling/rules (editor or admin). */
export function createAutoscalingRule(c: FleetlensClient, body: RuleBody) {
  return c.send<AutoscalingRule>('POST', '/autoscaling/rules', body);
}

/** PUT /autoscaling/rules/:id (editor or admin). */
export function replaceAutoscalingRule(c: FleetlensClient, id: string, body: RuleBody) {
  return c.send<AutoscalingRule>('PUT', `/autoscaling/rules/${encodeURIComponent(id)}`, body);
}

/** DELETE /autoscaling/rules/:id (editor or admin). */
export function deleteAutoscalingRule(c: FleetlensClient, id: string) {
  return c.send<void>('DELETE', `/autoscaling/rules/${encodeURIComponent(id)}`);
}

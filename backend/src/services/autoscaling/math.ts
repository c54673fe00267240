import type { api } from '@fleetlens/protocol';

/** What one evaluation knows about the rule's workload and its own past. */
export interface DecisionInput {
  rule: Pick<
    api.AutoscalingRule,
    'target' | 'minReplicas' | 'maxReplicas' | 'step' | 'tolerance' | 'stabilisationSeconds' | 'cooldownSeconds'
  >;
  now: number;
  /** Running replicas of the workload now. */
  currentReplicas: number;
  /** The metric per replica (the rule's unit); null without fresh samples. */
  metric: number | null;
  /** Why `metric` is null, for the message. */
  noMetricWhy?: string;
  /** The rule's recommendations within its stabilisation window (newest evaluations first or any order). */
  recentRecommendations: { ts: number; recommended: number }[];
  /** When the rule last scaled (or, in dry-run, would have); null if never. */
  lastScaledAt: number | null;
  /** The rule's previous action is still queued or running. */
  actionPending: boolean;
}

/** What the decision is before it is carried out (queueing may still refuse it). */
export interface Decision {
  recommended: number;
  desired: number;
  /** 'scale' when desired differs from current and nothing holds it. */
  verdict: 'scale' | 'held';
  reason: api.HoldReason | null;
  message: string;
}

/**
 * The HPA's recommendation: current replicas when |1 − metric/target| ≤ tolerance, else
 * ceil(current × metric/target). Kubernetes pkg/controller/podautoscaler/replica_calculator.go,
 * GetResourceReplicas: `if math.Abs(1.0-usageRatio) <= c.tolerance { return currentReplicas }`
 * then `int32(math.Ceil(usageRatio * float64(readyPodCount)))`.
 */
export function recommend(current: number, metric: number, target: number, tolerance: number): number {
  const ratio = metric / target;
  if (Math.abs(1 - ratio) <= tolerance) return current;
  // A ratio such as 1.2 × 5 is 6.000000000000001 in floating point; ceil must not make it 7.
  return Math.ceil(Number((ratio * current).toFixed(9)));
}

/**
 * Stabilisation as kubernetes pkg/controller/podautoscaler/horizontal.go stabilizeRecommendation
 * does it: the result is the highest of the new recommendation and every recommendation not older
 * than the window (`cutoff := time.Now().Add(-a.downscaleStabilisationWindow)`; a record before
 * the cutoff is skipped). So a scale-down goes only as low as the highest recent recommendation,
 * and a scale-up is never lowered.
 */
export function stabilise(recommended: number, recent: { ts: number; recommended: number }[], cutoff: number): number {
  let max = recommended;
  for (const r of recent) if (r.ts >= cutoff && r.recommended > max) max = r.recommended;
  return max;
}

/**
 * One decision of a rule (decision 37): the HPA recommendation, then stabilisation, then the
 * bounds [min, max] (horizontal.go convertDesiredReplicasWithRules), then at most `step` replicas
 * away from the current count; a change is held while the previous action is pending and within
 * the cooldown after the last scaling decision.
 */
export function decide(i: DecisionInput): Decision {
  const { rule, currentReplicas: current } = i;
  const hold = (reason: api.HoldReason, message: string, recommended = current, desired = current): Decision => ({
    recommended,
    desired,
    verdict: 'held',
    reason,
    message,
  });
  if (current === 0) return hold('no-replicas', 'no running replica to measure');
  if (i.metric === null) return hold('no-metrics', i.noMetricWhy ?? 'no fresh samples of the metric');
  const recommended = recommend(current, i.metric, rule.target, rule.tolerance);
  const ratio = i.metric / rule.target;
  const stabilised = stabilise(recommended, i.recentRecommendations, i.now - rule.stabilisationSeconds);
  const bounded = Math.min(rule.maxReplicas, Math.max(rule.minReplicas, stabilised));
  const desired = Math.min(current + rule.step, Math.max(current - rule.step, bounded));
  if (desired === current) {
    if (recommended === current && Math.abs(1 - ratio) <= rule.tolerance)
      return hold(
        'tolerance',
        `metric ${fmt(i.metric)} is within ${fmt(rule.tolerance * 100)} % of the target ${fmt(rule.target)}`,
        recommended
      );
    if (recommended < current && stabilised >= current)
      return hold(
        'stabilisation',
        `recommended ${recommended}, but ${stabilised} was recommended within the last ${rule.stabilisationSeconds} s`,
        recommended
      );
    if (recommended !== current)
      return hold(
        'bound',
        `recommended ${recommended}, at the ${recommended > current ? 'maximum' : 'minimum'} of ${current}`,
        recommended
      );
    return hold('steady', `the formula gives the current ${current} replicas`, recommended);
  }
  if (i.actionPending)
    return hold('pending', `the previous scaling action is still queued or running`, recommended, desired);
  if (i.lastScaledAt !== null && i.now < i.lastScaledAt + rule.cooldownSeconds)
    return hold(
      'cooldown',
      `would scale from ${current} to ${desired}, but the last scaling was ${i.now - i.lastScaledAt} s ago (cooldown ${rule.cooldownSeconds} s)`,
      recommended,
      desired
    );
  return { recommended, desired, verdict: 'scale', reason: null, message: `from ${current} to ${desired}` };
}

const fmt = (x: number) => String(Number(x.toPrecision(6)));

import { z } from 'zod';
import { Name } from '../v1/common';

/*
 * Automatic scaling (issue 15; decision 37): rules per workload that the backend's leader
 * evaluates every AUTOSCALING_INTERVAL_SECONDS, with the Kubernetes HPA's formula, tolerance and
 * scale-down stabilisation, plus a step, min/max bounds, a cooldown and a dry-run mode. Each
 * evaluation is a decision in the rule's history; a decision that scales queues a
 * `workload.scale` or `compose.scale` action.
 */

/**
 * What a rule measures, per replica of the workload (canonical units, DESIGN.md §4):
 * - `cpuCores`: CPU in cores, averaged over the replicas (0.5 = 500 millicores);
 * - `cpuPercentOfLimit`: Σ CPU ÷ Σ CPU limit of the replicas' containers × 100 (the HPA's
 *   utilisation, with limits where the HPA uses requests: the agents report limits);
 * - `memBytes`: working-set bytes, averaged over the replicas;
 * - `memPercentOfLimit`: Σ working set ÷ Σ memory limit × 100.
 */
export const AutoscalingMetric = z.enum(['cpuCores', 'cpuPercentOfLimit', 'memBytes', 'memPercentOfLimit']);

/** A Kubernetes Deployment or StatefulSet (scaled by the cluster agent through the scale subresource). */
export const KubernetesWorkloadRef = z
  .object({ kind: z.enum(['Deployment', 'StatefulSet']), namespace: Name, name: Name })
  .strict();
/** A Docker Compose service on one node (scaled by that node's agent; containers labelled com.docker.compose.project/.service). */
export const ComposeWorkloadRef = z
  .object({ kind: z.literal('compose'), node: Name, project: Name, service: Name })
  .strict();
/** The workload a rule scales. */
export const WorkloadRef = z.discriminatedUnion('kind', [KubernetesWorkloadRef, ComposeWorkloadRef]);

/** Most replicas a rule may ask for (the wire's ActionOptions.replicas maximum). */
export const MAX_REPLICAS = 1000;
/** Longest stabilisation window and cooldown (one hour; the HPA's default window is 300 s). */
export const MAX_WINDOW_SECONDS = 3600;

/** POST /autoscaling/rules and PUT /autoscaling/rules/:id body. */
export const AutoscalingRuleInput = z
  .object({
    name: z.string().trim().min(1).max(128),
    cluster: Name,
    workload: WorkloadRef,
    metric: AutoscalingMetric,
    /** The value per replica the rule holds the workload at, in the metric's unit. */
    target: z.number().finite().gt(0, 'must be greater than 0'),
    minReplicas: z.number().int().min(1).max(MAX_REPLICAS),
    maxReplicas: z.number().int().min(1).max(MAX_REPLICAS),
    /** Most replicas added or removed by one decision. */
    step: z.number().int().min(1).max(MAX_REPLICAS).default(1),
    /** Scale down only to the highest recommendation of this window (the HPA's downscale stabilisation). */
    stabilisationSeconds: z.number().int().min(0).max(MAX_WINDOW_SECONDS).default(300),
    /** No scaling decision within this many seconds after one that scaled (or, in dry-run, would have). */
    cooldownSeconds: z.number().int().min(0).max(MAX_WINDOW_SECONDS).default(60),
    /** |metric ÷ target − 1| at or below this holds (the HPA's --horizontal-pod-autoscaler-tolerance, 0.1). */
    tolerance: z.number().min(0).max(0.9).default(0.1),
    /** Only record what it would do (history, event, audit); queue nothing. */
    dryRun: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.minReplicas > r.maxReplicas)
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `must be at most maxReplicas (${r.maxReplicas})`,
      });
    if ((r.metric === 'cpuPercentOfLimit' || r.metric === 'memPercentOfLimit') && r.target > 1000)
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'a percentage of the limit, at most 1000' });
  });

/** What a decision did: queued an action, recorded what it would do (dry-run), or held. */
export const DecisionOutcome = z.enum(['applied', 'dry-run', 'held']);
/**
 * Why a decision held: the metric is within tolerance, the formula gives the current count
 * (steady), stabilisation (a higher recommendation within the window), at a bound (min or max),
 * cooldown after a scaling decision, the rule's previous action still queued or running, no fresh
 * metric (or no limit for a % metric), no running replica to measure, or the action was refused
 * (the agent does not run the kind).
 */
export const HoldReason = z.enum([
  'tolerance',
  'steady',
  'stabilisation',
  'bound',
  'cooldown',
  'pending',
  'no-metrics',
  'no-replicas',
  'refused',
]);

/** One evaluation of a rule. */
export const AutoscalingDecision = z.object({
  id: z.string(),
  ruleId: z.string(),
  ts: z.number().int(),
  currentReplicas: z.number().int(),
  /** The metric per replica (the rule's unit); null without fresh samples. */
  metricValue: z.number().nullable(),
  /** ceil(current × metric ÷ target), or current within tolerance (the HPA's recommendation). */
  recommendedReplicas: z.number().int(),
  /** After stabilisation, bounds and step: what it scales (or would scale) to. */
  desiredReplicas: z.number().int(),
  outcome: DecisionOutcome,
  reason: HoldReason.nullable(),
  message: z.string(),
  actionId: z.string().nullable(),
});

/** One rule as the API shows it. */
export const AutoscalingRule = z.object({
  id: z.string(),
  name: z.string(),
  cluster: z.string(),
  workload: WorkloadRef,
  /** The workload as a person reads it: "namespace/Deployment/name" or "project/service on node". */
  workloadName: z.string(),
  metric: AutoscalingMetric,
  target: z.number(),
  minReplicas: z.number().int(),
  maxReplicas: z.number().int(),
  step: z.number().int(),
  stabilisationSeconds: z.number().int(),
  cooldownSeconds: z.number().int(),
  tolerance: z.number(),
  dryRun: z.boolean(),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.number().int(),
  updatedBy: z.string(),
  updatedAt: z.number().int(),
  /** The newest decision, if any. */
  lastDecision: AutoscalingDecision.nullable(),
});

/** GET /autoscaling/rules query. */
export const AutoscalingRuleListQuery = z.object({
  cluster: z.string().min(1).max(253).optional(),
});
export const AutoscalingRuleListReply = z.object({ items: z.array(AutoscalingRule) });

/** Most points of a history reply (decisions and series). */
export const MAX_HISTORY_POINTS = 5000;
/** Longest history range (7 days). */
export const MAX_HISTORY_SECONDS = 7 * 86_400;

/** GET /autoscaling/rules/:id/history query: decisions within [from, to] (default: the last hour). */
export const AutoscalingHistoryQuery = z
  .object({
    from: z.coerce.number().int().min(0).max(4102444800).optional(),
    to: z.coerce.number().int().min(0).max(4102444800).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY_POINTS).default(1000),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.to > q.from, {
    message: 'must be after from',
    path: ['to'],
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.to - q.from <= MAX_HISTORY_SECONDS, {
    message: `at most ${MAX_HISTORY_SECONDS} seconds after from (7 days)`,
    path: ['to'],
  });

/** The rule's decisions (newest first) and, oldest first, the replicas and metric series for the chart. */
export const AutoscalingHistoryReply = z.object({
  from: z.number().int(),
  to: z.number().int(),
  /** True when the range held more decisions than `limit` (the newest are returned). */
  truncated: z.boolean(),
  decisions: z.array(AutoscalingDecision),
  series: z.object({
    ts: z.array(z.number().int()),
    replicas: z.array(z.number().int()),
    desired: z.array(z.number().int()),
    metric: z.array(z.number().nullable()),
    target: z.number(),
  }),
});

export type AutoscalingMetric = z.infer<typeof AutoscalingMetric>;
export type WorkloadRef = z.infer<typeof WorkloadRef>;
export type AutoscalingRuleInput = z.infer<typeof AutoscalingRuleInput>;
export type AutoscalingRuleInputIn = z.input<typeof AutoscalingRuleInput>;
export type AutoscalingRule = z.infer<typeof AutoscalingRule>;
export type AutoscalingRuleListQuery = z.infer<typeof AutoscalingRuleListQuery>;
export type AutoscalingRuleListReply = z.infer<typeof AutoscalingRuleListReply>;
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;
export type HoldReason = z.infer<typeof HoldReason>;
export type AutoscalingDecision = z.infer<typeof AutoscalingDecision>;
export type AutoscalingHistoryQuery = z.infer<typeof AutoscalingHistoryQuery>;
export type AutoscalingHistoryReply = z.infer<typeof AutoscalingHistoryReply>;

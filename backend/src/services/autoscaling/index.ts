/** Automatic scaling (issue 15; decision 37): rules, the evaluator, the decision math. */
export { AutoscalingRules, MAX_RULES_PER_CLUSTER } from './rules';
export { Autoscaler, type AutoscalerSettings, type AutoscalerSummary } from './evaluator';
export { decide, recommend, stabilise } from './math';

import type {
  ActionResult,
  AgentStatus,
  ContainerInventory,
  ContainerReport,
  Event,
  LogLine,
  NetworkInventory,
  NetworkPolicyInventory,
  ProbeResult,
  RequestStats,
  NodeReport,
  WorkloadReport,
} from '@fleetlens/protocol';

/** What one collector contributes to a batch; every part is optional. */
export interface BatchParts {
  nodes?: NodeReport[];
  containers?: ContainerReport[];
  inventories?: ContainerInventory[];
  workloads?: WorkloadReport[];
  events?: Event[];
  logs?: LogLine[];
  probeResults?: ProbeResult[];
  requestStats?: RequestStats[];
  /** Outcomes of container actions (the action executor's, not a collector's). */
  actionResults?: ActionResult[];
  /** Docker networks of the node (full inventories, sent when changed and every few minutes). */
  networks?: NetworkInventory[];
  /** The cluster's NetworkPolicies (the cluster agent's full list). */
  networkPolicies?: NetworkPolicyInventory;
}

/**
 * The one interface every source implements. `start` takes a baseline reading (so the first
 * `collect` can already report rates) and opens any streams; `collect` returns what happened
 * since the previous call; `stop` closes streams. `now` is the cycle time in epoch milliseconds.
 */
export interface Collector {
  readonly name: string;
  start(now: number): Promise<void>;
  collect(now: number): Promise<BatchParts>;
  /** Persists progress (e.g. log cursors) once the batch with the collected data is safely spooled. */
  commit?(): Promise<void>;
  stop(): Promise<void>;
  /** Where this collector's container figures come from and what it could not read (agent status). */
  containerUsage?(): string | null;
  /** This collector's own counters for the agent's status (e.g. probes over the limit). */
  status?(): Partial<AgentStatus>;
}

/** Epoch milliseconds to the wire's integer epoch seconds. */
export function toEpochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** A rate per second between two counter readings; null on a reset (never negative) or no elapsed time. */
export function counterRate(
  prev: number | null | undefined,
  cur: number | null | undefined,
  seconds: number
): number | null {
  if (prev == null || cur == null || !(seconds > 0)) return null;
  const d = cur - prev;
  if (d < 0) return null;
  return d / seconds;
}

import { z } from 'zod';
import { EpochSeconds, Labels, Name, NonNegative, OptionalMetric } from './common';
import { ContainerSecurity } from './security';
import { ProbeDefinition, ProbeResult, RequestStats } from './services';
import { ActionKind, ActionResult, ContainerAction } from './actions';
import { NetworkInventory, NetworkPolicyInventory } from './networks';

export const PROTOCOL_VERSION = 'v1' as const;

export const ClusterKind = z.enum(['docker', 'kubernetes']);
export const Environment = z.enum(['on-prem', 'private-cloud', 'public-cloud']);
export const NodeStatus = z.enum(['ready', 'not_ready', 'unknown']);
export const ContainerState = z.enum([
  'created',
  'running',
  'paused',
  'restarting',
  'exited',
  'dead',
  'removing',
  'unknown',
]);
export const ContainerHealth = z.enum(['healthy', 'unhealthy', 'starting', 'none']);
export const WorkloadKind = z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet', 'Pod']);
export const EventType = z.enum(['normal', 'warning']);
export const LogLevel = z.enum(['error', 'warning', 'info', 'debug', 'unknown']);
export const LogStream = z.enum(['stdout', 'stderr']);

/** The agent's own health, reported with every batch. */
export const AgentStatus = z.object({
  lastPushAt: EpochSeconds.nullable().default(null),
  spoolBytes: z.number().int().min(0).default(0),
  spoolBatches: z.number().int().min(0).default(0),
  droppedBatches: z.number().int().min(0).default(0),
  rejectedBatches: z.number().int().min(0).default(0),
  cpuCores: OptionalMetric,
  rssBytes: OptionalMetric,
  /**
   * The agent's clock minus the backend's, from the backend's latest ingest reply (null until one
   * came). Optional: older agents never send it.
   */
  clockSkewSeconds: z.number().int().nullable().optional(),
  /**
   * Node and container metric samples in the dropped batches, as far as the agent knew
   * them. This and the fields below are optional: older agents never send them.
   */
  droppedSamples: z.number().int().min(0).optional(),
  /** Failed writes to the spool (full disk, quota, read-only filesystem) since the agent started. */
  spoolWriteErrors: z.number().int().min(0).optional(),
  /** The latest spool write failure (errno code such as ENOSPC), null when none happened. */
  spoolLastWriteError: z.string().max(64).nullable().optional(),
  /**
   * The action kinds this agent runs (FLEETLENS_ACTIONS; issue 15): the backend refuses others
   * with 409 instead of queueing an action that would fail. Optional: older agents never send it
   * (the backend then queues, and the agent refuses).
   */
  allowedActions: z.array(ActionKind).max(50).optional(),
  /**
   * Probes found or defined beyond the agent's limit (FLEETLENS_PROBE_MAX), not run (issue 16).
   * Optional: older agents and agents with probes off never send it.
   */
  probesOverLimit: z.number().int().min(0).optional(),
  /** Batches held in memory because the spool could not be written. */
  spoolMemoryBatches: z.number().int().min(0).optional(),
  /** Spool files found truncated or unreadable, deleted instead of being sent. */
  spoolCorruptBatches: z.number().int().min(0).optional(),
  /**
   * Where the agent's container figures come from and what it could not read, e.g. "kubelet
   * summary + cgroup v2 (cgroup not found for 1 of 5 containers)" or "kubelet summary (cgroup not
   * readable: …)". Optional: Docker agents and older agents do not send it.
   */
  containerUsage: z.string().max(256).optional(),
});

/** Who sent the batch. */
export const AgentInfo = z.object({
  id: z.string().min(1).max(128),
  version: z.string().min(1).max(64),
  mode: z.enum(['node', 'cluster']),
  hostname: z.string().min(1).max(253),
  status: AgentStatus.nullable().default(null),
});

/** The cluster (a Kubernetes cluster, or a named group of Docker hosts) the agent belongs to. */
export const ClusterInfo = z.object({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  kind: ClusterKind,
  environment: Environment,
  labels: Labels.default({}),
});

/**
 * Seconds a sample covers: the time since the agent's previous reading of the same entity (the
 * denominator of its rates). The backend weighs averages by it; optional, older agents never send
 * it (the backend then takes the time since the entity's previous stored sample).
 */
export const SampleInterval = z.number().finite().positive().max(86_400).optional();

/** One node reading. CPU in cores, memory and filesystem in bytes, I/O in bytes per second. */
export const NodeSample = z.object({
  ts: EpochSeconds,
  intervalSeconds: SampleInterval,
  cpuCores: OptionalMetric,
  memUsedBytes: OptionalMetric,
  memTotalBytes: OptionalMetric,
  fsUsedBytes: OptionalMetric,
  fsTotalBytes: OptionalMetric,
  /**
   * Bytes available to unprivileged users (statfs f_bavail): the filesystem's free space minus
   * its reserved blocks, as `df` shows under Avail. Optional: older agents never send it.
   */
  fsAvailBytes: OptionalMetric,
  netRxBps: OptionalMetric,
  netTxBps: OptionalMetric,
  diskReadBps: OptionalMetric,
  diskWriteBps: OptionalMetric,
  load1: OptionalMetric,
});

/** A node's metadata with the samples taken since the previous batch. */
export const NodeReport = z.object({
  name: Name,
  role: z.string().min(1).max(64).default('worker'),
  os: z.string().max(256).default(''),
  kernel: z.string().max(256).default(''),
  arch: z.string().max(32).default(''),
  cores: z.number().finite().positive(),
  memoryBytes: z.number().int().min(0),
  bootTime: EpochSeconds.nullable().default(null),
  status: NodeStatus.default('ready'),
  labels: Labels.default({}),
  samples: z.array(NodeSample).max(100_000).default([]),
});

/** One container reading. Memory is the working set (usage minus inactive file cache). */
export const ContainerSample = z.object({
  ts: EpochSeconds,
  intervalSeconds: SampleInterval,
  cpuCores: OptionalMetric,
  memBytes: OptionalMetric,
  memLimitBytes: OptionalMetric,
  netRxBps: OptionalMetric,
  netTxBps: OptionalMetric,
  diskReadBps: OptionalMetric,
  diskWriteBps: OptionalMetric,
  pids: z.number().int().min(0).nullable().optional(),
  /*
   * The parts of memory, from the cgroup's memory.stat (this and the fields below are optional:
   * older agents never send them). Usage includes page cache; anon is anonymous memory (v1
   * total_rss, v2 anon); active/inactive file are page cache (v1 total_active_file /
   * total_inactive_file, v2 active_file / inactive_file). memBytes = usage − inactive file.
   */
  memUsageBytes: OptionalMetric,
  memAnonBytes: OptionalMetric,
  memActiveFileBytes: OptionalMetric,
  memInactiveFileBytes: OptionalMetric,
  /**
   * CFS throttling over the sample's interval, from cpu.stat: throttled periods ÷ periods × 100
   * (0 when no period elapsed), and throttled seconds per second of wall time (Δ throttled_time
   * or throttled_usec ÷ Δ wall time).
   */
  cpuThrottledPercent: NonNegative.max(100).nullable().optional(),
  cpuThrottledSecondsPerSecond: OptionalMetric,
});

/** Kubernetes placement of a container. */
export const KubernetesRef = z.object({
  namespace: Name,
  pod: Name,
  podUid: z.string().min(1).max(64),
  workloadKind: WorkloadKind.nullable().default(null),
  workloadName: Name.nullable().default(null),
  /**
   * Which kind of container of the pod: a regular one (also when absent), a native sidecar (an
   * init container with restartPolicy Always) or an ephemeral debug container. Optional: older
   * agents never send it, older backends ignore it.
   */
  containerKind: z.enum(['container', 'sidecar', 'ephemeral']).optional(),
});

/** A container's metadata with the samples taken since the previous batch. */
export const ContainerReport = z.object({
  id: z.string().min(1).max(128),
  nodeName: Name,
  name: z.string().min(1).max(512),
  image: z.string().max(1024).default(''),
  state: ContainerState,
  health: ContainerHealth.default('none'),
  statusText: z.string().max(512).default(''),
  createdAt: EpochSeconds.nullable().default(null),
  startedAt: EpochSeconds.nullable().default(null),
  exitCode: z.number().int().nullable().default(null),
  oomKilled: z.boolean().default(false),
  restartCount: z.number().int().min(0).default(0),
  hostNetwork: z.boolean().default(false),
  labels: Labels.default({}),
  kubernetes: KubernetesRef.nullable().default(null),
  samples: z.array(ContainerSample).max(100_000).default([]),
  /** Security posture facts (issue 17; see security.ts). Optional: older agents never send them. */
  security: ContainerSecurity.optional(),
});

/**
 * "This list of containers is every container on the node at ts": lets the backend mark
 * containers that vanished as gone. A replayed, older inventory never overrides a newer one.
 */
export const ContainerInventory = z.object({
  nodeName: Name,
  ts: EpochSeconds,
  containerIds: z.array(z.string().min(1).max(128)).max(20_000),
});

/** A Kubernetes workload as seen by the cluster agent. */
export const WorkloadReport = z.object({
  kind: WorkloadKind,
  namespace: Name,
  name: Name,
  desiredReplicas: z.number().int().min(0).nullable().default(null),
  readyReplicas: z.number().int().min(0).nullable().default(null),
  labels: Labels.default({}),
  ts: EpochSeconds,
});

/** A container or Kubernetes event. */
export const Event = z.object({
  ts: EpochSeconds,
  source: z.enum(['docker', 'kubernetes']),
  type: EventType,
  reason: z.string().min(1).max(128),
  message: z.string().max(4096).default(''),
  objectKind: z.string().min(1).max(64),
  objectName: z.string().min(1).max(512),
  namespace: Name.nullable().default(null),
  nodeName: Name.nullable().default(null),
  containerId: z.string().max(128).nullable().default(null),
  exitCode: z.number().int().nullable().default(null),
  count: z.number().int().min(1).default(1),
  /** 'security' for the security events of issue 17 (exec sessions, privileged starts, …). Optional. */
  category: z.enum(['security']).optional(),
});

/** One container log line, demultiplexed. `nanos` orders lines within the same second. */
export const LogLine = z.object({
  ts: EpochSeconds,
  nanos: z.number().int().min(0).max(999_999_999).default(0),
  containerId: z.string().min(1).max(128),
  stream: LogStream,
  level: LogLevel,
  message: z.string().max(16_384),
  /**
   * The logical line was longer than `message` can hold and was cut (agents mark the cut in the
   * text too). Optional: older agents never send it, older backends ignore it.
   */
  truncated: z.boolean().optional(),
});

/** POST /api/v1/ingest body. */
export const IngestBatch = z.object({
  version: z.literal(PROTOCOL_VERSION),
  batchId: z.string().min(1).max(128),
  sentAt: EpochSeconds,
  agent: AgentInfo,
  cluster: ClusterInfo,
  nodes: z.array(NodeReport).max(10_000).default([]),
  containers: z.array(ContainerReport).max(100_000).default([]),
  inventories: z.array(ContainerInventory).max(10_000).default([]),
  workloads: z.array(WorkloadReport).max(100_000).default([]),
  events: z.array(Event).max(100_000).default([]),
  logs: z.array(LogLine).max(200_000).default([]),
  /** Service health (issue 16; services.ts). Optional: older agents never send them. */
  probeResults: z.array(ProbeResult).max(100_000).default([]),
  requestStats: z.array(RequestStats).max(100_000).default([]),
  /** Outcomes of container actions (issue 15; actions.ts). Optional: older agents never send them. */
  actionResults: z.array(ActionResult).max(1000).default([]),
  /**
   * Docker networks of the agent's node, a full inventory (issue 15; networks.ts), sent when they
   * changed and at least every few minutes. Optional: older agents never send them.
   */
  networks: z.array(NetworkInventory).max(100).optional(),
  /** The cluster's NetworkPolicies, a full inventory from the cluster agent. Optional. */
  networkPolicies: NetworkPolicyInventory.optional(),
});

/** Counts of what a batch stored; the body of a 202 reply. */
export const IngestReply = z.object({
  batchId: z.string(),
  accepted: z.object({
    nodes: NonNegative,
    nodeSamples: NonNegative,
    containers: NonNegative,
    containerSamples: NonNegative,
    workloads: NonNegative,
    events: NonNegative,
    logs: NonNegative,
    /** Optional: older backends leave them out. */
    probeResults: NonNegative.optional(),
    requestStats: NonNegative.optional(),
    /** Action results applied (issue 15). Optional: older backends leave it out. */
    actionResults: NonNegative.optional(),
    /** Networks and NetworkPolicies stored from the batch's inventories (issue 15). Optional. */
    networks: NonNegative.optional(),
    networkPolicies: NonNegative.optional(),
  }),
  /**
   * The server clock when the batch arrived (optional: older backends leave it out). The agent
   * compares it with its own clock and reports the difference as status.clockSkewSeconds.
   */
  serverTime: EpochSeconds.optional(),
  /**
   * The defined probes this agent is to run (issue 16): the whole set, replacing the previous one;
   * absent when the backend has no opinion (older backends, or a reply to a replayed batch).
   */
  probes: z.array(ProbeDefinition).max(1000).optional(),
  /** Container actions for this agent to run, each once (issue 15; actions.ts); only in the reply to a live push. */
  actions: z.array(ContainerAction).max(100).optional(),
});

/** The body of every 4xx/5xx reply. `issues` lists each bad field by its path. */
export const ErrorReply = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export type ClusterKind = z.infer<typeof ClusterKind>;
export type Environment = z.infer<typeof Environment>;
export type NodeStatus = z.infer<typeof NodeStatus>;
export type ContainerState = z.infer<typeof ContainerState>;
export type ContainerHealth = z.infer<typeof ContainerHealth>;
export type WorkloadKind = z.infer<typeof WorkloadKind>;
export type EventType = z.infer<typeof EventType>;
export type LogLevel = z.infer<typeof LogLevel>;
export type AgentStatus = z.infer<typeof AgentStatus>;
export type AgentInfo = z.infer<typeof AgentInfo>;
export type ClusterInfo = z.infer<typeof ClusterInfo>;
export type NodeSample = z.infer<typeof NodeSample>;
export type NodeReport = z.infer<typeof NodeReport>;
export type ContainerSample = z.infer<typeof ContainerSample>;
export type KubernetesRef = z.infer<typeof KubernetesRef>;
export type ContainerReport = z.infer<typeof ContainerReport>;
export type ContainerInventory = z.infer<typeof ContainerInventory>;
export type WorkloadReport = z.infer<typeof WorkloadReport>;
export type Event = z.infer<typeof Event>;
export type LogLine = z.infer<typeof LogLine>;
/** A parsed batch, defaults applied. */
export type IngestBatch = z.infer<typeof IngestBatch>;
/** What an agent may send (fields with defaults may be left out). */
export type IngestBatchInput = z.input<typeof IngestBatch>;
export type IngestReply = z.infer<typeof IngestReply>;
export type ErrorReply = z.infer<typeof ErrorReply>;

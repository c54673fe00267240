import { z } from 'zod';
import { EpochSeconds, Name } from './common';

/*
 * Actions on the wire (issue 15; decisions 32 and 33). The backend queues an action and hands it
 * to the agent that can run it in the reply to that agent's next push (the backend never calls an
 * agent): the node's agent for what its Docker engine does, the cluster agent for what the
 * Kubernetes API does. The agent runs it at most once and reports an ActionResult in a later batch.
 */

/** What a Docker container can be asked to do (Docker Engine API verbs). */
export const CONTAINER_KINDS = ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'] as const;

/**
 * Every kind of action. Container kinds act on one Docker container; `compose.scale` sets the
 * number of containers of a Compose service on one host; `network.*` manage Docker networks on one
 * host; `pod.delete` (a Kubernetes container's "restart": its controller recreates the pod),
 * `workload.restart` (rollout restart) and `workload.scale` (the scale subresource) go to the
 * cluster agent.
 */
export const ActionKind = z.enum([
  ...CONTAINER_KINDS,
  'compose.scale',
  'network.create',
  'network.remove',
  'network.connect',
  'network.disconnect',
  'pod.delete',
  'workload.restart',
  'workload.scale',
]);

/** Which agent runs a kind: the node's agent (its Docker engine) or the cluster agent (the Kubernetes API). */
export const EXECUTOR_OF: Record<z.infer<typeof ActionKind>, 'node' | 'cluster'> = {
  start: 'node',
  stop: 'node',
  restart: 'node',
  pause: 'node',
  unpause: 'node',
  remove: 'node',
  'compose.scale': 'node',
  'network.create': 'node',
  'network.remove': 'node',
  'network.connect': 'node',
  'network.disconnect': 'node',
  'pod.delete': 'cluster',
  'workload.restart': 'cluster',
  'workload.scale': 'cluster',
};

/** Kubernetes workloads that can be restarted (rollout restart) or scaled. */
export const ScalableWorkloadKind = z.enum(['Deployment', 'StatefulSet']);
export const RestartableWorkloadKind = z.enum(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * What an action acts on, by kind:
 * - container kinds: `containerId` (the runtime's id, Docker's 64 hex);
 * - `compose.scale`: `project` and `service` (the `com.docker.compose.project` / `.service` labels);
 * - `network.create` / `network.remove`: `network` (its name; remove also takes its id);
 * - `network.connect` / `network.disconnect`: `network` and `containerId`;
 * - `pod.delete`: `namespace` and `name` (the pod);
 * - `workload.restart` / `workload.scale`: `namespace`, `workloadKind` and `name`.
 */
export const ActionTarget = z
  .object({
    containerId: z.string().min(1).max(128).optional(),
    project: Name.optional(),
    service: Name.optional(),
    network: z.string().min(1).max(255).optional(),
    namespace: Name.optional(),
    workloadKind: RestartableWorkloadKind.optional(),
    name: Name.optional(),
  })
  .strict();

/** The target fields each kind needs (any other is refused). */
export const TARGET_OF: Record<z.infer<typeof ActionKind>, (keyof z.infer<typeof ActionTarget>)[]> = {
  start: ['containerId'],
  stop: ['containerId'],
  restart: ['containerId'],
  pause: ['containerId'],
  unpause: ['containerId'],
  remove: ['containerId'],
  'compose.scale': ['project', 'service'],
  'network.create': ['network'],
  'network.remove': ['network'],
  'network.connect': ['network', 'containerId'],
  'network.disconnect': ['network', 'containerId'],
  'pod.delete': ['namespace', 'name'],
  'workload.restart': ['namespace', 'workloadKind', 'name'],
  'workload.scale': ['namespace', 'workloadKind', 'name'],
};

/**
 * Options of an action: `removeVolumes` (remove: also its anonymous volumes, `docker rm -v`),
 * `force` (remove: kill a running container first, `docker rm -f`; network.disconnect: even if it
 * is not running), `timeoutSeconds` (stop and restart: seconds before SIGKILL, `docker stop -t`;
 * the engine's default when absent), `replicas` (compose.scale, workload.scale: the number wanted),
 * `driver`, `subnet` and `internal` (network.create: `docker network create --driver --subnet
 * --internal`).
 */
export const ActionOptions = z
  .object({
    removeVolumes: z.boolean().optional(),
    force: z.boolean().optional(),
    timeoutSeconds: z.number().int().min(0).max(600).optional(),
    replicas: z.number().int().min(0).max(1000).optional(),
    driver: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a driver name such as bridge')
      .optional(),
    subnet: z
      .string()
      .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'a CIDR such as 172.30.0.0/24')
      .optional(),
    internal: z.boolean().optional(),
  })
  .strict();

/** Which options each kind takes; any other is refused (400 naming it). */
export const OPTIONS_OF: Record<z.infer<typeof ActionKind>, (keyof z.infer<typeof ActionOptions>)[]> = {
  start: [],
  stop: ['timeoutSeconds'],
  restart: ['timeoutSeconds'],
  pause: [],
  unpause: [],
  remove: ['removeVolumes', 'force'],
  'compose.scale': ['replicas'],
  'network.create': ['driver', 'subnet', 'internal'],
  'network.remove': [],
  'network.connect': [],
  'network.disconnect': ['force'],
  'pod.delete': [],
  'workload.restart': [],
  'workload.scale': ['replicas'],
};

/**
 * An action handed to an agent: its id (runs at most once), what, on what, until when.
 * `containerId` is also in `target`; it stays at the top for the container kinds' agents.
 */
export const ContainerAction = z.object({
  id: z.string().min(1).max(64),
  kind: ActionKind,
  /** The runtime's container id for container kinds and network connect/disconnect; absent otherwise. */
  containerId: z.string().min(1).max(128).optional(),
  target: ActionTarget.default({}),
  options: ActionOptions.default({}),
  /** After this the agent must not start it (the backend hands out only unexpired actions). */
  expiresAt: EpochSeconds,
});

/** What an agent reports about an action it was handed: running, done, or failed with the engine's message. */
export const ActionResult = z.object({
  id: z.string().min(1).max(64),
  state: z.enum(['running', 'done', 'failed']),
  message: z.string().max(4096).default(''),
  ts: EpochSeconds,
});

export type ActionKind = z.infer<typeof ActionKind>;
export type ContainerActionKind = (typeof CONTAINER_KINDS)[number];
export type ActionTarget = z.infer<typeof ActionTarget>;
export type ActionOptions = z.infer<typeof ActionOptions>;
export type ContainerAction = z.infer<typeof ContainerAction>;
/** The same wire type under the name it has now that not every action is on a container. */
export type AgentAction = ContainerAction;
export type ActionResult = z.infer<typeof ActionResult>;
export type ScalableWorkloadKind = z.infer<typeof ScalableWorkloadKind>;
export type RestartableWorkloadKind = z.infer<typeof RestartableWorkloadKind>;

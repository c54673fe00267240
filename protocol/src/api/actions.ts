import { z } from 'zod';
import { ActionKind, ActionOptions, ActionTarget, CONTAINER_KINDS, OPTIONS_OF } from '../v1/actions';
import { csvList } from './params';

/**
 * Actions (query API, issue 15): an editor or admin asks for one on a container, a Compose
 * service, a network or a Kubernetes workload in scope; the backend queues it for the agent that
 * runs it (decisions 32 and 33).
 */

/** queued → running (handed to the agent) → done | failed; expired when no agent took it in time (or never reported). */
export const ActionState = z.enum(['queued', 'running', 'done', 'failed', 'expired']);

/** Seconds an action waits for its agent before it expires (default 120), for every request body. */
export const ExpiresIn = z.number().int().min(10).max(3600).default(120);

/** Refuses (400 naming it) an option the kind does not take; for every request body with options. */
export function refineOptions(
  kind: z.infer<typeof ActionKind>,
  options: z.infer<typeof ActionOptions>,
  ctx: z.RefinementCtx,
  path: (string | number)[] = ['options']
): void {
  for (const k of Object.keys(options) as (keyof typeof options)[])
    if (options[k] !== undefined && !OPTIONS_OF[kind].includes(k))
      ctx.addIssue({ code: 'custom', path: [...path, k], message: `not an option of ${kind}` });
}

/** POST /containers/:id/actions body. */
export const ContainerActionRequest = z
  .object({
    /** On a Kubernetes container only `restart` (delete its pod: its controller recreates it). */
    kind: z.enum(CONTAINER_KINDS),
    options: ActionOptions.default({}),
    /** Seconds the action waits for its agent before it expires (default 120). */
    expiresInSeconds: ExpiresIn,
  })
  .strict()
  .superRefine((b, ctx) => refineOptions(b.kind, b.options, ctx));

/** One action as the API shows it. */
export const Action = z.object({
  id: z.string(),
  kind: ActionKind,
  /** Which agent runs it: the node's (Docker) or the cluster agent (Kubernetes API). */
  executor: z.enum(['node', 'cluster']),
  /** What it acts on (ActionTarget in the wire protocol: container runtime id, Compose service, network, workload). */
  target: ActionTarget,
  /** The target's name as a person reads it: container, "project/service", network, "namespace/kind/name". */
  targetName: z.string(),
  /** The container's entity id (as in /containers/:id) and runtime id, when the target is a container (else ''). */
  containerId: z.string(),
  runtimeId: z.string(),
  /** The same as targetName (kept for the container kinds' readers). */
  containerName: z.string(),
  clusterName: z.string(),
  /** The node whose agent runs it ('' for cluster-agent actions). */
  nodeName: z.string(),
  namespace: z.string().nullable(),
  options: ActionOptions,
  state: ActionState,
  /** The engine's message on failure; why it expired. */
  message: z.string().nullable(),
  requestedBy: z.string(),
  requestedAt: z.number().int(),
  /** When the agent was handed it. */
  pickedAt: z.number().int().nullable(),
  finishedAt: z.number().int().nullable(),
  expiresAt: z.number().int(),
});

const states = csvList.pipe(z.array(ActionState).max(5));

/** GET /actions query: by container (entity id), kinds and states, newest first. */
export const ActionListQuery = z.object({
  container: z.string().min(1).max(64).optional(),
  kind: csvList.pipe(z.array(ActionKind).max(20)).optional(),
  state: states.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const ActionListReply = z.object({ items: z.array(Action) });

export type ActionState = z.infer<typeof ActionState>;
export type ContainerActionRequest = z.infer<typeof ContainerActionRequest>;
export type ContainerActionRequestInput = z.input<typeof ContainerActionRequest>;
export type Action = z.infer<typeof Action>;
export type ActionListQuery = z.infer<typeof ActionListQuery>;
export type ActionListReply = z.infer<typeof ActionListReply>;

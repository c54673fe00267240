import { z } from 'zod';
import { EpochSeconds } from './common';

/*
 * Container actions on the wire (issue 15; decision 32). The backend queues an action and hands
 * it to the agent of the container's node in the reply to that agent's next push (the backend
 * never calls an agent); the agent runs it at most once and reports an ActionResult in a later
 * batch. Kinds are an enum that grows (scaling, networks and Kubernetes equivalents come later).
 */

/** What an agent may be asked to do to a container (Docker Engine API verbs). */
export const ActionKind = z.enum(['start', 'stop', 'restart', 'pause', 'unpause', 'remove']);

/**
 * Options of an action: `removeVolumes` (remove: also its anonymous volumes, `docker rm -v`),
 * `force` (remove: kill a running container first, `docker rm -f`), `timeoutSeconds` (stop and
 * restart: seconds before SIGKILL, `docker stop -t`; the engine's default when absent).
 */
export const ActionOptions = z
  .object({
    removeVolumes: z.boolean().optional(),
    force: z.boolean().optional(),
    timeoutSeconds: z.number().int().min(0).max(600).optional(),
  })
  .strict();

/** An action handed to an agent: its id (runs at most once), what, on which container (runtime id), until when. */
export const ContainerAction = z.object({
  id: z.string().min(1).max(64),
  kind: ActionKind,
  /** The runtime's container id (Docker's 64 hex), as the agent reports it. */
  containerId: z.string().min(1).max(128),
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
export type ActionOptions = z.infer<typeof ActionOptions>;
export type ContainerAction = z.infer<typeof ContainerAction>;
export type ActionResult = z.infer<typeof ActionResult>;

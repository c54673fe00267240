import { z } from 'zod';
import { ActionKind, ActionOptions } from '../v1/actions';
import { csvList } from './params';

/**
 * Container actions (query API, issue 15): an editor or admin asks for one on a container in
 * scope; the backend queues it for the agent of the container's node (decision 32).
 */

/** queued → running (handed to the agent) → done | failed; expired when no agent took it in time (or never reported). */
export const ActionState = z.enum(['queued', 'running', 'done', 'failed', 'expired']);

/** Which options each kind takes; any other option is refused (400 naming it). */
const OPTIONS_OF: Record<z.infer<typeof ActionKind>, (keyof z.infer<typeof ActionOptions>)[]> = {
  start: [],
  stop: ['timeoutSeconds'],
  restart: ['timeoutSeconds'],
  pause: [],
  unpause: [],
  remove: ['removeVolumes', 'force'],
};

/** POST /containers/:id/actions body. */
export const ContainerActionRequest = z
  .object({
    kind: ActionKind,
    options: ActionOptions.default({}),
    /** Seconds the action waits for its agent before it expires (default 120). */
    expiresInSeconds: z.number().int().min(10).max(3600).default(120),
  })
  .strict()
  .superRefine((b, ctx) => {
    for (const k of Object.keys(b.options) as (keyof typeof b.options)[])
      if (b.options[k] !== undefined && !OPTIONS_OF[b.kind].includes(k))
        ctx.addIssue({ code: 'custom', path: ['options', k], message: `not an option of ${b.kind}` });
  });

/** One action as the API shows it. */
export const Action = z.object({
  id: z.string(),
  kind: ActionKind,
  /** The container's entity id (as in /containers/:id) and its runtime id and name when asked. */
  containerId: z.string(),
  runtimeId: z.string(),
  containerName: z.string(),
  clusterName: z.string(),
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

/** GET /actions query: by container (entity id) and states, newest first. */
export const ActionListQuery = z.object({
  container: z.string().min(1).max(64).optional(),
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

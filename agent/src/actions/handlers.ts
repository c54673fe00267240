import type { ActionKind, ContainerAction } from '@fleetlens/protocol';

/**
 * How an agent carries out one kind of action: resolves with the message of a done result
 * ("stopped", "scaled web to 3"), throws with the engine's or API's message for a failed one.
 */
export type ActionHandler = (a: ContainerAction) => Promise<string>;

/** The kinds an agent can carry out, each with its handler (node agents: Docker; the cluster agent: Kubernetes). */
export type ActionHandlers = Partial<Record<ActionKind, ActionHandler>>;

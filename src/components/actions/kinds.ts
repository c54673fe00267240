import type { Action, ContainerActionRequestInput, ContainerRow } from '@fleetlens/protocol/api';

export type Kind = ContainerActionRequestInput['kind'];

export const LABEL: Record<Kind, string> = {
  start: 'Start',
  stop: 'Stop',
  restart: 'Restart',
  pause: 'Pause',
  unpause: 'Resume',
  remove: 'Remove',
};

/** The actions a container's reported state allows, in button order. */
export function allowedKinds(state: ContainerRow['state']): Kind[] {
  switch (state) {
    case 'running':
      return ['stop', 'restart', 'pause', 'remove'];
    case 'paused':
      return ['unpause', 'stop', 'remove'];
    case 'restarting':
      return ['stop', 'remove'];
    case 'created':
    case 'exited':
    case 'dead':
      return ['start', 'remove'];
    default:
      return [];
  }
}

/** What may be asked of this container: none for Kubernetes containers (for now) and gone ones. */
export function kindsFor(container: Pick<ContainerRow, 'podUid' | 'goneAt' | 'state'>): Kind[] {
  return container.podUid || container.goneAt !== null ? [] : allowedKinds(container.state);
}

/** Stop and remove ask first, naming the container. */
export const needsConfirmation = (kind: Kind) => kind === 'stop' || kind === 'remove';

/** The request body: a live container is removed with force (killed first). */
export function requestBody(
  container: Pick<ContainerRow, 'state'>,
  kind: Kind,
  removeVolumes: boolean
): ContainerActionRequestInput {
  const live = container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
  return kind === 'remove' ? { kind, options: { removeVolumes, force: live } } : { kind };
}

export const finished = (a: Action) => a.state === 'done' || a.state === 'failed' || a.state === 'expired';

export const STATE_TEXT: Record<Action['state'], string> = {
  queued: 'queued, waiting for the agent',
  running: 'running on the agent',
  done: 'done',
  failed: 'failed',
  expired: 'expired',
};

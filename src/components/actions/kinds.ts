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

/** The other kinds as an action's state names them ("Restart: done" for a deleted pod). */
const OTHER_LABEL: Partial<Record<Action['kind'], string>> = {
  'pod.delete': 'Restart',
  'workload.restart': 'Restart',
  'workload.scale': 'Scale',
  'compose.scale': 'Scale',
  'network.create': 'Create network',
  'network.remove': 'Remove network',
  'network.connect': 'Connect',
  'network.disconnect': 'Disconnect',
};

/** Any action kind as a person reads it. */
export const labelOf = (kind: Action['kind']): string => LABEL[kind as Kind] ?? OTHER_LABEL[kind] ?? kind;

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

/** A Kubernetes container (its pod known): its only action is restart, by deleting the pod. */
export const onKubernetes = (c: Pick<ContainerRow, 'podUid'>) => c.podUid !== null;

/**
 * What may be asked of this container: nothing once it is gone. On Kubernetes only `restart`
 * (the backend deletes the pod, its controller makes a new one), for a running container of a
 * workload, and only where `kubernetes` is asked for (the container page; rows stay Docker's).
 */
export function kindsFor(
  container: Pick<ContainerRow, 'podUid' | 'goneAt' | 'state' | 'workloadKind'>,
  opts: { kubernetes?: boolean } = {}
): Kind[] {
  if (container.goneAt !== null) {
    return [];
  }
  if (onKubernetes(container)) {
    const owned = container.workloadKind !== null && container.workloadKind !== 'Pod';
    return opts.kubernetes && owned && container.state === 'running' ? ['restart'] : [];
  }
  return allowedKinds(container.state);
}

/** Stop and remove ask first, naming the container; so does a restart that deletes a pod. */
export const needsConfirmation = (kind: Kind, c?: Pick<ContainerRow, 'podUid'>) =>
  kind === 'stop' || kind === 'remove' || (kind === 'restart' && !!c && onKubernetes(c));

/** The request body: a live container is removed with force (killed first). */
export function requestBody(
  container: Pick<ContainerRow, 'state'>,
  kind: Kind,
  removeVolumes: boolean
): ContainerActionRequestInput {
  const live = container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
  return kind === 'remove' ? { kind, options: { removeVolumes, force: live } } : { kind };
}

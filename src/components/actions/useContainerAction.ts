import { useCallback } from 'react';
import type { Action, ContainerRow } from '@fleetlens/protocol/api';
import { useFleetlens } from '../FleetlensContext';
import { requestBody, type Kind } from './kinds';
import { useActionState, type ActionState } from './useActionState';

export interface ContainerAction extends Omit<ActionState, 'request'> {
  request(kind: Kind, removeVolumes?: boolean): Promise<boolean>;
}

/**
 * Requests one action on a container and follows its state until it is done, failed or expired
 * (useActionState); then the page's data is refreshed (the container's new state).
 */
export function useContainerAction(container: Pick<ContainerRow, 'id' | 'state'>): ContainerAction {
  const { client } = useFleetlens();
  const { request: follow, ...state } = useActionState();
  const { id, state: containerState } = container;
  const request = useCallback(
    (kind: Kind, removeVolumes = false) =>
      follow(() =>
        client.send<Action>(
          'POST',
          `/containers/${encodeURIComponent(id)}/actions`,
          requestBody({ state: containerState }, kind, removeVolumes)
        )
      ),
    [client, follow, id, containerState]
  );
  return { ...state, request };
}

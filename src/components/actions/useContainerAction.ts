import { useCallback, useEffect, useState } from 'react';
import type { Action, ContainerRow } from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../../api/errors';
import { useFleetlens } from '../FleetlensContext';
import { finished, requestBody, type Kind } from './kinds';

/** How often the action's state is read until it finishes. */
const POLL_MS = 1000;

export interface ContainerAction {
  /** The last requested action as the backend last reported it. */
  action: Action | null;
  /** Requesting or reading the action failed. */
  error?: ApiError;
  /** An action is queued or running: no other is offered until it finishes. */
  pending: boolean;
  request(kind: Kind, removeVolumes?: boolean): Promise<void>;
}

/**
 * Requests one action on a container and reads its state every second until it is done, failed
 * or expired; then the page's data is refreshed (the container's new state).
 */
export function useContainerAction(container: Pick<ContainerRow, 'id' | 'state'>): ContainerAction {
  const { client, refreshNow } = useFleetlens();
  const [action, setAction] = useState<Action | null>(null);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    if (!action || finished(action)) {
      return undefined;
    }
    const timer = setTimeout(() => {
      client
        .get<Action>(`/actions/${encodeURIComponent(action.id)}`)
        .then((a) => {
          setAction(a);
          if (finished(a)) {
            refreshNow();
          }
        })
        .catch((err) => setError(toApiError(err)));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [action, client, refreshNow]);

  const { id, state } = container;
  const request = useCallback(
    async (kind: Kind, removeVolumes = false) => {
      setError(undefined);
      try {
        const body = requestBody({ state }, kind, removeVolumes);
        setAction(await client.send<Action>('POST', `/containers/${encodeURIComponent(id)}/actions`, body));
      } catch (err) {
        setError(toApiError(err));
      }
    },
    [client, id, state]
  );

  return { action, error, pending: action !== null && !finished(action), request };
}

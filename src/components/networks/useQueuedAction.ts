import { useCallback } from 'react';
import type { Action } from '@fleetlens/protocol/api';
import { useActionState } from '../actions/useActionState';
import { useFleetlens } from '../FleetlensContext';

export { STATE_TEXT } from '../actions/useActionState';

/**
 * The network action a page asked for, followed until it finishes (useActionState: then the
 * page's data is refreshed, so the agent's next inventory shows); `request` sends the write.
 */
export function useQueuedAction() {
  const { client } = useFleetlens();
  const { request: follow, ...state } = useActionState();
  const request = useCallback(
    (method: 'POST' | 'DELETE', path: string, body?: unknown) => follow(() => client.send<Action>(method, path, body)),
    [client, follow]
  );
  return { ...state, request };
}

import { useEffect, useState } from 'react';
import type { Action } from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../../api/errors';
import { useFleetlens } from '../FleetlensContext';

/** How often a queued action's state is read until it finishes. */
const POLL_MS = 1000;

/** True once the agent reported it (done, failed) or it expired. */
export const finished = (a: Action) => a.state === 'done' || a.state === 'failed' || a.state === 'expired';

export const STATE_TEXT: Record<Action['state'], string> = {
  queued: 'queued, waiting for the agent',
  running: 'running on the agent',
  done: 'done',
  failed: 'failed',
  expired: 'expired',
};

/**
 * The action a page asked for, read again every second until it finishes (then the page's data is
 * refreshed, so the agent's next inventory shows); `request` sends the write and tracks its reply.
 */
export function useQueuedAction() {
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

  const request = async (method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<boolean> => {
    setError(undefined);
    try {
      setAction(await client.send<Action>(method, path, body));
      return true;
    } catch (err) {
      setError(toApiError(err));
      return false;
    }
  };
  return { action, error, pending: action !== null && !finished(action), request };
}

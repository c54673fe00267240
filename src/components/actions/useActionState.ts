import { useCallback, useEffect, useState } from 'react';
import type { Action } from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../../api/errors';
import { useFleetlens } from '../FleetlensContext';

/** How often a requested action's state is read until it finishes. */
export const POLL_MS = 1000;

/** Done, failed or expired: nothing more will happen to it. */
export const finished = (a: Action) => a.state === 'done' || a.state === 'failed' || a.state === 'expired';

/** The action's state as a person reads it. */
export const STATE_TEXT: Record<Action['state'], string> = {
  queued: 'queued, waiting for the agent',
  running: 'running on the agent',
  done: 'done',
  failed: 'failed',
  expired: 'expired',
};

export interface ActionState {
  /** The newest requested action as the backend last reported it. */
  action: Action | null;
  /** Why the request (or a read of its state) failed. */
  error?: ApiError;
  /** An action was requested and has not finished: the controls wait. */
  pending: boolean;
  /** Sends the request (a write that answers with the queued Action) and follows its state; false when refused. */
  request(send: () => Promise<Action>): Promise<boolean>;
}

/**
 * One requested action's life on a page (issue 15): send the request, then read
 * `/actions/:id` every POLL_MS until it is done, failed or expired, and refresh the page's data
 * once it finishes (the scaled service or restarted container then shows its new state).
 */
export function useActionState(): ActionState {
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

  const request = useCallback(async (send: () => Promise<Action>) => {
    setError(undefined);
    try {
      setAction(await send());
      return true;
    } catch (err) {
      setError(toApiError(err));
      return false;
    }
  }, []);

  return { action, error, pending: action !== null && !finished(action), request };
}

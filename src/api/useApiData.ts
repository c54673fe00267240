import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useFleetlens } from '../components/FleetlensContext';
import type { FleetlensClient } from './client';
import { ApiError, toApiError } from './errors';
import { structuralShare } from '../utils/share';

export interface ApiData<T> {
  data?: T;
  error?: ApiError;
  /** True while the first load for the current `key` runs; refreshes do not set it. */
  loading: boolean;
}

/**
 * Loads data for a page and reloads it at every refresh tick. `key` identifies the request
 * (serialised parameters): a new key shows a loading state, a tick refreshes in place. Old data
 * stays on screen until new data arrives, and unchanged parts of the reply keep their object
 * identity, so a refresh re-renders only what changed.
 */
export function useApiData<T>(
  key: string,
  load: (client: FleetlensClient, signal: AbortSignal) => Promise<T>,
  options: {
    enabled?: boolean;
    /** Keep showing the previous key's data while a new key loads (lists: yes; one entity's page: no). */
    keepPrevious?: boolean;
  } = {}
): ApiData<T> {
  const { client, tick, settings } = useFleetlens();
  const enabled = options.enabled ?? true;
  const keepPrevious = options.keepPrevious ?? true;
  const [state, setState] = useState<ApiData<T> & { key?: string }>({ loading: enabled });
  // The newest `load` without making it an effect dependency (callers pass inline functions);
  // layout effects run before the effect below, so it always calls the current one.
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  const seq = useRef(0);
  // A new key shows a loading state at once (state adjusted while rendering, as React's docs
  // advise for state that follows a prop), keeping the previous data only where asked.
  if (enabled && settings.backendUrl && state.key !== key) {
    setState((s) => (s.key === key ? s : { data: keepPrevious ? s.data : undefined, loading: true, key }));
  }

  useEffect(() => {
    if (!enabled || !settings.backendUrl) {
      return undefined;
    }
    const id = ++seq.current;
    const controller = new AbortController();
    loadRef.current(client, controller.signal).then(
      (data) => {
        if (id === seq.current) {
          setState((s) => {
            const shared = structuralShare(s.data, data);
            return shared === s.data && !s.error && !s.loading && s.key === key
              ? s
              : { data: shared, loading: false, key };
          });
        }
      },
      (err) => {
        if (id === seq.current && !controller.signal.aborted) {
          setState((s) => ({ data: s.key === key ? s.data : undefined, error: toApiError(err), loading: false, key }));
        }
      }
    );
    return () => controller.abort();
  }, [key, tick, client, enabled, keepPrevious, settings.backendUrl]);

  return enabled && !settings.backendUrl ? NOT_CONFIGURED : state;
}

const NOT_CONFIGURED: ApiData<never> = {
  loading: false,
  error: new ApiError(
    'not-configured',
    'Fleetlens is not configured yet: enter the backend URL and service key on the configuration page.'
  ),
};

import { useEffect, useRef } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { isNewSelection, parseViewState, viewKey, withViewState, type ViewState } from '../utils/viewState';
import { DEFAULT_RANGE, DEFAULT_REFRESH, REFRESH_INTERVALS, useFleetlens } from './FleetlensContext';

export const VIEW_DEFAULTS = { rawRange: DEFAULT_RANGE, refresh: DEFAULT_REFRESH, refreshIntervals: REFRESH_INTERVALS };

/**
 * Keeps the app's view state and the URL's query string in step, through the router Grafana
 * shares with the app (so Grafana's history, Back and Forward included):
 *
 * - a URL with view parameters (opened, reloaded, or reached by Back/Forward) sets the state;
 *   invalid ones take the defaults, and the URL is rewritten to the canonical form in place;
 * - a URL without any (a nav or in-app link) keeps the current state and gets its parameters
 *   written in place, so every page of the app can be bookmarked as shown;
 * - a new time range or cluster adds a history entry (Back returns to the previous one, as on
 *   Grafana's dashboards); a refresh interval or time zone change replaces the current entry.
 */
export function ViewStateUrlSync() {
  const { rawRange, refresh, timeZone, clusters, setRawRange, setRefresh, setTimeZone, setClusters } = useFleetlens();
  const location = useLocation();
  const navigate = useNavigate();
  const state: ViewState = { rawRange, refresh, timeZone, clusters };
  const key = viewKey(state);
  const last = useRef<{ search?: string; key?: string; state?: ViewState }>({});

  useEffect(() => {
    const { search, pathname, hash } = location;
    const go = (next: string, replace: boolean) => {
      if (next !== search) {
        navigate({ pathname, search: next, hash }, { replace });
      }
    };
    if (search !== last.current.search) {
      // The URL changed (first render, a link, Back/Forward): it leads when it says anything.
      last.current.search = search;
      const wanted = parseViewState(search, VIEW_DEFAULTS) ?? state;
      const wantedKey = viewKey(wanted);
      if (wantedKey !== key) {
        if (viewKey({ ...state, rawRange: wanted.rawRange }) !== key) {
          setRawRange(wanted.rawRange);
        }
        if (wanted.refresh !== refresh) {
          setRefresh(wanted.refresh);
        }
        if (wanted.timeZone !== timeZone) {
          setTimeZone(wanted.timeZone);
        }
        if (wanted.clusters.join(',') !== clusters.join(',')) {
          setClusters(wanted.clusters);
        }
      }
      last.current.key = wantedKey;
      last.current.state = wanted;
      go(withViewState(search, wanted), true);
      return;
    }
    if (key !== last.current.key) {
      // The state changed on this page (a picker): write it, as a new entry for a new selection.
      const push = !!last.current.state && isNewSelection(last.current.state, state);
      last.current.key = key;
      last.current.state = state;
      go(withViewState(search, state), !push);
    }
    // `state` is rebuilt every render; `key` stands for it. The setters and `navigate` are stable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [location.search, location.pathname, key]);

  return null;
}

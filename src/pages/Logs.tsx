import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { dateTime, type GrafanaTheme2, type SelectableValue } from '@grafana/data';
import {
  Button,
  EmptyState,
  InlineField,
  InlineSwitch,
  MultiSelect,
  RadioButtonGroup,
  Stack,
  useStyles2,
} from '@grafana/ui';
import { useLocation, useNavigate } from 'react-router-dom';
import type { PodListReply } from '@fleetlens/protocol/api';
import type { LogRow, LogVolumeReply } from '@fleetlens/protocol/api/alerts';
import type { LogParams } from '../api/client';
import { toApiError, type ApiError } from '../api/errors';
import { useApiData } from '../api/useApiData';
import { EntityFilter } from '../components/EntityFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { ContainerPicker } from '../components/logs/ContainerPicker';
import { LogLines } from '../components/logs/LogLines';
import { LogVolume } from '../components/logs/LogVolume';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { rangeKey, toSeconds } from '../utils/time';
import { LOG_LEVELS, parseLogFilters, withLogFilters, type LogFilterState } from '../utils/viewState';

export const LOG_PAGE = 200;
/** How often live tail asks for new lines. */
export const TAIL_MS = 2000;
/** At most this many pages of new lines per refresh before starting over from the newest. */
const MAX_NEWER_PAGES = 10;
/** Oldest first keeps at most this many lines, dropping the oldest as new ones arrive. */
export const MAX_TAIL_LINES = 5000;
/** Bars of the log-volume histogram (at most; the backend picks a round bucket width). */
export const VOLUME_BUCKETS = 60;
/** The log pane is never shorter than this, whatever the window. */
const MIN_PANE_PX = 240;

const LEVELS: Array<SelectableValue<string>> = LOG_LEVELS.map((l) => ({ label: l, value: l }));
type Source = LogFilterState['source'];

interface LogState {
  key: string;
  rows: LogRow[];
  nextCursor: string | null;
  headCursor: string | null;
  loading: boolean;
  error?: ApiError;
}

/**
 * Container logs: pick a container (searched on the backend) or pod, filter by levels and
 * keyword, see the volume over the range by level, read newest or oldest first in a pane of the
 * window's height, load more, follow new lines live. The filters live in the URL.
 */
export function LogsPage() {
  const { clusters, range, rawRange, client, settings, tick, setRawRange } = useFleetlens();
  const styles = useStyles2(getStyles);
  const location = useLocation();
  const navigate = useNavigate();
  const filters = useMemo(() => parseLogFilters(location.search), [location.search]);
  const { source, container, pod, levels, q, order } = filters;
  const asc = order === 'asc';
  const searchRef = useRef(location.search);
  searchRef.current = location.search;
  const setFilters = useCallback(
    (patch: Partial<LogFilterState>, replace = false) => {
      const next = withLogFilters(searchRef.current, { ...parseLogFilters(searchRef.current), ...patch });
      if (next !== searchRef.current) {
        navigate({ search: next }, { replace });
      }
    },
    [navigate]
  );
  const setSource = useCallback((v: Source) => setFilters({ source: v }), [setFilters]);
  const setContainer = useCallback((v: string) => setFilters({ container: v }), [setFilters]);
  const setPod = useCallback((v: string) => setFilters({ pod: v }), [setFilters]);
  const setQ = useCallback((v: string) => setFilters({ q: v }, true), [setFilters]);
  const [live, setLive] = useState(false);

  const pods = useApiData<PodListReply>(`log-pods:${clusters.join(',')}`, (c, s) => c.pods({ cluster: clusters }, s), {
    enabled: source === 'pod',
  });
  const podOptions = useMemo(
    () =>
      (pods.data?.items ?? []).map((p) => ({
        label: p.name,
        value: p.uid,
        description: `${p.namespace} · ${p.clusterName}`,
      })),
    [pods.data]
  );

  // The range is resolved when the filters or the chosen range change; live tail follows from there.
  const rk = rangeKey(rawRange);
  const base = useMemo<LogParams>(() => {
    const { from, to } = toSeconds(range);
    return {
      container: source === 'container' && container ? [container] : undefined,
      pod: source === 'pod' && pod ? [pod] : undefined,
      cluster: clusters,
      level: levels.length ? levels : undefined,
      q: q || undefined,
      from,
      // A range ending "now" stays open, so lines arriving later are not cut off.
      to: rawRange.to === 'now' ? undefined : to,
      limit: LOG_PAGE,
      order: asc ? 'asc' : undefined,
    };
    // `rk` stands for the range (resolved when it changes, not at every tick); `levels` by its text.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, container, pod, clusters, levels.join(','), q, rk, asc]);
  const key = JSON.stringify(base);
  const [state, setState] = useState<LogState>({
    key: '',
    rows: [],
    nextCursor: null,
    headCursor: null,
    loading: true,
  });
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    if (!settings.backendUrl) {
      return undefined;
    }
    const controller = new AbortController();
    setState({ key, rows: [], nextCursor: null, headCursor: null, loading: true });
    client.logs(base, controller.signal).then(
      (r) => setState({ key, rows: r.items, nextCursor: r.nextCursor, headCursor: r.headCursor, loading: false }),
      (err) => !controller.signal.aborted && setState((s) => ({ ...s, loading: false, error: toApiError(err) }))
    );
    return () => controller.abort();
  }, [key, base, client, settings.backendUrl]);

  // Newest first: the next page of older lines, appended below.
  const loadOlder = useCallback(async () => {
    const s = stateRef.current;
    if (!s.nextCursor) {
      return;
    }
    setState((x) => ({ ...x, loading: true }));
    try {
      const r = await client.logs({ ...base, cursor: s.nextCursor });
      setState((x) =>
        x.key !== key ? x : { ...x, rows: [...x.rows, ...r.items], nextCursor: r.nextCursor, loading: false }
      );
    } catch (err) {
      setState((x) => ({ ...x, loading: false, error: toApiError(err) }));
    }
  }, [base, client, key]);

  // Lines newer than the newest shown: by live tail every TAIL_MS, and at every refresh tick (the
  // page's refresh picker, like every other page). Newest first prepends them; oldest first
  // appends them (and "Load newer" is the same request). Older lines already loaded stay, and
  // rows are keyed by id, so the lines on screen keep their elements and the scroll position.
  const polling = useRef(false);
  const fetchNewer = useCallback(
    async (openEnd: boolean) => {
      const s = stateRef.current;
      if (s.key !== key || s.loading || polling.current) {
        return;
      }
      polling.current = true;
      // Live tail follows past the range's end; a refresh keeps to the range (open when it ends "now").
      const params: LogParams = openEnd ? { ...base, to: undefined } : base;
      try {
        if (!s.headCursor) {
          // Nothing shown yet: the first page, as on first load.
          const r = await client.logs(params);
          setState((x) =>
            x.key !== key || x.headCursor
              ? x
              : { ...x, rows: r.items, nextCursor: r.nextCursor, headCursor: r.headCursor, error: undefined }
          );
          return;
        }
        // Every line after the head, page by page (a burst can exceed one page).
        const fresh: LogRow[] = [];
        let head: string | null = null;
        let cursor: string | null = null;
        for (let i = 0; i < MAX_NEWER_PAGES; i++) {
          const r = await client.logs({ ...params, after: s.headCursor, ...(cursor ? { cursor } : {}) });
          head = asc ? r.headCursor : (head ?? r.headCursor);
          fresh.push(...r.items);
          cursor = r.nextCursor;
          if (!cursor) {
            break;
          }
        }
        setState((x) => {
          if (x.key !== key) {
            return x;
          }
          const seen = new Set(x.rows.map((row) => row.id));
          const add = fresh.filter((row) => !seen.has(row.id));
          if (asc) {
            // Oldest first: new lines below; beyond MAX_TAIL_LINES the oldest go.
            const rows = add.length ? [...x.rows, ...add].slice(-MAX_TAIL_LINES) : x.rows;
            return add.length || cursor !== x.nextCursor || (head && head !== x.headCursor) || x.error
              ? { ...x, rows, nextCursor: cursor, headCursor: head ?? x.headCursor, error: undefined, loading: false }
              : x;
          }
          if (cursor) {
            // Still more than MAX_NEWER_PAGES pages behind: start over from the newest lines
            // rather than show a gap; "Load older" continues below them.
            return { ...x, rows: fresh, nextCursor: cursor, headCursor: head ?? x.headCursor, error: undefined };
          }
          return add.length || (head && head !== x.headCursor) || x.error
            ? {
                ...x,
                rows: add.length ? [...add, ...x.rows] : x.rows,
                headCursor: head ?? x.headCursor,
                error: undefined,
              }
            : x;
        });
      } catch (err) {
        setState((x) => (x.key === key ? { ...x, error: toApiError(err) } : x));
      } finally {
        polling.current = false;
      }
    },
    [key, base, client, asc]
  );

  // The page's refresh ticks (auto-refresh interval or the refresh button).
  const firstTick = useRef(tick);
  useEffect(() => {
    if (tick !== firstTick.current) {
      void fetchNewer(false);
    }
    // Only a new tick triggers this; filter changes reload through `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);

  // Live tail: ask for lines newer than the newest shown, every TAIL_MS, while on.
  useEffect(() => {
    if (!live) {
      return undefined;
    }
    const timer = window.setInterval(() => void fetchNewer(true), TAIL_MS);
    return () => window.clearInterval(timer);
  }, [live, fetchNewer]);

  const showing = useMemo(() => (state.key === key ? state.rows : []), [state.key, state.rows, key]);
  const filtered = !!(container || pod || levels.length || q || clusters.length);

  // The lines' volume over the range, by level, with the same filters (reloaded at every tick).
  const volumeKey = `log-volume:${JSON.stringify({ ...base, limit: undefined, order: undefined })}`;
  const volume = useApiData<LogVolumeReply>(volumeKey, (c, sig) => {
    const { from, to } = toSeconds(range);
    const { limit: _l, order: _o, ...filters } = base;
    return c.logVolume({ ...filters, from, to, buckets: VOLUME_BUCKETS }, sig);
  });
  const narrowTo = useCallback(
    (from: number, to: number) => setRawRange({ from: dateTime(from * 1000), to: dateTime(to * 1000) }),
    [setRawRange]
  );

  // The pane of lines fills the window below what is above it; the page itself does not grow.
  const pane = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const fit = () => {
      const el = pane.current;
      if (!el) {
        return;
      }
      const top = el.getBoundingClientRect().top + window.scrollY;
      let h = Math.max(MIN_PANE_PX, Math.floor(window.innerHeight - top - 16));
      el.style.height = `${h}px`;
      // Whatever sits below the pane (page padding) must fit too.
      const over = document.documentElement.scrollHeight - window.innerHeight;
      if (over > 0) {
        h = Math.max(MIN_PANE_PX, h - over);
        el.style.height = `${h}px`;
      }
    };
    fit();
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  });
  // Oldest first, following: while the pane is scrolled to its end, new lines keep it there.
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = pane.current;
    if (el && asc && atEnd.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [showing, asc]);
  const onScroll = useCallback(() => {
    const el = pane.current;
    if (el) {
      atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    }
  }, []);

  return (
    <PageLayout
      error={state.error ?? volume.error}
      loading={state.loading}
      controls={
        <>
          <RadioButtonGroup
            options={[
              { label: 'By container', value: 'container' },
              { label: 'By pod', value: 'pod' },
            ]}
            value={source}
            onChange={setSource}
          />
          {source === 'container' ? (
            <ContainerPicker label="Container" value={container} onChange={setContainer} width={30} />
          ) : (
            <EntityFilter
              label="Pod"
              allLabel="All pods"
              options={podOptions}
              value={pod}
              onChange={setPod}
              width={30}
            />
          )}
          <MultiSelect
            aria-label="Level"
            placeholder="All levels"
            width={30}
            options={LEVELS}
            value={levels}
            onChange={(v) => setFilters({ levels: v.map((o) => o.value!).filter(Boolean) })}
          />
          <SearchBox label="Search logs" placeholder="Keyword" value={q} onChange={setQ} />
          <InlineField label="Oldest first" transparent>
            <InlineSwitch
              aria-label="Show oldest first"
              value={asc}
              onChange={(e) => setFilters({ order: e.currentTarget.checked ? 'asc' : 'desc' })}
            />
          </InlineField>
          <InlineField label="Live" transparent>
            <InlineSwitch aria-label="Live tail" value={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          </InlineField>
        </>
      }
    >
      {volume.data && <LogVolume volume={volume.data} onPick={narrowTo} />}
      <Stack justifyContent="space-between" alignItems="center">
        <span data-testid="log-count">
          {showing.length} line{showing.length === 1 ? '' : 's'}, {asc ? 'oldest first' : 'newest first'}
          {asc && showing.length >= MAX_TAIL_LINES ? ` (the newest ${MAX_TAIL_LINES} kept)` : ''}
        </span>
        {live && (
          <span data-testid="live-status" role="status">
            Following new lines every {TAIL_MS / 1000} s. Switch “Live” off to pause.
          </span>
        )}
      </Stack>
      <div className={styles.pane} ref={pane} onScroll={onScroll} data-testid="log-pane" tabIndex={0}>
        {!state.loading && state.key === key && showing.length === 0 && (
          <EmptyState
            variant={filtered ? 'not-found' : 'call-to-action'}
            message={filtered ? 'No log lines match' : 'No log lines yet'}
          >
            {filtered
              ? 'Pick another container or pod, clear the levels or keyword, or widen the time range.'
              : 'Agents ship container logs with their metrics. Check that the agent runs with log collection on, or widen the time range.'}
          </EmptyState>
        )}
        {showing.length > 0 && <LogLines rows={showing} search={q} showOrigin={!container && !pod} />}
        {state.nextCursor && (
          <div className={styles.more}>
            {asc ? (
              <Button
                variant="secondary"
                icon="arrow-down"
                onClick={() => void fetchNewer(false)}
                disabled={state.loading}
              >
                Load newer
              </Button>
            ) : (
              <Button variant="secondary" icon="arrow-down" onClick={() => void loadOlder()} disabled={state.loading}>
                Load older
              </Button>
            )}
          </div>
        )}
      </div>
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pane: css({
    overflowY: 'auto',
    minHeight: MIN_PANE_PX,
    marginTop: theme.spacing(1),
  }),
  more: css({ display: 'flex', justifyContent: 'center', padding: theme.spacing(1) }),
});

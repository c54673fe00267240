import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Button, EmptyState, InlineField, InlineSwitch, RadioButtonGroup, Stack } from '@grafana/ui';
import type { ContainerListReply, PodListReply } from '@fleetlens/protocol/api';
import type { LogRow } from '@fleetlens/protocol/api/alerts';
import type { LogParams } from '../api/client';
import { toApiError, type ApiError } from '../api/errors';
import { useApiData } from '../api/useApiData';
import { EntityFilter } from '../components/EntityFilter';
import { useFleetlens } from '../components/FleetlensContext';
import { LogLines } from '../components/logs/LogLines';
import { PageLayout } from '../components/PageLayout';
import { SearchBox } from '../components/SearchBox';
import { rangeKey, toSeconds } from '../utils/time';

export const LOG_PAGE = 200;
/** How often live tail asks for new lines. */
export const TAIL_MS = 2000;
/** At most this many pages of new lines per refresh before starting over from the newest. */
const MAX_NEWER_PAGES = 10;

const LEVELS: Array<SelectableValue<string>> = ['error', 'warning', 'info', 'debug'].map((l) => ({
  label: l,
  value: l,
}));
type Source = 'container' | 'pod';

interface LogState {
  key: string;
  rows: LogRow[];
  nextCursor: string | null;
  headCursor: string | null;
  loading: boolean;
  error?: ApiError;
}

/** Container logs: pick a container or pod, filter by level and keyword, load older lines, follow new ones live. */
export function LogsPage() {
  const { clusters, range, rawRange, client, settings, tick } = useFleetlens();
  const [source, setSource] = useState<Source>('container');
  const [container, setContainer] = useState('');
  const [pod, setPod] = useState('');
  const [level, setLevel] = useState('');
  const [q, setQ] = useState('');
  const [live, setLive] = useState(false);

  const containers = useApiData<ContainerListReply>(`log-containers:${clusters.join(',')}`, (c, s) =>
    c.containers({ cluster: clusters, pageSize: 500, includeGone: true }, s)
  );
  const pods = useApiData<PodListReply>(`log-pods:${clusters.join(',')}`, (c, s) => c.pods({ cluster: clusters }, s), {
    enabled: source === 'pod',
  });
  const containerOptions = useMemo(
    () =>
      (containers.data?.items ?? []).map((c) => ({
        label: c.name,
        value: c.id,
        description: `${c.nodeName} · ${c.clusterName}${c.namespace ? ` · ${c.namespace}` : ''}`,
      })),
    [containers.data]
  );
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
      level: level ? [level] : undefined,
      q: q || undefined,
      from,
      // A range ending "now" stays open, so lines arriving later are not cut off.
      to: rawRange.to === 'now' ? undefined : to,
      limit: LOG_PAGE,
    };
    // `rk` stands for the range (resolved when it changes, not at every tick).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, container, pod, clusters, level, q, rk]);
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

  // Lines newer than the newest shown, prepended: by live tail every TAIL_MS, and at every refresh
  // tick (the page's refresh picker, like every other page). Older lines already loaded stay, and
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
          // Nothing shown yet: the newest page, as on first load.
          const r = await client.logs(params);
          setState((x) =>
            x.key !== key || x.headCursor
              ? x
              : { ...x, rows: r.items, nextCursor: r.nextCursor, headCursor: r.headCursor, error: undefined }
          );
          return;
        }
        // Every line after the head, newest first, page by page (a burst can exceed one page).
        const fresh: LogRow[] = [];
        let head: string | null = null;
        let cursor: string | null = null;
        for (let i = 0; i < MAX_NEWER_PAGES; i++) {
          const r = await client.logs({ ...params, after: s.headCursor, ...(cursor ? { cursor } : {}) });
          head ??= r.headCursor;
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
          if (cursor) {
            // Still more than MAX_NEWER_PAGES pages behind: start over from the newest lines
            // rather than show a gap; "Load older" continues below them.
            return { ...x, rows: fresh, nextCursor: cursor, headCursor: head ?? x.headCursor, error: undefined };
          }
          const seen = new Set(x.rows.map((row) => row.id));
          const add = fresh.filter((row) => !seen.has(row.id));
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
    [key, base, client]
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

  const showing = state.key === key ? state.rows : [];
  const filtered = !!(container || pod || level || q || clusters.length);

  return (
    <PageLayout
      error={state.error ?? containers.error}
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
            <EntityFilter
              label="Container"
              allLabel="All containers"
              options={containerOptions}
              value={container}
              onChange={setContainer}
              width={30}
            />
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
          <EntityFilter
            label="Level"
            allLabel="All levels"
            options={LEVELS}
            value={level}
            onChange={setLevel}
            width={16}
          />
          <SearchBox label="Search logs" placeholder="Keyword" value={q} onChange={setQ} />
          <InlineField label="Live" transparent>
            <InlineSwitch aria-label="Live tail" value={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          </InlineField>
        </>
      }
    >
      {live && (
        <p data-testid="live-status" role="status">
          Following new lines every {TAIL_MS / 1000} s. Switch “Live” off to pause.
        </p>
      )}
      {!state.loading && state.key === key && showing.length === 0 && (
        <EmptyState
          variant={filtered ? 'not-found' : 'call-to-action'}
          message={filtered ? 'No log lines match' : 'No log lines yet'}
        >
          {filtered
            ? 'Pick another container or pod, clear the level or keyword, or widen the time range.'
            : 'Agents ship container logs with their metrics. Check that the agent runs with log collection on, or widen the time range.'}
        </EmptyState>
      )}
      {showing.length > 0 && (
        <>
          <LogLines rows={showing} search={q} />
          <Stack justifyContent="space-between" alignItems="center">
            <span data-testid="log-count">
              {showing.length} line{showing.length === 1 ? '' : 's'}, newest first
            </span>
            {state.nextCursor && (
              <Button variant="secondary" icon="arrow-down" onClick={() => void loadOlder()} disabled={state.loading}>
                Load older
              </Button>
            )}
          </Stack>
        </>
      )}
    </PageLayout>
  );
}

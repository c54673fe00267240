import { useCallback, useLayoutEffect, useMemo, useRef } from 'react';
import { dateMath, dateTime, isDateTime, ISO_8601, type RawTimeRange, type TimeZone } from '@grafana/data';
import { useLocation, useNavigate } from 'react-router-dom';

/**
 * The app's shareable view state (time range, refresh, time zone, cluster filter) as URL query
 * parameters, in Grafana's conventions: `from`/`to` as typed when relative (`now-6h`, `now`) and as
 * epoch milliseconds when absolute, `refresh` (empty = off), `timezone`, and `cluster`.
 */
export interface ViewState {
  rawRange: RawTimeRange;
  refresh: string;
  timeZone: TimeZone;
  clusters: string[];
}

/** The query parameters that belong to the view state; any others in the URL are left alone. */
export const VIEW_PARAMS = ['from', 'to', 'refresh', 'timezone', 'cluster'] as const;

export interface ViewDefaults {
  rawRange: RawTimeRange;
  refresh: string;
  /** The refresh picker's choices; a `refresh` outside them (or '') falls back to the default. */
  refreshIntervals: string[];
}

/** A `from`/`to` parameter as Grafana writes them: relative ("now-6h"), epoch ms, or ISO 8601. */
function parseTime(v: string | null, roundUp: boolean): RawTimeRange['from'] | undefined {
  if (v === null) {
    return undefined;
  }
  const s = v.trim();
  if (!s) {
    return undefined;
  }
  if (s.startsWith('now')) {
    return dateMath.isValid(s) && dateMath.parse(s, roundUp)?.isValid() ? s : undefined;
  }
  if (/^\d{1,15}$/.test(s)) {
    const t = dateTime(Number(s));
    return t.isValid() ? t : undefined;
  }
  // ISO 8601 only (with a date part), not whatever Date.parse would guess.
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = dateTime(s, ISO_8601);
    return t.isValid() ? t : undefined;
  }
  return undefined;
}

function toMs(v: RawTimeRange['from'], roundUp: boolean): number | undefined {
  const t = typeof v === 'string' ? dateMath.parse(v, roundUp) : v;
  return t && t.isValid() ? t.valueOf() : undefined;
}

function validTimeZone(tz: string): boolean {
  if (tz === 'browser' || tz === 'utc') {
    return true;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** True when the query string carries at least one view-state parameter. */
export function hasViewParams(search: string): boolean {
  const p = new URLSearchParams(search);
  return VIEW_PARAMS.some((k) => p.has(k));
}

/**
 * The view state a query string asks for, or undefined when it has none of the view parameters
 * (a plain link into the app: keep the current state). Missing or invalid parameters take the
 * defaults; nothing here throws.
 */
export function parseViewState(search: string, defaults: ViewDefaults): ViewState | undefined {
  if (!hasViewParams(search)) {
    return undefined;
  }
  const p = new URLSearchParams(search);

  let rawRange = defaults.rawRange;
  const from = parseTime(p.get('from'), false);
  // Grafana's dashboards read a missing `to` as now.
  const to = p.has('to') ? parseTime(p.get('to'), true) : from !== undefined ? 'now' : undefined;
  if (from !== undefined && to !== undefined) {
    const a = toMs(from, false);
    const b = toMs(to, true);
    if (a !== undefined && b !== undefined && a < b) {
      rawRange = { from, to };
    }
  }

  const r = p.get('refresh');
  const refresh =
    r === null ? defaults.refresh : r === '' || defaults.refreshIntervals.includes(r) ? r : defaults.refresh;

  const tz = p.get('timezone');
  const timeZone = tz && validTimeZone(tz) ? tz : 'browser';

  const clusters = [
    ...new Set(
      p
        .getAll('cluster')
        .flatMap((c) => c.split(','))
        .map((c) => c.trim())
        .filter((c) => c.length > 0 && c.length <= 253 && [...c].every((ch) => ch >= ' '))
    ),
  ];

  return { rawRange, refresh, timeZone, clusters };
}

function timeParam(v: RawTimeRange['from']): string {
  return typeof v === 'string' ? v : isDateTime(v) ? String(v.valueOf()) : String(v);
}

/** The view state's own parameters, in a fixed order (refresh always, since its default is not "off"). */
export function viewParams(state: ViewState): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['from', timeParam(state.rawRange.from)],
    ['to', timeParam(state.rawRange.to)],
  ];
  if (state.timeZone && state.timeZone !== 'browser') {
    out.push(['timezone', state.timeZone]);
  }
  out.push(['refresh', state.refresh]);
  if (state.clusters.length) {
    out.push(['cluster', state.clusters.join(',')]);
  }
  return out;
}

/** A stable key of a view state: equal keys, equal URLs. */
export function viewKey(state: ViewState): string {
  return new URLSearchParams(viewParams(state)).toString();
}

/** `search` with its view parameters replaced by `state`'s; other parameters keep their order. */
export function withViewState(search: string, state: ViewState): string {
  const p = new URLSearchParams(search);
  for (const k of VIEW_PARAMS) {
    p.delete(k);
  }
  for (const [k, v] of viewParams(state)) {
    p.append(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Whether moving from one state to the other is a new selection (a history entry) rather than a setting. */
export function isNewSelection(a: ViewState, b: ViewState): boolean {
  const ka = new URLSearchParams(viewParams(a));
  const kb = new URLSearchParams(viewParams(b));
  return ['from', 'to', 'cluster'].some((k) => ka.get(k) !== kb.get(k));
}

// ---------------------------------------------------------------------------------------------
// Table view state: sort, page, page size, visible columns and filters of a table, in the URL.

/** Sort state of a table (the same shape as DataTable's SortState). */
export interface TableSort<K extends string = string> {
  key: K;
  order: 'asc' | 'desc';
}

/** What a table keeps in the URL, and its defaults. Parameters are `<prefix>sort`, `<prefix>order`, … */
export interface TableSpec<K extends string = string> {
  /** Put before every parameter name, for a page with more than one table (e.g. `c.`); default none. */
  prefix?: string;
  /** The sort keys the table accepts; any other `sort` falls back to the default. */
  sortKeys: readonly K[];
  defaultSort: TableSort<K>;
  /** Keys whose first click sorts descending (numbers: the biggest first). */
  numeric?: readonly K[];
  /** Page sizes offered; `size` outside them falls back to the default. Omit for an unpaged table. */
  pageSizes?: readonly number[];
  defaultPageSize?: number;
  /** Ids of the columns the user may show or hide, and those shown by default (default: all). */
  columns?: readonly string[];
  defaultColumns?: readonly string[];
  /** Names of free-text filter parameters (e.g. `q`, `state`, `node`); empty values are dropped. */
  filters?: readonly string[];
}

/** A table's state as read from the URL. */
export interface TableState<K extends string = string> {
  sort: TableSort<K>;
  page: number;
  pageSize: number;
  /** Visible column ids, in the table's own order. */
  columns: string[];
  filters: Record<string, string>;
}

const MAX_PAGE = 100_000;
const MAX_FILTER_LENGTH = 200;

/** The table parameter names of a spec, in the order they are written. */
function tableParamNames(spec: TableSpec<string>): string[] {
  const p = spec.prefix ?? '';
  return [...(spec.filters ?? []), 'sort', 'order', 'page', 'size', 'cols'].map((n) => `${p}${n}`);
}

/** Reads a table's state from a query string; missing or invalid parameters take the defaults. */
export function parseTableState<K extends string>(search: string, spec: TableSpec<K>): TableState<K> {
  const q = new URLSearchParams(search);
  const p = spec.prefix ?? '';
  const sortKey = q.get(`${p}sort`);
  const key = sortKey !== null && (spec.sortKeys as readonly string[]).includes(sortKey) ? (sortKey as K) : null;
  const orderParam = q.get(`${p}order`);
  const order =
    orderParam === 'asc' || orderParam === 'desc'
      ? orderParam
      : key && key !== spec.defaultSort.key
        ? spec.numeric?.includes(key)
          ? 'desc'
          : 'asc'
        : spec.defaultSort.order;
  const pageParam = q.get(`${p}page`) ?? '';
  const page = /^\d{1,6}$/.test(pageParam) ? Math.min(MAX_PAGE, Math.max(1, Number(pageParam))) : 1;
  const sizeParam = Number(q.get(`${p}size`));
  const defaultSize = spec.defaultPageSize ?? spec.pageSizes?.[0] ?? 50;
  const pageSize = spec.pageSizes?.includes(sizeParam) ? sizeParam : defaultSize;
  const all = spec.columns ?? [];
  const asked = q.has(`${p}cols`) ? new Set((q.get(`${p}cols`) ?? '').split(',')) : null;
  const chosen = asked ? all.filter((c) => asked.has(c)) : [];
  const columns = chosen.length ? chosen : [...(spec.defaultColumns ?? all)];
  const filters: Record<string, string> = {};
  for (const f of spec.filters ?? []) {
    const v = q.get(`${p}${f}`);
    if (v && v.length <= MAX_FILTER_LENGTH && [...v].every((ch) => ch >= ' ')) {
      filters[f] = v;
    }
  }
  return { sort: { key: key ?? spec.defaultSort.key, order }, page, pageSize, columns, filters };
}

/** `search` with the table's parameters set to `state` (defaults left out); other parameters keep their order. */
export function withTableState<K extends string>(search: string, spec: TableSpec<K>, state: TableState<K>): string {
  const q = new URLSearchParams(search);
  const p = spec.prefix ?? '';
  for (const n of tableParamNames(spec)) {
    q.delete(n);
  }
  for (const f of spec.filters ?? []) {
    if (state.filters[f]) {
      q.append(`${p}${f}`, state.filters[f]);
    }
  }
  const d = spec.defaultSort;
  if (state.sort.key !== d.key || state.sort.order !== d.order) {
    q.append(`${p}sort`, state.sort.key);
    q.append(`${p}order`, state.sort.order);
  }
  if (state.page > 1) {
    q.append(`${p}page`, String(state.page));
  }
  if (spec.pageSizes && state.pageSize !== (spec.defaultPageSize ?? spec.pageSizes[0])) {
    q.append(`${p}size`, String(state.pageSize));
  }
  const defaults = spec.defaultColumns ?? spec.columns ?? [];
  if (spec.columns && state.columns.join(',') !== defaults.join(',')) {
    q.append(`${p}cols`, state.columns.join(','));
  }
  // The view parameters stay last, where withViewState puts them, so that ViewStateUrlSync finds
  // the URL canonical and does not rewrite it (a second navigation racing this one).
  const view = [...q.entries()].filter(([k]) => (VIEW_PARAMS as readonly string[]).includes(k));
  for (const k of VIEW_PARAMS) {
    q.delete(k);
  }
  for (const [k, v] of view) {
    q.append(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The next sort after a click on `key`: the active column flips; a new one starts desc for numbers. */
export function nextSort<K extends string>(s: TableSort<K>, key: K, numeric: readonly K[] = []): TableSort<K> {
  return s.key === key
    ? { key, order: s.order === 'asc' ? 'desc' : 'asc' }
    : { key, order: numeric.includes(key) ? 'desc' : 'asc' };
}

/** What useTableState hands a table: its state and setters that write the URL. */
export interface TableControls<K extends string> extends TableState<K> {
  onSort(key: K): void;
  setPage(page: number): void;
  setPageSize(size: number): void;
  setColumns(ids: string[]): void;
  /** Sets one filter (empty clears it); `replace` for typing, so that Back skips keystrokes. */
  setFilter(name: string, value: string, opts?: { replace?: boolean }): void;
}

/**
 * A table's sort, page, page size, visible columns and filters, kept in the URL's query string
 * through the router Grafana shares with the app: a reload restores them, a link shares them, and
 * each change is a history entry that Back undoes (typing in a search box replaces it instead).
 * A new sort, page size or filter starts again at page 1.
 */
export function useTableState<K extends string>(spec: TableSpec<K>): TableControls<K> {
  const location = useLocation();
  const navigate = useNavigate();
  const state = useMemo(() => parseTableState(location.search, spec), [location.search, spec]);
  // The location as last rendered, for setters called from event handlers (kept stable).
  const locRef = useRef(location);
  useLayoutEffect(() => {
    locRef.current = location;
  }, [location]);
  const write = useCallback(
    (change: (s: TableState<K>) => TableState<K>, replace = false) => {
      const loc = locRef.current;
      const next = withTableState(loc.search, spec, change(parseTableState(loc.search, spec)));
      if (next !== loc.search) {
        navigate({ pathname: loc.pathname, search: next, hash: loc.hash }, { replace });
        // A second setter called before the next render (a debounced search box firing beside a
        // picker) must build on this change, not on the location it replaced.
        locRef.current = { ...loc, search: next };
      }
    },
    [navigate, spec]
  );
  // The setters keep their identity while the URL changes (they read it when called).
  const setters = useMemo(
    () => ({
      onSort: (key: K) => write((s) => ({ ...s, sort: nextSort(s.sort, key, spec.numeric), page: 1 })),
      setPage: (page: number) => write((s) => ({ ...s, page })),
      setPageSize: (pageSize: number) => write((s) => ({ ...s, pageSize, page: 1 })),
      setColumns: (columns: string[]) => write((s) => ({ ...s, columns })),
      setFilter: (name: string, value: string, opts?: { replace?: boolean }) =>
        write((s) => ({ ...s, filters: { ...s.filters, [name]: value }, page: 1 }), opts?.replace),
    }),
    [write, spec.numeric]
  );
  return useMemo(() => ({ ...state, ...setters }), [state, setters]);
}

// ───────────────────────────── Alerts page: triage of the active alerts ─────────────────────────────

/** How the Alerts page shows the active alerts: filters, sort, grouping and page, kept in the URL. */
export interface AlertTriageState {
  /** Severities shown (canonical order); empty means all. */
  severities: Array<'critical' | 'warning' | 'info'>;
  /** A rule id, or '' for every rule. */
  rule: string;
  /** Acknowledged or not; 'all' for both. */
  ack: 'all' | 'yes' | 'no';
  /** `severity` (the default): critical first, each newest first; `newest`: by start time. */
  sort: 'severity' | 'newest';
  /** One collapsible group per rule instead of one list. */
  group: boolean;
  /** Page of the flat list. */
  page: number;
}

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
/** The Alerts page's query parameters (written only when they differ from the default). */
export const ALERT_TRIAGE_PARAMS = ['severity', 'rule', 'ack', 'asort', 'group', 'apage'] as const;
export const DEFAULT_ALERT_TRIAGE: AlertTriageState = {
  severities: [],
  rule: '',
  ack: 'all',
  sort: 'severity',
  group: false,
  page: 1,
};

/** The triage state a query string asks for; missing or invalid parameters take the defaults. */
export function parseAlertTriage(search: string): AlertTriageState {
  const p = new URLSearchParams(search);
  const asked = (p.get('severity') ?? '').split(',').map((s) => s.trim());
  const rule = (p.get('rule') ?? '').trim();
  const ack = p.get('ack');
  const page = p.get('apage') ?? '';
  return {
    severities: ALERT_SEVERITIES.filter((s) => asked.includes(s)),
    rule: /^[\w.:-]{1,64}$/.test(rule) ? rule : '',
    ack: ack === 'yes' || ack === 'no' ? ack : 'all',
    sort: p.get('asort') === 'newest' ? 'newest' : 'severity',
    group: p.get('group') === 'rule',
    page: /^\d{1,6}$/.test(page) ? Math.max(1, Number(page)) : 1,
  };
}

/** `search` with the triage parameters replaced by `t`'s (defaults left out); other parameters keep their order. */
export function withAlertTriage(search: string, t: AlertTriageState): string {
  const p = new URLSearchParams(search);
  for (const k of ALERT_TRIAGE_PARAMS) {
    p.delete(k);
  }
  const severities = ALERT_SEVERITIES.filter((s) => t.severities.includes(s));
  if (severities.length) {
    p.append('severity', severities.join(','));
  }
  if (t.rule) {
    p.append('rule', t.rule);
  }
  if (t.ack !== 'all') {
    p.append('ack', t.ack);
  }
  if (t.sort !== 'severity') {
    p.append('asort', t.sort);
  }
  if (t.group) {
    p.append('group', 'rule');
  }
  if (t.page > 1) {
    p.append('apage', String(t.page));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

// ───────────────────────────── Logs page filters ─────────────────────────────

/** The Logs page's own filters, kept in the URL beside the view state. */
export interface LogFilterState {
  source: 'container' | 'pod';
  /** A container entity id, or '' for all containers. */
  container: string;
  /** A pod uid, or '' for all pods. */
  pod: string;
  /** Levels shown; empty means all. */
  levels: string[];
  q: string;
  order: 'desc' | 'asc';
}

export const LOG_LEVELS = ['error', 'warning', 'info', 'debug', 'unknown'] as const;
/** The Logs page's query parameters (written only when they differ from the default). */
export const LOG_FILTER_PARAMS = ['source', 'container', 'pod', 'level', 'q', 'order'] as const;
export const DEFAULT_LOG_FILTERS: LogFilterState = {
  source: 'container',
  container: '',
  pod: '',
  levels: [],
  q: '',
  order: 'desc',
};

const ID_PARAM = /^[\w.:-]{1,64}$/;

/** The Logs filters a query string asks for; missing or invalid parameters take the defaults. */
export function parseLogFilters(search: string): LogFilterState {
  const p = new URLSearchParams(search);
  const id = (k: string) => {
    const v = (p.get(k) ?? '').trim();
    return ID_PARAM.test(v) ? v : '';
  };
  const levels = (p.get('level') ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter((l): l is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(l));
  return {
    source: p.get('source') === 'pod' ? 'pod' : 'container',
    container: id('container'),
    pod: id('pod'),
    // In the canonical order, once each.
    levels: LOG_LEVELS.filter((l) => levels.includes(l)),
    q: (p.get('q') ?? '').slice(0, 200),
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

/** `search` with the Logs filter parameters replaced by `f`'s (defaults left out); others keep their order. */
export function withLogFilters(search: string, f: LogFilterState): string {
  const p = new URLSearchParams(search);
  for (const k of LOG_FILTER_PARAMS) {
    p.delete(k);
  }
  if (f.source !== 'container') {
    p.append('source', f.source);
  }
  if (f.source === 'container' && f.container) {
    p.append('container', f.container);
  }
  if (f.source === 'pod' && f.pod) {
    p.append('pod', f.pod);
  }
  const levels = LOG_LEVELS.filter((l) => f.levels.includes(l));
  if (levels.length) {
    p.append('level', levels.join(','));
  }
  if (f.q) {
    p.append('q', f.q);
  }
  if (f.order !== 'desc') {
    p.append('order', f.order);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

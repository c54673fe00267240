import { dateMath, dateTime, isDateTime, ISO_8601, type RawTimeRange, type TimeZone } from '@grafana/data';

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

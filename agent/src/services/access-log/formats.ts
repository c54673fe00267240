import { RE2JS } from 're2js';
import type { RequestStats } from '@fleetlens/protocol';

/** The access-log formats the agent recognises (RequestStats.format). */
export type AccessFormat = RequestStats['format'];
export const ACCESS_FORMATS: readonly AccessFormat[] = ['nginx', 'apache', 'traefik', 'caddy', 'custom'];

/** One request read from an access-log line: its status and, when the line has one, its duration in seconds. */
export interface Request {
  status: number;
  seconds: number | null;
}

/**
 * Combined Log Format, as nginx's predefined `combined` (ngx_http_log_module: `$remote_addr -
 * $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
 * "$http_user_agent"`) and Apache's `combined` (mod_log_config: `%h %l %u %t \"%r\" %>s %b
 * \"%{Referer}i\" \"%{User-agent}i\"`) write it, optionally followed by one duration field:
 * nginx's `$request_time` (seconds, millisecond resolution: "0.123") or Apache's `%D`
 * (microseconds, an integer). Anchored, every field in its place: an application's own log line
 * does not match. (A fixed pattern without nested quantifiers: linear in the line's length.)
 */
const COMBINED =
  /^\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "(?:[^"\\]|\\.)*" (\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*"(?: (\d+(?:\.\d+)?))?$/;

/**
 * A combined line. `flavour` says how a trailing duration reads: nginx (seconds), apache
 * (microseconds), or auto: a decimal point means nginx's seconds, a whole number Apache's µs.
 * Returns the request and which of the two the line is (no duration: the flavour asked, nginx for auto).
 */
export function parseCombined(
  line: string,
  flavour: 'nginx' | 'apache' | 'auto'
): { request: Request; format: 'nginx' | 'apache' } | null {
  const m = COMBINED.exec(line);
  if (!m) return null;
  const status = Number(m[1]);
  if (status < 100 || status > 599) return null;
  const d = m[2];
  let format: 'nginx' | 'apache' = flavour === 'apache' ? 'apache' : 'nginx';
  if (d !== undefined && flavour === 'auto') format = d.includes('.') ? 'nginx' : 'apache';
  if (d !== undefined && format === 'apache' && d.includes('.')) return null; // %D is whole microseconds
  const seconds = d === undefined ? null : format === 'apache' ? Number(d) / 1e6 : Number(d);
  return { request: { status, seconds }, format };
}

function jsonObject(line: string): Record<string, unknown> | null {
  const s = line.trimStart();
  if (!s.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isStatus = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
const isDuration = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Traefik's JSON access log (doc.traefik.io, "Access Logs", format json): `DownstreamStatus` is
 * the status sent to the client, `Duration` the request's total time in nanoseconds. A line counts
 * when it has DownstreamStatus and one of Traefik's request fields (RequestMethod, RequestPath,
 * Duration), so that another JSON log with a status field does not.
 */
export function parseTraefik(line: string): Request | null {
  const o = jsonObject(line);
  if (!o || !isStatus(o.DownstreamStatus)) return null;
  if (typeof o.RequestMethod !== 'string' && typeof o.RequestPath !== 'string' && !isDuration(o.Duration)) return null;
  return { status: o.DownstreamStatus, seconds: isDuration(o.Duration) ? o.Duration / 1e9 : null };
}

/**
 * Caddy's access log (caddyserver.com/docs/logging, logger `http.log.access…`, msg "handled
 * request"): `status`, `duration` in seconds (float; Caddy's default duration_format), and a
 * `request` object with the method. All of logger-or-msg, request.method and status are required.
 */
export function parseCaddy(line: string): Request | null {
  const o = jsonObject(line);
  if (!o || !isStatus(o.status)) return null;
  const req = o.request as { method?: unknown } | undefined;
  if (!req || typeof req !== 'object' || typeof req.method !== 'string') return null;
  const logger = typeof o.logger === 'string' ? o.logger : '';
  if (!logger.startsWith('http.log.access') && o.msg !== 'handled request') return null;
  return { status: o.status, seconds: isDuration(o.duration) ? o.duration : null };
}

/** Units a custom pattern's `duration` group may be in. */
export const DURATION_UNITS = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

/**
 * A configured RE2 pattern with a named group `status` (three digits) and optionally `duration`
 * (a number in `unit`). Throws when the pattern does not compile or has no `status` group.
 */
export function customParser(pattern: string, unit: DurationUnit): (line: string) => Request | null {
  const re = RE2JS.compile(pattern);
  const groups = re.namedGroups();
  if (!('status' in groups)) throw new Error('the pattern has no named group "status" ((?P<status>…))');
  const hasDuration = 'duration' in groups;
  const factor = DURATION_UNITS[unit];
  return (line) => {
    const m = re.matcher(line);
    if (!m.find()) return null;
    const status = Number(m.group('status'));
    if (!Number.isInteger(status) || status < 100 || status > 599) return null;
    let seconds: number | null = null;
    if (hasDuration) {
      const d = m.group('duration');
      const n = d === null || d === '' ? NaN : Number(d);
      seconds = Number.isFinite(n) && n >= 0 ? n * factor : null;
    }
    return { status, seconds };
  };
}

import type { GrafanaIdTokens } from './idTokens';
import type { GrafanaUser } from './types';

/**
 * Headers: pkg/util/proxyutil (proxyutil.go, reverse_proxy.go `wrapDirector`),
 * pkg/services/contexthandler/contexthandler.go `WithAuthHTTPHeaders`, Go's
 * net/http/httputil.ReverseProxy (hop-by-hop, `X-Forwarded-For`) and net/textproto
 * (`CanonicalMIMEHeaderKey`).
 */

/** A case-insensitive header set that keeps the last spelling, like Go's http.Header.Set/Del/Get. */
export class GoHeaders {
  private readonly map = new Map<string, { name: string; value: string }>();

  constructor(init: Record<string, string | undefined> = {}) {
    for (const [k, v] of Object.entries(init)) {
      if (v !== undefined) {
        this.set(k, v);
      }
    }
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), { name: canonicalHeaderKey(name), value });
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  entries(): Array<[string, string]> {
    return [...this.map.values()].map(({ name, value }) => [name, value]);
  }
  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** textproto.CanonicalMIMEHeaderKey: "x-grafana-id" → "X-Grafana-Id". */
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/**
 * contexthandler.go `WithAuthHTTPHeaders` + reverse_proxy.go `wrapDirector`: the headers Grafana
 * authenticated the browser with are deleted before the director runs (always `Authorization`;
 * the JWT and auth-proxy headers only when those are configured, which the host does not do).
 */
export function deleteAuthHeaders(h: GoHeaders): void {
  h.delete('Authorization');
}

/** proxyutil.go `ApplyUserHeader`: always delete X-Grafana-User, set it only with send_user_header. */
export function applyUserHeader(sendUserHeader: boolean, h: GoHeaders, user: GrafanaUser): void {
  h.delete('X-Grafana-User');
  if (sendUserHeader) {
    h.set('X-Grafana-User', user.login);
  }
}

/** proxyutil.go `ApplyForwardIDHeader`: set X-Grafana-Id when the user has a token; never delete. */
export async function applyForwardIdHeader(h: GoHeaders, user: GrafanaUser, ids?: GrafanaIdTokens): Promise<void> {
  if (ids) {
    h.set('X-Grafana-Id', await ids.token(user));
  }
}

/** proxyutil.go `PrepareProxyRequest` (run by `wrapDirector` after the director). */
export function prepareProxyRequest(h: GoHeaders, remoteAddr: string): void {
  h.set('X-Grafana-Referer', h.get('Referer') ?? '');
  h.delete('Origin');
  h.delete('Referer');
  h.delete('X-Forwarded-Host');
  h.delete('X-Forwarded-Port');
  h.delete('X-Forwarded-Proto');
  const prior = h.get('X-Forwarded-For');
  h.set('X-Forwarded-For', prior ? `${prior}, ${remoteAddr}` : remoteAddr);
}

const HOP_BY_HOP = [
  'Connection',
  'Proxy-Connection',
  'Keep-Alive',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Te',
  'Trailer',
  'Transfer-Encoding',
  'Upgrade',
];

/** Go's httputil.ReverseProxy: hop-by-hop headers (and those named in Connection) are not forwarded. */
export function removeHopByHop(h: GoHeaders): void {
  for (const name of (h.get('Connection') ?? '').split(',')) {
    if (name.trim()) {
      h.delete(name.trim());
    }
  }
  for (const name of HOP_BY_HOP) {
    h.delete(name);
  }
}

/** Go's httputil.ReverseProxy appends the client address to X-Forwarded-For after the director. */
export function reverseProxyForwardedFor(h: GoHeaders, remoteAddr: string): void {
  const prior = h.get('X-Forwarded-For');
  h.set('X-Forwarded-For', prior ? `${prior}, ${remoteAddr}` : remoteAddr);
}

/**
 * reverse_proxy.go `wrapDirector`: the browser's headers as a proxy's director gets them, the auth
 * headers deleted first (`deleteAuthHeaders`).
 */
export function directorHeaders(browserHeaders: Record<string, string> = {}): GoHeaders {
  const h = new GoHeaders(browserHeaders);
  deleteAuthHeaders(h);
  return h;
}

/**
 * After the director: `PrepareProxyRequest` (run by `wrapDirector`), then the headers the outgoing
 * HTTP client sets itself (`clientHeaders`, e.g. a datasource's custom headers), then Go's
 * httputil.ReverseProxy: hop-by-hop headers removed, the client address appended to X-Forwarded-For.
 */
export function finishProxyHeaders(
  h: GoHeaders,
  remoteAddr: string,
  clientHeaders: Array<[string, string]> = []
): void {
  prepareProxyRequest(h, remoteAddr);
  for (const [name, value] of clientHeaders) {
    h.set(name, value);
  }
  removeHopByHop(h);
  reverseProxyForwardedFor(h, remoteAddr);
}

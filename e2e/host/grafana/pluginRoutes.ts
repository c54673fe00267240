import { parseReqRole } from './access';
import { interpolateTemplate, type TemplateData } from './goTemplate';
import type { GoHeaders } from './proxyHeaders';
import type { PluginJson, PluginRoute } from './types';

/**
 * plugin.json routes as both proxies apply them: loading (the `reqRole` a plugin may declare,
 * pkg/apimachinery/identity/role_type.go `UnmarshalText`), the method a route accepts
 * (pkg/api/pluginproxy/pluginproxy.go `HandleRequest`, ds_proxy.go `validateRequest`), and the
 * route's headers and body (pkg/api/pluginproxy/utils.go `addHeaders`, `setBodyContent`).
 */

/** A plugin.json Grafana would refuse to load (an invalid `reqRole`) throws here. */
export function checkPluginRoutes(plugin: PluginJson): void {
  for (const route of plugin.routes ?? []) {
    parseReqRole(route);
  }
}

/** A route's `method` is compared exactly unless it is empty or `*`. */
export function routeAcceptsMethod(route: PluginRoute, method: string): boolean {
  return !route.method || route.method === '*' || route.method === method;
}

/** utils.go `addHeaders`: each route header templated and set (`Header.Set`); throws on a template error. */
export function addRouteHeaders(h: GoHeaders, route: PluginRoute, data: TemplateData): void {
  for (const header of route.headers ?? []) {
    h.set(header.name, interpolateTemplate(header.content, data));
  }
}

/**
 * utils.go `setBodyContent`: the route's body templated; undefined when the route has none. Throws
 * when it cannot be templated or is not valid JSON (the request's own body is then kept).
 */
export function routeBodyContent(route: PluginRoute, data: TemplateData): string | undefined {
  if (route.body === undefined) {
    return undefined;
  }
  const rendered = interpolateTemplate(typeof route.body === 'string' ? route.body : JSON.stringify(route.body), data);
  JSON.parse(rendered);
  return rendered;
}

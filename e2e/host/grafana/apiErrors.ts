import crypto from 'node:crypto';
import type { EmulatorResponse } from './types';

/**
 * Errors as Grafana writes them: pkg/services/contexthandler/model/model.go `JsonApiErr`,
 * pkg/api/pluginproxy/pluginproxy.go `writeJSONErr`, pkg/services/accesscontrol/middleware.go
 * `deny`; and JSON as Go's encoding/json writes it (`goJson`).
 */

/**
 * `c.JsonApiErr` (pkg/services/contexthandler/model/model.go) and pluginproxy.go `writeJSONErr`:
 * `{"message": …}` as `application/json; charset=UTF-8`, written by json.Encoder (trailing newline).
 */
export function jsonApiErr(status: number, message: string): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: `${goJson({ message })}\n`,
  };
}

/** pkg/services/accesscontrol/middleware.go `deny`: the 403 of an `authorize(…)` middleware. */
export function accessDenied(action: string): EmulatorResponse {
  return {
    status: 403,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: goJson({
      accessErrorId: `ACE${crypto.randomInt(1e9, 1e10)}`,
      message: `You'll need additional permissions to perform this action. Permissions needed: ${action}`,
      title: 'Access denied',
    }),
  };
}

/** Go's encoding/json escapes <, >, & and U+2028/9 (HTMLEscape); JSON.stringify does not. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

import { isFetchError } from '@grafana/runtime';

/** What went wrong talking to the backend, in the terms a person can act on. */
export type ApiErrorKind =
  | 'not-configured'
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'bad-request'
  | 'conflict'
  | 'unavailable'
  | 'version-mismatch'
  | 'not-fleetlens'
  | 'server';

export interface ApiIssue {
  path: string;
  message: string;
}

/** An error from the backend client; `message` is already plain language. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    readonly issues: ApiIssue[] = []
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Errors the configuration page can fix (URL, key, version). */
  get isConfigProblem(): boolean {
    return ['not-configured', 'unreachable', 'unauthorized', 'version-mismatch', 'not-fleetlens'].includes(this.kind);
  }
}

/** The backend's error body: `{ error, issues? }`. Grafana's own errors use `message`. */
function bodyMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object') {
    const d = data as { error?: unknown; message?: unknown };
    if (typeof d.error === 'string') {
      return d.error;
    }
    if (typeof d.message === 'string') {
      return d.message;
    }
  }
  return undefined;
}

function bodyIssues(data: unknown): ApiIssue[] {
  const issues = (data as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues)
    ? issues.filter((i): i is ApiIssue => !!i && typeof i.path === 'string' && typeof i.message === 'string')
    : [];
}

/** True when the body is the backend's JSON error shape rather than a proxy's or another server's. */
function isBackendErrorBody(data: unknown): boolean {
  return !!data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string';
}

/** Turns whatever the Grafana fetch layer threw into an ApiError with a plain-language message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (!isFetchError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new ApiError('unreachable', `The Fleetlens backend could not be reached (${text}).`);
  }
  const { status, data } = err;
  const detail = bodyMessage(data);
  switch (true) {
    // 0: the browser never got an answer; 502/504: Grafana's proxy could not reach the backend.
    case !status || status === 502 || status === 504:
      return new ApiError(
        'unreachable',
        'The Fleetlens backend cannot be reached. Check that it is running and that the backend URL on the configuration page is right.',
        status
      );
    case status === 401:
      return new ApiError(
        'unauthorized',
        'The Fleetlens backend rejected the service key. Enter the current key on the configuration page.',
        status
      );
    case status === 403:
      return new ApiError('forbidden', detail ?? 'Your Fleetlens user may not see this.', status);
    case status === 404 && !isBackendErrorBody(data):
      return new ApiError(
        'not-fleetlens',
        'The backend URL answers, but not like a Fleetlens backend. Check the backend URL on the configuration page.',
        status
      );
    case status === 404:
      return new ApiError('not-found', detail ?? 'Not found. It may have been removed.', status);
    // Grafana's datasource proxy turns the backend's 401 into a plain-text 400 with this text
    // (pkg/api/pluginproxy/ds_proxy.go, modifyResponse): the credential was refused.
    case status === 400 && typeof data === 'string' && data.includes('Authentication to data source failed'):
      return new ApiError('unauthorized', 'Authentication to data source failed', 401);
    case status === 400:
      return new ApiError(
        'bad-request',
        `The backend refused the request: ${detail ?? 'bad request'}.`,
        status,
        bodyIssues(data)
      );
    case status === 409:
      // The backend's reason is already a sentence a person can act on (e.g. the last admin).
      return new ApiError('conflict', detail ?? 'The change conflicts with the current state.', status);
    case status === 503:
      return new ApiError(
        'unavailable',
        `The Fleetlens backend is running but cannot serve data right now${detail ? ` (${detail})` : ''}. Usually its database is unreachable; try again shortly.`,
        status
      );
    default:
      return new ApiError(
        'server',
        `The Fleetlens backend failed (HTTP ${status}${detail ? `: ${detail}` : ''}).`,
        status
      );
  }
}

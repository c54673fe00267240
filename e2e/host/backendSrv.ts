import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { Observable, lastValueFrom } from 'rxjs';

/** One HTTP exchange as the host performs it (browser fetch, or the emulator in Jest). */
export type Transport = (req: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}) => Promise<{
  status: number;
  statusText?: string;
  contentType: string;
  body: string;
}>;

function withParams(url: string, params?: Record<string, unknown>): string {
  if (!params) {
    return url;
  }
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) {
      search.set(k, String(v));
    }
  }
  const s = search.toString();
  return s ? `${url}${url.includes('?') ? '&' : '?'}${s}` : url;
}

/**
 * A BackendSrv over a transport, behaving like Grafana's where plugins can tell: JSON bodies are
 * parsed, non-2xx answers are thrown as FetchError `{ status, data, statusText, config }`, and a
 * request that never got an answer is thrown as a FetchError with status 0.
 */
export function createBackendSrv(transport: Transport): BackendSrv {
  const fetchFn = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      options.abortSignal?.addEventListener('abort', () => controller.abort());
      const body =
        options.data === undefined
          ? undefined
          : typeof options.data === 'string'
            ? options.data
            : JSON.stringify(options.data);
      const headers: Record<string, string> = {
        accept: 'application/json, text/plain, */*',
        ...(options.headers ?? {}),
      };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
      }
      transport({
        method: options.method ?? 'GET',
        url: withParams(options.url, options.params),
        headers,
        body,
        signal: controller.signal,
      })
        .then((res) => {
          let data: unknown = res.body;
          if (res.contentType.includes('json') && res.body) {
            try {
              data = JSON.parse(res.body);
            } catch {
              data = res.body;
            }
          }
          if (res.status >= 200 && res.status < 300) {
            subscriber.next({
              data: data as T,
              status: res.status,
              statusText: res.statusText ?? '',
              ok: true,
              // jsdom has no Headers class; nothing in the plugin reads response headers.
              headers: (typeof Headers === 'undefined'
                ? {}
                : new Headers({ 'content-type': res.contentType })) as Headers,
              redirected: false,
              type: 'basic',
              url: options.url,
              config: options,
            });
            subscriber.complete();
          } else {
            const err: FetchError = { status: res.status, statusText: res.statusText, data, config: options };
            subscriber.error(err);
          }
        })
        .catch((e: unknown) => {
          const err: FetchError = {
            status: 0,
            statusText: 'Network error',
            data: { message: e instanceof Error ? e.message : String(e) },
            config: options,
            cancelled: controller.signal.aborted,
          };
          subscriber.error(err);
        });
      return () => controller.abort();
    });

  const request = async <T>(options: BackendSrvRequest): Promise<T> => (await lastValueFrom(fetchFn<T>(options))).data;
  return {
    fetch: fetchFn,
    request,
    get: (url, params, _requestId, options) => request({ ...options, url, params, method: 'GET' }),
    delete: (url, data, options) => request({ ...options, url, data, method: 'DELETE' }),
    post: (url, data, options) => request({ ...options, url, data, method: 'POST' }),
    patch: (url, data, options) => request({ ...options, url, data, method: 'PATCH' }),
    put: (url, data, options) => request({ ...options, url, data, method: 'PUT' }),
    datasourceRequest: (options) => lastValueFrom(fetchFn(options)),
    chunked: () => {
      throw new Error('chunked requests are not used by this plugin');
    },
  } as BackendSrv;
}

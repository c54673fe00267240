/** The outcome of one POST of a batch, as the sender needs to act on it. */
export type PushResult =
  | { kind: 'accepted' }
  /** 400: the backend refuses this batch for good; never retried. */
  | { kind: 'rejected'; message: string }
  /** 413: too large; split it or drop it. */
  | { kind: 'too_large' }
  /** 401/403: the token is wrong; keep the data and retry slowly. */
  | { kind: 'unauthorized'; message: string }
  /** Network error, timeout, 429, 5xx: retry with backoff; retryAfterMs when the backend says. */
  | { kind: 'retry'; message: string; retryAfterMs: number | null };

export interface IngestClientOptions {
  backendUrl: string;
  token: string;
  timeoutMs: number;
}

/** Parses Retry-After: delay in seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | null {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: string; issues?: Array<{ path: string; message: string }> };
    const issues = (body.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('; ');
    return `${res.status} ${body.error ?? ''}${issues ? ` (${issues})` : ''}`.trim();
  } catch {
    return `${res.status} ${text.slice(0, 500)}`.trim();
  }
}

/** Posts gzip-encoded batches to the backend's ingest endpoint. */
export class IngestClient {
  private readonly url: string;

  constructor(private readonly opts: IngestClientOptions) {
    this.url = new URL('api/v1/ingest', opts.backendUrl.endsWith('/') ? opts.backendUrl : `${opts.backendUrl}/`).toString();
  }

  async push(gzipped: Buffer): Promise<PushResult> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: gzipped,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return { kind: 'retry', message: err.cause?.code ?? err.message, retryAfterMs: null };
    }
    if (res.status >= 200 && res.status < 300) {
      await res.arrayBuffer().catch(() => undefined);
      return { kind: 'accepted' };
    }
    const message = await errorText(res);
    if (res.status === 400 || res.status === 422) return { kind: 'rejected', message };
    if (res.status === 413) return { kind: 'too_large' };
    if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', message };
    return { kind: 'retry', message, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
  }
}

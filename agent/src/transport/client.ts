import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ContainerAction, IngestReply, type ProbeDefinition } from '@fleetlens/protocol';
/** The outcome of one POST of a batch, as the sender needs to act on it. */
export type PushResult =
  /** clockSkewSeconds: the agent's clock minus the backend's, when the backend says. */
  | { kind: 'accepted'; clockSkewSeconds: number | null; actions: ContainerAction[] }
  /** 400: the backend refuses this batch for good; never retried. */
  | { kind: 'rejected'; message: string }
  /** 413: too large; split it or drop it. */
  | { kind: 'too_large' }
  /** 401/403: the token is wrong; keep the data and retry slowly. */
  | { kind: 'unauthorized'; message: string }
  /**
   * Network error, timeout, 429, 5xx: retry with backoff; retryAfterMs when the backend says.
   * timedOut: no answer within the request timeout (a batch too slow to store is split after a few).
   */
  | { kind: 'retry'; message: string; retryAfterMs: number | null; timedOut?: boolean };

export interface IngestClientOptions {
  backendUrl: string;
  token: string;
  timeoutMs: number;
  /**
   * Called with the defined probes of an accepted push's reply (`probes`: the whole set this
   * agent is to run) when the reply carries them; a reply without them, or with an invalid list,
   * leaves the current set (no call).
   */
  onProbes?: (probes: ProbeDefinition[]) => void;
}

/** Parses Retry-After: delay in seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | null {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function errorText(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; issues?: Array<{ path: string; message: string }> };
    const issues = (body.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('; ');
    return `${status} ${body.error ?? ''}${issues ? ` (${issues})` : ''}`.trim();
  } catch {
    return `${status} ${text.slice(0, 500)}`.trim();
  }
}

/** This clock minus the backend's, from an ingest reply's `serverTime`; null when absent. */
export function skewOf(text: string, now = Date.now()): number | null {
  try {
    const v = (JSON.parse(text) as { serverTime?: unknown }).serverTime;
    return typeof v === 'number' && Number.isFinite(v) ? Math.round(now / 1000 - v) : null;
  } catch {
    return null;
  }
}

/** The `probes` of an ingest reply: the list when present and valid, else undefined (no opinion). */
export function probesOf(text: string): ProbeDefinition[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || !('probes' in body)) return undefined;
  const r = IngestReply.shape.probes.safeParse((body as { probes: unknown }).probes);
  return r.success ? r.data : undefined;
}

/** The container actions of an ingest reply (issue 15); items that do not parse are left out. */
export function actionsOf(text: string): ContainerAction[] {
  try {
    const v = (JSON.parse(text) as { actions?: unknown }).actions;
    if (!Array.isArray(v)) return [];
    return v.flatMap((a) => {
      const r = ContainerAction.safeParse(a);
      return r.success ? [r.data] : [];
    });
  } catch {
    return [];
  }
}

interface RawResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * Posts gzip-encoded batches to the backend's ingest endpoint. Uses node:http(s) rather than
 * fetch: Node 20 loads undici and its WASM parser on first fetch (+12 MB RSS for one POST per
 * interval), which matters within the agent's memory budget.
 */
export class IngestClient {
  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly opts: IngestClientOptions) {
    this.url = new URL('api/v1/ingest', opts.backendUrl.endsWith('/') ? opts.backendUrl : `${opts.backendUrl}/`);
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  private post(body: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = (this.url.protocol === 'https:' ? httpsRequest : httpRequest)(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.opts.timeoutMs,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
              text: Buffer.concat(chunks).toString('utf8'),
            })
          );
          res.on('error', reject);
        }
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async push(gzipped: Buffer): Promise<PushResult> {
    let res: RawResponse;
    try {
      res = await this.post(gzipped);
    } catch (e) {
      const err = e as Error & { code?: string };
      const timedOut = err.message === 'request timed out';
      return { kind: 'retry', message: err.code ?? err.message, retryAfterMs: null, timedOut };
    }
    if (res.status >= 200 && res.status < 300) {
      const probes = this.opts.onProbes ? probesOf(res.text) : undefined;
      try {
        if (probes) this.opts.onProbes!(probes);
      } catch {
        // The batch was delivered whatever the receiver of the probes does with them.
      }
      return { kind: 'accepted', clockSkewSeconds: skewOf(res.text), actions: actionsOf(res.text) };
    }
    const message = errorText(res.status, res.text);
    if (res.status === 400 || res.status === 422) return { kind: 'rejected', message };
    if (res.status === 413) return { kind: 'too_large' };
    if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', message };
    return { kind: 'retry', message, retryAfterMs: parseRetryAfter(res.retryAfter) };
  }

  close(): void {
    this.agent.destroy();
  }
}

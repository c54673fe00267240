import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { GoHeaders, removeHopByHop } from './proxyHeaders';
import type { EmulatorResponse } from './types';

/**
 * Sending the proxied request: Go's httputil.ReverseProxy round trip and Grafana's rules for its
 * answer (pkg/util/proxyutil/reverse_proxy.go `modifyResponse`, `errorHandler`).
 */

export interface OutgoingRequest {
  method: string;
  /** scheme://host[:port] of the target. */
  origin: string;
  /** The request target as sent: escaped path plus `?query`. */
  path: string;
  headers: GoHeaders;
  body?: string;
}

/**
 * Sends the proxied request and returns the answer with Grafana's response rules applied
 * (reverse_proxy.go `modifyResponse`: Set-Cookie removed, `Content-Security-Policy: sandbox`;
 * `errorHandler`: a failed round trip → 502 with no body).
 */
export function send(
  out: OutgoingRequest,
  modify?: (res: EmulatorResponse) => EmulatorResponse
): Promise<EmulatorResponse> {
  let origin: URL;
  try {
    origin = new URL(out.origin);
    if (!['http:', 'https:'].includes(origin.protocol) || !origin.host) {
      throw new Error('unsupported protocol scheme or no host');
    }
  } catch {
    return Promise.resolve(badGateway());
  }
  const lib = origin.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {};
  for (const [k, v] of out.headers.entries()) {
    // Go writes header values as bytes: send UTF-8, not Node's latin1 reading of the string.
    headers[k] = Buffer.from(v, 'utf8').toString('latin1');
  }
  delete headers['Content-Length'];
  delete headers.Host;
  if (out.body !== undefined && out.body !== '') {
    headers['Content-Length'] = String(Buffer.byteLength(out.body));
  }
  // Go's Transport sends a request again on a new connection when a reused keep-alive connection
  // fails before any answer and the request is replayable (net/http transport.go
  // `shouldRetryRequest`, request.go `isReplayable`: GET, HEAD, OPTIONS, TRACE or an
  // Idempotency-Key, no body). Node's agent reuses sockets the backend may be closing right then.
  const replayable =
    !out.body &&
    (['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(out.method) || out.headers.get('Idempotency-Key') !== undefined);
  return new Promise((resolve) => {
    const attempt = (retried: boolean): void => {
      let answered = false;
      const req = lib.request(
        {
          protocol: origin.protocol,
          hostname: origin.hostname,
          port: origin.port || undefined,
          method: out.method,
          path: out.path || '/',
          headers,
          timeout: 30_000,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new GoHeaders();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) {
                h.set(k, Array.isArray(v) ? v.join(', ') : v);
              }
            }
            removeHopByHop(h);
            h.delete('Content-Length');
            // Grafana passes a compressed body on as it is; this host's answers are strings, so it
            // decompresses here and drops Content-Encoding (the browser sees the same content).
            let raw = Buffer.concat(chunks);
            const encoding = (h.get('Content-Encoding') ?? '').toLowerCase();
            try {
              raw =
                encoding === 'gzip'
                  ? zlib.gunzipSync(raw)
                  : encoding === 'deflate'
                    ? zlib.inflateSync(raw)
                    : encoding === 'br'
                      ? zlib.brotliDecompressSync(raw)
                      : raw;
              if (encoding) {
                h.delete('Content-Encoding');
              }
            } catch {
              // left as it came
            }
            let answer: EmulatorResponse = {
              status: res.statusCode ?? 502,
              headers: h.toObject(),
              body: raw.toString('utf8'),
            };
            if (modify) {
              answer = modify(answer);
            }
            const final = new GoHeaders(answer.headers);
            final.delete('Set-Cookie');
            final.set('Content-Security-Policy', 'sandbox');
            // Header names in lower case, as Node's http module gives them to the host's callers.
            const headers = Object.fromEntries(final.entries().map(([k, v]) => [k.toLowerCase(), v]));
            resolve({ ...answer, headers });
          });
          res.on('error', () => resolve(badGateway()));
        }
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        if (req.reusedSocket && replayable && !retried && !answered) {
          attempt(true);
        } else {
          resolve(badGateway());
        }
      });
      if (out.body) {
        req.write(out.body);
      }
      req.end();
    };
    attempt(false);
  });
}

/** reverse_proxy.go `errorHandler`: `w.WriteHeader(http.StatusBadGateway)`, nothing else. */
export function badGateway(): EmulatorResponse {
  return { status: 502, headers: {}, body: '' };
}

/** Kept for callers of the previous host: sends a request to a URL, 502 when it cannot be reached. */
export function forward(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body?: string
): Promise<EmulatorResponse> {
  return send({
    method,
    origin: target.origin,
    path: target.pathname + target.search,
    headers: new GoHeaders(headers),
    body,
  });
}

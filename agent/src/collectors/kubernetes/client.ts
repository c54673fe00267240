import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where and how to reach an API server (or a kubelet). */
export interface KubeConnection {
  server: string;
  /** Returns the bearer token; a function because projected service-account tokens rotate. */
  token?: () => string | undefined;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

/** In-cluster config from the service account mount and the KUBERNETES_SERVICE_* variables. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SA_DIR): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a cluster');
  let cachedToken: { value: string; at: number } | null = null;
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${dir}/ca.crt`),
    token: () => {
      // Re-read at most once a minute: kubelet rotates the projected token file.
      if (!cachedToken || Date.now() - cachedToken.at > 60_000) {
        cachedToken = { value: readFileSync(`${dir}/token`, 'utf8').trim(), at: Date.now() };
      }
      return cachedToken.value;
    },
  };
}

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters?: Array<{
    name: string;
    cluster: {
      server: string;
      'certificate-authority'?: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }>;
  users?: Array<{
    name: string;
    user: {
      token?: string;
      tokenFile?: string;
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
    };
  }>;
}

/** Connection from a kubeconfig file's current context (token or client certificate; no exec plugins). */
export function kubeconfigConnection(path: string): KubeConnection {
  const { parse: parseYaml } = require('yaml') as typeof import('yaml'); // eslint-disable-line @typescript-eslint/no-require-imports
  const doc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigDoc;
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context ?? doc.contexts?.[0]?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: no context`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig ${path}: cluster ${ctx.cluster} not found`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  // As kubectl does: relative file paths are relative to the kubeconfig's own directory.
  const at = (file: string) => resolve(dirname(path), file);
  const fileOrData = (file?: string, data?: string) =>
    data ? Buffer.from(data, 'base64') : file ? readFileSync(at(file)) : undefined;
  const token = user.token ?? (user.tokenFile ? readFileSync(at(user.tokenFile), 'utf8').trim() : undefined);
  return {
    server: cluster.server,
    ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(user['client-key'], user['client-key-data']),
    token: token ? () => token : undefined,
  };
}

/** An HTTP error from the API server, with its status code (410 Gone matters to watches). */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** `GET <url>: <reason>`, keeping the original error's code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE) and cause. */
function requestError(url: URL, e: NodeJS.ErrnoException): Error {
  const err: NodeJS.ErrnoException = new Error(`GET ${url.origin}${url.pathname}: ${e.message.trim()}`, { cause: e });
  if (e.code) err.code = e.code;
  return err;
}

/**
 * A deliberately small Kubernetes REST client: GET of standard paths and WATCH streams of
 * newline-delimited JSON, with bearer token or client-certificate auth.
 */
export class KubeClient {
  constructor(
    readonly conn: KubeConnection,
    private readonly timeoutMs = 30_000
  ) {}

  private open(path: string, timeoutMs: number, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.conn.server);
    const token = this.conn.token?.();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers,
      ...(isHttps
        ? { ca: this.conn.ca, cert: this.conn.cert, key: this.conn.key, rejectUnauthorized: !this.conn.insecure }
        : {}),
      timeout: timeoutMs,
    });
    return new Promise((resolve, reject) => {
      // Stopping must also cancel a watch whose response headers have not arrived yet.
      signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      req.on('response', resolve);
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      // Connection and TLS errors name the server: the API server and the kubelet fail differently
      // (e.g. "unable to verify the first certificate" when the server's certificate is not from
      // the configured CA), and the bare Node.js message does not say which one it was.
      req.on('error', (e: NodeJS.ErrnoException) => reject(requestError(url, e)));
      req.end();
    });
  }

  /** GETs a path and parses the JSON reply; throws KubeError on a non-2xx status. */
  async get<T>(path: string): Promise<T> {
    const res = await this.open(path, this.timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if ((res.statusCode ?? 0) >= 300) {
      throw new KubeError(res.statusCode ?? 0, `GET ${path}: ${res.statusCode} ${body.slice(0, 300)}`);
    }
    return JSON.parse(body) as T;
  }

  /**
   * Opens a watch and calls onEvent per line; resolves when the server ends the stream (watches
   * time out by design) and rejects on errors. `signal` aborts it.
   */
  async watch(
    path: string,
    onEvent: (e: { type: string; object: unknown }) => void,
    signal: AbortSignal
  ): Promise<void> {
    // No socket timeout: a quiet watch is normal; the server closes it after its own timeout.
    let res: IncomingMessage;
    try {
      res = await this.open(path, 0, signal);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new KubeError(res.statusCode ?? 0, `WATCH ${path}: ${res.statusCode}`);
    }
    const abort = () => res.destroy();
    signal.addEventListener('abort', abort, { once: true });
    let pending = '';
    try {
      for await (const chunk of res) {
        pending += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as { type: string; object: unknown });
        }
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}

/** Parses a Kubernetes quantity ("250m", "4", "16374256Ki", "1G", "1e3") into a number. */
export function parseQuantity(q: string | number | undefined | null): number | null {
  if (q == null) return null;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return null;
  const mult: Record<string, number> = {
    '': 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * mult[m[2] ?? ''];
}

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
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
  /** A kubeconfig `exec` credential plugin: its token or client certificate wins over the fields above. */
  exec?: ExecCredentialPlugin;
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
      exec?: ExecConfig;
      token?: string;
      tokenFile?: string;
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
    };
  }>;
}

/** A kubeconfig user's `exec` stanza (client.authentication.k8s.io ExecConfig). */
export interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: Array<{ name: string; value: string }> | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/**
 * Runs a kubeconfig `exec` credential plugin (gke-gcloud-auth-plugin, aws eks get-token,
 * kubelogin, …) the way kubectl does, after client-go's
 * staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go: the command with its args,
 * the agent's environment plus `env`, and KUBERNETES_EXEC_INFO holding an ExecCredential
 * {apiVersion, kind, spec: {interactive: false, cluster when provideClusterInfo}}; stdout must be an
 * ExecCredential of the same apiVersion whose status has a token or a client certificate and key
 * (PEM). The result is reused until its expirationTimestamp, or until the API server answers 401.
 * The agent never has a terminal: interactiveMode Always is refused, as kubectl refuses it without one.
 */
export class ExecCredentialPlugin {
  private cached: { token?: string; cert?: Buffer; key?: Buffer; exp: number | null } | null = null;
  private running: Promise<{ token?: string; cert?: Buffer; key?: Buffer }> | null = null;
  calls = 0;

  constructor(
    private readonly cfg: ExecConfig,
    private readonly cluster: Record<string, unknown>,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {
    if (!cfg.command) throw new Error('exec plugin: command is required');
    if (!cfg.apiVersion || !EXEC_API_VERSIONS.includes(cfg.apiVersion))
      throw new Error(`exec plugin: invalid apiVersion "${cfg.apiVersion ?? ''}"`);
    // client-go's kubeconfig validation: v1 requires interactiveMode.
    if (cfg.apiVersion.endsWith('/v1') && !cfg.interactiveMode)
      throw new Error(`interactiveMode must be specified for ${cfg.command} to use exec authentication plugin`);
    if (cfg.interactiveMode === 'Always')
      throw new Error('exec plugin cannot support interactive mode: standard input is not a terminal');
  }

  /** The current credentials, running the plugin when there are none or they expired. */
  async credentials(): Promise<{ token?: string; cert?: Buffer; key?: Buffer }> {
    const c = this.cached;
    if (c && (c.exp === null || c.exp > Date.now())) return c;
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  /** The API server refused them: the next request runs the plugin again (exec.go maybeRefreshCreds). */
  invalidate(): void {
    this.cached = null;
  }

  private async run(): Promise<{ token?: string; cert?: Buffer; key?: Buffer }> {
    const cfg = this.cfg;
    const info = {
      apiVersion: cfg.apiVersion,
      kind: 'ExecCredential',
      spec: { interactive: false, ...(cfg.provideClusterInfo ? { cluster: this.cluster } : {}) },
    };
    const env: NodeJS.ProcessEnv = { ...this.env };
    for (const e of cfg.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
    this.calls++;
    const stdout = await new Promise<string>((ok, fail) => {
      const child = execFile(
        cfg.command!,
        cfg.args ?? [],
        { env, timeout: 120_000, maxBuffer: 4 * 1024 * 1024 },
        (err, out, errOut) => {
          if (errOut) process.stderr.write(errOut); // as kubectl shows the plugin's stderr
          if (!err) return ok(out);
          const e = err as NodeJS.ErrnoException & { code?: unknown };
          fail(
            new Error(
              e.code === 'ENOENT'
                ? `exec: executable ${cfg.command} not found${cfg.installHint ? `\n\n${cfg.installHint}` : ''}`
                : `exec: executable ${cfg.command} failed with exit code ${typeof e.code === 'number' ? e.code : '?'}`
            )
          );
        }
      );
      child.stdin?.end();
    });
    let cred: {
      apiVersion?: string;
      kind?: string;
      status?: {
        token?: string;
        clientCertificateData?: string;
        clientKeyData?: string;
        expirationTimestamp?: string;
      };
    };
    try {
      cred = JSON.parse(stdout) as typeof cred;
    } catch (e) {
      throw new Error(`decoding stdout: ${(e as Error).message}`);
    }
    if (cred.kind !== 'ExecCredential')
      throw new Error(`decoding stdout: kind "${cred.kind ?? ''}" is not ExecCredential`);
    if (cred.apiVersion !== cfg.apiVersion)
      throw new Error(
        `exec plugin is configured to use API version ${cfg.apiVersion}, plugin returned version ${cred.apiVersion ?? ''}`
      );
    const st = cred.status;
    if (!st) throw new Error("exec plugin didn't return a status field");
    if (!st.token && !st.clientCertificateData && !st.clientKeyData)
      throw new Error("exec plugin didn't return a token or cert/key pair");
    if (!st.clientCertificateData !== !st.clientKeyData)
      throw new Error('exec plugin returned only certificate or key, not both');
    const exp = st.expirationTimestamp ? Date.parse(st.expirationTimestamp) : null;
    const out = {
      ...(st.token ? { token: st.token } : {}),
      ...(st.clientCertificateData
        ? { cert: Buffer.from(st.clientCertificateData), key: Buffer.from(st.clientKeyData!) }
        : {}),
    };
    this.cached = { ...out, exp: exp !== null && Number.isFinite(exp) ? exp : null };
    return out;
  }
}

/**
 * Connection from a kubeconfig file's current context: token, token file, client certificate, or
 * an `exec` credential plugin (ExecCredentialPlugin). Auth providers (the removed `auth-provider`
 * gcp/azure/oidc stanzas) are not supported, as in current kubectl.
 */
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
  // As kubectl resolves it: a command with a path separator is relative to the kubeconfig's
  // directory; a bare name is looked up on PATH.
  const exec = user.exec
    ? new ExecCredentialPlugin(
        {
          ...user.exec,
          command:
            user.exec.command && user.exec.command.includes('/') && !isAbsolute(user.exec.command)
              ? at(user.exec.command)
              : user.exec.command,
        },
        {
          server: cluster.server,
          ...(cluster['certificate-authority-data'] || cluster['certificate-authority']
            ? {
                'certificate-authority-data':
                  cluster['certificate-authority-data'] ??
                  readFileSync(at(cluster['certificate-authority']!)).toString('base64'),
              }
            : {}),
          ...(cluster['insecure-skip-tls-verify'] ? { 'insecure-skip-tls-verify': true } : {}),
        }
      )
    : undefined;
  return {
    ...(exec ? { exec } : {}),
    server: cluster.server,
    ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(user['client-key'], user['client-key-data']),
    token: token ? () => token : undefined,
  };
}

/** An HTTP error from the API server, with its status code (410 Gone matters to watches) and Status reason. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The Status object's reason (Forbidden, NotFound, Conflict, Invalid, …) when the reply was one. */
    readonly reason?: string
  ) {
    super(message);
  }
}

/** A request with a body (the write calls): method, JSON body and its content type. */
interface WriteRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  body?: string;
  contentType?: string;
}

/** `GET <url>: <reason>`, keeping the original error's code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE) and cause. */
function requestError(url: URL, e: NodeJS.ErrnoException, method = 'GET'): Error {
  const err: NodeJS.ErrnoException = new Error(`${method} ${url.origin}${url.pathname}: ${e.message.trim()}`, {
    cause: e,
  });
  if (e.code) err.code = e.code;
  return err;
}

/**
 * A deliberately small Kubernetes REST client: GET of standard paths, WATCH streams of
 * newline-delimited JSON, and the few writes the cluster agent's actions make (`call`), with
 * bearer token or client-certificate auth.
 */
export class KubeClient {
  constructor(
    readonly conn: KubeConnection,
    private readonly timeoutMs = 30_000
  ) {}

  private async open(
    path: string,
    timeoutMs: number,
    signal?: AbortSignal,
    write: WriteRequest = { method: 'GET' }
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.conn.server);
    const fromExec = this.conn.exec ? await this.conn.exec.credentials() : null;
    const token = fromExec ? fromExec.token : this.conn.token?.();
    const cert = fromExec?.cert ?? this.conn.cert;
    const key = fromExec?.key ?? this.conn.key;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (write.body !== undefined) {
      headers['content-type'] = write.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(write.body));
    }
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method: write.method,
      headers,
      ...(isHttps ? { ca: this.conn.ca, cert, key, rejectUnauthorized: !this.conn.insecure } : {}),
      timeout: timeoutMs,
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      // Stopping must also cancel a watch whose response headers have not arrived yet.
      signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      req.on('response', resolve);
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      // Connection and TLS errors name the server: the API server and the kubelet fail differently
      // (e.g. "unable to verify the first certificate" when the server's certificate is not from
      // the configured CA), and the bare Node.js message does not say which one it was.
      req.on('error', (e: NodeJS.ErrnoException) => reject(requestError(url, e, write.method)));
      req.end(write.body);
    });
    if (res.statusCode === 401 && fromExec) this.conn.exec!.invalidate();
    return res;
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
   * Sends one request (the action handlers' reads and writes) with an optional JSON body of the
   * given content type (a PATCH's patch type); resolves with the parsed reply. A non-2xx reply
   * throws KubeError carrying the API server's own Status message and reason (for a 403 the
   * message names the user, verb and resource RBAC refused), so the user reads what kubectl
   * would print.
   */
  async call<T>(method: WriteRequest['method'], path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.open(path, this.timeoutMs, undefined, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), contentType }),
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page, the old text/plain 403): reported as text below
    }
    if (code >= 300) {
      const st = parsed as { kind?: string; message?: string; reason?: string } | undefined;
      if (st?.kind === 'Status' && st.message) throw new KubeError(code, st.message, st.reason);
      throw new KubeError(code, `${method} ${path}: ${code} ${text.slice(0, 300)}`);
    }
    return parsed as T;
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

import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { rootCertificates, type TLSSocket } from 'node:tls';
import { RE2JS } from 're2js';
import type { ProbeResult } from '@fleetlens/protocol';
import { type ProbeTarget, statusMatcher } from './target';

/** The measured part of a ProbeResult (the runner adds who, what and when). */
export type ProbeOutcome = Pick<
  ProbeResult,
  | 'up'
  | 'statusCode'
  | 'error'
  | 'dnsSeconds'
  | 'connectSeconds'
  | 'tlsSeconds'
  | 'firstByteSeconds'
  | 'totalSeconds'
  | 'certNotAfter'
>;

export interface ProbeOptions {
  /** Extra CA certificates (PEM) trusted for https probes beside Node's bundled roots. */
  ca?: string[];
  userAgent?: string;
}

/** The body a body match looks at: its first 64 KiB. */
export const BODY_MATCH_BYTES = 64 * 1024;

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);

class ProbeTimeout extends Error {
  constructor(seconds: number) {
    super(`timeout after ${seconds} s`);
  }
}

/** Phase instants (performance.now() ms) as the socket reports them. */
interface Marks {
  t0: number;
  lookup?: number;
  connect?: number;
  secure?: number;
  firstByte?: number;
  end?: number;
  literalIp: boolean;
  tls: boolean;
}

const secs = (ms: number) => Math.max(0, Math.round(ms * 1e3) / 1e6);

function phases(m: Marks): Pick<ProbeOutcome, 'dnsSeconds' | 'connectSeconds' | 'tlsSeconds' | 'firstByteSeconds'> {
  // An IP literal needs no lookup (Node emits no `lookup` then): its DNS phase took no time.
  const looked = m.lookup ?? (m.literalIp && m.connect !== undefined ? m.t0 : undefined);
  return {
    dnsSeconds: looked === undefined ? null : secs(looked - m.t0),
    connectSeconds: m.connect === undefined || looked === undefined ? null : secs(m.connect - looked),
    tlsSeconds: m.tls && m.secure !== undefined && m.connect !== undefined ? secs(m.secure - m.connect) : null,
    firstByteSeconds: m.firstByte === undefined ? null : secs(m.firstByte - m.t0),
  };
}

/** A clear reason for a failed connection or request (ProbeResult.error). */
export function describeError(e: Error & { code?: string }, m: Marks, host: string): string {
  if (e instanceof ProbeTimeout) return e.message;
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (DNS_CODES.has(code)) return `DNS lookup failed for ${host} (${code})`;
  if (m.tls && m.connect !== undefined && m.secure === undefined) {
    return `TLS error: ${code ? `${code}: ` : ''}${e.message}`.slice(0, 1024);
  }
  if (code === 'ECONNRESET') return 'connection reset by peer';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `host unreachable (${code})`;
  return `connection failed: ${code || e.message}`.slice(0, 1024);
}

/** The peer certificate's notAfter as epoch seconds, null when there is none. */
function certNotAfter(socket: Socket | null | undefined): number | null {
  const tls = socket as TLSSocket | null | undefined;
  if (!tls || typeof tls.getPeerCertificate !== 'function') return null;
  try {
    const v = tls.getPeerCertificate()?.valid_to;
    const ms = v ? Date.parse(v) : NaN;
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
  } catch {
    return null;
  }
}

function watchSocket(socket: Socket, m: Marks): void {
  socket.once('lookup', () => (m.lookup ??= performance.now()));
  socket.once('connect', () => (m.connect ??= performance.now()));
  socket.once('secureConnect', () => (m.secure ??= performance.now()));
}

/** One HTTP(S) probe: a fresh connection, no redirects followed (a 3xx is recorded as is). */
function probeHttp(t: ProbeTarget, opts: ProbeOptions): Promise<ProbeOutcome> {
  const url = new URL(t.target);
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const m: Marks = { t0: performance.now(), literalIp: isIP(host) !== 0, tls: https };
  const expect = statusMatcher(t.expectStatus);
  const body = t.bodyMatch ? RE2JS.compile(t.bodyMatch) : null;
  return new Promise<ProbeOutcome>((resolve) => {
    let req: ClientRequest | null = null;
    let socket: Socket | null = null;
    let settled = false;
    const finish = (o: Omit<ProbeOutcome, 'certNotAfter'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const cert = https ? certNotAfter(socket) : null;
      req?.destroy();
      resolve({ ...o, certNotAfter: cert });
    };
    const fail = (e: Error & { code?: string }) =>
      finish({ up: false, statusCode: null, error: describeError(e, m, host), ...phases(m), totalSeconds: null });
    const timer = setTimeout(() => {
      const e = new ProbeTimeout(t.timeoutSeconds);
      // A response already under way that does not finish in time is still a timeout.
      fail(e);
    }, t.timeoutSeconds * 1000);
    const send = https ? httpsRequest : httpRequest;
    req = send(url, {
      method: t.method,
      agent: false,
      headers: { 'user-agent': opts.userAgent ?? 'fleetlens-agent', accept: '*/*', connection: 'close' },
      ...(https && opts.ca?.length ? { ca: [...rootCertificates, ...opts.ca] } : {}),
      // Verified below rather than by Node, so that a certificate that fails (expired, unknown CA,
      // wrong name) still reports its notAfter: Node's own rejection destroys the socket before the
      // certificate can be read. Node sets `authorized`/`authorizationError` from the same chain
      // and host-name checks (checkServerIdentity) it would reject on.
      ...(https ? { rejectUnauthorized: false } : {}),
    });
    req.on('socket', (s: Socket) => {
      socket = s;
      watchSocket(s, m);
      if (https)
        s.once('secureConnect', () => {
          const tls = s as TLSSocket;
          if (tls.authorized) return;
          const code = String(tls.authorizationError ?? 'certificate not verified');
          m.secure = undefined; // the handshake did not give a trusted connection
          fail(Object.assign(new Error(code), { code: '' }));
        });
    });
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      m.firstByte = performance.now();
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        m.end = performance.now();
        const p = {
          ...phases(m),
          totalSeconds: secs(m.end - m.t0),
          statusCode: status >= 100 && status <= 599 ? status : null,
        };
        if (!expect(status)) return finish({ up: false, error: `unexpected status ${status}`, ...p });
        if (body) {
          const text = Buffer.concat(chunks).subarray(0, BODY_MATCH_BYTES).toString('utf8');
          if (!body.matcher(text).find()) return finish({ up: false, error: 'body did not match', ...p });
        }
        finish({ up: true, error: null, ...p });
      };
      res.on('data', (c: Buffer) => {
        if (!body || size >= BODY_MATCH_BYTES) return;
        chunks.push(c);
        size += c.length;
        // Enough of the body to decide: the rest is not read.
        if (size >= BODY_MATCH_BYTES) done();
      });
      res.on('end', done);
      res.on('error', fail);
    });
    req.end(t.method === 'POST' ? '' : undefined);
  });
}

/** One TCP probe: up when the connection opens within the timeout. */
function probeTcp(t: ProbeTarget): Promise<ProbeOutcome> {
  const { host, port } = splitHostPort(t.target);
  const m: Marks = { t0: performance.now(), literalIp: isIP(host) !== 0, tls: false };
  return new Promise<ProbeOutcome>((resolve) => {
    let settled = false;
    const socket = connect({ host, port });
    watchSocket(socket, m);
    const finish = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const base = { statusCode: null, tlsSeconds: null, firstByteSeconds: null, certNotAfter: null };
    const timer = setTimeout(() => {
      const p = phases(m);
      finish({
        ...base,
        up: false,
        error: new ProbeTimeout(t.timeoutSeconds).message,
        dnsSeconds: p.dnsSeconds,
        connectSeconds: null,
        totalSeconds: null,
      });
    }, t.timeoutSeconds * 1000);
    socket.once('connect', () => {
      m.connect ??= performance.now();
      const p = phases(m);
      finish({
        ...base,
        up: true,
        error: null,
        dnsSeconds: p.dnsSeconds,
        connectSeconds: p.connectSeconds,
        totalSeconds: secs(m.connect - m.t0),
      });
    });
    socket.once('error', (e: Error & { code?: string }) => {
      const p = phases(m);
      finish({
        ...base,
        up: false,
        error: describeError(e, m, host),
        dnsSeconds: p.dnsSeconds,
        connectSeconds: null,
        totalSeconds: null,
      });
    });
  });
}

/** "host:port" or "[v6]:port" → parts; throws when there is no valid port. */
export function splitHostPort(target: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:/\s[\]]+)):(\d{1,5})$/.exec(target.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`expected host:port, got "${target}"`);
  return { host: m[1] ?? m[2], port };
}

/** Runs one probe and measures it; never throws (every failure is a down result with its reason). */
export async function runProbe(t: ProbeTarget, opts: ProbeOptions = {}): Promise<ProbeOutcome> {
  try {
    return await (t.kind === 'tcp' ? probeTcp(t) : probeHttp(t, opts));
  } catch (e) {
    return {
      up: false,
      statusCode: null,
      error: `probe not run: ${(e as Error).message}`.slice(0, 1024),
      dnsSeconds: null,
      connectSeconds: null,
      tlsSeconds: null,
      firstByteSeconds: null,
      totalSeconds: null,
      certNotAfter: null,
    };
  }
}

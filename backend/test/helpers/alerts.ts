import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SERVICE_KEY, type Live } from './backend';

/** A container in a test batch. CPU is a percentage of the node's cores. */
export interface TestContainer {
  id: string;
  name?: string;
  cpuPct?: number | null;
  state?: string;
  exitCode?: number | null;
  oomKilled?: boolean;
  restartCount?: number;
  k8s?: { namespace: string; pod: string; podUid: string; workloadKind?: string; workloadName?: string } | null;
}

/** One ingest batch at time `t`: one node (`cores` cores) with the given CPU % and containers. */
export function alertBatch(
  t: number,
  o: {
    cluster?: string;
    node?: string;
    cores?: number;
    nodeCpuPct?: number;
    nodeMemPct?: number;
    nodeStatus?: string;
    containers?: TestContainer[];
  } = {}
) {
  const cores = o.cores ?? 2;
  const node = o.node ?? 'n1';
  const mem = 8e9;
  return {
    version: 'v1',
    batchId: `b-${o.cluster ?? 'c'}-${node}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: `agent-${node}`, version: '1', mode: 'node', hostname: node },
    cluster: { name: o.cluster ?? 'alpha', kind: 'kubernetes', environment: 'on-prem' },
    nodes: [
      {
        name: node,
        cores,
        memoryBytes: mem,
        os: 'Linux',
        status: o.nodeStatus ?? 'ready',
        samples: [
          {
            ts: t,
            cpuCores: ((o.nodeCpuPct ?? 10) / 100) * cores,
            memUsedBytes: ((o.nodeMemPct ?? 20) / 100) * mem,
            memTotalBytes: mem,
            fsUsedBytes: 10e9,
            fsTotalBytes: 100e9,
          },
        ],
      },
    ],
    containers: (o.containers ?? []).map((c) => {
      const state = c.state ?? 'running';
      return {
        id: c.id.padEnd(64, '0'),
        nodeName: node,
        name: c.name ?? c.id,
        image: 'busybox',
        state,
        exitCode: c.exitCode ?? null,
        oomKilled: c.oomKilled ?? false,
        restartCount: c.restartCount ?? 0,
        kubernetes: c.k8s ?? null,
        samples:
          state === 'running' && c.cpuPct !== null
            ? [
                {
                  ts: t,
                  cpuCores: ((c.cpuPct ?? 5) / 100) * cores,
                  memBytes: 1e8,
                  memLimitBytes: 1e9,
                  netRxBps: 100,
                  netTxBps: 50,
                },
              ]
            : [],
      };
    }),
  };
}

/** POST/PUT/PATCH/DELETE against the live backend with the service key. */
export async function send(
  live: Live,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
) {
  const res = await fetch(`${live.backend.url}${path}`, {
    method,
    headers: {
      // The admin API key, or the service key when the test names a Grafana user (the app route).
      ...(Object.keys(headers).some((h) => h.toLowerCase().startsWith('x-grafana-'))
        ? { 'x-fleetlens-key': SERVICE_KEY }
        : live.admin),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A real HTTP server that records every request; answers the queued statuses first, then 200. */
export async function httpReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  let errorBody = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : errorBody);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The next requests answer these statuses (then 200 again); failures answer `body`. */
    failNext(codes: number[], body = 'receiver failure') {
      statuses.push(...codes);
      errorBody = body;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export interface Mail {
  from: string;
  to: string[];
  user: string | null;
  raw: string;
}

/** A real SMTP server (smtp-server) on localhost that requires the given login, without TLS. */
export async function smtpReceiver(user: string, pass: string) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user: auth.username });
      else cb(new Error('invalid login'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: (session.user as string) ?? null,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  return { host: '127.0.0.1', port, mails, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** Waits until `check` passes (polling), or fails with its last error. */
export async function eventually(check: () => void | Promise<void>, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The decoded Subject header of a raw message (unfolds lines, decodes RFC 2047 Q and B words). */
export function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => /^subject:/i.test(l)) ?? '';
  return line
    .replace(/^subject:\s*/i, '')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1'
          ).toString('utf8')
    );
}

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

// Parts of the fault suite (backend/test/fault-suite.test.ts): a seeded random source, a private
// MariaDB server, real backend and agent processes that can be SIGKILLed and restarted, a
// counting proxy between agent and backend, and a /healthz poller in its own process.

const ROOT = resolve(__dirname, '../../..');

/** Seeded PRNG (mulberry32): the same seed gives the same fault schedule and fuzz corpus. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Raises a process's scheduling priority where allowed (root), so that other load on the machine does not starve it. */
export function boost(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, -10);
  } catch {
    /* not root: keep the default priority */
  }
}

/** Polls `url` until it answers 200 or `ms` pass. */
export async function waitHttp(url: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return true;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  return false;
}

/** What the machine has for a private MariaDB server; null when it has none. */
export function mariadbBinaries(): { installDb: string; server: string } | null {
  const installDb = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find(existsSync);
  const server = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find(existsSync);
  return installDb && server ? { installDb, server } : null;
}

/**
 * A MariaDB server of the test's own: its datadir under `dir`, its socket, a free port on
 * loopback, grant tables off (root without a password). Stopped and restarted by the suite; never
 * the shared server at 3306.
 */
export class PrivateMariaDb {
  private proc: ChildProcess | null = null;
  starts = 0;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: { installDb: string; server: string }
  ) {}

  static async create(dir: string): Promise<PrivateMariaDb> {
    const bin = mariadbBinaries();
    if (!bin) throw new Error('no mariadb-install-db / mariadbd on this machine');
    mkdirSync(dir, { recursive: true });
    execFileSync(
      bin.installDb,
      [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--user=root',
      ],
      { stdio: 'pipe', timeout: 60_000 }
    );
    return new PrivateMariaDb(dir, await freePort(), bin);
  }

  /** mysql:// URL of database `name` on this server. */
  url(name: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${name}`;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      `--socket=${join(this.dir, 'mysqld.sock')}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      `--log-error=${join(this.dir, 'error.log')}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      '--skip-grant-tables',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=128M',
      '--innodb-flush-log-at-trx-commit=1',
      '--max-connections=200',
    ];
    this.proc = spawn(this.bin.server, args, { stdio: 'ignore' });
    this.starts++;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`mariadbd exited at start: ${this.errorLog().slice(-800)}`);
      if (await tcpOpen(this.port)) return;
      await sleep(100);
    }
    throw new Error('private mariadbd did not start in 60 s');
  }

  /** Stops the server: SIGTERM (clean shutdown) or SIGKILL (crash; InnoDB recovers at the next start). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, sleep(60_000)]);
    if (this.running) {
      p.kill('SIGKILL');
      await exited;
    }
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const { connect } = require('node:net') as typeof import('node:net'); // eslint-disable-line @typescript-eslint/no-require-imports
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

/** The command that runs a package's entry point: its build (dist/, what CI runs after `npm run build`) or, unbuilt, its source through ts-node. */
export function entryPoint(
  pkg: 'backend' | 'agent',
  preload: string[] = []
): { args: string[]; env: NodeJS.ProcessEnv } {
  const built = join(ROOT, pkg, 'dist', 'main.js');
  const pre = preload.flatMap((p) => ['-r', p]);
  if (existsSync(built)) return { args: [...pre, built], env: {} };
  return {
    args: [...pre, '-r', 'ts-node/register/transpile-only', join(ROOT, pkg, 'src', 'main.ts')],
    env: { TS_NODE_PROJECT: join(ROOT, pkg, 'tsconfig.json') },
  };
}

/** One real Node.js process (backend or agent) that the suite starts, SIGKILLs and starts again. */
export class NodeProcess {
  private proc: ChildProcess | null = null;
  stderr = '';
  starts = 0;
  kills = 0;
  /** Epoch ms intervals [ready, stopping) during which the process was up and ready. */
  readonly upWindows: Array<[number, number]> = [];
  private readyAt: number | null = null;

  constructor(
    readonly name: string,
    private readonly command: () => { args: string[]; env: NodeJS.ProcessEnv },
    private readonly readyUrl: string | null,
    private readonly priority = false
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Spawns the process and waits for its readiness URL (when it has one). */
  async start(readyMs = 90_000): Promise<void> {
    const { args, env } = this.command();
    const p = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc = p;
    this.starts++;
    if (this.priority) boost(p.pid);
    p.stderr!.on('data', (c: Buffer) => {
      this.stderr += c.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    if (this.readyUrl) {
      const until = Date.now() + readyMs;
      while (!(await waitHttp(this.readyUrl, 1000))) {
        if (!this.running) throw new Error(`${this.name} exited at start: ${this.stderr.slice(-2000)}`);
        if (Date.now() > until) throw new Error(`${this.name} not ready in ${readyMs} ms: ${this.stderr.slice(-2000)}`);
      }
    }
    this.readyAt = Date.now();
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (this.readyAt !== null) this.upWindows.push([this.readyAt, Date.now()]);
    this.readyAt = null;
    if (!p || !this.running) return;
    if (signal === 'SIGKILL') this.kills++;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, sleep(30_000)]);
    if (this.running) {
      p.kill('SIGKILL');
      await exited;
    }
  }
}

/** One POST the agent sent through the proxy: the batch's node sample keys, its status, the answer. */
export interface ProxiedBatch {
  at: number;
  batchId: string;
  nodeSamples: string[];
  status: number;
}

/**
 * An HTTP proxy between agent and backend that records every batch the agent sends (gunzipped
 * and parsed here, independently of the backend) and the answer it got; 502 while the backend is down.
 */
export async function startCountingProxy(
  target: () => number
): Promise<{ url: string; seen: ProxiedBatch[]; close(): Promise<void> }> {
  const seen: ProxiedBatch[] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let record: ProxiedBatch | null = null;
      try {
        const text =
          req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
        const b = JSON.parse(text) as {
          batchId: string;
          nodes?: Array<{ name: string; samples: Array<{ ts: number }> }>;
        };
        record = {
          at: Date.now(),
          batchId: b.batchId,
          nodeSamples: (b.nodes ?? []).flatMap((n) => n.samples.map((s) => `node/${n.name}@${s.ts}`)),
          status: 0,
        };
        seen.push(record);
      } catch {
        /* not a batch: forwarded all the same */
      }
      const up = httpRequest(
        { host: '127.0.0.1', port: target(), path: req.url, method: req.method, headers: req.headers, agent: false },
        (ur) => {
          if (record) record.status = ur.statusCode ?? 0;
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        }
      );
      up.on('error', (e) => {
        if (record) record.status = 502;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `proxy: ${e.message}` }));
      });
      up.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** One /healthz probe: when it started (epoch ms), how long it took, and its status (0: no answer). */
export interface HealthProbe {
  at: number;
  ms: number;
  status: number;
}

// Runs in its own Node.js process, so that the test's own work (proxy, load, fuzz) cannot delay it.
const POLLER = `
const http = require('node:http');
const [url, every] = [process.argv[1], Number(process.argv[2])];
setInterval(() => {
  const at = Date.now();
  const t0 = process.hrtime.bigint();
  const done = (status) => process.stdout.write(JSON.stringify({ at, ms: Number(process.hrtime.bigint() - t0) / 1e6, status }) + '\\n');
  const req = http.get(url, { agent: false, timeout: 5000 }, (res) => { res.resume(); res.on('end', () => done(res.statusCode)); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => done(0));
}, every);
`;

/** Polls `url` every `everyMs` from a child process (raised priority); `stop()` returns every probe. */
export function startHealthPoller(url: string, everyMs = 100): { stop(): Promise<HealthProbe[]> } {
  const child = spawn(process.execPath, ['-e', POLLER, url, String(everyMs)], { stdio: ['ignore', 'pipe', 'ignore'] });
  boost(child.pid);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as HealthProbe);
    },
  };
}

/** Fills the filesystem holding `dir` with one file until only `leaveBytes` (about) are free. */
export function fillLeaving(dir: string, leaveBytes: number): string {
  const file = join(dir, 'filler');
  const { statfsSync } = require('node:fs') as typeof import('node:fs'); // eslint-disable-line @typescript-eslint/no-require-imports
  const free = () => {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  };
  const fd = openSync(file, 'a');
  try {
    const chunk = Buffer.alloc(4096, 1);
    while (free() > leaveBytes + 4096) {
      try {
        writeSync(fd, chunk);
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

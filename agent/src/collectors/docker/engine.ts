import { Agent, request, type IncomingMessage } from 'node:http';
// Types only (erased at build): the Engine API shapes as @types/dockerode describes them.
import type Dockerode from 'dockerode';

export type ContainerInfo = Dockerode.ContainerInfo;
export type ContainerInspectInfo = Dockerode.ContainerInspectInfo;
export type ContainerStats = Dockerode.ContainerStats;
/** GET /networks/{id} (GET /networks gives the same without Containers). */
export type NetworkInspectInfo = Dockerode.NetworkInspectInfo;

/** The fields of GET /exec/<id>/json the agent reads. */
export interface ExecInspect {
  ID?: string;
  ContainerID?: string;
  Running?: boolean;
  ExitCode?: number | null;
  ProcessConfig?: { entrypoint?: string; arguments?: string[]; privileged?: boolean; user?: string; tty?: boolean };
}

/** An Engine API error with its HTTP status. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** The engine's refusal as an EngineError with its own message (`{"message": …}` or the text). */
function refusal(status: number, text: string): EngineError {
  let msg = text.slice(0, 1000).trim();
  try {
    msg = (JSON.parse(msg) as { message?: string }).message ?? msg;
  } catch {
    // not JSON
  }
  return new EngineError(status, msg || `HTTP ${status}`);
}

/**
 * A small client for the few Docker Engine API calls the agent makes, over the unix socket with
 * kept-alive connections. (dockerode loads gRPC, protobuf and ssh2 at require time, about a third
 * of the agent's memory budget, for features the agent never uses; see docs/decisions.md.)
 */
export class DockerEngine {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 30_000
  ) {}

  private open(path: string, timeoutMs: number, method = 'GET', body?: unknown): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = payload ? { 'content-type': 'application/json', 'content-length': payload.length } : undefined;
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, path, method, headers, agent: this.agent, timeout: timeoutMs },
        resolve
      );
      req.on('timeout', () => req.destroy(new Error(`docker ${method} ${path.split('?')[0]}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async body(path: string): Promise<Buffer> {
    const res = await this.open(path, this.timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    if ((res.statusCode ?? 0) >= 400) {
      let msg = buf.toString('utf8').slice(0, 300);
      try {
        msg = (JSON.parse(msg) as { message?: string }).message ?? msg;
      } catch {
        // not JSON
      }
      throw new EngineError(res.statusCode ?? 0, `docker GET ${path.split('?')[0]}: ${res.statusCode} ${msg}`);
    }
    return buf;
  }

  private async json<T>(path: string): Promise<T> {
    return JSON.parse((await this.body(path)).toString('utf8')) as T;
  }

  /**
   * A POST or DELETE without a body (container actions, agent/src/actions): resolves with the
   * status (2xx, or 304 "already so"), throws an EngineError carrying the engine's own message.
   */
  async command(method: 'POST' | 'DELETE', path: string, timeoutMs = this.timeoutMs): Promise<number> {
    const res = await this.open(path, timeoutMs, method);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const status = res.statusCode ?? 0;
    if (status < 400) return status;
    throw refusal(status, Buffer.concat(chunks).toString('utf8'));
  }

  /**
   * A POST with a JSON body (container create, network connect; agent/src/actions): resolves with
   * the parsed reply (`{}` when empty), throws an EngineError carrying the engine's own message.
   */
  async post<T>(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const res = await this.open(path, timeoutMs, 'POST', body);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 400) throw refusal(status, text);
    return (text.trim() ? JSON.parse(text) : {}) as T;
  }

  /**
   * A POST with a JSON body (network create, connect, disconnect): resolves with the status and
   * the parsed reply (null when empty or not JSON), throws an EngineError with the engine's message.
   */
  async send(
    method: 'POST',
    path: string,
    body: unknown,
    timeoutMs = this.timeoutMs
  ): Promise<{ status: number; body: unknown }> {
    const payload = Buffer.from(JSON.stringify(body));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          path,
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': payload.length },
        },
        resolve
      );
      req.on('timeout', () => req.destroy(new Error(`docker ${method} ${path.split('?')[0]}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8').trim();
    const status = res.statusCode ?? 0;
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    if (status < 400) return { status, body: parsed };
    const msg = (parsed as { message?: string } | null)?.message ?? text.slice(0, 1000);
    throw new EngineError(status, msg || `HTTP ${status}`);
  }

  /** GET /networks: every network of the engine, without their containers (API 1.28+ leaves them out). */
  listNetworks(): Promise<NetworkInspectInfo[]> {
    return this.json('/networks');
  }

  /** GET /networks/{id}: one network with its endpoints (Containers). */
  inspectNetwork(id: string): Promise<NetworkInspectInfo> {
    return this.json(`/networks/${encodeURIComponent(id)}`);
  }

  async ping(): Promise<void> {
    await this.body('/_ping');
  }

  /** GET /containers/json (all states when `all`), optionally filtered. */
  listContainers(all: boolean, filters?: Record<string, string[]>): Promise<ContainerInfo[]> {
    const q = new URLSearchParams({ all: all ? '1' : '0' });
    if (filters) q.set('filters', JSON.stringify(filters));
    return this.json(`/containers/json?${q}`);
  }

  inspect(id: string): Promise<ContainerInspectInfo> {
    return this.json(`/containers/${encodeURIComponent(id)}/json`);
  }

  /** GET /images/<ref>/json: the image's configuration (its Config.User is the default user). */
  imageInspect(ref: string): Promise<{ Id: string; Config?: { User?: string } }> {
    return this.json(`/images/${encodeURIComponent(ref)}/json`);
  }

  /** GET /exec/<id>/json: an exec instance's process (command, user, privileged) and container. */
  execInspect(id: string): Promise<ExecInspect> {
    return this.json(`/exec/${encodeURIComponent(id)}/json`);
  }

  /** Log bytes (multiplexed unless TTY) with timestamps, from `since` ("sec.nanos") to `until` (sec). */
  logs(id: string, since: string, until: number): Promise<Buffer> {
    const q = new URLSearchParams({
      stdout: '1',
      stderr: '1',
      timestamps: '1',
      follow: '0',
      since,
      until: String(until),
    });
    return this.body(`/containers/${encodeURIComponent(id)}/logs?${q}`);
  }

  /** One-shot stats: answers at once instead of waiting for a second sample. */
  stats(id: string): Promise<ContainerStats> {
    return this.json(`/containers/${encodeURIComponent(id)}/stats?stream=0&one-shot=1`);
  }

  /** The event stream from `since` (epoch seconds); no timeout, the caller ends it. */
  async events(since: number, filters: Record<string, string[]>): Promise<IncomingMessage> {
    const q = new URLSearchParams({ since: String(since), filters: JSON.stringify(filters) });
    const res = await this.open(`/events?${q}`, 0);
    if ((res.statusCode ?? 0) >= 400) {
      res.resume();
      throw new EngineError(res.statusCode ?? 0, `docker GET /events: ${res.statusCode}`);
    }
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}

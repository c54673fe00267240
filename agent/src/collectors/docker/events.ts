import type { DockerEngine } from './engine';
import type { Event } from '@fleetlens/protocol';

/** The fields of a Docker engine event that the agent uses. */
export interface DockerEngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const KEPT = new Set([
  'create',
  'start',
  'stop',
  'die',
  'oom',
  'kill',
  'restart',
  'pause',
  'unpause',
  'destroy',
  'health_status',
  'exec_create',
  'exec_start',
  'exec_die',
]);

/** Maps one engine event to the wire Event, or null for actions the agent does not report. */
export function toEvent(e: DockerEngineEvent, nodeName: string): Event | null {
  const action = e.Action ?? e.status ?? '';
  // "health_status: healthy", "exec_start: sh -c date": the verb is before the colon.
  const colon = action.indexOf(':');
  const verb = colon >= 0 ? action.slice(0, colon) : action;
  const detail = colon >= 0 ? action.slice(colon + 1).trim() : '';
  if (!KEPT.has(verb)) return null;
  const attrs = e.Actor?.Attributes ?? {};
  const id = e.Actor?.ID ?? e.id ?? null;
  const exitCode = attrs.exitCode !== undefined && /^-?\d+$/.test(attrs.exitCode) ? Number(attrs.exitCode) : null;
  const warning =
    verb === 'oom' || (verb === 'die' && exitCode !== 0) || (verb === 'health_status' && detail === 'unhealthy');
  let message = '';
  if (verb === 'die') message = `exited with code ${exitCode ?? 'unknown'}`;
  else if (verb === 'kill') message = `signal ${attrs.signal ?? 'unknown'}`;
  else if (detail) message = detail;
  const sec = e.time ?? (e.timeNano ? Math.floor(e.timeNano / 1e9) : Math.floor(Date.now() / 1000));
  return {
    ts: sec,
    source: 'docker',
    type: warning ? 'warning' : 'normal',
    reason: verb,
    message: message.slice(0, 4096),
    objectKind: 'container',
    objectName: (attrs.name ?? id ?? 'unknown').slice(0, 512) || 'unknown',
    namespace: attrs['io.kubernetes.pod.namespace'] ?? null,
    nodeName,
    containerId: id,
    exitCode: verb === 'die' ? exitCode : null,
    count: 1,
  };
}

/** Non-zero exits of one container within this many seconds … */
export const CRASH_LOOP_WINDOW_SECONDS = 600;
/** … from this many on make a crash loop (issue 17's security events). */
export const CRASH_LOOP_EXITS = 3;

/**
 * Marks Docker's crash loops, which the engine has no event for (Kubernetes has the kubelet's
 * BackOff): the third and every later non-zero `die` of a container within 10 minutes is a
 * security event whose message says so. Other events pass unchanged.
 */
export class CrashLoops {
  private readonly exits = new Map<string, number[]>();

  /** The event as it goes on the wire: a crash-looping die gets the security category. */
  mark(e: Event): Event {
    if (e.reason !== 'die' || !e.containerId || e.exitCode === 0 || e.exitCode === null) return e;
    const recent = (this.exits.get(e.containerId) ?? []).filter((t) => t > e.ts - CRASH_LOOP_WINDOW_SECONDS);
    recent.push(e.ts);
    this.exits.set(e.containerId, recent);
    if (recent.length < CRASH_LOOP_EXITS) return e;
    const note = `crash loop: ${recent.length} non-zero exits in ${CRASH_LOOP_WINDOW_SECONDS / 60} min`;
    return { ...e, category: 'security', message: `${e.message} (${note})`.slice(0, 4096) };
  }

  /** Forgets containers that no longer exist. */
  retain(ids: Set<string>): void {
    for (const id of this.exits.keys()) if (!ids.has(id)) this.exits.delete(id);
  }
}

/**
 * Follows the engine's container event stream, buffering events until the next cycle takes them.
 * Reconnects after errors with `since` = the last event's time, so no event is lost across a
 * dockerd restart (duplicates of that one second are filtered by timeNano).
 */
export class EventFollower {
  private buffer: Event[] = [];
  private stream: NodeJS.ReadableStream | null = null;
  private stopped = false;
  private lastNano = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Called for every container event (used to refresh that container's metadata and count OOM kills). */
  onEvent: (containerId: string, event: DockerEngineEvent) => void = () => {};

  constructor(
    private readonly docker: DockerEngine,
    private readonly nodeName: string
  ) {}

  async start(sinceSec: number): Promise<void> {
    this.lastNano = sinceSec * 1e9;
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = await this.docker.events(Math.floor(this.lastNano / 1e9), { type: ['container'] });
      this.stream = stream;
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line) this.handle(line);
        }
      });
      const again = () => {
        if (this.stream !== stream) return;
        this.stream = null;
        this.scheduleReconnect();
      };
      stream.on('end', again);
      stream.on('error', again);
      stream.on('close', again);
    } catch {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, 2000);
    this.retryTimer.unref();
  }

  private handle(line: string): void {
    let e: DockerEngineEvent;
    try {
      e = JSON.parse(line) as DockerEngineEvent;
    } catch {
      return;
    }
    const nano = e.timeNano ?? (e.time ?? 0) * 1e9;
    if (nano && nano <= this.lastNano) return; // replay of the reconnect's overlap
    if (nano) this.lastNano = nano;
    const id = e.Actor?.ID ?? e.id;
    if (id) this.onEvent(id, e);
    const ev = toEvent(e, this.nodeName);
    if (ev) this.buffer.push(ev);
  }

  /** Returns and clears the events received since the previous call. */
  take(): Event[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    this.stream = null;
    s?.destroy?.();
  }
}

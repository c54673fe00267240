import { LATENCY_BUCKETS_SECONDS, type RequestStats, type ServiceRef } from '@fleetlens/protocol';
import type { OnceLog } from '../discovery';
import { type AccessFormat, ACCESS_FORMATS, type Request, parseCaddy, parseCombined, parseTraefik } from './formats';

/** The label (Docker) and annotation (Kubernetes) that choose a container's access-log format. */
export const ACCESS_LOG_LABEL = 'fleetlens.access-log';
export const ACCESS_LOG_ANNOTATION = 'fleetlens.io/access-log';

/** What a container's label or annotation asks for: recognise (`auto`), one format, or nothing. */
export type AccessLogMode = 'auto' | 'off' | AccessFormat;

/** The families `auto` locks onto: nginx and Apache combined are one family told apart per line. */
type Family = 'combined' | 'traefik' | 'caddy' | 'custom';

interface Container {
  service: ServiceRef;
  mode: AccessLogMode;
  /** The format this container's lines are read as: set by the label, or by the first line `auto` recognised. */
  format: AccessFormat | null;
  live: boolean;
  requests: number;
  classes: [number, number, number, number];
  latencyCount: number;
  latencySum: number;
  buckets: number[];
}

/** Bucket index of a duration in LATENCY_BUCKETS_SECONDS (+Inf last): the first bound it does not exceed, as Prometheus' `le`. */
export function bucketOf(seconds: number): number {
  const i = LATENCY_BUCKETS_SECONDS.findIndex((b) => seconds <= b);
  return i < 0 ? LATENCY_BUCKETS_SECONDS.length : i;
}

function familyOf(f: AccessFormat): Family {
  return f === 'nginx' || f === 'apache' ? 'combined' : f;
}

/**
 * Turns the log lines collectors read into one RequestStats per container per interval. Every
 * line a container wrote reaches `observe` (the log tailers hand over all of them, also those the
 * per-cycle line cap keeps out of the shipped logs), so counts are complete.
 *
 * `auto` (the default) reads a line as a request only when it matches a format exactly (see
 * formats.ts), and then locks the container to that format family, so an application's own lines
 * around its access log are never counted. A container whose format is known reports every
 * interval while it runs, with zeros when it served nothing: rates are over the covered time.
 */
export class AccessLogStats {
  private readonly containers = new Map<string, Container>();
  private lastTake: number;

  constructor(
    private readonly opts: {
      /** The configured pattern's parser (FLEETLENS_ACCESS_LOG_PATTERN), null when none. */
      custom: ((line: string) => Request | null) | null;
      once: OnceLog;
      now?: number;
    }
  ) {
    this.lastTake = opts.now ?? Date.now();
  }

  /** Parses a label or annotation value; bad values are reported once and read as `off`. */
  mode(value: string | undefined, subject: string, where: string): AccessLogMode {
    const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
    if (v === 'auto' || v === 'off' || (ACCESS_FORMATS as readonly string[]).includes(v)) {
      if (v === 'custom' && !this.opts.custom) {
        this.opts.once.report(
          `access-log:${subject}`,
          `fleetlens-agent: access log of ${where} not read: "custom" needs FLEETLENS_ACCESS_LOG_PATTERN`
        );
        return 'off';
      }
      this.opts.once.forget(`access-log:${subject}`);
      return v as AccessLogMode;
    }
    this.opts.once.report(
      `access-log:${subject}`,
      `fleetlens-agent: access log of ${where} not read: ${ACCESS_LOG_LABEL} "${value}" is not auto, off, ${ACCESS_FORMATS.join(', ')}`
    );
    return 'off';
  }

  /** Declares a running container this cycle: its service and access-log mode. */
  track(id: string, service: ServiceRef, mode: AccessLogMode): void {
    let c = this.containers.get(id);
    if (!c || c.mode !== mode) {
      const format = mode === 'auto' || mode === 'off' ? null : mode;
      c = { service, mode, format, live: true, ...zero() };
      this.containers.set(id, c);
    }
    c.service = service;
    c.live = true;
  }

  /** Reads a container's lines (all it wrote since the last call) into the current interval. */
  observe(id: string, lines: string[]): void {
    const c = this.containers.get(id);
    if (!c || c.mode === 'off') return;
    for (const line of lines) {
      const r = this.parse(c, line);
      if (!r) continue;
      c.requests++;
      const cls = Math.floor(r.status / 100);
      if (cls >= 2 && cls <= 5) c.classes[cls - 2]++;
      if (r.seconds !== null) {
        c.latencyCount++;
        c.latencySum += r.seconds;
        c.buckets[bucketOf(r.seconds)]++;
      }
    }
  }

  private parse(c: Container, line: string): Request | null {
    const custom = this.opts.custom;
    if (c.format !== null) {
      switch (familyOf(c.format)) {
        case 'combined':
          return parseCombined(line, c.mode === 'auto' ? 'auto' : (c.format as 'nginx' | 'apache'))?.request ?? null;
        case 'traefik':
          return parseTraefik(line);
        case 'caddy':
          return parseCaddy(line);
        case 'custom':
          return custom ? custom(line) : null;
      }
    }
    // auto, nothing recognised yet: the configured pattern first (the operator's own format), then the built-in ones.
    let r: Request | null = custom ? custom(line) : null;
    if (r) c.format = 'custom';
    if (!r) {
      const comb = parseCombined(line, 'auto');
      if (comb) [r, c.format] = [comb.request, comb.format];
    }
    if (!r && (r = parseTraefik(line))) c.format = 'traefik';
    if (!r && (r = parseCaddy(line))) c.format = 'caddy';
    return r;
  }

  /** One RequestStats per container with a known format for the interval ending at `now` (epoch ms); resets the counts. */
  take(now: number): RequestStats[] {
    const intervalSeconds = Math.min(86_400, Math.max(0.001, (now - this.lastTake) / 1000));
    this.lastTake = now;
    const ts = Math.floor(now / 1000);
    const out: RequestStats[] = [];
    for (const [id, c] of this.containers) {
      if (c.format && (c.live || c.requests > 0)) {
        out.push({
          ts,
          intervalSeconds,
          containerId: id,
          service: c.service,
          format: c.format,
          requests: c.requests,
          status2xx: c.classes[0],
          status3xx: c.classes[1],
          status4xx: c.classes[2],
          status5xx: c.classes[3],
          latencyCount: c.latencyCount,
          latencySumSeconds: c.latencySum,
          latencyBuckets: c.latencyCount > 0 ? [...c.buckets] : null,
        });
      }
      Object.assign(c, zero(), { live: false });
    }
    return out;
  }

  /** Forgets containers that no longer exist. */
  retain(ids: Set<string>): void {
    for (const id of this.containers.keys()) if (!ids.has(id)) this.containers.delete(id);
  }
}

function zero() {
  return {
    requests: 0,
    classes: [0, 0, 0, 0] as [number, number, number, number],
    latencyCount: 0,
    latencySum: 0,
    buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
  };
}

import type { ProbeResult } from '@fleetlens/protocol';
import { type ProbeOptions, runProbe } from './probe';
import type { ProbeOrigin, ProbeTarget, ProbeTargetSink } from './target';

export interface ProbeRunnerOptions {
  nodeName: string;
  /** Probes in flight at once at most. */
  concurrency: number;
  /** Probes this agent runs at most; the rest are counted in `overLimit` and logged. */
  maxProbes: number;
  probe?: ProbeOptions;
  log?: (msg: string) => void;
  /** Results held until collected at most (oldest dropped first, counted). */
  maxPending?: number;
  /** How often due probes are looked for (ms). */
  tickMs?: number;
}

interface Scheduled {
  target: ProbeTarget;
  /** The target's settings as text: a changed setting restarts the probe's schedule. */
  config: string;
  nextAt: number;
  running: boolean;
}

/** Defined probes are kept first when the limit cuts, then Docker's, then Kubernetes'. */
const ORDER: ProbeOrigin[] = ['defined', 'docker', 'kubernetes'];

/** A spread of first runs over up to 2 s (or the interval), by key, so that probes do not start at once. */
function firstDelay(key: string, intervalMs: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % Math.max(1, Math.min(intervalMs, 2000));
}

/**
 * Runs each probe on its own interval with at most `concurrency` in flight, from the target sets
 * the collectors and the ingest reply hand in (ProbeTargetSink). Finished runs wait in memory
 * until the probe collector takes them into the next batch. A probe still running when it is due
 * again is not started twice; one waiting for a free slot runs as soon as one frees.
 */
export class ProbeRunner implements ProbeTargetSink {
  /** Targets over `maxProbes`, not run. */
  overLimit = 0;
  /** Results dropped because nobody collected them in time. */
  droppedResults = 0;
  private readonly origins = new Map<ProbeOrigin, ProbeTarget[]>();
  private readonly scheduled = new Map<string, Scheduled>();
  private results: ProbeResult[] = [];
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ProbeRunnerOptions) {
    this.log = opts.log ?? ((m) => console.error(m));
  }

  /** Probes currently scheduled (after the limit). */
  get size(): number {
    return this.scheduled.size;
  }

  /** Keys of the probes currently scheduled (tests, status). */
  keys(): string[] {
    return [...this.scheduled.keys()];
  }

  /** Replaces one origin's probes; unchanged probes keep their schedule, changed ones start anew. */
  setTargets(origin: ProbeOrigin, targets: ProbeTarget[]): void {
    this.origins.set(origin, targets);
    this.rebuild(Date.now());
  }

  /** Starts running the probes on their intervals. */
  start(): void {
    this.started = true;
    this.arm();
  }

  /** Stops scheduling and waits for the probes in flight (each ends within its timeout). */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.running]);
  }

  /** The runs finished since the previous call, oldest first. */
  take(): ProbeResult[] {
    const out = this.results;
    this.results = [];
    return out;
  }

  private rebuild(now: number): void {
    const all = new Map<string, ProbeTarget>();
    for (const origin of ORDER) for (const t of this.origins.get(origin) ?? []) if (!all.has(t.key)) all.set(t.key, t);
    const list = [...all.values()];
    const kept = list.slice(0, Math.max(0, this.opts.maxProbes));
    const over = list.length - kept.length;
    if (over !== this.overLimit) {
      this.log(
        over > 0
          ? `fleetlens-agent: ${over} probes over the limit of ${this.opts.maxProbes} per agent are not run (FLEETLENS_PROBE_MAX)`
          : 'fleetlens-agent: every probe is within the limit again'
      );
      this.overLimit = over;
    }
    const keys = new Set<string>();
    for (const t of kept) {
      keys.add(t.key);
      const config = JSON.stringify(t);
      const s = this.scheduled.get(t.key);
      if (s && s.config === config) continue;
      const at = now + firstDelay(t.key, t.intervalSeconds * 1000);
      if (s) Object.assign(s, { target: t, config, nextAt: Math.min(s.nextAt, at) });
      else this.scheduled.set(t.key, { target: t, config, nextAt: at, running: false });
    }
    for (const k of this.scheduled.keys()) if (!keys.has(k)) this.scheduled.delete(k);
    this.arm();
  }

  /** A ticking timer while there is anything to run; none otherwise (an agent without probes pays nothing). */
  private arm(): void {
    if (!this.started) return;
    if (this.scheduled.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(Date.now()), this.opts.tickMs ?? 200);
      this.timer.unref();
    }
  }

  private tick(now: number): void {
    for (const s of this.scheduled.values()) {
      if (this.inFlight >= this.opts.concurrency) return;
      if (s.running || s.nextAt > now) continue;
      const interval = s.target.intervalSeconds * 1000;
      // Keep the probe's own cadence; one that fell behind (no free slot) starts a new one from now.
      s.nextAt = s.nextAt + interval > now ? s.nextAt + interval : now + interval;
      this.launch(s);
    }
  }

  private launch(s: Scheduled): void {
    s.running = true;
    this.inFlight++;
    const t = s.target;
    const config = s.config;
    const ts = Math.floor(Date.now() / 1000);
    const p = runProbe(t, this.opts.probe)
      .then((o) => {
        // A probe removed or changed while it ran: its result no longer belongs to a current probe.
        if (this.scheduled.get(t.key)?.config !== config) return;
        this.push({
          ts,
          key: t.key,
          source: t.source,
          definitionId: t.definitionId,
          service: t.service,
          nodeName: this.opts.nodeName,
          containerId: t.containerId,
          kind: t.kind,
          target: t.target,
          ...o,
        });
      })
      .finally(() => {
        s.running = false;
        this.inFlight--;
        this.running.delete(p);
      });
    this.running.add(p);
  }

  private push(r: ProbeResult): void {
    this.results.push(r);
    const max = this.opts.maxPending ?? 10_000;
    if (this.results.length > max) {
      const drop = this.results.length - max;
      this.results.splice(0, drop);
      this.droppedResults += drop;
    }
  }
}

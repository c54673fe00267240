import type { ContainerSample, Event } from '@fleetlens/protocol';
import { counterRate } from '../types';
import type { CgroupUsage } from './cgroups';

/** The memory-part and throttling fields of a container sample. */
export type PressureFields = Pick<
  ContainerSample,
  | 'memUsageBytes'
  | 'memAnonBytes'
  | 'memActiveFileBytes'
  | 'memInactiveFileBytes'
  | 'cpuThrottledPercent'
  | 'cpuThrottledSecondsPerSecond'
>;

/**
 * Memory parts as read, and CPU throttling over the interval from `prev` to `cur` (`secs` wall
 * seconds): throttled periods ÷ elapsed periods × 100 (0 when no CFS period elapsed: nothing was
 * throttled) and Δ throttled time ÷ Δ wall time. Throttling is null without a previous reading of
 * the same cgroup, on a counter reset, or when cpu.stat has no CFS counters.
 */
export function pressureFields(prev: CgroupUsage | null, cur: CgroupUsage, secs: number): PressureFields {
  let pct: number | null = null;
  const dp = delta(prev?.cpuPeriods, cur.cpuPeriods);
  const dt = delta(prev?.cpuThrottledPeriods, cur.cpuThrottledPeriods);
  if (dp !== null && dt !== null && secs > 0) pct = dp === 0 ? 0 : Math.min(100, (dt / dp) * 100);
  const ns = counterRate(prev?.cpuThrottledNs, cur.cpuThrottledNs, secs);
  return {
    memUsageBytes: cur.memUsage ?? null,
    memAnonBytes: cur.memAnon ?? null,
    memActiveFileBytes: cur.memActiveFile ?? null,
    memInactiveFileBytes: cur.memInactiveFile ?? null,
    cpuThrottledPercent: pct,
    cpuThrottledSecondsPerSecond: ns === null ? null : ns / 1e9,
  };
}

function delta(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b < a) return null;
  return b - a;
}

/** What the container was when a kill is reported. */
export interface OomSubject {
  objectName: string;
  namespace: string | null;
  nodeName: string;
  source: 'docker' | 'kubernetes';
}

interface OomState {
  /** Startedat of the cgroup instance whose counter `cgLast` is, and its last reading. */
  instance: string | null;
  cgLast: number | null;
  /** Kills seen in the cgroup counters (sum of increases over instances), and reported by the engine. */
  cgTotal: number;
  engineTotal: number;
  /** Times of engine-reported kills not yet turned into events. */
  engineTimes: number[];
  emitted: number;
  subject: OomSubject;
}

/**
 * Counts OOM kills per container exactly from two sources that each miss some: the cgroup's own
 * counter (`oom_kill`, which sees every kill in a running container but vanishes with the cgroup
 * when the kill ends the container) and the engine's reports (Docker `oom` events, Kubernetes
 * `OOMKilled` terminations, which see the kill that ends a container). Each source's total since
 * the agent started is kept; the count is the larger of the two, and every increase becomes one
 * event per kill, so a kill both sources saw is counted once and one neither saw between two
 * samples is still counted from the other.
 */
export class OomCounter {
  private readonly state = new Map<string, OomState>();

  private get(id: string, subject: OomSubject): OomState {
    let s = this.state.get(id);
    if (!s) {
      s = { instance: null, cgLast: null, cgTotal: 0, engineTotal: 0, engineTimes: [], emitted: 0, subject };
      this.state.set(id, s);
    }
    s.subject = subject;
    return s;
  }

  /**
   * A reading of the container's cgroup counter. The first reading of an instance that started
   * before the agent is the baseline (kills before the agent started are not reported again);
   * one that started since (`startedSinceAgent`), or a new instance (another start time), counts
   * from 0, its cgroup being new.
   */
  cgroup(
    id: string,
    subject: OomSubject,
    instance: string,
    value: number | null | undefined,
    startedSinceAgent = false
  ): void {
    if (value == null) return;
    const s = this.get(id, subject);
    if (s.instance === null) {
      s.instance = instance;
      s.cgLast = value;
      if (startedSinceAgent) s.cgTotal += value;
      return;
    }
    if (s.instance !== instance) {
      s.instance = instance;
      s.cgTotal += value;
    } else if (s.cgLast !== null) {
      // A counter going down is a new cgroup under the same start time (cannot happen with Docker): from 0.
      s.cgTotal += value >= s.cgLast ? value - s.cgLast : value;
    }
    s.cgLast = value;
  }

  /** One kill reported by the engine at `ts` (epoch seconds). */
  engine(id: string, subject: OomSubject, ts: number): void {
    const s = this.get(id, subject);
    s.engineTotal += 1;
    s.engineTimes.push(ts);
  }

  /**
   * One event per kill counted since the previous call, for every container (also one removed
   * since its kill). Kills the engine reported carry the engine's times (the newest ones), the
   * others `now` (epoch seconds of the cycle that read the counter).
   */
  take(now: number): Event[] {
    const out: Event[] = [];
    for (const [id, s] of this.state) out.push(...this.takeOne(id, s, now));
    return out;
  }

  private takeOne(id: string, s: OomState, now: number): Event[] {
    const subject = s.subject;
    const total = Math.max(s.cgTotal, s.engineTotal);
    const out: Event[] = [];
    const fresh = total - s.emitted;
    const times = fresh > 0 ? s.engineTimes.slice(-fresh) : [];
    while (times.length < fresh) times.unshift(now);
    for (let n = s.emitted + 1; n <= total; n++) {
      const ts = times[n - s.emitted - 1];
      out.push({
        ts,
        source: subject.source,
        type: 'warning',
        reason: 'oom',
        message:
          `OOM kill ${n} counted by the agent for this container (cgroup oom_kill: ${s.cgTotal}, ` +
          `${subject.source === 'docker' ? 'Docker oom events' : 'OOMKilled terminations'}: ${s.engineTotal})`,
        objectKind: 'container',
        objectName: subject.objectName.slice(0, 512) || 'unknown',
        namespace: subject.namespace,
        nodeName: subject.nodeName,
        containerId: id,
        exitCode: null,
        count: 1,
        // An OOM kill is one of issue 17's security events, as Kubernetes' are (event-category.ts).
        category: 'security',
      });
    }
    s.emitted = Math.max(s.emitted, total);
    // Every engine report is now accounted for (as its own event or as a kill the cgroup counted).
    s.engineTimes = [];
    return out;
  }

  /** Forgets containers no longer present (after their kills were taken). */
  retain(ids: Set<string>): void {
    for (const id of this.state.keys()) if (!ids.has(id)) this.state.delete(id);
  }
}

import type { ProbeKind, ProbeSource, ServiceRef } from '@fleetlens/protocol';

/** One probe the agent is to run: discovered on a container or pod, or defined by an editor. */
export interface ProbeTarget {
  /** Stable identity (ProbeResult.key): `def:<id>`, `ctr:<containerId>:<target>` or `pod:<podUid>:<target>`. */
  key: string;
  source: ProbeSource;
  definitionId: string | null;
  service: ServiceRef;
  containerId: string | null;
  kind: ProbeKind;
  /** http(s)://host[:port]/path, or host:port for tcp. */
  target: string;
  method: 'GET' | 'HEAD' | 'POST';
  intervalSeconds: number;
  timeoutSeconds: number;
  /** ExpectStatus syntax; null: 200-399. */
  expectStatus: string | null;
  /** RE2 pattern the first 64 KiB of the body must match; null: none. */
  bodyMatch: string | null;
}

/** Where a set of probe targets comes from; each origin's set replaces its previous one. */
export type ProbeOrigin = 'docker' | 'kubernetes' | 'defined';

/** How collectors hand the probes they discover to the probe runner (they never call each other). */
export interface ProbeTargetSink {
  /** The whole current set of `origin`'s probes; targets left out stop being probed. */
  setTargets(origin: ProbeOrigin, targets: ProbeTarget[]): void;
}

/**
 * A status matcher from ExpectStatus syntax ("200", "200-399", "200,204,300-399"); null or
 * empty means 200-399. Throws on text that is not that syntax.
 */
export function statusMatcher(expect: string | null): (status: number) => boolean {
  const text = (expect ?? '').trim();
  if (!text) return (s) => s >= 200 && s <= 399;
  const ranges = text.split(',').map((part) => {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3}))?\s*$/.exec(part);
    if (!m) throw new Error(`expected a status, a range (200-399) or a comma list of those, got "${text}"`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (lo < 100 || hi > 599 || lo > hi) throw new Error(`status range ${part.trim()} is not within 100-599`);
    return [lo, hi] as const;
  });
  return (s) => ranges.some(([lo, hi]) => s >= lo && s <= hi);
}

import { RE2JS } from 're2js';
import { ExpectStatus, ProbeDefinition, type ServiceRef } from '@fleetlens/protocol';
import type { ProbeTarget } from './target';
import { splitHostPort } from './probe';

/** The probe settings by their short name, read from `fleetlens.probe.<name>` labels or `fleetlens.io/probe-<name>` annotations. */
const SETTINGS = ['url', 'method', 'interval', 'timeout', 'expect-status', 'body-match'] as const;
type Setting = (typeof SETTINGS)[number];

export const DOCKER_PROBE_PREFIX = 'fleetlens.probe.';
export const POD_PROBE_PREFIX = 'fleetlens.io/probe-';

/** Defaults of discovered probes (the same as a defined probe's). */
const DEFAULT_INTERVAL = 30;
const DEFAULT_TIMEOUT = 5;

/** The probe settings of a container's labels (`fleetlens.probe.url`, …); null when it has no probe URL. */
export function dockerProbeSettings(
  labels: Record<string, string> | null | undefined
): Partial<Record<Setting, string>> | null {
  return pick(labels ?? {}, (s) => `${DOCKER_PROBE_PREFIX}${s}`);
}

/** The probe settings of a pod's annotations (`fleetlens.io/probe-url`, …); null when it has no probe URL. */
export function podProbeSettings(
  annotations: Record<string, string> | null | undefined
): Partial<Record<Setting, string>> | null {
  return pick(annotations ?? {}, (s) => `${POD_PROBE_PREFIX}${s}`);
}

function pick(src: Record<string, string>, key: (s: Setting) => string): Partial<Record<Setting, string>> | null {
  if (src[key('url')] === undefined) return null;
  const out: Partial<Record<Setting, string>> = {};
  for (const s of SETTINGS) if (src[key(s)] !== undefined) out[s] = src[key(s)];
  return out;
}

/** Where a discovered probe was found and what `{ip}` stands for there. */
export interface ProbeHost {
  source: 'docker-label' | 'pod-annotation';
  /** `ctr:<containerId>` or `pod:<podUid>`: the key's prefix before `:<target>`. */
  owner: string;
  containerId: string | null;
  service: ServiceRef;
  /** The container's (or pod's) IP that `{ip}` stands for; null when it has none. */
  ip: string | null;
}

/** A settings value that is not a number of seconds within bounds → a reason. */
function seconds(v: string | undefined, def: number, min: number, max: number, name: string, int: boolean): number {
  if (v === undefined || v.trim() === '') return def;
  const n = Number(v.trim());
  if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n < min || n > max)
    throw new Error(`${name} "${v}" is not ${int ? 'a whole number of seconds' : 'seconds'} within ${min}-${max}`);
  return n;
}

/**
 * Parses discovered probe settings into a target, all or nothing: throws with the reason for
 * the first bad value (the caller skips that probe and says so once). `{ip}` in the URL is the
 * host's IP. The bounds are those of a defined probe (ProbeDefinition).
 */
export function parseProbeSettings(settings: Partial<Record<Setting, string>>, host: ProbeHost): ProbeTarget {
  const raw = (settings.url ?? '').trim();
  if (!raw) throw new Error('url is empty');
  if (raw.includes('{ip}') && !host.ip) throw new Error('url uses {ip} but the container has no IP address');
  // An IPv6 address in a URL's host needs brackets.
  const ip = host.ip && host.ip.includes(':') ? `[${host.ip}]` : (host.ip ?? '');
  const url = raw.split('{ip}').join(ip);
  let kind: 'http' | 'tcp';
  let target: string;
  if (/^tcp:\/\//i.test(url)) {
    kind = 'tcp';
    target = url.slice('tcp://'.length).replace(/\/$/, '');
    splitHostPort(target);
  } else if (/^https?:\/\//i.test(url)) {
    kind = 'http';
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Error(`url "${raw}" is not a URL`);
    }
    if (!u.hostname) throw new Error(`url "${raw}" has no host`);
    target = u.toString();
  } else {
    throw new Error(`url "${raw}" must start with http://, https:// or tcp://`);
  }
  const method = (settings.method ?? 'GET').trim().toUpperCase();
  const methodOk = ProbeDefinition.shape.method.safeParse(method);
  if (!methodOk.success) throw new Error(`method "${settings.method}" is not GET, HEAD or POST`);
  if (kind === 'tcp' && (settings.method || settings['expect-status'] || settings['body-match']))
    throw new Error('method, expect-status and body-match apply to http(s) probes only');
  const intervalSeconds = seconds(settings.interval, DEFAULT_INTERVAL, 5, 3600, 'interval', true);
  const timeoutSeconds = seconds(settings.timeout, DEFAULT_TIMEOUT, 0.1, 60, 'timeout', false);
  const expectStatus = settings['expect-status']?.trim() || null;
  if (expectStatus && !ExpectStatus.safeParse(expectStatus).success)
    throw new Error(`expect-status "${expectStatus}" is not a status, a range (200-399) or a comma list of those`);
  const bodyMatch = settings['body-match'] || null;
  if (bodyMatch !== null) {
    if (bodyMatch.length > 256) throw new Error('body-match is longer than 256 characters');
    try {
      RE2JS.compile(bodyMatch);
    } catch (e) {
      throw new Error(`body-match is not an RE2 pattern: ${(e as Error).message}`);
    }
  }
  if (target.length > 2048) throw new Error('url is longer than 2048 characters');
  return {
    key: `${host.owner}:${target}`.slice(0, 512),
    source: host.source,
    definitionId: null,
    service: host.service,
    containerId: host.containerId,
    kind,
    target,
    method: methodOk.data,
    intervalSeconds,
    timeoutSeconds,
    expectStatus,
    bodyMatch,
  };
}

/** A probe the backend defined, as a target (`def:<id>`). */
export function definedTarget(d: ProbeDefinition): ProbeTarget {
  return {
    key: `def:${d.id}`,
    source: 'defined',
    definitionId: d.id,
    service: d.service,
    containerId: null,
    kind: d.kind,
    // A tcp definition may carry tcp://host:port or host:port; the wire's tcp target is host:port.
    target: d.kind === 'tcp' ? d.target.replace(/^tcp:\/\//i, '').replace(/\/$/, '') : d.target,
    method: d.method,
    intervalSeconds: d.intervalSeconds,
    timeoutSeconds: d.timeoutSeconds,
    expectStatus: d.expectStatus,
    bodyMatch: d.bodyMatch,
  };
}

/**
 * Logs each distinct problem once (per subject and message), so a bad label is reported when it
 * is first seen, not every cycle; forgets subjects that are gone.
 */
export class OnceLog {
  private readonly seen = new Map<string, string>();

  constructor(private readonly log: (msg: string) => void) {}

  /** Logs `msg` unless it is what was last logged for `subject`. */
  report(subject: string, msg: string): void {
    if (this.seen.get(subject) === msg) return;
    this.seen.set(subject, msg);
    this.log(msg);
  }

  /** Forgets `subject`'s last problem (it was fixed): a new one is logged again. */
  forget(subject: string): void {
    this.seen.delete(subject);
  }

  /** Subjects still present keep their memory; others are forgotten. */
  retain(subjects: Set<string>): void {
    for (const k of this.seen.keys()) if (!subjects.has(k)) this.seen.delete(k);
  }
}

/**
 * The probe of one container or pod from its settings, or null (none, or a bad one, which is
 * reported once through `once` and never probed half-parsed).
 */
export function discoverProbe(
  settings: Partial<Record<Setting, string>> | null,
  host: ProbeHost,
  where: string,
  once: OnceLog
): ProbeTarget | null {
  if (!settings) return null;
  try {
    const t = parseProbeSettings(settings, host);
    once.forget(host.owner);
    return t;
  } catch (e) {
    once.report(host.owner, `fleetlens-agent: probe of ${where} skipped: ${(e as Error).message}`);
    return null;
  }
}

import type { ContainerSecurity, RiskKind } from '@fleetlens/protocol';
import { isSensitiveHostPath, RiskKind as RiskKinds } from '@fleetlens/protocol';

/*
 * Security posture (issue 17): what a risk is, decided once here from the agent's posture facts.
 * docs/security.md explains each risk and where its facts come from.
 */

/** Every risk name, in display order. */
export const RISK_KINDS: readonly RiskKind[] = RiskKinds.options;

/**
 * Whether an image reference names no tag or the tag `latest` and no digest: "nginx",
 * "nginx:latest", "registry:5000/app" (the port is not a tag) are; "nginx:1.27",
 * "nginx@sha256:…", an image id ("sha256:…") are not. An empty reference is not judged.
 */
export function floatingImage(image: string): boolean {
  const ref = image.trim();
  if (!ref || ref.includes('@') || /^(sha256:)?[0-9a-f]{64}$/.test(ref)) return false;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 || last.slice(colon + 1) === 'latest';
}

/**
 * The risk names of a container (issue 17; docs/security.md), from the agent's posture facts and
 * the image reference; none without facts (agents before posture reporting). The one place that
 * decides what a risk is: ingest stores its result, the listing, counts, badges and the
 * Prometheus-compatible API read that.
 */
export function containerRisks(s: ContainerSecurity | null | undefined, image: string): RiskKind[] {
  if (!s) return [];
  const has: Record<RiskKind, boolean> = {
    privileged: s.privileged,
    root: s.runsAsRoot === true,
    capabilities: s.capAdd.length > 0,
    hostNetwork: s.hostNetwork,
    hostPid: s.hostPid,
    hostIpc: s.hostIpc,
    sensitiveMount: s.hostMounts.some((m) => isSensitiveHostPath(m.source)),
    writableRootfs: !s.readOnlyRootfs,
    noMemoryLimit: s.memoryLimitBytes === null,
    noCpuLimit: s.cpuLimitCores === null,
    latestImage: floatingImage(image),
  };
  return RISK_KINDS.filter((k) => has[k]);
}

/** The stored form of a risk list (",a,b,", "" for none): one risk is a LIKE '%,name,%' match. */
export const risksColumn = (risks: RiskKind[]): string => (risks.length ? `,${risks.join(',')},` : '');

/** Parses the stored form back, keeping only known names. */
export function parseRisks(v: unknown): RiskKind[] {
  if (typeof v !== 'string' || !v) return [];
  return v.split(',').filter((x): x is RiskKind => (RISK_KINDS as readonly string[]).includes(x));
}

/** Parses stored posture facts (JSON), null when absent or unreadable. */
export function parseSecurity(v: unknown): ContainerSecurity | null {
  if (typeof v !== 'string' || !v) return null;
  try {
    return JSON.parse(v) as ContainerSecurity;
  } catch {
    return null;
  }
}

import type { RiskKind } from '@fleetlens/protocol/api';
import { RISK_KINDS } from '@fleetlens/protocol/api/risks';

/** A security risk name (issue 17; docs/security.md). */
export type RiskKindName = RiskKind;

/**
 * How each risk is shown: a short label, a colour by severity (red: the container can take the
 * host; orange: one step from it; yellow: hardening left undone) and the one-line explanation.
 */
export const RISKS: Record<RiskKindName, { label: string; color: 'red' | 'orange' | 'yellow'; help: string }> = {
  privileged: { label: 'privileged', color: 'red', help: 'Runs privileged: every capability and every host device' },
  sensitiveMount: {
    label: 'sensitive mount',
    color: 'red',
    help: 'Mounts a sensitive host path (the Docker or containerd socket, /, /etc, /var/run, /proc, /sys, …)',
  },
  hostPid: { label: 'host PID', color: 'red', help: "Shares the host's process namespace" },
  root: { label: 'root', color: 'orange', help: 'Runs as uid 0' },
  capabilities: { label: 'added capabilities', color: 'orange', help: 'Capabilities added beyond the default set' },
  hostNetwork: { label: 'host network', color: 'orange', help: "Shares the host's network namespace" },
  hostIpc: { label: 'host IPC', color: 'orange', help: "Shares the host's IPC namespace" },
  writableRootfs: { label: 'writable root fs', color: 'yellow', help: 'Its root filesystem is not read-only' },
  noMemoryLimit: { label: 'no memory limit', color: 'yellow', help: 'No memory limit is set' },
  noCpuLimit: { label: 'no CPU limit', color: 'yellow', help: 'No CPU limit is set' },
  latestImage: { label: 'latest image', color: 'yellow', help: 'The image has no tag, or the tag latest' },
};

/** Display order: the backend's order (protocol RiskKind). */
export const RISK_ORDER: readonly RiskKindName[] = RISK_KINDS;

const SEVERITY = { red: 0, orange: 1, yellow: 2 } as const;

/** The most severe risk of a non-empty list. */
export function worstRisk(risks: RiskKindName[]): RiskKindName {
  return [...risks].sort((a, b) => SEVERITY[RISKS[a].color] - SEVERITY[RISKS[b].color])[0];
}

import { z } from 'zod';
import { RISK_KINDS } from '../api/risks';

/*
 * Security posture of a container (issue 17): facts the agent reads from what it already reads
 * (Docker's container and image inspect, the pod spec). The agent reports facts; the backend
 * turns them into risk names (backend/src/services/security.ts, `containerRisks`). docs/security.md
 * says what each risk means and where it comes from.
 */

/**
 * Host paths whose bind mount into a container hands it the host (or its container runtime): the
 * Docker and containerd sockets, the root filesystem, /etc, the runtime directories that hold
 * those sockets, and the kernel's /proc and /sys. A mount is sensitive when its host source is
 * one of these paths or lies under one of them (`/var/run/docker.sock` is under `/var/run`;
 * `/` covers only the root itself, not every path). Defined once here: the agent uses it for the
 * "started with a sensitive mount" event, the backend for the `sensitiveMount` risk.
 */
export const SENSITIVE_HOST_PATHS = [
  '/',
  '/etc',
  '/var/run',
  '/run',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd',
  '/run/containerd/containerd.sock',
  '/var/run/containerd',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/kubelet',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
] as const;

/** Whether a host path is sensitive (see SENSITIVE_HOST_PATHS); trailing slashes are ignored. */
export function isSensitiveHostPath(path: string): boolean {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return SENSITIVE_HOST_PATHS.some((s) => (s === '/' ? p === '/' : p === s || p.startsWith(`${s}/`)));
}

/** A host path mounted into the container (Docker bind mount, Kubernetes hostPath volume). */
export const HostMount = z.object({
  source: z.string().min(1).max(4096),
  destination: z.string().max(4096).default(''),
  readOnly: z.boolean().default(false),
});

/**
 * The posture facts of one container. `runsAsRoot` is null when the agent cannot tell (a pod
 * that sets neither runAsUser nor runAsNonRoot runs as the image's user, which the node agent
 * does not read). Limits are null when none is set.
 */
export const ContainerSecurity = z.object({
  privileged: z.boolean(),
  /** The configured user ("" when the image's default applies), as Docker or the pod spec gives it. */
  user: z.string().max(256).default(''),
  runsAsRoot: z.boolean().nullable(),
  /** Capabilities added beyond the runtime's default set (Docker CapAdd, securityContext.capabilities.add). */
  capAdd: z.array(z.string().min(1).max(64)).max(64).default([]),
  hostNetwork: z.boolean().default(false),
  hostPid: z.boolean().default(false),
  hostIpc: z.boolean().default(false),
  readOnlyRootfs: z.boolean().default(false),
  hostMounts: z.array(HostMount).max(256).default([]),
  memoryLimitBytes: z.number().finite().positive().nullable().default(null),
  cpuLimitCores: z.number().finite().positive().nullable().default(null),
});

/** Risk names, in display order (their meaning: api/risks.ts). */
export const RiskKind = z.enum(RISK_KINDS);

/** Event reasons of the security category (Event.category = 'security'). */
export const SecurityEventReason = z.enum([
  'exec_create',
  'exec_start',
  'privileged_start',
  'sensitive_mount_start',
  'image_changed',
]);

export type HostMount = z.infer<typeof HostMount>;
export type ContainerSecurity = z.infer<typeof ContainerSecurity>;
export type ContainerSecurityInput = z.input<typeof ContainerSecurity>;
export type RiskKind = z.infer<typeof RiskKind>;
export type SecurityEventReason = z.infer<typeof SecurityEventReason>;

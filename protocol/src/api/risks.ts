/*
 * Kept free of zod so that the plugin can import it without bundling the schema library;
 * `v1/security.ts` builds the RiskKind enum from this list.
 */

/**
 * Risk names, in display order. privileged: --privileged / securityContext.privileged; root: runs
 * as uid 0; capabilities: capabilities added; hostNetwork/hostPid/hostIpc: shares the host's
 * namespace; writableRootfs: root filesystem not read-only; sensitiveMount: a host path of
 * SENSITIVE_HOST_PATHS mounted; noMemoryLimit, noCpuLimit: no limit set; latestImage: the image
 * reference has no tag or the tag `latest` (and no digest).
 */
export const RISK_KINDS = [
  'privileged',
  'root',
  'capabilities',
  'hostNetwork',
  'hostPid',
  'hostIpc',
  'sensitiveMount',
  'writableRootfs',
  'noMemoryLimit',
  'noCpuLimit',
  'latestImage',
] as const;

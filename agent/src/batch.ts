import { IngestBatch, PROTOCOL_VERSION, type AgentInfo, type ClusterInfo } from '@fleetlens/protocol';
import type { BatchParts } from './collectors/types';

const PARTS = [
  'nodes',
  'containers',
  'inventories',
  'workloads',
  'events',
  'logs',
  'probeResults',
  'requestStats',
  'actionResults',
  'networks',
] as const;

/** Merges what the collectors returned into one batch body. */
export function assembleBatch(
  batchId: string,
  sentAt: number,
  agent: AgentInfo,
  cluster: ClusterInfo,
  parts: BatchParts[]
): IngestBatch {
  const batch: IngestBatch = {
    version: PROTOCOL_VERSION,
    batchId,
    sentAt,
    agent,
    cluster,
    nodes: [],
    containers: [],
    inventories: [],
    workloads: [],
    events: [],
    logs: [],
    probeResults: [],
    requestStats: [],
    actionResults: [],
  };
  for (const p of parts) for (const k of PARTS) if (p[k]) ((batch[k] ??= []) as unknown[]).push(...(p[k] as unknown[]));
  // One NetworkPolicy list per batch (only the cluster agent sends one).
  const policies = parts.find((p) => p.networkPolicies)?.networkPolicies;
  if (policies) batch.networkPolicies = policies;
  return batch;
}

/**
 * Validates a batch against the wire schema. Items that fail are removed (and reported) so that
 * one odd container or log line cannot make the backend refuse the whole batch.
 */
export function sanitizeBatch(batch: IngestBatch): { batch: IngestBatch; removed: string[] } {
  const removed: string[] = [];
  for (let round = 0; round < 3; round++) {
    const r = IngestBatch.safeParse(batch);
    if (r.success) return { batch: r.data, removed };
    const drop = new Map<string, Set<number>>();
    for (const issue of r.error.issues) {
      const [part, index] = issue.path;
      const policy = issue.path[2];
      if (part === 'networkPolicies' && index === 'policies' && typeof policy === 'number') {
        // One bad NetworkPolicy: the rest of the list still goes (it is the cluster's full list less that one).
        if (!drop.has('networkPolicies')) drop.set('networkPolicies', new Set());
        drop.get('networkPolicies')!.add(policy);
        removed.push(`${issue.path.join('.')}: ${issue.message}`);
      } else if (typeof part === 'string' && (PARTS as readonly string[]).includes(part) && typeof index === 'number') {
        if (!drop.has(part)) drop.set(part, new Set());
        drop.get(part)!.add(index);
        removed.push(`${issue.path.join('.')}: ${issue.message}`);
      } else {
        // A header field is wrong: a bug or bad configuration, not an item to drop.
        throw new Error(`batch header invalid: ${issue.path.join('.')}: ${issue.message}`);
      }
    }
    for (const [part, idx] of drop) {
      if (part === 'networkPolicies' && batch.networkPolicies) {
        const inv = batch.networkPolicies;
        batch.networkPolicies = { ...inv, policies: inv.policies.filter((_, i) => !idx.has(i)) };
        continue;
      }
      const arr = batch[part as (typeof PARTS)[number]] as unknown[];
      (batch as unknown as Record<string, unknown[]>)[part] = arr.filter((_, i) => !idx.has(i));
    }
  }
  return { batch: IngestBatch.parse(batch), removed };
}

import type { LabelSelectorRequirement, NetworkPolicyInventory, NetworkPolicyReport } from '@fleetlens/protocol';
import { toEpochSeconds } from '../types';
import type { KubeClient } from './client';
import type { List, ObjectMeta } from './types';

/** The cluster-wide list of networking.k8s.io/v1 NetworkPolicies (RBAC: list networkpolicies). */
export const NETWORK_POLICIES_PATH = '/apis/networking.k8s.io/v1/networkpolicies';

/** Seconds after which an unchanged list is sent again. */
export const POLICY_RESEND_SECONDS = 300;

/** The fields of a NetworkPolicy the agent reads (staging/src/k8s.io/api/networking/v1/types.go). */
export interface NetworkPolicy {
  metadata: ObjectMeta;
  spec?: {
    podSelector?: {
      matchLabels?: Record<string, string>;
      matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
    };
    policyTypes?: string[];
    ingress?: unknown[];
    egress?: unknown[];
  };
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** One NetworkPolicy as the wire carries it: selector, policy types and rule counts (read-only). */
export function toPolicyReport(p: NetworkPolicy): NetworkPolicyReport {
  const sel = p.spec?.podSelector ?? {};
  const created = p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : NaN;
  return {
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    podSelector: {
      matchLabels: sel.matchLabels ?? {},
      matchExpressions: (sel.matchExpressions ?? [])
        // An operator the API server would have refused cannot select anything: keep it out of the
        // wire enum by mapping it to an In without values (which selects nothing, as in the backend).
        .map((e) => ({
          key: e.key,
          operator: (OPERATORS.has(e.operator) ? e.operator : 'In') as LabelSelectorRequirement['operator'],
          values: OPERATORS.has(e.operator) ? (e.values ?? []) : [],
        })),
    },
    policyTypes: (p.spec?.policyTypes ?? []).filter(
      (t): t is 'Ingress' | 'Egress' => t === 'Ingress' || t === 'Egress'
    ),
    ingressRules: p.spec?.ingress?.length ?? 0,
    egressRules: p.spec?.egress?.length ?? 0,
    createdAt: Number.isFinite(created) ? toEpochSeconds(created) : null,
  };
}

/**
 * Lists the cluster's NetworkPolicies each cycle (one list call) and hands the full list on when
 * it changed and at least every POLICY_RESEND_SECONDS. A failed list (no RBAC grant, API group not
 * served) sends nothing, so the backend keeps the last list rather than an empty one.
 */
export class NetworkPolicyReporter {
  private last: { fingerprint: string; at: number } | null = null;
  /** The latest list error (agent logs, tests), null after a successful list. */
  lastError: string | null = null;

  constructor(
    private readonly api: KubeClient,
    private readonly resendSeconds = POLICY_RESEND_SECONDS
  ) {}

  /** The inventory to send this cycle, if any. */
  async collect(nowMs: number): Promise<NetworkPolicyInventory | undefined> {
    let list: List<NetworkPolicy>;
    try {
      list = await this.api.get<List<NetworkPolicy>>(NETWORK_POLICIES_PATH);
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
      return undefined;
    }
    const policies = list.items
      .slice(0, 10_000)
      .map(toPolicyReport)
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const ts = toEpochSeconds(nowMs);
    const fingerprint = JSON.stringify(policies);
    if (this.last && this.last.fingerprint === fingerprint && ts - this.last.at < this.resendSeconds) return undefined;
    this.last = { fingerprint, at: ts };
    return { ts, policies };
  }
}

import React from 'react';
import type { PodNetworkPoliciesReply, PodNetworkPolicy } from '@fleetlens/protocol/api';
import { useApiData } from '../../api/useApiData';
import { DataTable, type Column } from '../DataTable';

/** A label selector as kubectl describes it: "app=web, tier in (a,b), !env"; an empty one selects every pod. */
export function selectorText(p: PodNetworkPolicy): string {
  const parts = Object.entries(p.podSelector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const e of p.podSelector.matchExpressions) {
    if (e.operator === 'In') {
      parts.push(`${e.key} in (${e.values.join(',')})`);
    } else if (e.operator === 'NotIn') {
      parts.push(`${e.key} notin (${e.values.join(',')})`);
    } else if (e.operator === 'Exists') {
      parts.push(e.key);
    } else {
      parts.push(`!${e.key}`);
    }
  }
  return parts.length ? parts.join(', ') : 'every pod of the namespace';
}

const columns: Array<Column<PodNetworkPolicy>> = [
  { id: 'name', header: 'Policy', render: (p) => <strong>{p.name}</strong> },
  { id: 'selector', header: 'Pod selector', render: (p) => <code>{selectorText(p)}</code> },
  { id: 'types', header: 'Types', render: (p) => p.policyTypes.join(', ') },
  { id: 'ingress', header: 'Ingress rules', align: 'right', render: (p) => String(p.ingressRules) },
  { id: 'egress', header: 'Egress rules', align: 'right', render: (p) => String(p.egressRules) },
];

/**
 * The NetworkPolicies that select a Kubernetes pod (read-only, issue 15), as the backend matches
 * their podSelector against the pod's labels. A pod no policy selects is not isolated: Kubernetes
 * allows all its traffic.
 */
export function PodNetworkPolicies({ podUid }: { podUid: string }) {
  const r = useApiData<PodNetworkPoliciesReply>(`pod-policies:${podUid}`, (c, s) =>
    c.get<PodNetworkPoliciesReply>(`/k8s/pods/${encodeURIComponent(podUid)}/network-policies`, {}, s)
  );
  const d = r.data;
  return (
    <section aria-label="Network policies">
      <h3>Network policies</h3>
      {r.error && <p>Network policies could not be read: {r.error.message}</p>}
      {d && !d.policiesReported && <p>The cluster agent has not reported this cluster’s NetworkPolicies yet.</p>}
      {d && d.policiesReported && d.items.length === 0 && (
        <p>No NetworkPolicy selects this pod: it is not isolated, all its traffic is allowed.</p>
      )}
      {d && d.items.length > 0 && (
        <DataTable
          label="Network policies selecting this pod"
          testId="pod-network-policies"
          columns={columns}
          rows={d.items}
          rowKey={(p) => `${p.namespace}/${p.name}`}
        />
      )}
    </section>
  );
}

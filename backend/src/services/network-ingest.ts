import type { Knex } from 'knex';
import type { IngestBatch, NetworkInventory, NetworkPolicyInventory } from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import * as ids from '../db/ids';
import { upsertRows } from '../db/writes';

type Row = Record<string, unknown>;

const CHUNK = 500;

/**
 * Claims an inventory subject (`node:<id>`, `policies:<cluster id>`) for an inventory taken at
 * `ts`: true when it is newer than the one applied last (then recorded), false for a replayed or
 * older one, which must change nothing. Runs inside the ingest transaction, so a batch that fails
 * later leaves the mark where it was.
 */
async function claim(db: Db, trx: Knex.Transaction, subject: string, ts: number): Promise<boolean> {
  const cur = await trx('network_inventories').where('subject', subject).first('ts');
  if (cur && Number(cur.ts) >= ts) return false;
  await upsertRows(db, trx, 'network_inventories', [{ subject, ts }], ['subject']);
  return true;
}

/** Deletes rows of `table` whose `col` is in `values`, in chunks (SQLite's variable limit). */
async function deleteIn(trx: Knex.Transaction, table: string, col: string, values: string[]) {
  for (let i = 0; i < values.length; i += CHUNK)
    await trx(table)
      .whereIn(col, values.slice(i, i + CHUNK))
      .delete();
}

/** Replaces one node's networks and their attachments with a newer full inventory. */
async function applyNetworkInventory(db: Db, trx: Knex.Transaction, cluster: string, inv: NetworkInventory) {
  const clusterId = ids.clusterId(cluster);
  const nodeId = ids.nodeId(cluster, inv.nodeName);
  if (!(await claim(db, trx, `node:${nodeId}`, inv.ts))) return 0;
  const stored: string[] = (await trx('networks').where('node_id', nodeId).select('id')).map((r: Row) => String(r.id));
  const rows = new Map<string, Row>();
  const attachments: Row[] = [];
  for (const n of inv.networks) {
    const id = ids.networkId(cluster, inv.nodeName, n.id);
    rows.set(id, {
      id,
      cluster_id: clusterId,
      node_id: nodeId,
      cluster,
      node: inv.nodeName,
      network_id: n.id,
      name: n.name,
      driver: n.driver,
      scope: n.scope,
      internal: n.internal,
      ipam: JSON.stringify(n.ipam),
      labels: JSON.stringify(n.labels),
      created_at: n.createdAt,
      last_seen: inv.ts,
    });
    const seen = new Set<string>();
    for (const c of n.containers) {
      if (seen.has(c.containerId)) continue;
      seen.add(c.containerId);
      attachments.push({
        network: id,
        runtime_id: c.containerId,
        container_name: c.name,
        ipv4: c.ipv4,
        ipv6: c.ipv6,
        mac: c.mac,
      });
    }
  }
  // Every attachment of the node's networks is replaced: the inventory is the whole truth at ts.
  await deleteIn(trx, 'network_attachments', 'network', stored);
  await deleteIn(
    trx,
    'networks',
    'id',
    stored.filter((id) => !rows.has(id))
  );
  await upsertRows(db, trx, 'networks', [...rows.values()], ['id']);
  await upsertRows(db, trx, 'network_attachments', attachments, ['network', 'runtime_id']);
  return rows.size;
}

/** Replaces a cluster's NetworkPolicies with a newer full inventory. */
async function applyPolicyInventory(db: Db, trx: Knex.Transaction, cluster: string, inv: NetworkPolicyInventory) {
  const clusterId = ids.clusterId(cluster);
  if (!(await claim(db, trx, `policies:${clusterId}`, inv.ts))) return 0;
  const rows = new Map<string, Row>();
  for (const p of inv.policies) {
    const id = ids.networkPolicyId(cluster, p.namespace, p.name);
    rows.set(id, {
      id,
      cluster_id: clusterId,
      cluster,
      namespace: p.namespace,
      name: p.name,
      pod_selector: JSON.stringify(p.podSelector),
      policy_types: JSON.stringify(p.policyTypes),
      ingress_rules: p.ingressRules,
      egress_rules: p.egressRules,
      created_at: p.createdAt,
      last_seen: inv.ts,
    });
  }
  const stored: string[] = (await trx('network_policies').where('cluster_id', clusterId).select('id')).map((r: Row) =>
    String(r.id)
  );
  await deleteIn(
    trx,
    'network_policies',
    'id',
    stored.filter((id) => !rows.has(id))
  );
  await upsertRows(db, trx, 'network_policies', [...rows.values()], ['id']);
  return rows.size;
}

/**
 * Applies a batch's network inventories (node agents) and NetworkPolicy inventory (the cluster
 * agent) in the ingest transaction (issue 15; decision 36). Each is a full replacement, applied
 * only when newer than the last one applied for its node or cluster, so a replayed batch or an
 * older spooled one changes nothing. Returns the rows stored, for `accepted`.
 */
export async function writeNetworks(
  db: Db,
  trx: Knex.Transaction,
  batch: IngestBatch
): Promise<{ networks?: number; networkPolicies?: number }> {
  const out: { networks?: number; networkPolicies?: number } = {};
  if (batch.networks?.length) {
    // Oldest first, so that two inventories of one node in a batch end with the newer.
    const invs = [...batch.networks].sort((a, b) => a.ts - b.ts);
    let n = 0;
    for (const inv of invs) n += await applyNetworkInventory(db, trx, batch.cluster.name, inv);
    out.networks = n;
  }
  if (batch.networkPolicies)
    out.networkPolicies = await applyPolicyInventory(db, trx, batch.cluster.name, batch.networkPolicies);
  return out;
}

/** Rows the batch's network inventories write (for the ingest row limit). */
export function networkRows(batch: IngestBatch): number {
  let n = 0;
  for (const inv of batch.networks ?? []) {
    n += 1 + inv.networks.length;
    for (const x of inv.networks) n += x.containers.length;
  }
  if (batch.networkPolicies) n += 1 + batch.networkPolicies.policies.length;
  return n;
}

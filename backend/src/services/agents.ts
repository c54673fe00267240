import { AgentStatus, type api } from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import { applyNodeScope, type Scope } from './scope';

type AgentSummary = api.AgentSummary;

/** A stored `agents` row joined with its cluster and node. */
interface AgentRow {
  id: string;
  cluster_id: string;
  cluster: string;
  mode: string;
  hostname: string;
  node_id: string | null;
  version: string;
  last_seen: number;
  status: string | null;
}

/** The counters an agent sent, as the wire schema reads them; null when absent or unreadable. */
function parseStatus(text: string | null): AgentSummary['status'] {
  if (!text) return null;
  try {
    const r = AgentStatus.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * Agents and their health counters. An agent is node-level data (its counters speak for its
 * node), so the scope applies as to nodes: clusters and nodes by name, nothing for a
 * namespace-restricted caller; a cluster-mode agent is not shown to a node-restricted caller.
 */
export class AgentsService {
  constructor(private readonly db: Db) {}

  /** Agents in the caller's scope, newest report first; `filter` narrows by cluster names or node id. */
  async list(scope: Scope, filter: { cluster?: string[]; node?: string } = {}): Promise<api.AgentListReply> {
    const k = this.db.knex;
    const qb = k('agents as a')
      .join('clusters as c', 'c.id', 'a.cluster_id')
      .leftJoin('nodes as n', function () {
        this.on('n.cluster_id', '=', 'a.cluster_id').andOn('n.name', '=', 'a.hostname').andOnVal('a.mode', '=', 'node');
      })
      .select(
        'a.id',
        'a.cluster_id',
        'c.name as cluster',
        'a.mode',
        'a.hostname',
        'n.id as node_id',
        'a.version',
        'a.last_seen',
        'a.status'
      )
      .orderBy([
        { column: 'a.last_seen', order: 'desc' },
        { column: 'a.id', order: 'asc' },
      ]);
    applyNodeScope(qb, scope, { clusterName: 'c.name', nodeName: 'a.hostname' });
    if (scope.nodes !== null) qb.where('a.mode', 'node');
    if (filter.cluster?.length) qb.whereIn('c.name', filter.cluster);
    if (filter.node) qb.where('n.id', filter.node);
    const rows = (await qb) as AgentRow[];
    return {
      items: rows.map((r) => ({
        id: r.id,
        clusterId: r.cluster_id,
        cluster: r.cluster,
        mode: r.mode === 'cluster' ? 'cluster' : 'node',
        hostname: r.hostname,
        nodeId: r.node_id ?? null,
        version: r.version,
        lastSeen: Number(r.last_seen),
        status: parseStatus(r.status),
      })),
    };
  }
}

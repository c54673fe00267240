import type { api } from '@fleetlens/protocol';
import { applyClusterScope, applyNodeScope, applyScope, type Scope } from './scope';
import { NotFoundError, type QueryContext } from './context';
import { containerPressure } from './pressure';
import {
  containerJoins,
  fsCapacity,
  displayStateSql,
  effectiveNodeStatus,
  num0,
  nodeQuery,
  parseLabels,
  pct,
  selectContainerColumns,
  toContainerRow,
  toNodeRow,
} from './shapes';

const NODE_SORT: Record<api.NodeSortKey, (r: api.NodeRow) => string | number | null> = {
  name: (r) => r.name,
  cluster: (r) => r.clusterName,
  status: (r) => r.status,
  role: (r) => r.role,
  cpu: (r) => r.cpuCores,
  cpuPercent: (r) => r.cpuPercent,
  memory: (r) => r.memUsedBytes,
  memPercent: (r) => r.memPercent,
  disk: (r) => r.fsUsedBytes,
  fsPercent: (r) => r.fsPercent,
  containers: (r) => r.containersTotal,
  uptime: (r) => r.uptimeSeconds,
  lastSeen: (r) => r.lastSeen,
};

/** Sort expressions of containers; `state` is the display state (see displayStateSql). */
const CONTAINER_SORT: Record<Exclude<api.ContainerSortKey, 'state'>, string> = {
  name: 'c.name',
  image: 'c.image',
  cpu: 'l.cpu_cores',
  memory: 'l.mem_bytes',
  netRx: 'l.net_rx_bps',
  netTx: 'l.net_tx_bps',
  diskRead: 'l.disk_read_bps',
  diskWrite: 'l.disk_write_bps',
  node: 'n.name',
  cluster: 'cl.name',
  namespace: 'c.namespace',
  created: 'c.created_at',
  restarts: 'c.restart_count',
};

/** Nulls last whatever the direction, then the usual order. */
function compare(a: string | number | null, b: string | number | null, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return desc ? -c : c;
}

const emptyCounts = (): api.ContainerCounts => ({
  total: 0,
  running: 0,
  stopped: 0,
  paused: 0,
  restarting: 0,
  unhealthy: 0,
  unknown: 0,
});

/** Overview, clusters, nodes and containers: the inventory with its current usage. */
export class InventoryQueries {
  constructor(private readonly ctx: QueryContext) {}

  private get knex() {
    return this.ctx.db.knex;
  }

  /** Clusters the caller may see. */
  async clusters(scope: Scope): Promise<api.ClusterListReply> {
    const rows = await applyClusterScope(this.knex('clusters as cl').select('*').orderBy('name'), this.knex, scope, {
      clusterId: 'cl.id',
      clusterName: 'cl.name',
    });
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        environment: r.environment,
        lastSeen: num0(r.last_seen),
      })),
    };
  }

  /** Counts and usage per cluster and overall. */
  async overview(scope: Scope): Promise<api.OverviewReply> {
    const now = this.ctx.now();
    const clusters = await applyClusterScope(
      this.knex('clusters as cl').select('*').orderBy('name'),
      this.knex,
      scope,
      {
        clusterId: 'cl.id',
        clusterName: 'cl.name',
      }
    );
    const nodes = (
      await applyNodeScope(nodeQuery(this.knex), scope, { clusterName: 'cl.name', nodeName: 'n.name' })
    ).map((r: Record<string, unknown>) => toNodeRow(r, now, this.ctx.staleAfter));
    const stateRows: { cluster_id: string; display_state: string; n: number }[] = await applyScope(
      this.knex('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .whereNull('c.gone_at')
        .select('c.cluster_id', this.knex.raw(`${displayStateSql(now - this.ctx.staleAfter)} as display_state`))
        .count({ n: '*' })
        .groupBy('c.cluster_id', 'display_state'),
      scope,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    );
    const summaries: api.ClusterSummary[] = clusters.map((c) => {
      const own = nodes.filter((n: api.NodeRow) => n.clusterId === c.id);
      const counts = emptyCounts();
      for (const s of stateRows.filter((s) => s.cluster_id === c.id)) addState(counts, s.display_state, Number(s.n));
      return {
        id: c.id,
        name: c.name,
        kind: c.kind,
        environment: c.environment,
        labels: parseLabels(c.labels),
        lastSeen: num0(c.last_seen),
        nodes: nodeCounts(own),
        containers: counts,
        usage: usageOf(own),
      };
    });
    const totals = emptyCounts();
    for (const s of summaries)
      for (const k of Object.keys(totals) as (keyof api.ContainerCounts)[]) totals[k] += s.containers[k];
    return {
      generatedAt: now,
      clusters: summaries,
      totals: { clusters: summaries.length, nodes: nodeCounts(nodes), containers: totals, usage: usageOf(nodes) },
    };
  }

  /** Nodes with current usage, filtered and sorted. */
  async nodes(scope: Scope, q: api.NodeListQuery): Promise<api.NodeListReply> {
    const now = this.ctx.now();
    const qb = applyNodeScope(nodeQuery(this.knex), scope, { clusterName: 'cl.name', nodeName: 'n.name' });
    if (q.cluster?.length) qb.whereIn('cl.name', q.cluster);
    if (q.q) qb.whereRaw(LIKE('n.name'), [`%${escapeLike(q.q)}%`]);
    let items = (await qb).map((r: Record<string, unknown>) => toNodeRow(r, now, this.ctx.staleAfter));
    if (q.status) items = items.filter((n: api.NodeRow) => n.status === q.status);
    const key = NODE_SORT[q.sort];
    items.sort(
      (a: api.NodeRow, b: api.NodeRow) => compare(key(a), key(b), q.order === 'desc') || a.name.localeCompare(b.name)
    );
    return { total: items.length, items };
  }

  /** One node with its containers. */
  async node(scope: Scope, id: string): Promise<api.NodeDetailReply> {
    const now = this.ctx.now();
    const row = await applyNodeScope(nodeQuery(this.knex).where('n.id', id), scope, {
      clusterName: 'cl.name',
      nodeName: 'n.name',
    }).first();
    if (!row) throw new NotFoundError(`node ${id} not found`);
    const containers = await this.containers(scope, {
      node: [row.name],
      cluster: [row.cluster_name],
      includeGone: 'false',
      sort: 'name',
      order: 'asc',
      page: 1,
      pageSize: 500,
    });
    return {
      ...toNodeRow(row, now, this.ctx.staleAfter),
      arch: String(row.arch),
      labels: parseLabels(row.labels),
      containers: containers.items,
    };
  }

  /** Containers, filtered, sorted and paged on the server. */
  async containers(scope: Scope, q: api.ContainerListQuery): Promise<api.ContainerListReply> {
    const now = this.ctx.now();
    const stateSql = displayStateSql(now - this.ctx.staleAfter);
    const base = () => {
      const qb = applyScope(containerJoins(this.knex), scope, {
        clusterName: 'cl.name',
        nodeName: 'n.name',
        namespace: 'c.namespace',
      });
      if (q.cluster?.length) qb.whereIn('cl.name', q.cluster);
      if (q.node?.length) qb.whereIn('n.name', q.node);
      if (q.namespace?.length) qb.whereIn('c.namespace', q.namespace);
      if (q.includeGone !== 'true' && !q.state?.includes('gone')) qb.whereNull('c.gone_at');
      if (q.state?.length) qb.whereRaw(`(${stateSql}) IN (${q.state.map(() => '?').join(',')})`, q.state);
      if (q.q) {
        const like = `%${escapeLike(q.q)}%`;
        qb.where((w) =>
          w.whereRaw(LIKE('c.name'), [like]).orWhereRaw(LIKE('c.image'), [like]).orWhereRaw(LIKE('c.pod'), [like])
        );
      }
      return qb;
    };
    const [{ n }] = await base().count({ n: '*' });
    const order = q.order === 'desc' ? 'desc' : 'asc';
    const sortBy = q.sort === 'state' ? `(${stateSql})` : CONTAINER_SORT[q.sort];
    const rows = await selectContainerColumns(this.knex, base(), now - this.ctx.staleAfter)
      .orderByRaw(`${sortBy} IS NULL, ${sortBy} ${order}, c.name asc, c.id asc`)
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return {
      total: Number(n),
      page: q.page,
      pageSize: q.pageSize,
      items: rows.map((r: Record<string, unknown>) => toContainerRow(r, now, this.ctx.staleAfter)),
    };
  }

  /** One container with its labels. */
  async container(scope: Scope, id: string): Promise<api.ContainerDetailReply> {
    const now = this.ctx.now();
    const row = await applyScope(
      selectContainerColumns(this.knex, containerJoins(this.knex), now - this.ctx.staleAfter).where('c.id', id),
      scope,
      {
        clusterName: 'cl.name',
        nodeName: 'n.name',
        namespace: 'c.namespace',
      }
    ).first();
    if (!row) throw new NotFoundError(`container ${id} not found`);
    const shaped = toContainerRow(row, now, this.ctx.staleAfter);
    const live = shaped.memBytes !== null || shaped.cpuCores !== null;
    return {
      ...shaped,
      labels: parseLabels(row.labels),
      pressure: await containerPressure(this.knex, shaped, live),
    };
  }
}

function addState(c: api.ContainerCounts, state: string, n: number) {
  c.total += n;
  if (state in c) c[state as keyof api.ContainerCounts] += n;
}

function nodeCounts(nodes: api.NodeRow[]): api.NodeCounts {
  const ready = nodes.filter((n) => n.status === 'ready').length;
  const silent = nodes.filter((n) => n.silent).length;
  return { total: nodes.length, ready, notReady: nodes.length - ready, silent };
}

/** Sums usage over nodes; capacity counts every node, usage only those with a current sample. */
function usageOf(nodes: api.NodeRow[]): api.Usage {
  const s = (f: (n: api.NodeRow) => number | null) => nodes.reduce((a, n) => a + (f(n) ?? 0), 0);
  const live = nodes.filter((n) => n.cpuCores !== null);
  const usedCores = s((n) => n.cpuCores);
  const liveCores = live.reduce((a, n) => a + n.cores, 0);
  const memUsed = s((n) => n.memUsedBytes);
  const liveMem = live.reduce((a, n) => a + n.memoryBytes, 0);
  const fsUsed = s((n) => n.fsUsedBytes);
  const fsTotal = s((n) => n.fsTotalBytes);
  const withAvail = nodes.filter((n) => n.fsAvailBytes !== null);
  // df's denominator per node (used + available; total where available is unknown), summed.
  const fsCap = s((n) => (n.fsUsedBytes === null ? null : fsCapacity(n.fsUsedBytes, n.fsAvailBytes, n.fsTotalBytes)));
  return {
    usedCores,
    capacityCores: s((n) => n.cores),
    cpuPercent: pct(usedCores, liveCores),
    memUsedBytes: memUsed,
    memTotalBytes: s((n) => n.memoryBytes),
    memPercent: pct(memUsed, liveMem),
    fsUsedBytes: fsUsed,
    fsTotalBytes: fsTotal,
    fsAvailBytes: withAvail.length ? s((n) => n.fsAvailBytes) : null,
    fsPercent: pct(fsUsed, fsCap),
    netRxBps: s((n) => n.netRxBps),
    netTxBps: s((n) => n.netTxBps),
    diskReadBps: s((n) => n.diskReadBps),
    diskWriteBps: s((n) => n.diskWriteBps),
  };
}

/** Escapes LIKE wildcards in user text; '!' is the escape character because both dialects accept it. */
export const escapeLike = (s: string) => s.replace(/[!%_]/g, (m) => `!${m}`);
/** A case-insensitive LIKE on a column (our own column names only), with the escape above. */
const LIKE = (col: string) => `LOWER(${col}) LIKE LOWER(?) ESCAPE '!'`;

export { effectiveNodeStatus };

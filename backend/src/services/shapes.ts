import type { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import { parseRisks, parseSecurity } from './posture';

type Row = Record<string, unknown>;

/** Numbers from the database, which may be null. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const num0 = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
export const pct = (part: number | null, whole: number | null): number | null =>
  part === null || whole === null || !(whole > 0) ? null : (part / whole) * 100;
/**
 * The filesystem size a use percentage is taken of, as `df` does: used + available, so that blocks
 * reserved for root count as full (they are, for everything but root). The total stands in only
 * where the agent reported no available bytes (older agents).
 */
export const fsCapacity = (used: number | null, avail: number | null, total: number | null): number | null =>
  used !== null && avail !== null ? used + avail : total;
/** Filesystem use in percent as `df` shows it: used / (used + available). */
export const fsPercent = (used: number | null, avail: number | null, total: number | null): number | null =>
  pct(used, fsCapacity(used, avail, total));
export const parseLabels = (s: unknown): Record<string, string> => {
  try {
    return typeof s === 'string' ? JSON.parse(s) : {};
  } catch {
    return {};
  }
};

/**
 * SQL for a container's display state (running / stopped / paused / restarting / unhealthy /
 * unknown / gone); joins c containers, n nodes. A container on a node last seen before
 * `silentBefore` (epoch seconds) is unknown: its node is silent.
 */
export const displayStateSql = (silentBefore: number) => `CASE
  WHEN c.gone_at IS NOT NULL THEN 'gone'
  WHEN n.last_seen < ${Math.floor(Number(silentBefore))} THEN 'unknown'
  WHEN c.state = 'running' AND c.health = 'unhealthy' THEN 'unhealthy'
  WHEN c.state = 'running' THEN 'running'
  WHEN c.state = 'paused' THEN 'paused'
  WHEN c.state = 'restarting' THEN 'restarting'
  ELSE 'stopped' END`;

/** The display state of a container row (same rule as displayStateSql); `nodeSilent`: its node is silent. */
export function displayState(r: Row, nodeSilent: boolean): api.DisplayState {
  if (r.gone_at !== null && r.gone_at !== undefined) return 'gone';
  if (nodeSilent) return 'unknown';
  if (r.state === 'running') return r.health === 'unhealthy' ? 'unhealthy' : 'running';
  if (r.state === 'paused' || r.state === 'restarting') return r.state;
  return 'stopped';
}

/**
 * Columns selected for a container row; joins: c containers, n nodes, cl clusters, l
 * container_latest. `silentBefore`: see displayStateSql.
 */
export function selectContainerColumns(knex: Knex, qb: Knex.QueryBuilder, silentBefore: number) {
  return qb.select(
    'c.*',
    'n.name as node_name',
    'n.cores as node_cores',
    'n.memory_bytes as node_memory',
    'cl.name as cluster_name',
    'cl.environment as environment',
    'l.ts as sample_ts',
    'l.cpu_cores as l_cpu',
    'l.mem_bytes as l_mem',
    'l.mem_limit_bytes as l_mem_limit',
    'l.net_rx_bps as l_rx',
    'l.net_tx_bps as l_tx',
    'l.disk_read_bps as l_dr',
    'l.disk_write_bps as l_dw',
    'l.pids as l_pids',
    knex.raw(`${displayStateSql(silentBefore)} as display_state`)
  );
}

/** Joins used by every container query. */
export function containerJoins(knex: Knex) {
  return knex('containers as c')
    .join('nodes as n', 'n.id', 'c.node_id')
    .join('clusters as cl', 'cl.id', 'c.cluster_id')
    .leftJoin('container_latest as l', 'l.entity_id', 'c.id');
}

/**
 * Shapes a container row. Usage is shown for a running, restarting or paused container with a
 * recent sample on a node that is not silent. A paused container's sample is what the agent read
 * from its cgroup like any other (CPU about 0, its memory still held), the same values the top-10
 * ranks it by and `docker stats` shows.
 */
export function toContainerRow(r: Row, now: number, staleAfter: number): api.ContainerRow {
  const fresh =
    r.display_state !== 'gone' &&
    r.display_state !== 'unknown' &&
    r.sample_ts !== null &&
    now - Number(r.sample_ts) <= staleAfter;
  const live = fresh && (r.state === 'running' || r.state === 'restarting' || r.state === 'paused');
  const m = (v: unknown) => (live ? num(v) : null);
  const limit = m(r.l_mem_limit);
  const mem = m(r.l_mem);
  const nodeCores = num(r.node_cores);
  return {
    id: String(r.id),
    runtimeId: String(r.runtime_id),
    name: String(r.name),
    image: String(r.image),
    state: r.state as api.ContainerRow['state'],
    health: r.health as api.ContainerRow['health'],
    displayState: r.display_state as api.DisplayState,
    statusText: String(r.status_text),
    clusterId: String(r.cluster_id),
    clusterName: String(r.cluster_name),
    environment: r.environment as api.ContainerRow['environment'],
    nodeId: String(r.node_id),
    nodeName: String(r.node_name),
    namespace: (r.namespace as string) ?? null,
    pod: (r.pod as string) ?? null,
    podUid: (r.pod_uid as string) ?? null,
    workloadKind: (r.workload_kind as api.ContainerRow['workloadKind']) ?? null,
    workloadName: (r.workload_name as string) ?? null,
    createdAt: num(r.created_at),
    startedAt: num(r.started_at),
    exitCode: num(r.exit_code),
    oomKilled: !!r.oom_killed,
    restartCount: num0(r.restart_count),
    hostNetwork: !!r.host_network,
    lastSeen: num0(r.last_seen),
    goneAt: num(r.gone_at),
    sampleTs: num(r.sample_ts),
    cpuCores: m(r.l_cpu),
    cpuPercent: pct(m(r.l_cpu), nodeCores),
    memBytes: mem,
    memLimitBytes: limit,
    // Against the limit when there is one, else against the node's memory (what `docker stats` shows).
    memPercent: pct(mem, limit && limit > 0 ? limit : num(r.node_memory)),
    netRxBps: r.host_network ? null : m(r.l_rx),
    netTxBps: r.host_network ? null : m(r.l_tx),
    diskReadBps: m(r.l_dr),
    diskWriteBps: m(r.l_dw),
    pids: m(r.l_pids),
    risks: parseRisks(r.risks),
    security: parseSecurity(r.security),
  };
}

/** Columns selected for a node row; joins: n nodes, cl clusters, l node_latest. */
export function nodeQuery(knex: Knex) {
  const counts = knex('containers')
    .select('node_id')
    .count({ total: '*' })
    .select(knex.raw(`SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) as running`))
    .whereNull('gone_at')
    .groupBy('node_id')
    .as('cc');
  return knex('nodes as n')
    .join('clusters as cl', 'cl.id', 'n.cluster_id')
    .leftJoin('node_latest as l', 'l.entity_id', 'n.id')
    .leftJoin(counts, 'cc.node_id', 'n.id')
    .select(
      'n.*',
      'cl.name as cluster_name',
      'cl.environment as environment',
      'l.ts as sample_ts',
      'l.cpu_cores as l_cpu',
      'l.mem_used_bytes as l_mem',
      'l.mem_total_bytes as l_mem_total',
      'l.fs_used_bytes as l_fs',
      'l.fs_total_bytes as l_fs_total',
      'l.fs_avail_bytes as l_fs_avail',
      'l.net_rx_bps as l_rx',
      'l.net_tx_bps as l_tx',
      'l.disk_read_bps as l_dr',
      'l.disk_write_bps as l_dw',
      'l.load1 as l_load1',
      'cc.total as containers_total',
      'cc.running as containers_running'
    );
}

/** A node is silent when its agent has sent nothing for more than `staleAfter` seconds. */
export const nodeIsSilent = (r: Row, now: number, staleAfter: number): boolean =>
  now - Number(r.last_seen) > staleAfter;

/** A node is shown with its reported status only while its agent keeps reporting. */
export function effectiveNodeStatus(r: Row, now: number, staleAfter: number): api.NodeRow['status'] {
  return nodeIsSilent(r, now, staleAfter) ? 'unknown' : (r.status as api.NodeRow['status']);
}

/** Shapes a node row. Usage is null when the newest sample is stale; a silent node runs no containers. */
export function toNodeRow(r: Row, now: number, staleAfter: number): api.NodeRow {
  const silent = nodeIsSilent(r, now, staleAfter);
  const fresh = !silent && r.sample_ts !== null && now - Number(r.sample_ts) <= staleAfter;
  const m = (v: unknown) => (fresh ? num(v) : null);
  const cores = num0(r.cores);
  const memTotal = m(r.l_mem_total) ?? (num0(r.memory_bytes) || null);
  const bootTime = num(r.boot_time);
  return {
    id: String(r.id),
    name: String(r.name),
    clusterId: String(r.cluster_id),
    clusterName: String(r.cluster_name),
    environment: r.environment as api.NodeRow['environment'],
    role: String(r.role),
    status: effectiveNodeStatus(r, now, staleAfter),
    silent,
    os: String(r.os),
    kernel: String(r.kernel),
    cores,
    memoryBytes: num0(r.memory_bytes),
    bootTime,
    uptimeSeconds: bootTime ? Math.max(0, now - bootTime) : null,
    lastSeen: num0(r.last_seen),
    sampleTs: num(r.sample_ts),
    cpuCores: m(r.l_cpu),
    cpuPercent: pct(m(r.l_cpu), cores),
    memUsedBytes: m(r.l_mem),
    memPercent: pct(m(r.l_mem), memTotal),
    fsUsedBytes: m(r.l_fs),
    fsTotalBytes: m(r.l_fs_total),
    fsAvailBytes: m(r.l_fs_avail),
    fsPercent: fsPercent(m(r.l_fs), m(r.l_fs_avail), m(r.l_fs_total)),
    netRxBps: m(r.l_rx),
    netTxBps: m(r.l_tx),
    diskReadBps: m(r.l_dr),
    diskWriteBps: m(r.l_dw),
    load1: m(r.l_load1),
    containersTotal: num0(r.containers_total),
    containersRunning: silent ? 0 : num0(r.containers_running),
  };
}

import type { alerts as wire, api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import * as ids from '../../db/ids';
import { effectiveNodeStatus, fsCapacity } from '../shapes';
import { globToRegExp, num } from './common';
import { isSecurityMetric, loadSecurityTimes, securityCount, type SecurityTimes } from './security-facts';

/** A node not heard from for this long is taken as decommissioned and no longer evaluated. */
export const DECOMMISSIONED_AFTER = 86_400;

/** One container as the evaluator sees it; usage fields are null unless it runs and has a fresh sample. */
export interface ContainerFact {
  id: string;
  name: string;
  clusterName: string;
  nodeName: string;
  nodeCores: number;
  nodeMemory: number;
  namespace: string | null;
  pod: string | null;
  podUid: string | null;
  workloadKind: string | null;
  workloadName: string | null;
  state: string;
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
  /** Restarts in the latest increase the evaluator saw, and when. */
  lastIncrease: number;
  changedAt: number | null;
  cpu: number | null;
  mem: number | null;
  memLimit: number | null;
  rx: number | null;
  tx: number | null;
  /** CFS throttled-period percent of the latest sample (null unless live). */
  throttledPct: number | null;
  /** Times of the container's OOM kills (one event each) in the longest rule window, oldest first. */
  oomKillTimes: number[];
  /** Times of the container's security events by reason in the longest rule window (issue 17). */
  securityTimes: SecurityTimes;
}

/** Longest window of the `restarts` and `oomKills` metrics (the rule schema's bound). */
export const MAX_WINDOW_SECONDS = 7 * 86_400;

/** One node as the evaluator sees it; usage fields are null without a fresh sample. */
export interface NodeFact {
  id: string;
  name: string;
  clusterName: string;
  cores: number;
  memory: number;
  /** Described by an agent at least once (not a placeholder named only by containers). */
  described: boolean;
  ready: boolean;
  cpu: number | null;
  memUsed: number | null;
  memTotal: number | null;
  fsUsed: number | null;
  fsTotal: number | null;
  /** Available to unprivileged users (df's Avail); null from older agents. */
  fsAvail: number | null;
  rx: number | null;
  tx: number | null;
}

/** The current state of the fleet, loaded once per evaluation. */
export interface Frame {
  now: number;
  containers: ContainerFact[];
  nodes: NodeFact[];
  /** Services with their figures over [now − window, now), per window of the enabled service rules (issue 16). */
  services?: Map<number, api.ServiceRow[]>;
}

/** One entity a rule looks at, with its current value (null: no data). */
export interface Evaluated {
  entity: wire.AlertEntity;
  value: number | null;
}

/** Loads containers (not gone) and nodes (not decommissioned) with their latest samples. */
export async function loadFrame(knex: Knex, now: number, staleAfter: number): Promise<Frame> {
  const crow = await knex('containers as c')
    .join('nodes as n', 'n.id', 'c.node_id')
    .join('clusters as cl', 'cl.id', 'c.cluster_id')
    .leftJoin('container_latest as l', 'l.entity_id', 'c.id')
    .leftJoin('restart_observations as ro', 'ro.container_id', 'c.id')
    .whereNull('c.gone_at')
    .select(
      'c.id',
      'c.name',
      'c.state',
      'c.exit_code',
      'c.oom_killed',
      'c.restart_count',
      'c.host_network',
      'c.namespace',
      'c.pod',
      'c.pod_uid',
      'c.workload_kind',
      'c.workload_name',
      'n.name as node_name',
      'n.cores as node_cores',
      'n.memory_bytes as node_memory',
      'cl.name as cluster_name',
      'l.ts as sample_ts',
      'l.cpu_cores',
      'l.mem_bytes',
      'l.mem_limit_bytes',
      'l.net_rx_bps',
      'l.net_tx_bps',
      'l.cpu_throttled_pct',
      'ro.changed_at',
      'ro.last_increase'
    );
  // One event per OOM kill (the agent counts them from the cgroup counter and the runtime's reports).
  const kills = new Map<string, number[]>();
  const krows = await knex('events')
    .where('reason', 'oom')
    .where('object_kind', 'container')
    .whereNotNull('container_id')
    .where('ts', '>', now - MAX_WINDOW_SECONDS)
    .orderBy('ts')
    .select('container_id', 'ts');
  for (const k of krows as Array<{ container_id: string; ts: number }>) {
    const list = kills.get(k.container_id);
    if (list) list.push(Number(k.ts));
    else kills.set(k.container_id, [Number(k.ts)]);
  }
  const security = await loadSecurityTimes(knex, now - MAX_WINDOW_SECONDS);
  const containers: ContainerFact[] = crow.map((r: Record<string, unknown>) => {
    const live =
      (r.state === 'running' || r.state === 'restarting') &&
      r.sample_ts !== null &&
      now - Number(r.sample_ts) <= staleAfter;
    const m = (v: unknown) => (live ? num(v) : null);
    return {
      id: String(r.id),
      name: String(r.name),
      clusterName: String(r.cluster_name),
      nodeName: String(r.node_name),
      nodeCores: Number(r.node_cores),
      nodeMemory: Number(r.node_memory),
      namespace: (r.namespace as string) ?? null,
      pod: (r.pod as string) ?? null,
      podUid: (r.pod_uid as string) ?? null,
      workloadKind: (r.workload_kind as string) ?? null,
      workloadName: (r.workload_name as string) ?? null,
      state: String(r.state),
      exitCode: num(r.exit_code),
      oomKilled: !!r.oom_killed,
      restartCount: Number(r.restart_count),
      lastIncrease: Number(r.last_increase ?? 0),
      changedAt: num(r.changed_at),
      cpu: m(r.cpu_cores),
      mem: m(r.mem_bytes),
      memLimit: m(r.mem_limit_bytes),
      rx: r.host_network ? null : m(r.net_rx_bps),
      tx: r.host_network ? null : m(r.net_tx_bps),
      throttledPct: m(r.cpu_throttled_pct),
      oomKillTimes: kills.get(String(r.id)) ?? [],
      securityTimes: security.get(String(r.id)) ?? {},
    };
  });
  const nrow = await knex('nodes as n')
    .join('clusters as cl', 'cl.id', 'n.cluster_id')
    .leftJoin('node_latest as l', 'l.entity_id', 'n.id')
    .where('n.last_seen', '>=', now - DECOMMISSIONED_AFTER)
    .select(
      'n.id',
      'n.name',
      'n.cores',
      'n.memory_bytes',
      'n.os',
      'n.status',
      'n.last_seen',
      'cl.name as cluster_name',
      'l.ts as sample_ts',
      'l.cpu_cores',
      'l.mem_used_bytes',
      'l.mem_total_bytes',
      'l.fs_used_bytes',
      'l.fs_total_bytes',
      'l.fs_avail_bytes',
      'l.net_rx_bps',
      'l.net_tx_bps'
    );
  const nodes: NodeFact[] = nrow.map((r: Record<string, unknown>) => {
    const fresh = r.sample_ts !== null && now - Number(r.sample_ts) <= staleAfter;
    const m = (v: unknown) => (fresh ? num(v) : null);
    return {
      id: String(r.id),
      name: String(r.name),
      clusterName: String(r.cluster_name),
      cores: Number(r.cores),
      memory: Number(r.memory_bytes),
      described: Number(r.cores) > 0 || String(r.os ?? '') !== '',
      ready: effectiveNodeStatus(r, now, staleAfter) === 'ready',
      cpu: m(r.cpu_cores),
      memUsed: m(r.mem_used_bytes),
      memTotal: m(r.mem_total_bytes) ?? (Number(r.memory_bytes) || null),
      fsUsed: m(r.fs_used_bytes),
      fsTotal: m(r.fs_total_bytes),
      fsAvail: m(r.fs_avail_bytes),
      rx: m(r.net_rx_bps),
      tx: m(r.net_tx_bps),
    };
  });
  return { now, containers, nodes };
}

const sumOrNull = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) : null;
};
const ratio = (part: number | null, whole: number | null) =>
  part === null || whole === null || !(whole > 0) ? null : (part / whole) * 100;

/** Value of a container metric over a group of containers (one container for the container target). */
function containerValue(
  metric: wire.AlertMetric,
  cs: ContainerFact[],
  now: number,
  windowSeconds: number
): number | null {
  if (isSecurityMetric(metric)) return securityCount(metric, cs, now, windowSeconds);
  const live = cs.filter((c) => c.cpu !== null || c.mem !== null);
  switch (metric) {
    case 'cpuPercent': {
      const withCpu = live.filter((c) => c.cpu !== null);
      if (!withCpu.length) return null;
      const cores = new Map(withCpu.map((c) => [c.nodeName + '\u0000' + c.clusterName, c.nodeCores]));
      return ratio(
        sumOrNull(withCpu.map((c) => c.cpu)),
        [...cores.values()].reduce((a, b) => a + b, 0)
      );
    }
    case 'memPercent': {
      const withMem = live.filter((c) => c.mem !== null);
      if (!withMem.length) return null;
      // Against the limit when there is one, else against the node's memory (what `docker stats` shows).
      const whole = withMem.reduce((a, c) => a + (c.memLimit && c.memLimit > 0 ? c.memLimit : c.nodeMemory), 0);
      return ratio(sumOrNull(withMem.map((c) => c.mem)), whole);
    }
    case 'netRxBps':
      return sumOrNull(cs.map((c) => c.rx));
    case 'netTxBps':
      return sumOrNull(cs.map((c) => c.tx));
    case 'restartCount':
      return cs.reduce((a, c) => a + c.restartCount, 0);
    case 'restarts':
      return cs.reduce(
        (a, c) => a + (c.changedAt !== null && c.changedAt > now - windowSeconds ? c.lastIncrease : 0),
        0
      );
    case 'exitedNonZero':
      return cs.filter((c) => (c.state === 'exited' || c.state === 'dead') && c.exitCode !== null && c.exitCode !== 0)
        .length;
    case 'oomKilled':
      return cs.filter((c) => c.oomKilled).length;
    case 'oomKills':
      return cs.reduce((a, c) => a + c.oomKillTimes.filter((t) => t > now - windowSeconds).length, 0);
    case 'cpuThrottledPercent': {
      // A group's value is its most throttled member: percentages of different quotas do not add.
      const v = cs.map((c) => c.throttledPct).filter((x): x is number => x !== null);
      return v.length ? Math.max(...v) : null;
    }
    default:
      return null;
  }
}

/** Value of a node metric over a group of nodes (one node for the node target). */
function nodeValue(metric: wire.AlertMetric, ns: NodeFact[]): number | null {
  const withCpu = ns.filter((n) => n.cpu !== null);
  switch (metric) {
    case 'cpuPercent':
      return withCpu.length
        ? ratio(
            sumOrNull(withCpu.map((n) => n.cpu)),
            withCpu.reduce((a, n) => a + n.cores, 0)
          )
        : null;
    case 'memPercent': {
      const m = ns.filter((n) => n.memUsed !== null && n.memTotal !== null);
      return m.length ? ratio(sumOrNull(m.map((n) => n.memUsed)), sumOrNull(m.map((n) => n.memTotal))) : null;
    }
    case 'diskPercent': {
      // As df: used / (used + available), so the root reserve counts as full.
      const f = ns.filter((n) => n.fsUsed !== null && fsCapacity(n.fsUsed, n.fsAvail, n.fsTotal) !== null);
      const cap = f.map((n) => fsCapacity(n.fsUsed, n.fsAvail, n.fsTotal));
      return f.length ? ratio(sumOrNull(f.map((n) => n.fsUsed)), sumOrNull(cap)) : null;
    }
    case 'netRxBps':
      return sumOrNull(ns.map((n) => n.rx));
    case 'netTxBps':
      return sumOrNull(ns.map((n) => n.tx));
    case 'nodeNotReady':
      return ns.filter((n) => n.described && !n.ready).length;
    default:
      return null;
  }
}

const NODE_FAMILY: wire.AlertMetric[] = [
  'cpuPercent',
  'memPercent',
  'diskPercent',
  'netRxBps',
  'netTxBps',
  'nodeNotReady',
];

/** Compares a value with a threshold; no data never breaches. */
export function breaches(value: number | null, op: wire.Operator, threshold: number): boolean {
  if (value === null || !Number.isFinite(value)) return false;
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** Value of a service metric from its figures over the rule's window (services.ts computes them as GET /services). */
function serviceValue(metric: wire.AlertMetric, s: api.ServiceRow, now: number): number | null {
  switch (metric) {
    case 'latencyAvgSeconds':
      return s.avgSeconds;
    case 'latencyP95Seconds':
      return s.p95Seconds;
    case 'errorPercent':
      return s.errorPercent;
    case 'probeDown':
      return s.probeStatus === null ? null : s.probeStatus === 'down' ? 1 : 0;
    case 'certDaysLeft':
      return s.certNotAfter === null ? null : (s.certNotAfter - now) / 86_400;
    default:
      return null;
  }
}

/** The entities a rule looks at (after its filters) and each one's current value. */
export function evaluateRule(rule: wire.AlertRule, frame: Frame): Evaluated[] {
  const f = rule.filters;
  const pattern = f.namePattern ? globToRegExp(f.namePattern) : null;
  const inC = (cluster: string) => !f.clusters.length || f.clusters.includes(cluster);
  const inN = (node: string) => !f.nodes.length || f.nodes.includes(node);
  const inNs = (ns: string | null) => !f.namespaces.length || (ns !== null && f.namespaces.includes(ns));
  const containers = frame.containers.filter((c) => inC(c.clusterName) && inN(c.nodeName) && inNs(c.namespace));
  const nodes = frame.nodes.filter((n) => inC(n.clusterName) && inN(n.name));
  const out: Evaluated[] = [];
  const push = (entity: wire.AlertEntity, value: number | null) => {
    if (!pattern || pattern.test(entity.name)) out.push({ entity, value });
  };
  const groups = <T>(xs: T[], key: (x: T) => string | null) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const k = key(x);
      if (k === null) continue;
      const g = m.get(k);
      if (g) g.push(x);
      else m.set(k, [x]);
    }
    return m;
  };
  const cv = (cs: ContainerFact[]) => containerValue(rule.metric, cs, frame.now, rule.windowSeconds);
  switch (rule.target) {
    case 'node':
      for (const n of nodes)
        push(
          { kind: 'node', id: n.id, name: n.name, clusterName: n.clusterName, namespace: null, nodeName: n.name },
          nodeValue(rule.metric, [n])
        );
      break;
    case 'container':
      for (const c of containers)
        push(
          {
            kind: 'container',
            id: c.id,
            name: c.name,
            clusterName: c.clusterName,
            namespace: c.namespace,
            nodeName: c.nodeName,
          },
          cv([c])
        );
      break;
    case 'pod':
      for (const [uid, cs] of groups(containers, (c) => c.podUid)) {
        const c = cs[0];
        const nodesOf = new Set(cs.map((x) => x.nodeName));
        push(
          {
            kind: 'pod',
            id: uid,
            name: c.pod ?? uid,
            clusterName: c.clusterName,
            namespace: c.namespace,
            nodeName: nodesOf.size === 1 ? c.nodeName : null,
          },
          cv(cs)
        );
      }
      break;
    case 'workload':
      for (const [, cs] of groups(containers, (c) =>
        c.workloadKind && c.workloadName && c.namespace
          ? `${c.clusterName}\u0000${c.namespace}\u0000${c.workloadKind}\u0000${c.workloadName}`
          : null
      )) {
        const c = cs[0];
        push(
          {
            kind: 'workload',
            id: ids.workloadId(c.clusterName, c.workloadKind!, c.namespace!, c.workloadName!),
            name: `${c.workloadKind}/${c.workloadName}`,
            clusterName: c.clusterName,
            namespace: c.namespace,
            nodeName: null,
          },
          cv(cs)
        );
      }
      break;
    case 'namespace':
      for (const [, cs] of groups(containers, (c) => (c.namespace ? `${c.clusterName}\u0000${c.namespace}` : null))) {
        const c = cs[0];
        push(
          {
            kind: 'namespace',
            id: ids.namespaceId(c.clusterName, c.namespace!),
            name: c.namespace!,
            clusterName: c.clusterName,
            namespace: c.namespace,
            nodeName: null,
          },
          cv(cs)
        );
      }
      break;
    case 'service':
      // A service is not on one node: a rule filtered by nodes watches no service.
      if (f.nodes.length) break;
      for (const s of frame.services?.get(rule.windowSeconds) ?? [])
        if (inC(s.cluster) && inNs(s.namespace))
          push(
            { kind: 'service', id: s.id, name: s.name, clusterName: s.cluster, namespace: s.namespace, nodeName: null },
            serviceValue(rule.metric, s, frame.now)
          );
      break;
    case 'cluster': {
      const names = new Set([...nodes.map((n) => n.clusterName), ...containers.map((c) => c.clusterName)]);
      for (const name of names) {
        const value = NODE_FAMILY.includes(rule.metric)
          ? nodeValue(
              rule.metric,
              nodes.filter((n) => n.clusterName === name)
            )
          : cv(containers.filter((c) => c.clusterName === name));
        push(
          { kind: 'cluster', id: ids.clusterId(name), name, clusterName: name, namespace: null, nodeName: null },
          value
        );
      }
      break;
    }
  }
  return out;
}

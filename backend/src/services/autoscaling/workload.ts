import type { api } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';

type Row = Record<string, unknown>;

/** Compose's labels on a service's containers (docker compose sets them; the agent reports labels). */
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

/** What a rule's workload looks like now: its running replicas and the metric per replica. */
export interface WorkloadNow {
  replicas: number;
  metric: number | null;
  /** Why metric is null (no fresh sample, no limit). */
  why?: string;
}

/** The parts of a rule the reader needs. */
export interface RuleRef {
  cluster: string;
  workload: api.WorkloadRef;
  metric: api.AutoscalingMetric;
}

const parse = <T>(s: unknown, fallback: T): T => {
  try {
    return s == null ? fallback : (JSON.parse(String(s)) as T);
  } catch {
    return fallback;
  }
};
const n = (x: unknown) => (x === null || x === undefined ? null : Number(x));

/**
 * Reads a workload's current state from the stored inventory and the `container_latest` table:
 * replicas are its running containers (Compose: one per container; Kubernetes: one per pod) on
 * nodes that are not silent; the metric comes from each replica's newest sample no older than
 * `freshSeconds`. Per-replica metrics are Σ over the measured replicas ÷ their number; the % of
 * limit metrics are Σ usage ÷ Σ limit × 100 over the measured containers (the HPA's utilisation,
 * replica_calculator.go GetResourceUtilizationRatio, with limits for requests).
 */
export async function readWorkload(db: Db, rule: RuleRef, now: number, freshSeconds: number): Promise<WorkloadNow> {
  const qb = db
    .knex('containers as c')
    .join('clusters as cl', 'cl.id', 'c.cluster_id')
    .join('nodes as n', 'n.id', 'c.node_id')
    .leftJoin('container_latest as l', 'l.entity_id', 'c.id')
    .where('cl.name', rule.cluster)
    .where('c.state', 'running')
    .whereNull('c.gone_at')
    .where('n.last_seen', '>=', now - freshSeconds)
    .select('c.id', 'c.name', 'c.labels', 'c.pod_uid', 'c.security', 'l.ts', 'l.cpu_cores', 'l.mem_bytes')
    .select('l.mem_limit_bytes');
  const w = rule.workload;
  if (w.kind === 'compose') qb.where('n.name', w.node);
  else qb.where({ 'c.namespace': w.namespace, 'c.workload_kind': w.kind, 'c.workload_name': w.name });
  // One node's containers (Compose) or one workload's: bounded by what one agent reports.
  let rows: Row[] = await qb.limit(10_000);
  if (w.kind === 'compose')
    rows = rows.filter((r) => {
      const labels = parse<Record<string, string>>(r.labels, {});
      return labels[COMPOSE_PROJECT] === w.project && labels[COMPOSE_SERVICE] === w.service;
    });
  const replicaOf = (r: Row) => (w.kind === 'compose' ? String(r.id) : String(r.pod_uid ?? r.id));
  const replicas = new Set(rows.map(replicaOf)).size;
  const fresh = rows.filter((r) => r.ts != null && Number(r.ts) >= now - freshSeconds && Number(r.ts) <= now);
  if (!fresh.length) return { replicas, metric: null, why: `no sample of the workload newer than ${freshSeconds} s` };
  const measured = new Set(fresh.map(replicaOf)).size;
  const sum = (f: (r: Row) => number | null) => fresh.reduce((a, r) => a + (f(r) ?? 0), 0);
  const cpu = (r: Row) => n(r.cpu_cores);
  const mem = (r: Row) => n(r.mem_bytes);
  switch (rule.metric) {
    case 'cpuCores':
      return { replicas, metric: sum(cpu) / measured };
    case 'memBytes':
      return { replicas, metric: sum(mem) / measured };
    case 'cpuPercentOfLimit': {
      const limit = (r: Row) => n(parse<{ cpuLimitCores?: number | null }>(r.security, {}).cpuLimitCores ?? null);
      const missing = fresh.find((r) => !limit(r));
      if (missing) return { replicas, metric: null, why: `container ${missing.name} has no CPU limit` };
      return { replicas, metric: (sum(cpu) / sum(limit)) * 100 };
    }
    case 'memPercentOfLimit': {
      const limit = (r: Row) => n(r.mem_limit_bytes);
      const missing = fresh.find((r) => !limit(r));
      if (missing) return { replicas, metric: null, why: `container ${missing.name} has no memory limit` };
      return { replicas, metric: (sum(mem) / sum(limit)) * 100 };
    }
  }
}

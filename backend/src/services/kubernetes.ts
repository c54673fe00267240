import type { api } from '@fleetlens/protocol';
import * as ids from '../db/ids';
import { NotFoundError, type QueryContext } from './context';
import { applyScope, narrow, type Scope } from './scope';
import { containerJoins, nodeIsSilent, num0 } from './shapes';

type Row = Record<string, unknown>;

interface PodAcc extends api.PodRow {
  states: string[];
  exitCodes: (number | null)[];
}

const zeroUsage = (): api.GroupUsage => ({
  cpuCores: 0,
  memBytes: 0,
  netRxBps: 0,
  netTxBps: 0,
  diskReadBps: 0,
  diskWriteBps: 0,
});

function addUsage(u: api.GroupUsage, v: api.GroupUsage) {
  for (const k of Object.keys(u) as (keyof api.GroupUsage)[]) u[k] += v[k];
}

function phase(p: PodAcc): api.PodRow['phase'] {
  if (p.states.every((s) => s === 'running')) return 'running';
  if (p.states.some((s) => s === 'restarting' || s === 'created')) return 'pending';
  if (p.states.every((s) => s === 'exited')) return p.exitCodes.every((c) => c === 0) ? 'succeeded' : 'failed';
  if (p.states.some((s) => s === 'running')) return 'running';
  return 'unknown';
}

/** Namespaces, workloads and pods, built from the containers' Kubernetes fields and the cluster agent's workloads. */
export class KubernetesQueries {
  constructor(private readonly ctx: QueryContext) {}

  /** Pods (grouped containers) within scope and filters, with summed current usage of running containers. */
  async pods(scope: Scope, q: api.K8sListQuery): Promise<api.PodListReply> {
    const now = this.ctx.now();
    const k = this.ctx.db.knex;
    const rows: Row[] = await applyScope(
      containerJoins(k)
        .whereNotNull('c.pod_uid')
        .whereNull('c.gone_at')
        .select(
          'c.pod_uid',
          'c.pod',
          'c.namespace',
          'c.cluster_id',
          'c.state',
          'c.exit_code',
          'c.restart_count',
          'c.workload_kind',
          'c.workload_name',
          'n.id as node_id',
          'n.name as node_name',
          'n.last_seen',
          'cl.name as cluster_name',
          'l.ts as sample_ts',
          'l.cpu_cores',
          'l.mem_bytes',
          'l.net_rx_bps',
          'l.net_tx_bps',
          'l.disk_read_bps',
          'l.disk_write_bps'
        ),
      narrow(scope, { clusters: q.cluster ?? undefined, namespaces: q.namespace ?? undefined }),
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    );
    const pods = new Map<string, PodAcc>();
    for (const r of rows) {
      const uid = String(r.pod_uid);
      let p = pods.get(uid);
      if (!p) {
        p = {
          uid,
          name: String(r.pod),
          namespace: String(r.namespace),
          clusterId: String(r.cluster_id),
          clusterName: String(r.cluster_name),
          nodeId: String(r.node_id),
          nodeName: String(r.node_name),
          workloadKind: (r.workload_kind as api.PodRow['workloadKind']) ?? null,
          workloadName: (r.workload_name as string) ?? null,
          containers: 0,
          runningContainers: 0,
          restarts: 0,
          phase: 'unknown',
          usage: zeroUsage(),
          states: [],
          exitCodes: [],
        };
        pods.set(uid, p);
      }
      p.containers++;
      // A silent node's containers are in no known state: its pods' phase is unknown, none running.
      const state = nodeIsSilent(r, now, this.ctx.staleAfter) ? 'unknown' : String(r.state);
      p.states.push(state);
      p.exitCodes.push(r.exit_code === null ? null : Number(r.exit_code));
      p.restarts += num0(r.restart_count);
      const live = state === 'running' && r.sample_ts !== null && now - Number(r.sample_ts) <= this.ctx.staleAfter;
      if (state === 'running') p.runningContainers++;
      if (live)
        addUsage(p.usage, {
          cpuCores: num0(r.cpu_cores),
          memBytes: num0(r.mem_bytes),
          netRxBps: num0(r.net_rx_bps),
          netTxBps: num0(r.net_tx_bps),
          diskReadBps: num0(r.disk_read_bps),
          diskWriteBps: num0(r.disk_write_bps),
        });
    }
    const items = [...pods.values()].map(({ states: _s, exitCodes: _e, ...p }) => ({
      ...p,
      phase: phase({ ...p, states: _s, exitCodes: _e }),
    }));
    items.sort(
      (a, b) =>
        a.clusterName.localeCompare(b.clusterName) ||
        a.namespace.localeCompare(b.namespace) ||
        a.name.localeCompare(b.name)
    );
    return { items };
  }

  /** Workloads reported by cluster agents, plus any that only containers name, with pods and usage. */
  async workloads(scope: Scope, q: api.K8sListQuery): Promise<api.WorkloadListReply> {
    const s = narrow(scope, { clusters: q.cluster ?? undefined, namespaces: q.namespace ?? undefined });
    const k = this.ctx.db.knex;
    const stored: Row[] = await applyScope(
      k('workloads as w').join('clusters as cl', 'cl.id', 'w.cluster_id').select('w.*', 'cl.name as cluster_name'),
      s,
      { clusterName: 'cl.name', namespace: 'w.namespace' }
    );
    const { items: pods } = await this.pods(scope, q);
    const map = new Map<string, api.WorkloadRow>();
    for (const w of stored) {
      map.set(String(w.id), {
        id: String(w.id),
        clusterId: String(w.cluster_id),
        clusterName: String(w.cluster_name),
        namespace: String(w.namespace),
        kind: w.kind as api.WorkloadRow['kind'],
        name: String(w.name),
        desiredReplicas: w.desired_replicas === null ? null : Number(w.desired_replicas),
        readyReplicas: w.ready_replicas === null ? null : Number(w.ready_replicas),
        pods: 0,
        runningPods: 0,
        usage: zeroUsage(),
      });
    }
    for (const p of pods) {
      if (!p.workloadKind || !p.workloadName) continue;
      const id = ids.workloadId(p.clusterName, p.workloadKind, p.namespace, p.workloadName);
      let w = map.get(id);
      if (!w) {
        w = {
          id,
          clusterId: p.clusterId,
          clusterName: p.clusterName,
          namespace: p.namespace,
          kind: p.workloadKind,
          name: p.workloadName,
          desiredReplicas: null,
          readyReplicas: null,
          pods: 0,
          runningPods: 0,
          usage: zeroUsage(),
        };
        map.set(id, w);
      }
      w.pods++;
      if (p.phase === 'running') w.runningPods++;
      addUsage(w.usage, p.usage);
    }
    // With nodes restricted, a workload is visible only through its pods on those nodes.
    const items = [...map.values()]
      .filter((w) => s.nodes === null || w.pods > 0)
      .sort(
        (a, b) =>
          a.clusterName.localeCompare(b.clusterName) ||
          a.namespace.localeCompare(b.namespace) ||
          a.name.localeCompare(b.name)
      );
    return { items };
  }

  /** One workload with its pods. */
  async workload(scope: Scope, id: string): Promise<api.WorkloadDetailReply> {
    const { items } = await this.workloads(scope, {});
    const w = items.find((x) => x.id === id);
    if (!w) throw new NotFoundError(`workload ${id} not found`);
    const { items: pods } = await this.pods(scope, { cluster: [w.clusterName], namespace: [w.namespace] });
    return { ...w, pods: pods.filter((p) => p.workloadKind === w.kind && p.workloadName === w.name) };
  }

  /** Namespaces with workload, pod and container counts and summed usage. */
  async namespaces(scope: Scope, q: api.K8sListQuery): Promise<api.NamespaceListReply> {
    const [{ items: pods }, { items: workloads }] = await Promise.all([this.pods(scope, q), this.workloads(scope, q)]);
    const map = new Map<string, api.NamespaceRow>();
    const get = (clusterId: string, clusterName: string, name: string) => {
      const id = ids.namespaceId(clusterName, name);
      let n = map.get(id);
      if (!n) {
        n = {
          id,
          clusterId,
          clusterName,
          name,
          workloads: 0,
          pods: 0,
          runningPods: 0,
          containers: 0,
          usage: zeroUsage(),
        };
        map.set(id, n);
      }
      return n;
    };
    for (const p of pods) {
      const n = get(p.clusterId, p.clusterName, p.namespace);
      n.pods++;
      n.containers += p.containers;
      if (p.phase === 'running') n.runningPods++;
      addUsage(n.usage, p.usage);
    }
    for (const w of workloads) get(w.clusterId, w.clusterName, w.namespace).workloads++;
    return {
      items: [...map.values()].sort(
        (a, b) => a.clusterName.localeCompare(b.clusterName) || a.name.localeCompare(b.name)
      ),
    };
  }
}

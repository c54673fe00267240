import type { Event, NodeReport, WorkloadKind, WorkloadReport } from '@fleetlens/protocol';
import { type BatchParts, type Collector, toEpochSeconds } from '../types';
import { type KubeClient, KubeError, parseQuantity } from './client';
import { kubeEventCategory } from './event-category';
import { NetworkPolicyReporter } from './network-policies';
import { nodeRole, nodeStatus } from './node';
import type { KubeEvent, List, Node, Workload } from './types';

const WORKLOADS: Array<{ kind: WorkloadKind; path: string }> = [
  { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets' },
  { kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets' },
  { kind: 'Job', path: '/apis/batch/v1/jobs' },
  { kind: 'CronJob', path: '/apis/batch/v1/cronjobs' },
];

/** Desired and ready replicas the way `kubectl get` shows them for each kind. */
export function replicas(kind: WorkloadKind, w: Workload): { desired: number | null; ready: number | null } {
  const s = w.status ?? {};
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return { desired: w.spec?.replicas ?? 1, ready: s.readyReplicas ?? 0 };
    case 'DaemonSet':
      return { desired: s.desiredNumberScheduled ?? 0, ready: s.numberReady ?? 0 };
    case 'Job':
      return { desired: w.spec?.parallelism ?? 1, ready: s.ready ?? (typeof s.active === 'number' ? s.active : 0) };
    case 'CronJob':
      return { desired: null, ready: Array.isArray(s.active) ? s.active.length : 0 };
    default:
      return { desired: null, ready: null };
  }
}

function epochOf(e: KubeEvent): number {
  const iso = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? toEpochSeconds(ms) : toEpochSeconds(Date.now());
}

/**
 * Maps a core/v1 Event to the wire Event; warning crash loops, OOM kills and pods refused by Pod
 * Security admission get the `security` category (./event-category.ts).
 */
export function toWireEvent(e: KubeEvent): Event {
  const obj = e.involvedObject ?? {};
  const type = e.type === 'Warning' ? 'warning' : 'normal';
  const reason = (e.reason || 'Unknown').slice(0, 128);
  const message = (e.message ?? '').slice(0, 4096);
  const category = kubeEventCategory('kubernetes', type, reason, message);
  return {
    ts: epochOf(e),
    source: 'kubernetes',
    type,
    reason,
    message,
    objectKind: (obj.kind || 'Unknown').slice(0, 64),
    objectName: (obj.name || e.metadata.name).slice(0, 512),
    namespace: obj.namespace || e.metadata.namespace || null,
    nodeName: obj.kind === 'Node' ? (obj.name ?? null) : (e.source?.host ?? null),
    containerId: null,
    exitCode: null,
    count: Math.max(1, e.series?.count ?? e.count ?? 1),
    ...(category ? { category } : {}),
  };
}

/**
 * Cluster mode: node conditions, roles and capacity; workloads with desired and ready replicas;
 * and cluster events from a WATCH (resumed from the last resourceVersion, re-listed on 410 Gone).
 */
export class KubeClusterCollector implements Collector {
  readonly name = 'kubernetes-cluster';
  private events: Event[] = [];
  private resourceVersion: string | null = null;
  private abort = new AbortController();
  private watching: Promise<void> | null = null;
  /** Watch (re)connections, for health and tests. */
  watchConnects = 0;
  /** NetworkPolicies, sent when they change (issue 15). */
  readonly policies: NetworkPolicyReporter;

  constructor(
    private readonly api: KubeClient,
    private readonly retryMs = 2000
  ) {
    this.policies = new NetworkPolicyReporter(api);
  }

  async start(): Promise<void> {
    this.watching = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.watching;
  }

  private async watchLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === null) {
          // Start from "now": the list only provides the resourceVersion; old events are history.
          const list = await this.api.get<List<KubeEvent>>('/api/v1/events?limit=1');
          this.resourceVersion = list.metadata?.resourceVersion ?? '0';
        }
        this.watchConnects++;
        await this.api.watch(
          `/api/v1/events?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.resourceVersion)}`,
          (ev) => {
            const obj = ev.object as KubeEvent & { code?: number };
            if (ev.type === 'ERROR') {
              if (obj.code === 410) this.resourceVersion = null; // too old: list again
              return;
            }
            if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.events.push(toWireEvent(obj));
          },
          this.abort.signal
        );
      } catch (e) {
        if (e instanceof KubeError && e.status === 410) this.resourceVersion = null;
        if (this.abort.signal.aborted) break;
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }

  async collect(now: number): Promise<BatchParts> {
    const ts = toEpochSeconds(now);
    const [nodes, networkPolicies, ...lists] = await Promise.all([
      this.api.get<List<Node>>('/api/v1/nodes'),
      this.policies.collect(now),
      ...WORKLOADS.map((w) => this.api.get<List<Workload>>(w.path).catch(() => ({ items: [] }) as List<Workload>)),
    ]);
    const nodeReports: NodeReport[] = nodes.items.map((n) => ({
      name: n.metadata.name,
      role: nodeRole(n.metadata.labels),
      os: (n.status.nodeInfo?.osImage ?? '').slice(0, 256),
      kernel: (n.status.nodeInfo?.kernelVersion ?? '').slice(0, 256),
      arch: (n.status.nodeInfo?.architecture ?? '').slice(0, 32),
      cores: parseQuantity(n.status.capacity?.cpu) || 1,
      memoryBytes: Math.round(parseQuantity(n.status.capacity?.memory) ?? 0),
      bootTime: null,
      status: nodeStatus(n),
      labels: n.metadata.labels ?? {},
      samples: [],
    }));
    const workloads: WorkloadReport[] = [];
    WORKLOADS.forEach((w, i) => {
      for (const item of lists[i].items) {
        const r = replicas(w.kind, item);
        workloads.push({
          kind: w.kind,
          namespace: item.metadata.namespace ?? 'default',
          name: item.metadata.name,
          desiredReplicas: r.desired,
          readyReplicas: r.ready,
          labels: item.metadata.labels ?? {},
          ts,
        });
      }
    });
    const events = this.events;
    this.events = [];
    return { nodes: nodeReports, workloads, events, ...(networkPolicies ? { networkPolicies } : {}) };
  }
}

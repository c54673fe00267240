import type { ContainerReport, ContainerState, Event, KubernetesRef, LogLine, WorkloadKind } from '@fleetlens/protocol';
import { type BatchParts, type Collector, counterRate, toEpochSeconds } from '../types';
import { type KubeClient, parseQuantity } from './client';
import type { ContainerStatus, List, Node, ObjectMeta, Pod, Summary } from './types';
import { PodLogTailer } from './podlogs';
import { KubeOomTracker } from './oom';
import { KubeCgroups, type KubeCgroupReading } from './cgroup';
import { podContainerSecurity } from './security';
import { type PodFacts, type ServiceHooks, trackPodAccessLogs, updatePodProbes } from '../../services/hooks';

/** Node metadata the host collector reports (role, readiness, labels) as Kubernetes sees it. */
export interface NodeMeta {
  role?: string;
  status?: 'ready' | 'not_ready' | 'unknown';
  labels?: Record<string, string>;
  /**
   * Used, available (null when the kubelet leaves it out) and total bytes of the node's
   * filesystems as the kubelet sees them (nodefs, plus imagefs when it is another filesystem);
   * null when the summary could not be read. The node agent on Kubernetes mounts no host root, so
   * it cannot statfs the host's mounts itself.
   */
  fs?: { used: number; avail: number | null; total: number } | null;
}

/** nodefs + imagefs (when on another filesystem) from the summary's node section. */
export function kubeletFilesystems(summary: Summary): { used: number; avail: number | null; total: number } | null {
  const fss = [summary.node?.fs, summary.node?.runtime?.imageFs].filter(
    (f): f is { capacityBytes: number; usedBytes: number; availableBytes?: number } =>
      typeof f?.capacityBytes === 'number' && typeof f.usedBytes === 'number'
  );
  if (!fss.length) return null;
  // imagefs on the nodefs filesystem (the usual case) reports the same capacity and free space.
  const distinct = fss.filter(
    (f, i) =>
      i === 0 || f.capacityBytes !== fss[0].capacityBytes || (f.availableBytes ?? -1) !== (fss[0].availableBytes ?? -1)
  );
  return {
    used: distinct.reduce((a, f) => a + f.usedBytes, 0),
    // cadvisor's availableBytes is statfs f_bavail, as df's Avail.
    avail: distinct.every((f) => typeof f.availableBytes === 'number')
      ? distinct.reduce((a, f) => a + f.availableBytes!, 0)
      : null,
    total: distinct.reduce((a, f) => a + f.capacityBytes, 0),
  };
}

/** Role from the node-role.kubernetes.io/<role> labels, "worker" when none. */
export function nodeRole(labels: Record<string, string> = {}): string {
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',').slice(0, 64) : 'worker';
}

/** ready / not_ready / unknown from the node's Ready condition. */
export function nodeStatus(node: Node): 'ready' | 'not_ready' | 'unknown' {
  const c = node.status.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True' ? 'ready' : c?.status === 'False' ? 'not_ready' : 'unknown';
}

function epoch(iso?: string): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? toEpochSeconds(ms) : null;
}

/** "containerd://abc…" → "abc…": the runtime id, the same id the runtime itself reports. */
export function runtimeId(containerID: string | undefined): string | null {
  if (!containerID) return null;
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

function containerState(s: ContainerStatus): {
  state: ContainerState;
  exitCode: number | null;
  startedAt: string | undefined;
  statusText: string;
} {
  if (s.state?.running)
    return { state: 'running', exitCode: null, startedAt: s.state.running.startedAt, statusText: 'Running' };
  if (s.state?.terminated) {
    const t = s.state.terminated;
    return {
      state: 'exited',
      exitCode: t.exitCode ?? null,
      startedAt: t.startedAt,
      statusText: t.reason ?? 'Terminated',
    };
  }
  const reason = s.state?.waiting?.reason ?? 'Waiting';
  return {
    state: reason === 'CrashLoopBackOff' ? 'restarting' : 'created',
    exitCode: null,
    startedAt: undefined,
    statusText: reason,
  };
}

type ContainerSpec = Pod['spec']['containers'][number];

/**
 * Every container of a pod that runs as a container of its own: the regular ones
 * (status.containerStatuses), native sidecars, i.e. init containers with restartPolicy Always
 * that keep running beside them (status.initContainerStatuses; KEP-753, Kubernetes 1.28+), and
 * ephemeral debug containers (status.ephemeralContainerStatuses, `kubectl debug`). Init containers
 * that run to completion before the pod starts are not reported.
 */
export function podContainers(
  pod: Pod
): Array<{ status: ContainerStatus; kind: 'container' | 'sidecar' | 'ephemeral'; spec: ContainerSpec | undefined }> {
  const out: Array<{
    status: ContainerStatus;
    kind: 'container' | 'sidecar' | 'ephemeral';
    spec: ContainerSpec | undefined;
  }> = [];
  for (const status of pod.status.containerStatuses ?? [])
    out.push({ status, kind: 'container', spec: pod.spec.containers.find((c) => c.name === status.name) });
  for (const status of pod.status.initContainerStatuses ?? []) {
    const spec = pod.spec.initContainers?.find((c) => c.name === status.name);
    if (spec?.restartPolicy === 'Always') out.push({ status, kind: 'sidecar', spec });
  }
  for (const status of pod.status.ephemeralContainerStatuses ?? [])
    out.push({ status, kind: 'ephemeral', spec: pod.spec.ephemeralContainers?.find((c) => c.name === status.name) });
  return out;
}

/** One `oom` event per kill the container's cgroup counter counted at this reading (`ts` epoch seconds). */
function cgroupOomEvents(
  cg: KubeCgroupReading,
  id: string,
  name: string,
  namespace: string,
  nodeName: string,
  ts: number
): Event[] {
  return Array.from({ length: cg.newKills }, () => ({
    ts,
    source: 'kubernetes' as const,
    type: 'warning' as const,
    reason: 'oom',
    message: `OOM kill in container instance ${id.slice(0, 12)}: cgroup oom_kill now ${cg.usage.oomKills ?? '?'}`,
    objectKind: 'container' as const,
    objectName: name,
    namespace,
    nodeName,
    containerId: id,
    exitCode: null,
    count: 1,
  }));
}

/** Caches owner lookups (ReplicaSet → Deployment, Job → CronJob) for a few minutes. */
class OwnerResolver {
  private readonly cache = new Map<string, { at: number; owner: { kind: WorkloadKind; name: string } | null }>();

  constructor(private readonly api: KubeClient) {}

  async workloadOf(meta: ObjectMeta): Promise<{ kind: WorkloadKind; name: string } | null> {
    const ref = meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
    if (!ref) return null;
    const ns = meta.namespace ?? 'default';
    if (ref.kind === 'ReplicaSet')
      return (
        (await this.parent(`/apis/apps/v1/namespaces/${ns}/replicasets/${ref.name}`, 'Deployment')) ?? {
          kind: 'ReplicaSet',
          name: ref.name,
        }
      );
    if (ref.kind === 'Job')
      return (
        (await this.parent(`/apis/batch/v1/namespaces/${ns}/jobs/${ref.name}`, 'CronJob')) ?? {
          kind: 'Job',
          name: ref.name,
        }
      );
    if (ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet' || ref.kind === 'Deployment' || ref.kind === 'CronJob') {
      return { kind: ref.kind, name: ref.name };
    }
    return null;
  }

  private async parent(
    path: string,
    kind: 'Deployment' | 'CronJob'
  ): Promise<{ kind: WorkloadKind; name: string } | null> {
    const hit = this.cache.get(path);
    if (hit && Date.now() - hit.at < 300_000) return hit.owner;
    let owner: { kind: WorkloadKind; name: string } | null = null;
    try {
      const obj = await this.api.get<{ metadata: ObjectMeta }>(path);
      const ref = obj.metadata.ownerReferences?.find((o) => o.kind === kind);
      owner = ref ? { kind, name: ref.name } : null;
    } catch {
      owner = null; // deleted meanwhile or not allowed: fall back to the direct owner
    }
    this.cache.set(path, { at: Date.now(), owner });
    return owner;
  }
}

export interface KubeNodeCollectorOptions {
  nodeName: string;
  api: KubeClient;
  /** The kubelet (https://<node-ip>:10250), or null to go through the API server's node proxy. */
  kubelet: KubeClient | null;
  /** Filled each cycle with this node's role/readiness/labels for the host collector. */
  nodeMeta?: NodeMeta;
  /** Container logs from the node's /var/log/pods; none when null. */
  logs?: PodLogTailer | null;
  /** Where a failing kubelet summary is reported; the agent's stderr by default. */
  log?: (msg: string) => void;
  /**
   * The host's cgroup hierarchy as mounted in the agent (FLEETLENS_HOST_CGROUP), for memory parts,
   * CPU throttling and OOM kill counts per container; none read when absent.
   */
  cgroupRoot?: string | null;
  /** The host's /proc (HOST_PROC), for the cgroup reader; "/proc" by default. */
  hostProc?: string;
}

/** Node.js codes for a server certificate that did not verify. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface Prev {
  at: number;
  cpuNs: number | null;
  /** The container's startTime in the summary: another instance (a restart) restarts its counters. */
  start: string | null;
  rx: number | null;
  tx: number | null;
}

/** One container's readings from the summary; null where the kubelet has none. */
interface Usage {
  cpuNs: number | null;
  mem: number | null;
  start: string | null;
  rx: number | null;
  tx: number | null;
  podContainers: number;
}

/**
 * Node mode on Kubernetes: the pods of this node (field selector), their containers mapped to
 * namespace, pod and owning workload, with CPU, working-set memory and pod network from the
 * kubelet summary API. Block I/O is not in the summary and is reported as unknown.
 */
export class KubeNodeCollector implements Collector {
  readonly name = 'kubernetes-node';
  private readonly owners: OwnerResolver;
  private readonly prev = new Map<string, Prev>();
  /** Containers present at agent start: their logs start at the end of the file, not its beginning. */
  private preexisting: Set<string> | null = null;
  /** The last kubelet summary failure logged, so that a lasting one is logged once, not every cycle. */
  private summaryFailure: string | null = null;
  /** OOMKilled terminations already reported (issue 12). */
  private readonly oom = new KubeOomTracker();
  /** Per-container cgroup reads (issue 12), null without a configured cgroup root. */
  private readonly cgroups: KubeCgroups | null;
  /** Service health (issue 16): discovered probes and access-log counts; none until useServices. */
  private services: ServiceHooks | null = null;

  constructor(private readonly opts: KubeNodeCollectorOptions) {
    this.owners = new OwnerResolver(opts.api);
    this.cgroups = opts.cgroupRoot
      ? new KubeCgroups(opts.cgroupRoot, opts.hostProc ?? '/proc', opts.log ?? ((m: string) => console.error(m)))
      : null;
  }

  /** Hands pod-annotation probes to the probe runner and the pods' log lines to the access-log counter. */
  useServices(hooks: ServiceHooks): void {
    this.services = hooks;
    const stats = hooks.accessLogs;
    // Every line read, also those over the per-cycle cap: request counts must be complete.
    if (this.opts.logs && stats) this.opts.logs.onLines = (id, texts) => stats.observe(id, texts);
  }

  /** Where container figures come from (agent status), e.g. "kubelet summary + cgroup v2". */
  containerUsage(): string {
    return this.cgroups ? this.cgroups.usageSource() : 'kubelet summary';
  }

  async start(now: number): Promise<void> {
    this.cgroups?.start(now);
    await this.refreshNodeMeta().catch(() => undefined);
    const pods = await this.listPods().catch(() => null);
    this.preexisting = new Set(
      (pods?.items ?? []).flatMap((p) => podContainers(p).map(({ status }) => runtimeId(status.containerID) ?? ''))
    );
    this.oom.baseline((pods?.items ?? []).flatMap((p) => podContainers(p).map(({ status }) => status)));
    // Baseline cgroup readings, so that the first cycle already has throttling and counts kills since now.
    for (const p of pods?.items ?? [])
      for (const { status } of podContainers(p)) {
        const id = runtimeId(status.containerID);
        const st = containerState(status);
        if (this.cgroups && id && st.state === 'running')
          this.cgroups.read(
            id,
            p.metadata.uid ?? p.metadata.name,
            `${p.metadata.name}/${status.name}`,
            epoch(st.startedAt),
            now
          );
      }
    const summary = await this.summaryOrNull();
    if (summary) this.remember(summary, now);
  }

  async stop(): Promise<void> {
    await this.opts.logs?.save();
  }

  async commit(): Promise<void> {
    await this.opts.logs?.save();
  }

  private listPods(): Promise<List<Pod>> {
    const field = encodeURIComponent(`spec.nodeName=${this.opts.nodeName}`);
    return this.opts.api.get<List<Pod>>(`/api/v1/pods?fieldSelector=${field}`);
  }

  private async refreshNodeMeta(): Promise<void> {
    if (!this.opts.nodeMeta) return;
    const node = await this.opts.api.get<Node>(`/api/v1/nodes/${encodeURIComponent(this.opts.nodeName)}`);
    this.opts.nodeMeta.role = nodeRole(node.metadata.labels);
    this.opts.nodeMeta.status = nodeStatus(node);
    this.opts.nodeMeta.labels = node.metadata.labels ?? {};
  }

  private summary(): Promise<Summary> {
    return this.opts.kubelet
      ? this.opts.kubelet.get<Summary>('/stats/summary')
      : this.opts.api.get<Summary>(`/api/v1/nodes/${encodeURIComponent(this.opts.nodeName)}/proxy/stats/summary`);
  }

  /**
   * The summary, or null when the kubelet cannot be read: the pods are still reported, without
   * usage. The failure is logged when it starts or changes, and the recovery once.
   */
  private async summaryOrNull(): Promise<Summary | null> {
    const log = this.opts.log ?? ((m: string) => console.error(m));
    try {
      const summary = await this.summary();
      if (this.summaryFailure !== null) log('fleetlens-agent: kubelet summary readable again');
      this.summaryFailure = null;
      return summary;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.message !== this.summaryFailure) {
        this.summaryFailure = err.message;
        const hint =
          this.opts.kubelet && err.code && TLS_VERIFY_CODES.has(err.code)
            ? ' (the kubelet serving certificate did not verify against the cluster CA for the kubelet URL;' +
              ' kubelets often use self-signed certificates: FLEETLENS_KUBELET_INSECURE_TLS=true skips the check,' +
              " like metrics-server's --kubelet-insecure-tls)"
            : '';
        log(
          `fleetlens-agent: kubelet summary failed, containers have no CPU, memory or network samples: ${err.message}${hint}`
        );
      }
      return null;
    }
  }

  private key(ns: string, pod: string, container: string): string {
    return `${ns}/${pod}/${container}`;
  }

  private remember(summary: Summary, at: number): Map<string, Usage> {
    const out = new Map<string, Usage>();
    for (const p of summary.pods ?? []) {
      for (const c of p.containers ?? []) {
        const k = this.key(p.podRef.namespace, p.podRef.name, c.name);
        // For a container the runtime has no stats for (yet), the kubelet's summary provider writes
        // zero placeholders, not readings (pkg/kubelet/stats/cri_stats_provider.go,
        // makeContainerStats: UsageCoreNanoSeconds = 0, UsageNanoCores = 0, WorkingSetBytes = 0).
        // A running container has used some CPU since it started and has a working set above
        // zero, so 0 here means "no data": no memory sample of 0, and no rate from a 0 counter.
        const cpuNs = c.cpu?.usageCoreNanoSeconds;
        const mem = c.memory?.workingSetBytes;
        out.set(k, {
          cpuNs: cpuNs ? cpuNs : null,
          mem: mem ? mem : null,
          start: c.startTime ?? null,
          rx: p.network?.rxBytes ?? null,
          tx: p.network?.txBytes ?? null,
          podContainers: p.containers?.length ?? 0,
        });
      }
    }
    for (const [k, v] of out) this.prev.set(k, { at, cpuNs: v.cpuNs, start: v.start, rx: v.rx, tx: v.tx });
    for (const k of this.prev.keys()) if (!out.has(k)) this.prev.delete(k);
    return out;
  }

  async collect(now: number): Promise<BatchParts> {
    const [pods, summary] = await Promise.all([
      this.listPods(),
      this.summaryOrNull(),
      this.refreshNodeMeta().catch(() => undefined),
    ]);
    if (this.opts.nodeMeta) this.opts.nodeMeta.fs = summary ? kubeletFilesystems(summary) : null;
    const before = new Map(this.prev);
    const usage = summary ? this.remember(summary, now) : new Map<string, Usage>();
    const ts = toEpochSeconds(now);
    const containers: ContainerReport[] = [];
    const logs: LogLine[] = [];
    const logTasks: Array<Promise<void>> = [];
    const logDirs = new Set<string>();
    const events: Event[] = [];
    const statuses: ContainerStatus[] = [];
    // Runtime ids whose cgroup state is kept: current containers and the instance before a restart.
    const instances = new Set<string>();
    this.cgroups?.beginCycle();
    const servicePods: Array<{ pod: PodFacts; ref: KubernetesRef }> = [];
    for (const pod of pods.items) {
      const workload = await this.owners.workloadOf(pod.metadata);
      const ref: KubernetesRef = {
        namespace: pod.metadata.namespace ?? 'default',
        pod: pod.metadata.name,
        podUid: pod.metadata.uid ?? pod.metadata.name,
        workloadKind: workload?.kind ?? null,
        workloadName: workload?.name ?? null,
      };
      if (this.services) {
        servicePods.push({ pod: pod as PodFacts, ref });
        const ids = podContainers(pod)
          .map(({ status }) => runtimeId(status.containerID))
          .filter((id): id is string => !!id);
        trackPodAccessLogs(this.services, pod as PodFacts, ref, ids);
      }
      for (const { status: cs, kind, spec } of podContainers(pod)) {
        const id = runtimeId(cs.containerID);
        if (!id) continue; // not created yet
        if (this.opts.logs) {
          const fromStart = this.preexisting !== null && !this.preexisting.has(id);
          const logRef = { namespace: ref.namespace, pod: ref.pod, podUid: ref.podUid, container: cs.name };
          logDirs.add(PodLogTailer.key(logRef));
          logTasks.push(
            this.opts.logs
              .fetch(
                logRef,
                {
                  id,
                  restartCount: cs.restartCount ?? 0,
                  previousId: runtimeId(cs.lastState?.terminated?.containerID),
                },
                fromStart
              )
              .then((l) => void logs.push(...l))
              .catch(() => undefined)
          );
        }
        const st = containerState(cs);
        statuses.push(cs);
        instances.add(id);
        const previous = runtimeId(cs.lastState?.terminated?.containerID);
        if (previous) instances.add(previous);
        const name = `${ref.pod}/${cs.name}`.slice(0, 512);
        // The cgroup first: a termination in this same status may be the kill its counter just counted.
        let cg: KubeCgroupReading | null = null;
        if (this.cgroups && st.state === 'running') {
          cg = this.cgroups.read(id, ref.podUid, name, epoch(st.startedAt), now);
          if (cg?.newKills) events.push(...cgroupOomEvents(cg, id, name, ref.namespace, this.opts.nodeName, ts));
        }
        events.push(
          ...this.oom.observe(
            cs,
            { namespace: ref.namespace, pod: ref.pod, container: cs.name, nodeName: this.opts.nodeName, runtimeId: id },
            ts,
            this.cgroups ? (instance, finishedAt) => this.cgroups!.oom.claim(instance, finishedAt) : undefined
          )
        );
        const k = this.key(ref.namespace, ref.pod, cs.name);
        const u = usage.get(k);
        const p = before.get(k);
        const secs = p ? (now - p.at) / 1000 : 0;
        const sameInstance = !!p && !!u && p.start === u.start;
        const cpuRate = sameInstance ? counterRate(p?.cpuNs, u?.cpuNs, secs) : null;
        const limit = spec?.resources?.limits?.memory;
        // Containers of a pod share one network namespace: its traffic can only be attributed
        // to a container when it is the pod's only one.
        const ownNet = !pod.spec.hostNetwork && u?.podContainers === 1;
        containers.push({
          id,
          nodeName: this.opts.nodeName,
          name,
          image: (cs.image ?? '').slice(0, 1024),
          state: st.state,
          health:
            cs.ready === undefined ? 'none' : cs.ready ? 'healthy' : st.state === 'running' ? 'unhealthy' : 'none',
          statusText: st.statusText.slice(0, 512),
          createdAt: epoch(pod.metadata.creationTimestamp),
          startedAt: epoch(st.startedAt),
          exitCode: st.exitCode,
          oomKilled: cs.state?.terminated?.reason === 'OOMKilled' || cs.lastState?.terminated?.reason === 'OOMKilled',
          restartCount: cs.restartCount ?? 0,
          hostNetwork: !!pod.spec.hostNetwork,
          labels: pod.metadata.labels ?? {},
          kubernetes: kind === 'container' ? ref : { ...ref, containerKind: kind },
          samples:
            st.state === 'running' && ((u && (u.cpuNs !== null || u.mem !== null)) || cg)
              ? [
                  {
                    ts,
                    cpuCores: cpuRate === null ? null : cpuRate / 1e9,
                    // From the cgroup when read, so that the working set and its parts are one reading.
                    memBytes: cg?.usage.memWorkingSet ?? u?.mem ?? null,
                    memLimitBytes: parseQuantity(limit),
                    netRxBps: ownNet ? counterRate(p?.rx, u?.rx, secs) : null,
                    netTxBps: ownNet ? counterRate(p?.tx, u?.tx, secs) : null,
                    diskReadBps: null,
                    diskWriteBps: null,
                    pids: null,
                    ...(cg ? cg.fields : {}),
                  },
                ]
              : [],
          security: podContainerSecurity(pod, spec),
        });
      }
    }
    if (this.services) updatePodProbes(this.services, servicePods);
    await Promise.all(logTasks);
    this.opts.logs?.retain(logDirs);
    const stats = this.services?.accessLogs;
    const requestStats = stats?.take(now) ?? [];
    stats?.retain(new Set(containers.map((c) => c.id)));
    this.oom.retain(statuses);
    this.cgroups?.endCycle(instances);
    return {
      containers,
      inventories: [{ nodeName: this.opts.nodeName, ts, containerIds: containers.map((c) => c.id) }],
      logs,
      events,
      requestStats,
    };
  }
}

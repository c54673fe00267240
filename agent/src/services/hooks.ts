import type { ContainerInspectInfo } from '../collectors/docker/engine';
import type { KubernetesRef } from '@fleetlens/protocol';
import { ACCESS_LOG_ANNOTATION, ACCESS_LOG_LABEL, type AccessLogStats } from './access-log/stats';
import { type OnceLog, discoverProbe, dockerProbeSettings, podProbeSettings } from './discovery';
import { dockerService, podService } from './identity';
import type { ProbeTarget, ProbeTargetSink } from './target';

/**
 * What the runtime collectors (Docker, Kubernetes node) are handed for service health: where to
 * put the probes they discover, and the access-log counter their log tailers feed. Either may be
 * absent (probes or access logs turned off). The collectors never call the probe runner's
 * internals, and the runner never calls Docker or the API server.
 */
export interface ServiceHooks {
  probes: ProbeTargetSink | null;
  accessLogs: AccessLogStats | null;
  once: OnceLog;
}

/** The IP `{ip}` stands for: 127.0.0.1 for a host-network container, else its first network's address. */
export function dockerIp(i: ContainerInspectInfo): string | null {
  if (i.HostConfig?.NetworkMode === 'host') return '127.0.0.1';
  for (const n of Object.values(i.NetworkSettings?.Networks ?? {})) if (n?.IPAddress) return n.IPAddress;
  return i.NetworkSettings?.IPAddress || null;
}

/**
 * Hands the services layer this cycle's Docker containers: the probes of the running ones'
 * `fleetlens.probe.*` labels (the whole Docker set, replacing the previous one) and each running
 * container's service and access-log mode.
 */
export function updateDockerServices(hooks: ServiceHooks, containers: Iterable<ContainerInspectInfo>): void {
  const targets: ProbeTarget[] = [];
  const present = new Set<string>();
  for (const i of containers) {
    present.add(`ctr:${i.Id}`);
    present.add(`access-log:${i.Id}`);
    if (!i.State?.Running || i.State.Restarting) continue;
    const labels = i.Config?.Labels ?? {};
    const name = (i.Name ?? i.Id).replace(/^\//, '');
    const service = dockerService(labels, name);
    const where = `container ${name}`;
    if (hooks.probes) {
      const t = discoverProbe(
        dockerProbeSettings(labels),
        { source: 'docker-label', owner: `ctr:${i.Id}`, containerId: i.Id, service, ip: dockerIp(i) },
        where,
        hooks.once
      );
      if (t) targets.push(t);
    }
    if (hooks.accessLogs)
      hooks.accessLogs.track(i.Id, service, hooks.accessLogs.mode(labels[ACCESS_LOG_LABEL], i.Id, where));
  }
  hooks.probes?.setTargets('docker', targets);
  hooks.once.retain(present);
}

/** The fields of a pod the services layer reads beyond the collector's own (annotations, pod IP). */
export interface PodFacts {
  metadata: { uid?: string; name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status: { phase?: string; podIP?: string };
}

/**
 * Declares one running pod's containers to the access-log counter (their service and the pod's
 * `fleetlens.io/access-log` mode). Called before that pod's logs are read, so that a new
 * container's first lines are counted.
 */
export function trackPodAccessLogs(
  hooks: ServiceHooks,
  pod: PodFacts,
  ref: KubernetesRef,
  containerIds: string[]
): void {
  if (!hooks.accessLogs || pod.status.phase !== 'Running') return;
  const service = podService(ref, pod.metadata.labels, pod.metadata.annotations);
  const mode = hooks.accessLogs.mode(
    pod.metadata.annotations?.[ACCESS_LOG_ANNOTATION],
    ref.podUid,
    `pod ${ref.namespace}/${ref.pod}`
  );
  for (const id of containerIds) hooks.accessLogs.track(id, service, mode);
}

/**
 * Hands the probe runner this cycle's pod probes: those of running pods' `fleetlens.io/probe-*`
 * annotations (`{ip}` = the pod IP; one probe per pod, not per container), the whole Kubernetes set.
 */
export function updatePodProbes(hooks: ServiceHooks, pods: Array<{ pod: PodFacts; ref: KubernetesRef }>): void {
  const targets: ProbeTarget[] = [];
  const present = new Set<string>();
  for (const { pod, ref } of pods) {
    const owner = `pod:${ref.podUid}`;
    present.add(owner);
    present.add(`access-log:${ref.podUid}`);
    if (!hooks.probes || pod.status.phase !== 'Running') continue;
    const service = podService(ref, pod.metadata.labels, pod.metadata.annotations);
    const t = discoverProbe(
      podProbeSettings(pod.metadata.annotations),
      { source: 'pod-annotation', owner, containerId: null, service, ip: pod.status.podIP || null },
      `pod ${ref.namespace}/${ref.pod}`,
      hooks.once
    );
    if (t) targets.push(t);
  }
  hooks.probes?.setTargets('kubernetes', targets);
  hooks.once.retain(present);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JsonState } from '../../state';
import { PodLogTailer, type PodLogCursors } from './podlogs';
import type { AgentConfig } from '../../config';
import type { Collector } from '../types';
import { HostCollector } from '../host';
import { KubeClient, type KubeConnection, inClusterConnection, kubeconfigConnection } from './client';
import { KubeClusterCollector } from './cluster';
import { KubeNodeCollector, type NodeMeta } from './node';

export { KubeClient, KubeClusterCollector, KubeNodeCollector };

/** True when running in a pod (service account mounted) or a kubeconfig is configured. */
export function kubernetesDetected(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    !!config.kubeconfig ||
    (!!env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'))
  );
}

/** How this agent reaches the API server: its kubeconfig when one is set, else the in-cluster service account. */
export function apiConnection(config: AgentConfig): KubeConnection {
  return config.kubeconfig ? kubeconfigConnection(config.kubeconfig) : inClusterConnection();
}

/** The Kubernetes collectors for the configured mode (node: pods of this node; cluster: cluster-wide). */
export async function buildKubernetesCollectors(config: AgentConfig, nodeMeta?: NodeMeta): Promise<Collector[]> {
  const conn = apiConnection(config);
  const api = new KubeClient(conn, config.requestTimeoutSeconds * 1000);
  if (config.mode === 'cluster') return [new KubeClusterCollector(api)];
  const kubelet = config.kubeletUrl
    ? new KubeClient(
        { ...conn, server: config.kubeletUrl, insecure: config.kubeletInsecureTls },
        config.requestTimeoutSeconds * 1000
      )
    : null;
  const logs = config.logsEnabled
    ? new PodLogTailer(
        join(config.hostRoot, 'var/log/pods'),
        await JsonState.open<PodLogCursors>(join(config.stateDir, 'pod-log-cursors.json'), {}),
        config.logLinesPerCycle
      )
    : null;
  return [
    new KubeNodeCollector({
      nodeName: config.nodeName,
      api,
      kubelet,
      nodeMeta,
      logs,
      cgroupRoot: config.hostCgroup ?? join(config.hostSys, 'fs/cgroup'),
      hostProc: config.hostProc,
    }),
  ];
}

/**
 * Host collector whose role/readiness/labels follow the Node object (node mode on Kubernetes), and
 * whose filesystem figures are the kubelet's (nodefs + imagefs): the DaemonSet does not mount the
 * host's root (it would expose the runtime socket and other pods' volumes), so the host's mounts
 * cannot be measured from inside the pod. Unknown (null) while the kubelet summary is unreadable.
 */
export function hostWithNodeMeta(config: AgentConfig, meta: NodeMeta): Collector {
  const host = new HostCollector({
    nodeName: config.nodeName,
    hostProc: config.hostProc,
    hostSys: config.hostSys,
    hostRoot: config.hostRoot,
    meta,
  });
  return withKubeletFilesystems(host, meta);
}

/** Replaces a host collector's filesystem figures with the kubelet's (see hostWithNodeMeta). */
export function withKubeletFilesystems(host: Collector, meta: NodeMeta): Collector {
  return {
    name: host.name,
    start: (now) => host.start(now),
    stop: () => host.stop(),
    ...(host.commit ? { commit: () => host.commit!() } : {}),
    async collect(now) {
      const parts = await host.collect(now);
      for (const n of parts.nodes ?? [])
        for (const s of n.samples ?? []) {
          s.fsUsedBytes = meta.fs?.used ?? null;
          s.fsTotalBytes = meta.fs?.total ?? null;
          s.fsAvailBytes = meta.fs?.avail ?? null;
        }
      return parts;
    },
  };
}

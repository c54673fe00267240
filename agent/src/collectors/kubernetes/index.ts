import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JsonState } from '../../state';
import { PodLogTailer, type PodLogCursors } from './podlogs';
import type { AgentConfig } from '../../config';
import type { Collector } from '../types';
import { HostCollector } from '../host';
import { KubeClient, inClusterConnection, kubeconfigConnection } from './client';
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

/** The Kubernetes collectors for the configured mode (node: pods of this node; cluster: cluster-wide). */
export async function buildKubernetesCollectors(config: AgentConfig, nodeMeta?: NodeMeta): Promise<Collector[]> {
  const conn = config.kubeconfig ? kubeconfigConnection(config.kubeconfig) : inClusterConnection();
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
  return [new KubeNodeCollector({ nodeName: config.nodeName, api, kubelet, nodeMeta, logs })];
}

/** Host collector whose role/readiness/labels follow the Node object (node mode on Kubernetes). */
export function hostWithNodeMeta(config: AgentConfig, meta: NodeMeta): HostCollector {
  return new HostCollector({
    nodeName: config.nodeName,
    hostProc: config.hostProc,
    hostSys: config.hostSys,
    hostRoot: config.hostRoot,
    meta,
  });
}

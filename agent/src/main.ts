import { existsSync } from 'node:fs';
import { actionHandlersFor } from './actions';
import { Agent } from './agent';
import { type AgentConfig, ConfigError, loadConfig } from './config';
import { DockerCollector } from './collectors/docker';
import { HostCollector } from './collectors/host';
import type { Collector } from './collectors/types';
import { startHealthServer } from './health';
import { buildKubernetesCollectors, hostWithNodeMeta, kubernetesDetected } from './collectors/kubernetes';
import { KubeNodeCollector, type NodeMeta } from './collectors/kubernetes/node';
import { type Services, buildServices } from './services';

/** Picks the collectors: explicit list from config, or auto-detection of what this machine has. */
export async function buildCollectors(
  config: AgentConfig,
  services: Services = buildServices(config)
): Promise<{ collectors: Collector[]; kind: 'docker' | 'kubernetes' }> {
  let names: Array<'host' | 'docker' | 'kubernetes'>;
  if (config.collectors !== 'auto') names = config.collectors;
  else if (config.mode === 'cluster') names = ['kubernetes'];
  else if (kubernetesDetected(config)) names = ['host', 'kubernetes'];
  else if (existsSync(config.dockerSocket) && (await DockerCollector.available(config.dockerSocket)))
    names = ['host', 'docker'];
  else names = ['host'];

  const collectors: Collector[] = [];
  // On a Kubernetes node the host's role and readiness come from its Node object.
  const nodeMeta: NodeMeta | undefined = names.includes('kubernetes') ? {} : undefined;
  for (const name of names) {
    if (name === 'host' && nodeMeta) {
      collectors.push(hostWithNodeMeta(config, nodeMeta));
    } else if (name === 'host') {
      collectors.push(
        new HostCollector({
          nodeName: config.nodeName,
          hostProc: config.hostProc,
          hostSys: config.hostSys,
          hostRoot: config.hostRoot,
        })
      );
    } else if (name === 'docker') {
      collectors.push(
        new DockerCollector({
          nodeName: config.nodeName,
          socketPath: config.dockerSocket,
          hostProc: config.hostProc,
          hostSys: config.hostSys,
          hostRoot: config.hostRoot,
          stateDir: config.stateDir,
          logsEnabled: config.logsEnabled,
          logLinesPerCycle: config.logLinesPerCycle,
          services: services.hooks,
        })
      );
    } else {
      const kube = await buildKubernetesCollectors(config, nodeMeta);
      for (const k of kube) if (k instanceof KubeNodeCollector) k.useServices(services.hooks);
      collectors.push(...kube);
    }
  }
  // Probes run from node agents (from inside the node's network), not from the cluster agent.
  if (services.collector && config.mode === 'node') collectors.push(services.collector);
  const kind = config.clusterKind ?? (names.includes('kubernetes') ? 'kubernetes' : 'docker');
  return { collectors, kind };
}

/** Starts the agent from the environment (and FLEETLENS_CONFIG); exits non-zero on bad config. */
export async function main(): Promise<void> {
  let config: AgentConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const services = buildServices(config);
  const { collectors, kind } = await buildCollectors(config, services);
  const agent = new Agent({
    config,
    collectors,
    clusterKind: kind,
    onDefinedProbes: (p) => services.setDefined(p),
    actionHandlers: actionHandlersFor(config),
  });
  await agent.start();
  console.error(
    `fleetlens-agent: ${config.mode} mode, collectors ${collectors.map((c) => c.name).join(', ')}, every ${config.intervalSeconds}s → ${config.backendUrl}`
  );
  let health: { close(): Promise<void> } | null = null;
  if (config.healthPort !== undefined) {
    const intervalMs = config.intervalSeconds * 1000;
    health = await startHealthServer(
      config.healthPort,
      () => {
        const last = agent.lastCycleAt;
        const s = agent.lastStatus ?? {};
        return {
          // Healthy while cycles keep finishing; a stuck loop fails liveness. Backend outages do not.
          healthy: last === null ? true : Date.now() - last < Math.max(3 * intervalMs, 30_000),
          lastCycleAt: last === null ? null : Math.floor(last / 1000),
          lastError: agent.sender.lastError,
          ...s,
          lastPushAt: agent.sender.lastPushAt,
          spoolBatches: agent.spool.batches,
          spoolBytes: agent.spool.bytes,
        };
      },
      () => agent.cycles > 0
    );
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`fleetlens-agent: ${signal}, stopping`);
    await agent.stop();
    await health?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`fleetlens-agent: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}

import type { AgentConfig } from '../config';
import { KubeClient } from '../collectors/kubernetes/client';
import { apiConnection } from '../collectors/kubernetes';
import { composeHandlers } from './compose';
import type { ExecutorOptions } from './executor';
import { containerHandlers } from './docker-container';
import { kubernetesHandlers } from './kubernetes';
import { networkHandlers } from './networks';

/**
 * The action handlers of this agent, by mode: the container kinds, Compose scaling and networks
 * on a node agent's Docker engine; the Kubernetes API's kinds on the cluster agent (which has no
 * engine, so it reports none of the Docker kinds as its own). Each family is its own module.
 */
export function actionHandlersFor(config: AgentConfig): ExecutorOptions['handlers'] {
  if (config.mode === 'cluster') {
    // Opened on first use: a cluster agent without a reachable API server still starts (its
    // collector reports that), and an action then fails with the reason.
    let api: KubeClient | null = null;
    const client = () => (api ??= new KubeClient(apiConnection(config), config.requestTimeoutSeconds * 1000));
    return () => kubernetesHandlers(client);
  }
  return (engine) => ({ ...containerHandlers(engine), ...composeHandlers(engine), ...networkHandlers(engine) });
}

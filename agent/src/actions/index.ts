import type { AgentConfig } from '../config';
import type { ExecutorOptions } from './executor';
import { networkHandlers } from './networks';

/**
 * The action handlers of this agent beyond the container ones (which every node agent has), by
 * mode: Compose scaling and networks on a node agent's Docker engine, the Kubernetes API's kinds
 * on the cluster agent. Each family lives in its own module and is added here.
 */
export function actionHandlersFor(config: AgentConfig): ExecutorOptions['handlers'] {
  return (engine) => ({
    // Docker networks: node agents only (the cluster agent has no engine).
    ...(config.mode === 'node' ? networkHandlers(engine) : {}),
  });
}

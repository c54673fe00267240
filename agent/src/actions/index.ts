import type { AgentConfig } from '../config';
import { composeHandlers } from './compose';
import type { ExecutorOptions } from './executor';

/**
 * The action handlers of this agent beyond the container ones (which every node agent has), by
 * mode: Compose scaling and networks on a node agent's Docker engine, the Kubernetes API's kinds
 * on the cluster agent. Each family lives in its own module and is added here.
 */
export function actionHandlersFor(config: AgentConfig): ExecutorOptions['handlers'] {
  if (config.mode === 'node') return (engine) => ({ ...composeHandlers(engine) });
  return () => ({});
}

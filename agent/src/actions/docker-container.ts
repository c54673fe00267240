import type { ContainerAction } from '@fleetlens/protocol';
import type { DockerEngine } from '../collectors/docker/engine';
import type { ActionHandlers } from './handlers';

/** The Engine API call of each container kind, with its path and what a 304 ("already so") means. */
function engineCall(a: ContainerAction, id: string) {
  const t = a.options.timeoutSeconds;
  const q = t === undefined ? '' : `?t=${t}`;
  const c = `/containers/${encodeURIComponent(id)}`;
  switch (a.kind) {
    case 'start':
      return { method: 'POST' as const, path: `${c}/start`, already: 'already running', done: 'started' };
    case 'stop':
      return { method: 'POST' as const, path: `${c}/stop${q}`, already: 'already stopped', done: 'stopped' };
    case 'restart':
      return { method: 'POST' as const, path: `${c}/restart${q}`, already: 'restarted', done: 'restarted' };
    case 'pause':
      return { method: 'POST' as const, path: `${c}/pause`, already: 'already paused', done: 'paused' };
    case 'unpause':
      return { method: 'POST' as const, path: `${c}/unpause`, already: 'not paused', done: 'unpaused' };
    case 'remove': {
      const p = new URLSearchParams({ v: a.options.removeVolumes ? '1' : '0', force: a.options.force ? '1' : '0' });
      return { method: 'DELETE' as const, path: `${c}?${p}`, already: 'removed', done: 'removed' };
    }
    default:
      throw new Error(`not a container action: ${a.kind}`);
  }
}

/** Start, stop, restart, pause, unpause and remove through the Docker Engine API. */
export function containerHandlers(engine: () => DockerEngine): ActionHandlers {
  const run = async (a: ContainerAction) => {
    const id = a.containerId ?? a.target.containerId;
    if (!id) throw new Error(`${a.kind}: no container id`);
    const call = engineCall(a, id);
    // A stop or restart waits up to its timeout (engine default 10 s) before the engine answers.
    const timeoutMs = ((a.options.timeoutSeconds ?? 10) + 30) * 1000;
    const status = await engine().command(call.method, call.path, timeoutMs);
    return status === 304 ? call.already : call.done;
  };
  return { start: run, stop: run, restart: run, pause: run, unpause: run, remove: run };
}

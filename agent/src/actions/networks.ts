import type { ContainerAction } from '@fleetlens/protocol';
import type { DockerEngine } from '../collectors/docker/engine';
import type { ActionHandlers } from './handlers';

/** The label every network the agent creates carries (`docker network ls --filter label=…` finds them). */
export const CREATED_BY_LABEL = 'io.fleetlens.created-by';
/** The action that created the network (its id), for the audit trail on the host itself. */
export const ACTION_LABEL = 'io.fleetlens.action';

const path = (network: string) => `/networks/${encodeURIComponent(network)}`;

/** A network or container as messages show it: Docker's short id for a full id, else the name. */
const short = (x: string) => (/^[0-9a-f]{64}$/.test(x) ? x.slice(0, 12) : x.slice(0, 128));

function networkOf(a: ContainerAction): string {
  if (!a.target.network) throw new Error(`${a.kind}: no network in the target`);
  return a.target.network;
}

function containerOf(a: ContainerAction): string {
  const id = a.target.containerId ?? a.containerId;
  if (!id) throw new Error(`${a.kind}: no container in the target`);
  return id;
}

/**
 * `docker network create|rm|connect|disconnect` through the Docker Engine API (issue 15; decision
 * 36). Create asks the engine to refuse an existing name (CheckDuplicate; engines of API 1.44+
 * always do) and labels the network with who made it; the engine's own refusals (a name taken,
 * active endpoints, a container already connected) come back as the failed result's message.
 */
export function networkHandlers(engine: () => DockerEngine): ActionHandlers {
  return {
    'network.create': async (a) => {
      const name = networkOf(a);
      const o = a.options;
      const reply = await engine().send('POST', '/networks/create', {
        Name: name,
        CheckDuplicate: true,
        ...(o.driver ? { Driver: o.driver } : {}),
        Internal: !!o.internal,
        ...(o.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: o.subnet }] } } : {}),
        Labels: { [CREATED_BY_LABEL]: 'fleetlens-agent', [ACTION_LABEL]: a.id },
      });
      const id = String((reply.body as { Id?: string } | null)?.Id ?? '');
      return `created network ${name}${id ? ` (${id.slice(0, 12)})` : ''}`;
    },
    'network.remove': async (a) => {
      const network = networkOf(a);
      await engine().command('DELETE', path(network));
      return `removed network ${short(network)}`;
    },
    'network.connect': async (a) => {
      const network = networkOf(a);
      const container = containerOf(a);
      await engine().send('POST', `${path(network)}/connect`, { Container: container });
      return `connected ${short(container)} to ${short(network)}`;
    },
    'network.disconnect': async (a) => {
      const network = networkOf(a);
      const container = containerOf(a);
      await engine().send('POST', `${path(network)}/disconnect`, { Container: container, Force: !!a.options.force });
      return `disconnected ${short(container)} from ${short(network)}`;
    },
  };
}

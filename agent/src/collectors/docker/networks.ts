import type { DockerNetwork, NetworkAttachment, NetworkInventory } from '@fleetlens/protocol';
import { toEpochSeconds } from '../types';
import type { ContainerInfo, DockerEngine, NetworkInspectInfo } from './engine';

/** Seconds after which an unchanged inventory is sent again (so a lost batch heals and the backend sees it is current). */
export const NETWORK_RESEND_SECONDS = 300;

function epoch(iso: string | undefined): number | null {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) && ms > 0 ? toEpochSeconds(ms) : null;
}

const cidr = (ip: string | undefined, len: number | undefined) => (ip ? `${ip}/${len ?? 0}` : '');

/**
 * The node's networks with their containers, from GET /networks and the container list the
 * collector already made (its NetworkSettings.Networks name each container's networks, by id
 * when the container runs, by name when it does not), so no network or container is inspected.
 * A stopped container is listed without addresses: it is still configured on the network and
 * rejoins it on start.
 */
export function networkInventory(
  nodeName: string,
  ts: number,
  networks: NetworkInspectInfo[],
  containers: ContainerInfo[]
): NetworkInventory {
  const byId = new Map<string, NetworkAttachment[]>();
  const idOfName = new Map(networks.map((n) => [n.Name, n.Id]));
  for (const c of containers) {
    const name = (c.Names?.[0] ?? c.Id).replace(/^\//, '');
    for (const [netName, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      const id = ep.NetworkID || idOfName.get(netName);
      if (!id) continue;
      const list = byId.get(id) ?? [];
      if (list.length >= 5000) continue; // the wire's bound per network
      list.push({
        containerId: c.Id,
        name: name.slice(0, 512),
        ipv4: cidr(ep.IPAddress, ep.IPPrefixLen).slice(0, 64),
        ipv6: cidr(ep.GlobalIPv6Address, ep.GlobalIPv6PrefixLen).slice(0, 64),
        mac: (ep.MacAddress ?? '').slice(0, 32),
      });
      byId.set(id, list);
    }
  }
  const out: DockerNetwork[] = networks.slice(0, 1000).map((n) => ({
    id: n.Id,
    name: n.Name.slice(0, 255),
    driver: (n.Driver ?? '').slice(0, 64),
    scope: (n.Scope ?? '').slice(0, 16),
    internal: !!n.Internal,
    ipam: (n.IPAM?.Config ?? [])
      .slice(0, 16)
      .map((p) => ({ subnet: (p.Subnet ?? '').slice(0, 64), gateway: (p.Gateway ?? '').slice(0, 64) })),
    labels: n.Labels ?? {},
    createdAt: epoch(n.Created),
    containers: (byId.get(n.Id) ?? []).sort((a, b) => a.containerId.localeCompare(b.containerId)),
  }));
  out.sort((a, b) => a.id.localeCompare(b.id));
  return { nodeName, ts, networks: out };
}

/**
 * Decides when the node's network inventory goes into a batch: when it differs from the one sent
 * last, and at least every NETWORK_RESEND_SECONDS. One GET /networks per cycle; the attachments
 * come from the container list of the same cycle.
 */
export class NetworkReporter {
  private last: { fingerprint: string; at: number } | null = null;

  constructor(
    private readonly engine: DockerEngine,
    private readonly nodeName: string,
    private readonly resendSeconds = NETWORK_RESEND_SECONDS
  ) {}

  /** The inventory to send this cycle (none when unchanged and recently sent, or when the engine would not list networks). */
  async collect(containers: ContainerInfo[], nowMs: number): Promise<NetworkInventory[]> {
    let networks: NetworkInspectInfo[];
    try {
      networks = await this.engine.listNetworks();
    } catch {
      return []; // the next cycle tries again; the containers of this one still go out
    }
    const ts = toEpochSeconds(nowMs);
    const inv = networkInventory(this.nodeName, ts, networks, containers);
    const fingerprint = JSON.stringify(inv.networks);
    if (this.last && this.last.fingerprint === fingerprint && ts - this.last.at < this.resendSeconds) return [];
    this.last = { fingerprint, at: ts };
    return [inv];
  }
}

import type { ContainerAction } from '@fleetlens/protocol';
import type { ContainerInfo, ContainerInspectInfo, DockerEngine } from '../collectors/docker/engine';
import type { ActionHandlers } from './handlers';

/*
 * compose.scale (issue 15; decision 35): sets the number of running containers of a Compose
 * service on this host the way `docker compose up --scale` converges one (docker/compose
 * pkg/compose/convergence.go, ensureService): containers sorted by their container-number label,
 * the lowest kept (and started if they are not running), the rest stopped and removed without
 * their volumes, new ones numbered from the highest number + 1 (nextContainerNumber) and named
 * `<project>-<service>-<n>` (getContainerName). We have no Compose file, so a new replica copies
 * the newest existing container's configuration instead of the service's.
 */

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const NUMBER_LABEL = 'com.docker.compose.container-number';
const ONEOFF_LABEL = 'com.docker.compose.oneoff';

/** Seconds a container gets to stop before SIGKILL when none is configured (the engine's default). */
const STOP_SECONDS = 10;

/** The container number of a listed container (0 when the label is missing or not a number). */
const numberOf = (c: ContainerInfo) => Number.parseInt(c.Labels?.[NUMBER_LABEL] ?? '', 10) || 0;

/** Oldest first: lowest container number, then earliest created (Compose keeps the low numbers). */
export function oldestFirst(a: ContainerInfo, b: ContainerInfo): number {
  return numberOf(a) - numberOf(b) || a.Created - b.Created || a.Id.localeCompare(b.Id);
}

/** What `docker ps` would count as up: the engine runs it (paused and restarting included). */
const isUp = (c: ContainerInfo) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting';

/** The create request for replica `n` from the template's inspect: its Config, HostConfig and first network. */
export function replicaSpec(
  t: ContainerInspectInfo,
  image: string,
  n: number
): { body: Record<string, unknown>; extraNetworks: [string, Record<string, unknown>][] } {
  const config = { ...(t.Config as unknown as Record<string, unknown>) };
  // The engine's default hostname is the container's short id: the copy gets its own. A hostname
  // the user set (Compose `hostname:`) is a service setting and stays.
  if (config.Hostname === t.Id.slice(0, 12)) delete config.Hostname;
  delete config.MacAddress;
  const labels = { ...(t.Config.Labels ?? {}), [NUMBER_LABEL]: String(n) };
  const mode = String(t.HostConfig.NetworkMode ?? '');
  // Endpoints: the template's networks with its own addresses, MAC and per-container aliases
  // (its short id and name, which the engine adds) dropped; host, none and container:<id> have none to copy.
  const own = new Set([t.Id.slice(0, 12), t.Name.replace(/^\//, '')]);
  const endpoints: [string, Record<string, unknown>][] =
    mode === 'host' || mode === 'none' || mode.startsWith('container:')
      ? []
      : Object.entries(t.NetworkSettings?.Networks ?? {}).map(([name, e]) => {
          const aliases = ((e.Aliases as string[] | null) ?? []).filter((a) => !own.has(a));
          return [
            name,
            {
              ...(aliases.length ? { Aliases: aliases } : {}),
              ...(e.Links?.length ? { Links: e.Links } : {}),
            },
          ];
        });
  // API 1.41 takes one endpoint at create; the others are connected before the start.
  const primary = endpoints.find(([name]) => name === mode) ?? endpoints[0];
  const body = {
    ...config,
    Image: image,
    Labels: labels,
    HostConfig: t.HostConfig,
    ...(primary ? { NetworkingConfig: { EndpointsConfig: { [primary[0]]: primary[1] } } } : {}),
  };
  return { body, extraNetworks: endpoints.filter((e) => e !== primary) };
}

/** The Compose service's containers on this host (every state), oldest first; one-off `run` containers left out. */
async function serviceContainers(engine: DockerEngine, project: string, service: string): Promise<ContainerInfo[]> {
  const all = await engine.listContainers(true, {
    label: [`${PROJECT_LABEL}=${project}`, `${SERVICE_LABEL}=${service}`],
  });
  return all.filter((c) => c.Labels?.[ONEOFF_LABEL] !== 'True').sort(oldestFirst);
}

/** Scales one Compose service to `options.replicas` running containers (see the file comment; 0 keeps one stopped). */
export async function scaleCompose(engine: DockerEngine, a: ContainerAction): Promise<string> {
  const { project, service } = a.target;
  const wanted = a.options.replicas;
  if (!project || !service) throw new Error('no Compose project and service in the target');
  if (wanted === undefined) throw new Error('no replicas in the options');
  const what = `${project}/${service}`;
  const containers = await serviceContainers(engine, project, service);
  if (!containers.length)
    throw new Error(
      `no container of ${what} on this host: there is no configuration to copy (start it once with docker compose up)`
    );
  const from = containers.filter(isUp).length;
  // Scaling to 0 keeps the oldest container, stopped: its configuration is what a later scale-up copies.
  const keep = containers.slice(0, Math.max(wanted, 1));
  const drop = containers.slice(keep.length);
  const toStart = wanted === 0 ? [] : keep.filter((c) => c.State !== 'running' && c.State !== 'restarting');
  const toStop = wanted === 0 ? keep.filter(isUp) : [];
  const create = Math.max(0, wanted - containers.length);
  if (!drop.length && !toStart.length && !toStop.length && !create) return `${what} already at ${wanted}`;

  const done: string[] = [];
  const step = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      done.push(label);
    } catch (e) {
      const before = done.length ? ` after ${done.join(', ')}` : '';
      throw new Error(`scaling ${what} to ${wanted}: ${label} failed${before}: ${(e as Error).message}`);
    }
  };
  const name = (c: ContainerInfo) => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
  const stopRemove = async (c: ContainerInfo) => {
    const id = encodeURIComponent(c.Id);
    // Stop first (the container's own stop signal and grace period), then remove; volumes stay (as Compose).
    if (isUp(c)) await engine.command('POST', `/containers/${id}/stop`, (STOP_SECONDS + 30) * 1000);
    await engine.command('DELETE', `/containers/${id}?v=0&force=0`);
  };

  // Newest first, so an interruption leaves the oldest (lowest numbered) ones.
  for (const c of [...drop].reverse()) await step(`removing ${name(c)}`, () => stopRemove(c));
  for (const c of toStop)
    await step(`stopping ${name(c)}`, () =>
      engine.command('POST', `/containers/${encodeURIComponent(c.Id)}/stop`, (STOP_SECONDS + 30) * 1000)
    );
  for (const c of toStart) {
    const path = `/containers/${encodeURIComponent(c.Id)}/${c.State === 'paused' ? 'unpause' : 'start'}`;
    await step(`starting ${name(c)}`, () => engine.command('POST', path));
  }
  if (create) {
    const template = await engine.inspect(containers[containers.length - 1].Id);
    // The same image: by its name while that name still means the template's image, else by id.
    const byName = await engine.imageInspect(template.Config.Image).catch(() => null);
    const image = byName?.Id === template.Image ? template.Config.Image : template.Image;
    const next = Math.max(...containers.map(numberOf)) + 1;
    for (let i = 0; i < create; i++) {
      const n = next + i;
      const cname = `${project}-${service}-${n}`;
      await step(`creating ${cname}`, async () => {
        const { body, extraNetworks } = replicaSpec(template, image, n);
        const made = await engine.post<{ Id: string }>(`/containers/create?name=${encodeURIComponent(cname)}`, body);
        for (const [net, endpoint] of extraNetworks)
          await engine.post(`/networks/${encodeURIComponent(net)}/connect`, {
            Container: made.Id,
            EndpointConfig: endpoint,
          });
        await engine.command('POST', `/containers/${encodeURIComponent(made.Id)}/start`);
      });
    }
  }
  const kept = wanted === 0 ? ` (kept ${name(keep[0])} stopped: its configuration is what scaling up copies)` : '';
  return `scaled ${what} from ${from} to ${wanted}${kept}`;
}

/** compose.scale through the Docker Engine API (node agents). */
export function composeHandlers(engine: () => DockerEngine): ActionHandlers {
  return { 'compose.scale': (a) => scaleCompose(engine(), a) };
}

import type { ContainerSecurity, Event } from '@fleetlens/protocol';
import { isSensitiveHostPath } from '@fleetlens/protocol';
import { toEpochSeconds } from '../types';
import type { ContainerInspectInfo, DockerEngine } from './engine';
import type { DockerEngineEvent } from './events';

/**
 * Whether a Docker user spec ("name", "uid", "name:group", "uid:gid") is root. A name other than
 * "root" counts as not root: the agent does not read the image's /etc/passwd (docs/security.md).
 */
export function userIsRoot(user: string): boolean {
  const u = user.split(':')[0].trim();
  return u === '' || u === 'root' || u === '0';
}

/**
 * The posture facts of a Docker container from its inspect and its image's configured user
 * (`imageUser`: the image's Config.User, null when the image could not be inspected). The
 * container runs as root when its Config.User (or, when that is empty, the image's user) is
 * empty, 0 or root.
 */
export function dockerSecurity(i: ContainerInspectInfo, imageUser: string | null): ContainerSecurity {
  const h = i.HostConfig ?? {};
  const configured = i.Config?.User ?? '';
  const effective = configured || imageUser;
  const nano = Number(h.NanoCpus ?? 0);
  const quota = Number(h.CpuQuota ?? 0);
  const period = Number(h.CpuPeriod ?? 0) || 100_000;
  const cpu = nano > 0 ? nano / 1e9 : quota > 0 ? quota / period : null;
  const mem = Number(h.Memory ?? 0);
  const capAdd = Array.isArray(h.CapAdd) ? (h.CapAdd as unknown[]).map(String).filter(Boolean) : [];
  return {
    privileged: !!h.Privileged,
    user: configured.slice(0, 256),
    runsAsRoot: effective === null ? null : userIsRoot(effective),
    capAdd: capAdd.slice(0, 64).map((c) => c.slice(0, 64)),
    hostNetwork: h.NetworkMode === 'host',
    hostPid: h.PidMode === 'host',
    hostIpc: h.IpcMode === 'host',
    readOnlyRootfs: !!h.ReadonlyRootfs,
    hostMounts: (i.Mounts ?? [])
      .filter((m) => m.Type === 'bind' && m.Source)
      .slice(0, 256)
      .map((m) => ({
        source: m.Source.slice(0, 4096),
        destination: (m.Destination ?? '').slice(0, 4096),
        readOnly: !m.RW,
      })),
    memoryLimitBytes: mem > 0 ? mem : null,
    cpuLimitCores: cpu,
  };
}

/** The host paths of a posture that are sensitive (SENSITIVE_HOST_PATHS). */
export const sensitiveMounts = (s: ContainerSecurity): string[] =>
  s.hostMounts.filter((m) => isSensitiveHostPath(m.source)).map((m) => m.source);

/** The subject fields of a security event about one container. */
interface Subject {
  id: string;
  name: string;
  namespace: string | null;
}

const nameOf = (i: ContainerInspectInfo, id: string) => (i.Name ?? id).replace(/^\//, '') || id;

/**
 * Security events of the Docker engine (issue 17): exec sessions with their command and user (the
 * engine's exec_create/exec_start event, completed by GET /exec/<id>/json), a container started
 * privileged or with a sensitive host mount, and a container whose image changed under the same
 * name. Engine events come in through `onEngineEvent`; the details are read asynchronously and
 * `take` waits for them, so a cycle reports what arrived before it.
 */
export class SecurityEvents {
  private pending: Array<Promise<Event | Event[] | null>> = [];
  /** The image (reference and id) last seen under each container name. */
  private readonly images = new Map<string, { ref: string; id: string }>();

  constructor(
    private readonly docker: DockerEngine,
    private readonly nodeName: string,
    /** The image user of an image reference (cached by the collector). */
    private readonly imageUser: (image: string) => Promise<string | null>
  ) {}

  /** Records the image a container runs under its name (from the collector's inspects). */
  remember(name: string, ref: string, imageId: string): void {
    if (!this.images.has(name) && this.images.size >= 10_000) {
      const first = this.images.keys().next().value;
      if (first !== undefined) this.images.delete(first);
    }
    this.images.set(name, { ref, id: imageId });
  }

  /** Handles one container event of the engine's stream. */
  onEngineEvent(id: string, e: DockerEngineEvent): void {
    const action = e.Action ?? e.status ?? '';
    const verb = action.split(':')[0];
    const ts = e.time ?? (e.timeNano ? Math.floor(e.timeNano / 1e9) : toEpochSeconds(Date.now()));
    const attrs = e.Actor?.Attributes ?? {};
    if (verb === 'exec_create' || verb === 'exec_start') {
      const cmd = action.slice(verb.length + 1).trim();
      this.pending.push(this.exec(id, verb, cmd, attrs, ts));
    } else if (verb === 'start') {
      this.pending.push(this.started(id, ts));
    } else if (verb === 'create') {
      this.pending.push(this.created(id, ts));
    }
  }

  /** The events whose details arrived; waits for those still being read. */
  async take(): Promise<Event[]> {
    const p = this.pending;
    this.pending = [];
    const out: Event[] = [];
    for (const r of await Promise.all(p.map((x) => x.catch(() => null)))) {
      if (Array.isArray(r)) out.push(...r);
      else if (r) out.push(r);
    }
    return out;
  }

  private event(s: Subject, ts: number, reason: string, type: Event['type'], message: string): Event {
    return {
      ts,
      source: 'docker',
      type,
      reason,
      message: message.slice(0, 4096),
      objectKind: 'container',
      objectName: s.name.slice(0, 512),
      namespace: s.namespace,
      nodeName: this.nodeName,
      containerId: s.id,
      exitCode: null,
      count: 1,
      category: 'security',
    };
  }

  private async exec(id: string, verb: string, cmd: string, attrs: Record<string, string>, ts: number): Promise<Event> {
    const subject = { id, name: attrs.name ?? id, namespace: attrs['io.kubernetes.pod.namespace'] ?? null };
    let user = '';
    let privileged = false;
    let command = cmd;
    try {
      const x = await this.docker.execInspect(attrs.execID ?? '');
      const pc = x.ProcessConfig ?? {};
      user = pc.user ?? '';
      privileged = !!pc.privileged;
      const argv = [pc.entrypoint, ...(pc.arguments ?? [])].filter((a): a is string => typeof a === 'string');
      if (argv.length) command = argv.join(' ');
    } catch {
      // The exec is gone (removed with its container): the event's own command stays.
    }
    // An exec without --user runs as the container's user.
    if (!user) {
      try {
        const i = await this.docker.inspect(id);
        user = i.Config?.User || (await this.imageUser(i.Config?.Image ?? '')) || 'root';
      } catch {
        user = 'unknown';
      }
    }
    const msg = `${verb === 'exec_create' ? 'exec created' : 'exec started'}: ${command} (user ${user}${privileged ? ', privileged' : ''})`;
    return this.event(subject, ts, verb, verb === 'exec_start' ? 'warning' : 'normal', msg);
  }

  private async started(id: string, ts: number): Promise<Event[]> {
    const i = await this.docker.inspect(id);
    const s = dockerSecurity(i, null);
    const subject = { id, name: nameOf(i, id), namespace: i.Config?.Labels?.['io.kubernetes.pod.namespace'] ?? null };
    const out: Event[] = [];
    if (s.privileged) out.push(this.event(subject, ts, 'privileged_start', 'warning', 'started privileged'));
    const sensitive = sensitiveMounts(s);
    if (sensitive.length)
      out.push(
        this.event(subject, ts, 'sensitive_mount_start', 'warning', `started with host mounts ${sensitive.join(', ')}`)
      );
    return out;
  }

  private async created(id: string, ts: number): Promise<Event | null> {
    const i = await this.docker.inspect(id);
    const name = nameOf(i, id);
    const ref = i.Config?.Image ?? '';
    const before = this.images.get(name);
    this.remember(name, ref, i.Image);
    if (!before || (before.ref === ref && before.id === i.Image)) return null;
    const subject = { id, name, namespace: i.Config?.Labels?.['io.kubernetes.pod.namespace'] ?? null };
    const short = (x: string) => x.replace(/^sha256:/, '').slice(0, 12);
    return this.event(
      subject,
      ts,
      'image_changed',
      'warning',
      `image changed from ${before.ref} (${short(before.id)}) to ${ref} (${short(i.Image)})`
    );
  }
}

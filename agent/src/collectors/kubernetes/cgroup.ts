import { CgroupReader, type CgroupUsage } from '../docker/cgroups';
import { type PressureFields, pressureFields } from '../docker/pressure';

/** What one cgroup reading adds to a container's sample, and the OOM kills it counted. */
export interface KubeCgroupReading {
  usage: CgroupUsage;
  fields: PressureFields;
  /** Kills the cgroup's `oom_kill` counter counted since the previous reading (see KubeOomMerge). */
  newKills: number;
}

/** The increase seen at an instance's latest reading, and how many of it a termination claimed. */
interface Instance {
  value: number;
  atSec: number;
  last: { fromSec: number; toSec: number; kills: number };
}

/**
 * Merges a container's cgroup `oom_kill` counter with its `OOMKilled` terminations so that one
 * kill counts once. The counter sees every kill while the cgroup exists (children whose death
 * does not end the container, and the main process when a reading falls between the kill and
 * the cgroup's removal); the termination sees the kill that ended the container instance, later
 * (when the kubelet has updated the pod status), with `finishedAt` in whole seconds. A restart is
 * a new container id and a new cgroup, so each instance (runtime id) has its own counter.
 *
 * A termination of instance I finishing at F is the kill the counter already counted when the
 * increase was seen at I's last reading — no later reading found the cgroup, so nothing of I ran
 * after it — and that reading's interval covers F: floor(previous reading) ≤ F ≤ floor(reading) + 1
 * (the kill precedes the exit, and F is truncated to the second). Otherwise it is a kill of its
 * own. Two kills of one instance in that same second or so, the second one ending it, count as one.
 */
export class KubeOomMerge {
  private readonly instances = new Map<string, Instance>();

  /**
   * A reading of instance `id`'s counter at `atSec`; returns the kills it adds. The first reading
   * of an instance that started before the agent is the baseline; one started since the agent
   * (`startedSec` not before the agent's start) counts from 0, its cgroup being new.
   */
  cgroup(
    id: string,
    value: number | null | undefined,
    atSec: number,
    startedSec: number | null,
    agentStartSec: number
  ): number {
    if (value == null) return 0;
    const s = this.instances.get(id);
    if (!s) {
      const fresh = startedSec !== null && startedSec >= agentStartSec;
      const kills = fresh ? value : 0;
      this.instances.set(id, { value, atSec, last: { fromSec: startedSec ?? atSec, toSec: atSec, kills } });
      return kills;
    }
    // A counter never goes down within one cgroup: a lower value is a new cgroup under the same id, from 0.
    const kills = value >= s.value ? value - s.value : value;
    s.last = { fromSec: s.atSec, toSec: atSec, kills };
    s.value = value;
    s.atSec = atSec;
    return kills;
  }

  /** True when the OOMKilled termination of `id` finishing at `finishedAt` is a kill the counter already counted. */
  claim(id: string, finishedAt: number | null): boolean {
    const s = this.instances.get(id);
    if (!s || finishedAt === null || s.last.kills <= 0) return false;
    if (finishedAt < s.last.fromSec || finishedAt > s.last.toSec + 1) return false;
    s.last.kills -= 1;
    return true;
  }

  /** Forgets instances not in `ids` (neither a current container nor the last one before a restart). */
  retain(ids: Set<string>): void {
    for (const id of this.instances.keys()) if (!ids.has(id)) this.instances.delete(id);
  }
}

/**
 * The node agent's cgroup reads on Kubernetes: each container's cgroup under its pod's (by pod uid
 * and runtime id, both kubelet cgroup drivers and every QoS class), for the memory parts, CPU
 * throttling and the `oom_kill` counter. When the hierarchy is not there or a container's cgroup is
 * not found, that is logged once and shown in the agent status; the kubelet's figures stay.
 */
export class KubeCgroups {
  private reader: CgroupReader | null = null;
  private readonly prev = new Map<string, { at: number; usage: CgroupUsage }>();
  readonly oom = new KubeOomMerge();
  private agentStartSec = 0;
  private missingLogged = false;
  private cycle = { read: 0, missing: 0 };
  private lastCycle = { read: 0, missing: 0 };

  constructor(
    readonly root: string,
    private readonly hostProc: string,
    private readonly log: (msg: string) => void
  ) {}

  /** Detects the hierarchy (logging once when there is none); `now` in epoch ms. */
  start(now: number): void {
    this.agentStartSec = Math.floor(now / 1000);
    this.reader = CgroupReader.detect(this.root, this.hostProc);
    if (!this.reader)
      this.log(
        `fleetlens-agent: no cgroup hierarchy at ${this.root} (FLEETLENS_HOST_CGROUP): containers keep the kubelet's ` +
          'CPU and working set, without memory parts, CPU throttling or cgroup OOM kill counts'
      );
  }

  /** Call at the start of each cycle. */
  beginCycle(): void {
    this.cycle = { read: 0, missing: 0 };
  }

  /** Call at the end of each cycle with the runtime ids still present. */
  endCycle(ids: Set<string>): void {
    this.lastCycle = this.cycle;
    this.reader?.retain(ids);
    for (const id of this.prev.keys()) if (!ids.has(id)) this.prev.delete(id);
    this.oom.retain(ids);
  }

  /**
   * Reads one running container (`now` epoch ms, `startedSec` its start); null when its cgroup is
   * not readable. `name` is for the log line.
   */
  read(id: string, podUid: string, name: string, startedSec: number | null, now: number): KubeCgroupReading | null {
    if (!this.reader) return null;
    const usage = this.reader.read(id, null, podUid);
    if (!usage) {
      this.cycle.missing++;
      this.prev.delete(id);
      if (!this.missingLogged) {
        this.missingLogged = true;
        this.log(
          `fleetlens-agent: cgroup of container ${name} (${id.slice(0, 12)}, pod ${podUid}) not found under ${this.root} ` +
            `(cgroup v${this.reader.version}; kubepods layouts of the cgroupfs and systemd drivers tried): it keeps the ` +
            "kubelet's CPU and working set only; the agent status counts such containers"
        );
      }
      return null;
    }
    this.cycle.read++;
    const p = this.prev.get(id);
    const secs = p ? (now - p.at) / 1000 : 0;
    const fields = pressureFields(p?.usage ?? null, usage, secs);
    this.prev.set(id, { at: now, usage });
    const newKills = this.oom.cgroup(id, usage.oomKills, Math.floor(now / 1000), startedSec, this.agentStartSec);
    return { usage, fields, newKills };
  }

  /** For the agent status: where container figures come from, and what could not be read. */
  usageSource(): string {
    if (!this.reader) return `kubelet summary (cgroup not readable: no cgroup hierarchy at ${this.root})`;
    const { read, missing } = this.lastCycle;
    const base = `kubelet summary + cgroup v${this.reader.version}`;
    return missing ? `${base} (cgroup not found for ${missing} of ${read + missing} containers)` : base;
  }
}

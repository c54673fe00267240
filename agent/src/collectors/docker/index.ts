import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerHealth, ContainerReport, ContainerSample, ContainerState, LogLine } from '@fleetlens/protocol';
import { ContainerState as ContainerStateSchema } from '@fleetlens/protocol';
import { JsonState } from '../../state';
import { parseMeminfo, parseNetDev, isContainerInterface } from '../host/procfs';
import { type BatchParts, type Collector, counterRate, toEpochSeconds } from '../types';
import { CgroupReader, type CgroupReading, type CgroupUsage } from './cgroups';
import { CrashLoops, EventFollower } from './events';
import { OomCounter, type OomSubject, pressureFields } from './pressure';
import { SecurityEvents, dockerSecurity } from './security';
import { type LogCursors, LogTailer } from './logs';
import { type NetCounters, readStatsApi } from './stats-api';
import { type ContainerInfo, type ContainerInspectInfo, DockerEngine } from './engine';
import { NetworkReporter } from './networks';
import { type ServiceHooks, updateDockerServices } from '../../services/hooks';

export interface DockerCollectorOptions {
  nodeName: string;
  socketPath: string;
  hostProc: string;
  hostSys: string;
  /** Where the host's filesystem is visible (to stat json-file logs); default "/". */
  hostRoot?: string;
  stateDir: string;
  logsEnabled: boolean;
  logLinesPerCycle: number;
  /** "auto" reads cgroup files when visible; "api" forces one-shot stats calls. */
  usageSource?: 'auto' | 'api';
  /** Only containers carrying all these labels (tests use it to ignore unrelated containers). */
  labelFilter?: Record<string, string>;
  /** Service health: where discovered probes go and the access-log counter the logs feed (issue 16). */
  services?: ServiceHooks;
}

/** What the agent remembers of one container between cycles. */
interface Known {
  inspect: ContainerInspectInfo;
  /** The list's State the inspect was taken at; a change triggers a new inspect. */
  listState: string;
  /**
   * The previous usage reading: when it was taken (epoch ms), which run of the container its
   * counters belong to (see runOf), and the start time the inspect said then.
   */
  prev: { at: number; run: string | null; startedAt: string; usage: CgroupUsage; net: NetCounters | null } | null;
  /** FinishedAt whose logs were already fetched, so stopped containers are read once. */
  logsDoneAt: string | null;
  /** The log file's size before the last fetch and that fetch's upper bound (epoch seconds). */
  logSeen: { size: number; untilSec: number } | null;
}

/** One reading of a container's cgroup and network counters, and when it was taken (epoch ms). */
interface Reading {
  at: number;
  cgroup: CgroupReading | null;
  net: NetCounters | null;
}

/** Running with a process (a restarting container is Running to the engine, with none). */
function isRunning(i: ContainerInspectInfo): boolean {
  return i.State.Running && !i.State.Restarting;
}

/** Has a network namespace of its own: not the host's, not another container's ("container:<id>"). */
function ownsNetwork(i: ContainerInspectInfo): boolean {
  const mode = String(i.HostConfig.NetworkMode ?? '');
  return mode !== 'host' && !mode.startsWith('container:');
}

function epoch(iso: string | undefined): number | null {
  if (!iso || iso.startsWith('0001-')) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms > 0 ? toEpochSeconds(ms) : null;
}

/**
 * Which run of the container a usage reading belongs to; two readings give rates only when
 * equal. The cgroup's own identity, read with the counters, when there is one: a restart
 * recreates the cgroup (counters from 0), and the cached inspect may describe the previous run
 * for a moment (its events still on the way), so its start time cannot tell. The stats API
 * tells no cgroup: the inspect's start time and pid there. null: readings of no single run.
 */
function runOf(instance: string | null | undefined, i: ContainerInspectInfo): string | null {
  if (instance !== undefined) return instance;
  return `${i.State.StartedAt}/${i.State.Pid}`;
}

function stateOf(s: string): ContainerState {
  const r = ContainerStateSchema.safeParse(s);
  return r.success ? r.data : 'unknown';
}

function healthOf(i: ContainerInspectInfo): ContainerHealth {
  const h = (i.State as { Health?: { Status?: string } }).Health?.Status;
  return h === 'healthy' || h === 'unhealthy' || h === 'starting' ? h : 'none';
}

/**
 * Containers of the local Docker engine: metadata of all of them, usage of running ones (from
 * cgroup files when visible, else one-shot stats), rates between the agent's own samples,
 * engine events and container logs.
 */
export class DockerCollector implements Collector {
  readonly name = 'docker';
  readonly docker: DockerEngine;
  private cgroups: CgroupReader | null = null;
  private readonly known = new Map<string, Known>();
  /**
   * Containers with engine events since their last inspect began: inspect them again. Kept
   * apart from `known` so that an event arriving while an inspect is in flight is not lost
   * (the reply may describe the container before that event).
   */
  private readonly dirty = new Set<string>();
  private events: EventFollower;
  private logs: LogTailer | null = null;
  private startedAtSec = 0;
  private hostMem: number | null = null;
  /** Containers present at agent start: their logs begin at agent start, not at their creation. */
  private readonly preexisting = new Set<string>();
  /** OOM kills per container from the cgroup counters and Docker's oom events (see OomCounter). */
  private readonly oom = new OomCounter();
  private readonly crashLoops = new CrashLoops();
  /** Exec sessions, privileged or sensitive-mount starts, image changes (issue 17). */
  private readonly security: SecurityEvents;
  /** Each image's configured user (by image id or reference), read once. */
  private readonly imageUsers = new Map<string, Promise<string | null>>();
  /** The node's Docker networks, sent when they change (issue 15). */
  private readonly networks: NetworkReporter;

  constructor(private readonly opts: DockerCollectorOptions) {
    this.docker = new DockerEngine(opts.socketPath);
    this.events = new EventFollower(this.docker, opts.nodeName);
    this.security = new SecurityEvents(this.docker, opts.nodeName, (image) => this.imageUser(image));
    this.networks = new NetworkReporter(this.docker, opts.nodeName);
    this.events.onEvent = (id, e) => {
      const k = this.known.get(id);
      this.dirty.add(id);
      this.security.onEngineEvent(id, e);
      if ((e.Action ?? e.status) === 'oom') {
        const attrs = e.Actor?.Attributes ?? {};
        const ts = e.time ?? (e.timeNano ? Math.floor(e.timeNano / 1e9) : toEpochSeconds(Date.now()));
        const subject = k
          ? this.oomSubject(k.inspect, id)
          : {
              objectName: attrs.name ?? id,
              namespace: attrs['io.kubernetes.pod.namespace'] ?? null,
              nodeName: this.opts.nodeName,
              source: 'docker' as const,
            };
        this.oom.engine(id, subject, ts);
      }
    };
  }

  /** Whether an engine answers on the socket. */
  static async available(socketPath: string): Promise<boolean> {
    const engine = new DockerEngine(socketPath, 5000);
    try {
      await engine.ping();
      return true;
    } catch {
      return false;
    } finally {
      engine.close();
    }
  }

  async start(now: number): Promise<void> {
    this.startedAtSec = toEpochSeconds(now);
    this.hostMem = parseMeminfo(readFileSync(join(this.opts.hostProc, 'meminfo'), 'utf8')).MemTotal ?? null;
    if (this.opts.usageSource !== 'api') {
      this.cgroups = CgroupReader.detect(join(this.opts.hostSys, 'fs/cgroup'), this.opts.hostProc);
    }
    await this.events.start(this.startedAtSec);
    if (this.opts.logsEnabled) {
      const cursorFile = join(this.opts.stateDir, 'log-cursors.json');
      // First run on this host: containers already there start at agent start (no flood of
      // history). After a restart, a container without a cursor was created while the agent
      // was down, so its whole log is new.
      const firstRun = !existsSync(cursorFile);
      const cursors = await JsonState.open<LogCursors>(cursorFile, {});
      this.logs = new LogTailer(this.docker, cursors, this.opts.logLinesPerCycle, (id) =>
        firstRun && this.preexisting.has(id) ? this.startedAtSec : 0
      );
      const stats = this.opts.services?.accessLogs;
      // Every line read, also those over the per-cycle cap: request counts must be complete.
      if (stats) this.logs.onLines = (id, texts) => stats.observe(id, texts);
    }
    const list = await this.list();
    for (const c of list) this.preexisting.add(c.Id);
    // Baseline readings so that the first cycle already has rates.
    await this.sample(list, now);
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.logs?.save();
    this.docker.close();
  }

  /** Which usage source is in effect: "cgroup v1", "cgroup v2" or "stats API". */
  get usageSource(): string {
    return this.cgroups ? `cgroup v${this.cgroups.version}` : 'stats API';
  }

  private async list(): Promise<ContainerInfo[]> {
    const filters = this.opts.labelFilter
      ? { label: Object.entries(this.opts.labelFilter).map(([k, v]) => `${k}=${v}`) }
      : undefined;
    return this.docker.listContainers(true, filters);
  }

  async collect(now: number): Promise<BatchParts> {
    const list = await this.list();
    const reports = await this.sample(list, now);
    const ids = new Set(list.map((c) => c.Id));
    for (const id of this.known.keys()) if (!ids.has(id)) this.known.delete(id);
    for (const id of this.dirty) if (!ids.has(id)) this.dirty.delete(id);
    this.cgroups?.retain(ids);
    const services = this.opts.services;
    if (services)
      updateDockerServices(
        services,
        [...this.known.values()].map((k) => k.inspect)
      );
    let logs: LogLine[] = [];
    if (this.logs) {
      logs = await this.collectLogs(now);
      this.logs.retain(ids);
    }
    const requestStats = services?.accessLogs?.take(now) ?? [];
    const networks = await this.networks.collect(list, now);
    services?.accessLogs?.retain(ids);
    // Events are taken last so that a container's die event and its final sample share a batch.
    // Docker's own oom events are replaced by one event per kill counted from both sources.
    // Exec events come from SecurityEvents, which completes them with the exec's command and user.
    // A container's third non-zero exit within 10 minutes is a crash loop (CrashLoops).
    const events = this.events
      .take()
      .filter((e) => e.reason !== 'oom' && e.reason !== 'exec_create' && e.reason !== 'exec_start')
      .map((e) => this.crashLoops.mark(e));
    this.crashLoops.retain(ids);
    events.push(...(await this.security.take()));
    events.push(...this.oom.take(toEpochSeconds(now)));
    this.oom.retain(ids);
    return {
      containers: reports,
      inventories: [{ nodeName: this.opts.nodeName, ts: toEpochSeconds(now), containerIds: [...ids] }],
      events,
      logs,
      requestStats,
      ...(networks.length ? { networks } : {}),
    };
  }

  /** Saves log cursors; called after the batch holding those lines is safely spooled. */
  async commit(): Promise<void> {
    await this.logs?.save();
  }

  private async sample(list: ContainerInfo[], now: number): Promise<ContainerReport[]> {
    const early = this.readListed(list);
    const reports = await Promise.all(list.map((c) => this.sampleOne(c, now, early.get(c.Id)).catch(() => null)));
    return reports.filter((r): r is ContainerReport => r !== null);
  }

  /**
   * Cgroup readings of the listed running containers, taken together right after the list call
   * and before any inspect: an inspect takes from milliseconds to seconds on a busy host (and a
   * cycle after a restart must inspect), which would delay each reading by a different amount.
   */
  private readListed(list: ContainerInfo[]): Map<string, Reading> {
    const out = new Map<string, Reading>();
    if (!this.cgroups) return out;
    for (const c of list) {
      if (c.State !== 'running' && c.State !== 'paused') continue;
      // Not inspected yet (new to the agent): its network counters through a process of its cgroup.
      // They are reported only if the inspect then says the network is the container's own.
      const i = this.known.get(c.Id)?.inspect;
      const r = this.readCgroup(
        c.Id,
        i ? i.State.Pid || null : null,
        c.Labels?.['io.kubernetes.pod.uid'],
        !i || ownsNetwork(i)
      );
      if (r.cgroup?.instance) out.set(c.Id, r);
    }
    return out;
  }

  /** Reads a container's cgroup now, and its network counters through its process when `withNet`. */
  private readCgroup(id: string, pid: number | null, podUid: string | undefined, withNet: boolean): Reading {
    const at = Date.now();
    const cgroup = this.cgroups?.readInstance(id, pid, podUid ?? null) ?? null;
    const proc = pid ?? (cgroup ? this.cgroups!.firstPid(id) : null);
    const net = cgroup && proc && withNet ? this.readNetFromProc(proc) : null;
    return { at, cgroup, net };
  }

  private async sampleOne(c: ContainerInfo, now: number, early?: Reading): Promise<ContainerReport | null> {
    let k = this.known.get(c.Id);
    if (!k || this.dirty.has(c.Id) || k.listState !== c.State) {
      // Cleared before the call: an event arriving while it is in flight marks it again.
      this.dirty.delete(c.Id);
      const inspect = await this.docker.inspect(c.Id);
      k = {
        inspect,
        listState: c.State,
        prev: k?.prev ?? null,
        logsDoneAt: k?.logsDoneAt ?? null,
        logSeen: k?.logSeen ?? null,
      };
      this.known.set(c.Id, k);
    }
    const i = k.inspect;
    // A restarting container is Running to the engine but has no process between its restarts:
    // no usage to read, and the exit code of its last run is what the engine still reports.
    const running = isRunning(i);
    const hostNetwork = i.HostConfig.NetworkMode === 'host';
    // Sharing another container's namespace ("container:<id>"): its traffic is that container's.
    const ownNetwork = ownsNetwork(i);
    const samples: ContainerSample[] = [];
    if (running) {
      let usage: CgroupUsage | null = null;
      // Which cgroup the counters came from; undefined when read through the stats API.
      let instance: string | null | undefined;
      let net: NetCounters | null = null;
      // When the counters were read (not the cycle's `now`), so that a rate covers exactly the
      // time between its two readings: the cycle's reading after the list, else one taken now.
      let at = Date.now();
      if (this.cgroups) {
        const pid = i.State.Pid || null;
        const reading = early ?? this.readCgroup(c.Id, pid, i.Config.Labels?.['io.kubernetes.pod.uid'], ownNetwork);
        at = reading.at;
        usage = reading.cgroup?.usage ?? null;
        instance = reading.cgroup?.instance;
        net = reading.net;
        if (usage && instance)
          this.oom.cgroup(
            c.Id,
            this.oomSubject(i, c.Id),
            instance,
            usage.oomKills,
            (epoch(i.State.StartedAt) ?? 0) >= this.startedAtSec
          );
      }
      if (!usage) {
        instance = undefined;
        const r = await readStatsApi(this.docker, c.Id, this.hostMem);
        usage = r.usage;
        net = ownNetwork ? r.net : null;
        at = r.at ?? Date.now();
      }
      const run = runOf(instance, i);
      const prev = k.prev && run !== null && k.prev.run === run ? k.prev : null;
      // Another cgroup under the start time the previous reading saw: the container restarted
      // and the cached inspect does not know yet (its events are still on the way).
      if (k.prev && k.prev.run !== run && k.prev.startedAt === i.State.StartedAt) this.dirty.add(c.Id);
      const secs = prev ? (at - prev.at) / 1000 : 0;
      const cpuNsRate = counterRate(prev?.usage.cpuNs, usage.cpuNs, secs);
      samples.push({
        ts: toEpochSeconds(now),
        // The seconds this sample's rates cover, for time-weighted averages in the backend.
        ...(secs > 0 ? { intervalSeconds: secs } : {}),
        cpuCores: cpuNsRate === null ? null : cpuNsRate / 1e9,
        memBytes: usage.memWorkingSet,
        memLimitBytes: usage.memLimit,
        netRxBps: ownNetwork ? counterRate(prev?.net?.rx, net?.rx, secs) : null,
        netTxBps: ownNetwork ? counterRate(prev?.net?.tx, net?.tx, secs) : null,
        diskReadBps: counterRate(prev?.usage.blkReadBytes, usage.blkReadBytes, secs),
        diskWriteBps: counterRate(prev?.usage.blkWriteBytes, usage.blkWriteBytes, secs),
        pids: usage.pids,
        ...pressureFields(prev?.usage ?? null, usage, secs),
      });
      k.prev = { at, run, startedAt: i.State.StartedAt, usage, net };
    } else {
      k.prev = null;
    }
    const name = (i.Name ?? c.Names?.[0] ?? c.Id).replace(/^\//, '') || c.Id;
    this.security.remember(name, i.Config.Image ?? '', i.Image);
    const imageUser = i.Config.User ? null : await this.imageUser(i.Image || i.Config.Image);
    return {
      id: c.Id,
      nodeName: this.opts.nodeName,
      name: name.slice(0, 512),
      image: (i.Config.Image ?? c.Image ?? '').slice(0, 1024),
      state: stateOf(i.State.Status),
      health: healthOf(i),
      statusText: (c.Status ?? '').slice(0, 512),
      createdAt: epoch(i.Created),
      startedAt: epoch(i.State.StartedAt),
      exitCode: running ? null : (i.State.ExitCode ?? null),
      oomKilled: !!i.State.OOMKilled,
      restartCount: Math.max(0, i.RestartCount ?? 0),
      hostNetwork,
      labels: i.Config.Labels ?? {},
      kubernetes: null,
      samples,
      security: dockerSecurity(i, i.Config.User ? '' : imageUser),
    };
  }

  /** The image's configured user ("" for the image default, root), null when it cannot be read. */
  private imageUser(image: string): Promise<string | null> {
    if (!image) return Promise.resolve(null);
    let p = this.imageUsers.get(image);
    if (!p) {
      p = this.docker
        .imageInspect(image)
        .then((x) => x.Config?.User ?? '')
        .catch(() => {
          this.imageUsers.delete(image);
          return null;
        });
      if (this.imageUsers.size >= 1000) this.imageUsers.clear();
      this.imageUsers.set(image, p);
    }
    return p;
  }

  private oomSubject(i: ContainerInspectInfo, id: string): OomSubject {
    return {
      objectName: (i.Name ?? id).replace(/^\//, '') || id,
      namespace: i.Config.Labels?.['io.kubernetes.pod.namespace'] ?? null,
      nodeName: this.opts.nodeName,
      source: 'docker',
    };
  }

  /** Network counters of the container's network namespace, read through its init process. */
  private readNetFromProc(pid: number): NetCounters | null {
    try {
      // Synchronous on purpose: a tiny procfs file (see cgroups.ts).
      const text = readFileSync(join(this.opts.hostProc, String(pid), 'net/dev'), 'utf8');
      return parseNetDev(text, isContainerInterface);
    } catch {
      return null;
    }
  }

  private async collectLogs(now: number): Promise<LogLine[]> {
    const out: LogLine[] = [];
    const tasks: Array<Promise<void>> = [];
    const untilSec = Math.floor(now / 1000);
    for (const [id, k] of this.known) {
      const st = k.inspect.State;
      // Running containers every cycle; a stopped one once after it stopped (its last lines).
      if (!st.Running && k.logsDoneAt === st.FinishedAt) continue;
      // json-file logs visible on disk: skip the API call when the file has not changed since
      // the last fetch and every line in it was older than that fetch's upper bound. Saves one
      // engine call per quiet container per cycle.
      const file = this.logFileStat(k.inspect);
      if (file && k.logSeen && file.size === k.logSeen.size && file.mtimeMs < k.logSeen.untilSec * 1000) continue;
      tasks.push(
        this.logs!.fetch(id, !!k.inspect.Config.Tty, now)
          .then((lines) => {
            out.push(...lines);
            k.logSeen = file ? { size: file.size, untilSec } : null;
            if (!st.Running && untilSec > (epoch(st.FinishedAt) ?? 0)) k.logsDoneAt = st.FinishedAt;
          })
          .catch(() => {})
      );
    }
    await Promise.all(tasks);
    return out;
  }

  private logFileStat(i: ContainerInspectInfo): { size: number; mtimeMs: number } | null {
    const path = (i as { LogPath?: string }).LogPath;
    if (!path) return null;
    try {
      return statSync(join(this.opts.hostRoot ?? '/', path));
    } catch {
      return null;
    }
  }
}

import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { AgentStatus, ClusterInfo, ContainerAction, IngestBatch, ProbeDefinition } from '@fleetlens/protocol';
import { ActionExecutor, type ExecutorOptions } from './actions/executor';
import type { AgentConfig } from './config';
import type { BatchParts, Collector } from './collectors/types';
import { assembleBatch, sanitizeBatch } from './batch';
import { IngestClient } from './transport/client';
import { Sender, type SenderOptions } from './transport/sender';
import { Spool } from './transport/spool';
import { SelfUsage } from './self';

const gzipAsync = promisify(gzip);

export const AGENT_VERSION = '0.1.0';

/**
 * After the backend handed out container actions, the agent pushes an empty batch this often for
 * POLL_WINDOW_MS, so that a follow-up action (start after stop) is picked up within seconds
 * instead of at the next interval (decision 32).
 */
export const ACTION_POLL_MS = 2000;
export const ACTION_POLL_WINDOW_MS = 60_000;

export interface AgentOptions {
  config: AgentConfig;
  collectors: Collector[];
  clusterKind: 'docker' | 'kubernetes';
  sender?: SenderOptions;
  log?: (msg: string) => void;
  /** Called with the defined probes of each ingest reply that carries them (the whole set to run). */
  onDefinedProbes?: (probes: ProbeDefinition[]) => void;
  /** Called with every batch as it is spooled (tests and debugging). */
  onBatch?: (batch: IngestBatch) => void;
  /** Handlers of action kinds beyond the container ones (actions/index.ts: Compose, networks, Kubernetes). */
  actionHandlers?: ExecutorOptions['handlers'];
}

/**
 * The agent's main loop: at every interval boundary, asks each collector for what happened
 * since the last cycle, assembles one batch with the agent's own status, spools it (gzip) and
 * wakes the sender. Collection never waits on the backend.
 */
export class Agent {
  readonly spoolDir: string;
  spool!: Spool;
  sender!: Sender;
  /** Epoch ms of the last finished cycle (health). */
  lastCycleAt: number | null = null;
  cycles = 0;
  collectorErrors = 0;
  /** The status sent with the latest batch (health endpoint), so that reading it changes nothing. */
  lastStatus: AgentStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private spoolFailing = false;
  private lastTs = -1;
  private readonly self = new SelfUsage();
  private readonly log: (msg: string) => void;
  private readonly cluster: ClusterInfo;
  private readonly agentId: string;
  /** Runs container actions the backend hands out (issue 15); refuses kinds FLEETLENS_ACTIONS does not allow. */
  executor: ActionExecutor | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private pollUntil = 0;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: AgentOptions) {
    const c = opts.config;
    this.spoolDir = join(c.stateDir, 'spool');
    this.log = opts.log ?? ((m) => console.error(m));
    this.cluster = { name: c.clusterName, kind: opts.clusterKind, environment: c.environment, labels: c.labels };
    this.agentId = `${c.mode}:${c.nodeName}`.slice(0, 128);
  }

  get collectors(): Collector[] {
    return this.opts.collectors;
  }

  /** Opens the spool (replaying what a previous run left), starts the collectors and the loop. */
  async start(): Promise<void> {
    const c = this.opts.config;
    this.spool = await Spool.open(this.spoolDir, c.spoolMaxBytes);
    this.executor = await ActionExecutor.open({
      allowed: c.actions,
      socketPath: c.dockerSocket,
      stateDir: c.stateDir,
      handlers: this.opts.actionHandlers,
      log: this.log,
      onResult: () => void this.flush(),
    });
    if (this.spool.batches > 0) this.log(`fleetlens-agent: replaying ${this.spool.batches} spooled batches`);
    const client = new IngestClient({
      backendUrl: c.backendUrl,
      token: c.agentToken,
      timeoutMs: c.requestTimeoutSeconds * 1000,
      onProbes: this.opts.onDefinedProbes,
    });
    this.sender = new Sender(this.spool, client, {
      log: this.log,
      onActions: (a) => this.onActions(a),
      ...this.opts.sender,
    });
    this.sender.start();
    const now = Date.now();
    for (const col of this.opts.collectors) await col.start(now);
    this.schedule();
  }

  /** Stops the loop and the collectors; the spool keeps whatever was not delivered yet. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await this.running;
    await this.lock;
    for (const col of this.opts.collectors) await col.stop().catch(() => undefined);
    await this.sender.stop();
    this.executor?.close();
  }

  /** Hands the reply's actions to the executor and polls quickly for a while (ACTION_POLL_MS). */
  private onActions(actions: ContainerAction[]): void {
    this.executor?.submit(actions);
    this.pollUntil = Date.now() + ACTION_POLL_WINDOW_MS;
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.stopped || this.opts.config.intervalSeconds * 1000 <= ACTION_POLL_MS) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      if (Date.now() >= this.pollUntil) return;
      // Only while the backend keeps up: polls must not pile up in the spool during an outage.
      if (this.spool.batches === 0) void this.flush();
      this.schedulePoll();
    }, ACTION_POLL_MS);
  }

  /**
   * Queues a batch with the pending action results (or none: a poll) at once, without collecting:
   * results reach the backend within seconds, spooled like every batch.
   */
  private flush(): Promise<void> {
    return this.serial(async () => {
      if (this.stopped || !this.executor) return;
      const batch = assembleBatch(
        randomUUID(),
        Math.floor(Date.now() / 1000),
        {
          id: this.agentId,
          version: AGENT_VERSION,
          mode: this.opts.config.mode,
          hostname: this.opts.config.nodeName,
          status: this.status(),
        },
        this.cluster,
        [{ actionResults: this.executor.take() }]
      );
      await this.spool.append(await gzipAsync(Buffer.from(JSON.stringify(sanitizeBatch(batch).batch))), 0);
      this.sender.notify();
      await this.executor.commit();
    }).catch((e: Error) => this.log(`fleetlens-agent: sending action results failed: ${e.message}`));
  }

  /** Runs `fn` after whatever cycle or flush is under way (both take the executor's results). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn, fn);
    this.lock = p.catch(() => undefined);
    return p;
  }

  /** The agent's health as reported in every batch. */
  status(): AgentStatus {
    const own = this.self.read();
    return {
      lastPushAt: this.sender.lastPushAt,
      spoolBytes: this.spool.bytes,
      spoolBatches: this.spool.batches,
      droppedBatches: this.spool.droppedBatches + this.sender.tooLargeDropped,
      rejectedBatches: this.sender.rejectedBatches - this.sender.tooLargeDropped,
      cpuCores: own.cpuCores,
      rssBytes: own.rssBytes,
      clockSkewSeconds: this.sender.clockSkewSeconds,
      droppedSamples: this.spool.droppedSamples,
      spoolWriteErrors: this.spool.writeErrors,
      spoolLastWriteError: this.spool.lastWriteError?.slice(0, 64) ?? null,
      spoolMemoryBatches: this.spool.memoryBatches,
      spoolCorruptBatches: this.spool.corruptBatches,
      ...(this.executor ? { allowedActions: this.executor.runs } : {}),
      ...this.containerUsage(),
      ...Object.assign({}, ...this.opts.collectors.map((c) => c.status?.() ?? {})),
    };
  }

  /** The collectors' notes on their container figures (e.g. a cgroup that cannot be read), when any. */
  private containerUsage(): { containerUsage?: string } {
    const notes = this.opts.collectors.map((c) => c.containerUsage?.() ?? null).filter((n): n is string => !!n);
    return notes.length ? { containerUsage: notes.join('; ').slice(0, 256) } : {};
  }

  /** Appends the batch's id and sample keys to the debug batch log (FLEETLENS_BATCH_LOG); never throws. */
  private async logBatch(file: string, batch: IngestBatch, onDisk: boolean): Promise<void> {
    const samples = [
      ...batch.nodes.flatMap((n) => n.samples.map((s) => `node/${n.name}@${s.ts}`)),
      ...batch.containers.flatMap((x) => x.samples.map((s) => `container/${x.id}@${s.ts}`)),
    ];
    const line = JSON.stringify({ batchId: batch.batchId, sentAt: batch.sentAt, onDisk, samples });
    await appendFile(file, line + '\n').catch((e: Error) => this.log(`fleetlens-agent: batch log: ${e.message}`));
  }

  private schedule(): void {
    if (this.stopped) return;
    const ms = this.opts.config.intervalSeconds * 1000;
    // Align ticks to interval boundaries so sample timestamps are regular and never repeat.
    const delay = ms - (Date.now() % ms) + 5;
    this.timer = setTimeout(() => {
      this.running = this.cycle(Date.now())
        .catch((e: Error) => this.log(`fleetlens-agent: cycle failed: ${e.message}`))
        .finally(() => this.schedule());
    }, delay);
  }

  /** Runs one collection cycle at `now` (epoch ms). Exposed for tests. */
  cycle(now: number): Promise<void> {
    return this.serial(() => this.collectCycle(now));
  }

  private async collectCycle(now: number): Promise<void> {
    const ts = Math.floor(now / 1000);
    if (ts <= this.lastTs) return; // a late timer landed in the same second: skip, never duplicate
    this.lastTs = ts;
    const results = await Promise.allSettled(this.opts.collectors.map((c) => c.collect(now)));
    const parts: BatchParts[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') parts.push(r.value);
      else {
        this.collectorErrors++;
        this.log(`fleetlens-agent: ${this.opts.collectors[i].name} collector failed: ${(r.reason as Error)?.message}`);
      }
    });
    if (this.executor) parts.push({ actionResults: this.executor.take() });
    const c = this.opts.config;
    const raw = assembleBatch(
      randomUUID(),
      ts,
      {
        id: this.agentId,
        version: AGENT_VERSION,
        mode: c.mode,
        hostname: c.nodeName,
        status: (this.lastStatus = this.status()),
      },
      this.cluster,
      parts
    );
    const { batch, removed } = sanitizeBatch(raw);
    if (removed.length) this.log(`fleetlens-agent: left out invalid items: ${removed.slice(0, 5).join('; ')}`);
    let samples = 0;
    for (const r of [...batch.nodes, ...batch.containers]) samples += r.samples.length;
    // Never throws for a full or read-only disk: the batch is then held in memory and sent from there.
    const spooled = await this.spool.append(await gzipAsync(Buffer.from(JSON.stringify(batch))), samples);
    if (spooled !== !this.spoolFailing) {
      this.spoolFailing = !spooled; // logged once per change, not every cycle
      this.log(
        spooled
          ? 'fleetlens-agent: spooling to disk again'
          : `fleetlens-agent: cannot spool batches (${this.spool.lastWriteError ?? 'over the size limit'}); holding up to ${this.spool.maxMemoryBatches} in memory`
      );
    }
    this.opts.onBatch?.(batch);
    if (c.batchLog) await this.logBatch(c.batchLog, batch, spooled);
    this.sender.notify();
    // Only now that the batch is queued (on disk, or in memory when the disk refused it) may
    // collectors move their cursors past its data.
    for (const col of this.opts.collectors) await col.commit?.().catch(() => undefined);
    await this.executor?.commit().catch(() => undefined);
    this.lastCycleAt = Date.now();
    this.cycles++;
  }
}

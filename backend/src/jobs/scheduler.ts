import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../db/connection';
import type { Logger } from '../logger';
import { Lease } from '../services/lease';
import type { Telemetry } from '../telemetry';

/** A job that runs on the leader only. */
export interface Job {
  name: string;
  /** node-cron expression with seconds. */
  schedule: string;
  run(now: number): Promise<unknown>;
}

/**
 * Runs jobs on node-cron, but only while this replica holds the jobs lease; renews the lease
 * every `ttl/3` so a live leader never loses it and a dead one is replaced after `ttl`.
 */
export class JobScheduler {
  private tasks: ScheduledTask[] = [];
  private leader = false;
  private running = new Set<string>();
  readonly lease: Lease;

  constructor(
    private readonly db: Db,
    private readonly jobs: Job[],
    private readonly log: Logger,
    private readonly telemetry: Telemetry,
    holder: string,
    ttlSeconds: number
  ) {
    this.lease = new Lease(db, 'jobs', holder, ttlSeconds * 1000);
  }

  get isLeader() {
    return this.leader;
  }

  /** Starts the lease renewal and the job schedules. */
  async start() {
    await this.renew();
    this.tasks.push(cron.schedule('*/10 * * * * *', () => void this.renew()));
    for (const job of this.jobs) this.tasks.push(cron.schedule(job.schedule, () => void this.runJob(job)));
  }

  /** Renews (or tries to take) the lease. */
  async renew() {
    try {
      const was = this.leader;
      this.leader = await this.lease.tryAcquire();
      this.telemetry.isLeader.set(this.leader ? 1 : 0);
      if (was !== this.leader) this.log.info(this.leader ? 'became jobs leader' : 'lost jobs leadership');
    } catch (err) {
      this.leader = false;
      this.log.warn('lease renewal failed', { error: String(err) });
    }
  }

  /** Runs one job now if this replica leads and the job is not already running; records the outcome. */
  async runJob(job: Job): Promise<boolean> {
    if (!this.leader || this.running.has(job.name)) return false;
    this.running.add(job.name);
    const started = Date.now();
    const now = Math.floor(started / 1000);
    try {
      await job.run(now);
      this.telemetry.jobRuns.inc({ job: job.name, outcome: 'ok' });
      await this.record(job.name, now, null, Date.now() - started);
      return true;
    } catch (err) {
      this.telemetry.jobRuns.inc({ job: job.name, outcome: 'error' });
      this.log.error('job failed', { job: job.name, error: String(err) });
      await this.record(job.name, now, String(err), Date.now() - started).catch(() => undefined);
      return false;
    } finally {
      this.running.delete(job.name);
    }
  }

  private async record(name: string, now: number, error: string | null, ms: number) {
    const row = { name, last_run: now, last_ok: error ? null : now, last_error: error, duration_ms: ms };
    const k = this.db.knex;
    const merge = error
      ? ['last_run', 'last_error', 'duration_ms']
      : ['last_run', 'last_ok', 'last_error', 'duration_ms'];
    await k('job_runs').insert(row).onConflict('name').merge(merge);
  }

  /** Stops schedules and gives up the lease. */
  async stop() {
    for (const t of this.tasks) await t.stop();
    this.tasks = [];
    if (this.leader) await this.lease.release().catch(() => undefined);
    this.leader = false;
  }
}

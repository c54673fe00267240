import { join } from 'node:path';
import type { ActionKind, ActionResult, ContainerAction } from '@fleetlens/protocol';
import { DockerEngine, EngineError } from '../collectors/docker/engine';
import { JsonState } from '../state';
import { containerHandlers } from './docker-container';
import type { ActionHandlers } from './handlers';

/** What the executor keeps in the state dir: ids it has started (with their expiry) and results not yet spooled. */
interface Ledger {
  started: Record<string, number>;
  results: ActionResult[];
}

/** Ids are remembered this long past their expiry (the backend never hands an expired action out). */
const KEEP_AFTER_EXPIRY_SECONDS = 86_400;

export interface ExecutorOptions {
  /** The kinds FLEETLENS_ACTIONS allows; any other is answered with a failed result. */
  allowed: readonly ActionKind[];
  /** The Docker socket (the engine client is the Docker collector's, opened on first use). */
  socketPath: string;
  /**
   * The handlers of this agent's kinds, given the engine client (actions/index.ts, by mode);
   * the Docker container kinds when absent. A kind without a handler gets a failed result.
   */
  handlers?: (engine: () => DockerEngine) => ActionHandlers;
  /** The agent's state dir: the ledger of started ids and unsent results lives there. */
  stateDir: string;
  log?: (msg: string) => void;
  /** Called after each result is recorded (the agent then sends it without waiting for its interval). */
  onResult?: () => void;
  /** Epoch ms (tests). */
  now?: () => number;
}

/**
 * Runs actions handed out by the backend (issue 15; decision 32), one after another,
 * each id at most once: the id is written to the ledger in the state dir before the engine is
 * called, so neither a second hand-out nor an agent restart runs it again. Results wait in the
 * ledger until a spooled batch carries them (`take` / `commit`, like a collector's cursor).
 */
export class ActionExecutor {
  private engine: DockerEngine | null = null;
  private readonly handlers: ActionHandlers;
  private queue: Promise<void> = Promise.resolve();
  private taken: string[] = [];
  private readonly log: (msg: string) => void;
  private readonly now: () => number;

  private constructor(
    private readonly opts: ExecutorOptions,
    private readonly ledger: JsonState<Ledger>
  ) {
    this.log = opts.log ?? ((m) => console.error(m));
    this.now = opts.now ?? Date.now;
    const engine = () => (this.engine ??= new DockerEngine(this.opts.socketPath));
    this.handlers = opts.handlers ? opts.handlers(engine) : containerHandlers(engine);
  }

  /** Opens the ledger (`actions.json` in the state dir). */
  static async open(opts: ExecutorOptions): Promise<ActionExecutor> {
    const ledger = await JsonState.open<Ledger>(join(opts.stateDir, 'actions.json'), { started: {}, results: [] });
    ledger.value.started ??= {};
    ledger.value.results ??= [];
    return new ActionExecutor(opts, ledger);
  }

  /** Queues actions to run in order; returns at once (the push loop never waits on the engine). */
  submit(actions: ContainerAction[]): void {
    for (const a of actions) this.queue = this.queue.then(() => this.run(a)).catch((e: Error) => this.log(e.message));
  }

  /** Resolves once every submitted action has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The results not yet in a spooled batch; `commit` forgets them once that batch is spooled. */
  take(): ActionResult[] {
    this.taken = this.ledger.value.results.map((r) => r.id);
    return [...this.ledger.value.results];
  }

  /** The batch with the taken results is spooled: they need not be kept any longer. */
  async commit(): Promise<void> {
    if (!this.taken.length) return;
    const sent = new Set(this.taken);
    this.taken = [];
    this.ledger.value.results = this.ledger.value.results.filter((r) => !sent.has(r.id));
    await this.ledger.save();
  }

  /** The kinds this agent runs: allowed by FLEETLENS_ACTIONS and with a handler here (its status reports them). */
  get runs(): ActionKind[] {
    return this.opts.allowed.filter((k) => this.handlers[k] !== undefined);
  }

  /** Results waiting for a batch. */
  get pending(): number {
    return this.ledger.value.results.length;
  }

  close(): void {
    this.engine?.close();
  }

  private async run(a: ContainerAction): Promise<void> {
    const nowSec = Math.floor(this.now() / 1000);
    if (this.ledger.value.started[a.id] !== undefined) {
      this.log(`fleetlens-agent: action ${a.id} was already run; not running it again`);
      return;
    }
    this.ledger.value.started[a.id] = a.expiresAt;
    for (const [id, exp] of Object.entries(this.ledger.value.started))
      if (exp < nowSec - KEEP_AFTER_EXPIRY_SECONDS) delete this.ledger.value.started[id];
    try {
      await this.ledger.save();
    } catch (e) {
      // Without the id on disk a restart could run it twice: refuse rather than risk that.
      delete this.ledger.value.started[a.id];
      return this.record(a, 'failed', `not run: cannot record it in the state dir (${(e as Error).message})`);
    }
    if (!this.opts.allowed.includes(a.kind))
      return this.record(
        a,
        'failed',
        `"${a.kind}" is not allowed on this agent (FLEETLENS_ACTIONS=${this.opts.allowed.join(',') || '(empty)'})`
      );
    if (nowSec > a.expiresAt) return this.record(a, 'failed', 'not run: it had expired when it reached the agent');
    const handler = this.handlers[a.kind];
    if (!handler) return this.record(a, 'failed', `this agent cannot run "${a.kind}" actions`);
    try {
      await this.record(a, 'done', await handler(a));
    } catch (e) {
      await this.record(a, 'failed', e instanceof EngineError ? e.message : `${a.kind}: ${(e as Error).message}`);
    }
  }

  private async record(a: ContainerAction, state: 'done' | 'failed', message: string): Promise<void> {
    this.ledger.value.results.push({
      id: a.id,
      state,
      message: message.slice(0, 4096),
      ts: Math.floor(this.now() / 1000),
    });
    const on = a.containerId?.slice(0, 12) ?? Object.values(a.target).join('/');
    this.log(`fleetlens-agent: action ${a.kind} ${on} (${a.id}): ${state}: ${message}`);
    await this.ledger.save().catch((e: Error) => this.log(`fleetlens-agent: action ledger: ${e.message}`));
    this.opts.onResult?.();
  }
}

import type { AgentStatus } from '@fleetlens/protocol';
import type { BatchParts, Collector } from '../collectors/types';
import type { ProbeRunner } from './runner';

/** Puts the probe runs finished since the previous cycle into the batch (the runner keeps each probe's own interval). */
export class ProbeCollector implements Collector {
  readonly name = 'probes';

  constructor(readonly runner: ProbeRunner) {}

  async start(): Promise<void> {
    this.runner.start();
  }

  async collect(): Promise<BatchParts> {
    return { probeResults: this.runner.take() };
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Probes over FLEETLENS_PROBE_MAX, shown on the agent's status so that a cut is not silent. */
  status(): Partial<AgentStatus> {
    return { probesOverLimit: this.runner.overLimit };
  }
}

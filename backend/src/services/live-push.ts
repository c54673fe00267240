import type { IngestBatch } from '@fleetlens/protocol';

/**
 * Whether a batch is a live push rather than a replay from the agent's spool: sent no longer than
 * `liveSeconds` (the silent threshold) ago by the server's clock. Only a live push's reply carries
 * what the agent is to do now (its defined probes, actions), so that draining a spool neither
 * flips its probe set back and forth nor hands actions to a push from an outage. A batch stamped
 * ahead of the server (an agent whose clock is fast) is not a replay: it counts as live.
 */
export const isLivePush = (batch: Pick<IngestBatch, 'sentAt'>, now: number, liveSeconds: number): boolean =>
  now - batch.sentAt <= liveSeconds;

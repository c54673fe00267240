import type { IngestBatch } from '@fleetlens/protocol';

/**
 * Whether a batch is a live push rather than a replay from the agent's spool: sent within
 * `liveSeconds` (the silent threshold) of the server's clock, either way. Only a live push's reply
 * carries what the agent is to do now (its defined probes, actions), so that draining a spool
 * neither flips its probe set back and forth nor hands actions to a push from an outage.
 */
export const isLivePush = (batch: Pick<IngestBatch, 'sentAt'>, now: number, liveSeconds: number): boolean =>
  Math.abs(now - batch.sentAt) <= liveSeconds;

import { z } from 'zod';
import { AgentStatus } from '../v1/ingest';
import { csv } from './params';

/**
 * Agents (query API): who reports, from where, how current, and the health counters each agent
 * sends with every batch (spool, drops, write errors, clock skew) as its newest batch had them.
 */
export const AgentSummary = z.object({
  /** `node:<node name>` or `cluster:<name>`, as the agent names itself. */
  id: z.string(),
  clusterId: z.string(),
  cluster: z.string(),
  mode: z.enum(['node', 'cluster']),
  hostname: z.string(),
  /** The node this agent reports (node mode), when the backend knows it. */
  nodeId: z.string().nullable(),
  version: z.string(),
  /** sentAt of the agent's newest batch (epoch seconds). */
  lastSeen: z.number().int(),
  /** The counters of the newest batch; null when the agent sends none. */
  status: AgentStatus.nullable(),
});

export const AgentListQuery = z.object({
  cluster: csv,
  /** Only the agent of this node (node id). */
  node: z.string().min(1).max(256).optional(),
});

export const AgentListReply = z.object({ items: z.array(AgentSummary) });

export type AgentSummary = z.infer<typeof AgentSummary>;
export type AgentListQuery = z.infer<typeof AgentListQuery>;
export type AgentListReply = z.infer<typeof AgentListReply>;

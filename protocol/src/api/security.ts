import { z } from 'zod';
import { RiskKind } from '../v1/security';
import { csv, csvList } from './params';

/*
 * Security posture reads of the query API (issue 17): the risky-containers listing and the counts
 * per risk. The listing's rows are the ContainerRow of v1.ts (its `risks` and `security` fields).
 */

/** Sort keys of the risky-containers listing; `risks` is the number of risks. */
export const RiskySortKey = z.enum(['risks', 'name', 'cluster', 'namespace', 'node', 'image']);

/** GET /security/containers: containers (not gone) with at least one risk, or with all of `risk`. */
export const RiskyContainerQuery = z.object({
  cluster: csv,
  namespace: csv,
  node: csv,
  /** Comma-separated risk names: a container must have every one of them. */
  risk: csvList.pipe(z.array(RiskKind).max(RiskKind.options.length)).optional(),
  q: z.string().max(200).optional(),
  sort: RiskySortKey.default('risks'),
  order: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

/** GET /security/counts: the filters of the listing that apply to counts. */
export const RiskCountsQuery = z.object({ cluster: csv, namespace: csv, node: csv });

/** Containers (not gone, within scope and filters) per risk; `risky` have at least one, `assessed` reported posture at all. */
export const RiskCountsReply = z.object({
  assessed: z.number(),
  risky: z.number(),
  byRisk: z.record(RiskKind, z.number()),
});

export type RiskySortKey = z.infer<typeof RiskySortKey>;
export type RiskyContainerQuery = z.infer<typeof RiskyContainerQuery>;
export type RiskyContainerQueryInput = z.input<typeof RiskyContainerQuery>;
export type RiskCountsQuery = z.infer<typeof RiskCountsQuery>;
export type RiskCountsReply = z.infer<typeof RiskCountsReply>;

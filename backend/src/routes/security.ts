import { api } from '@fleetlens/protocol';
import type { Endpoint } from './query';

/** Security posture reads (issue 17); the services apply the caller's scope. */
export const SECURITY_READS: Endpoint[] = [
  {
    path: '/security/containers',
    summary: 'Risky containers (at least one risk, or every risk asked for), filtered, sorted and paged',
    query: api.RiskyContainerQuery,
    reply: api.ContainerListReply,
    handle: (d, s, q) => d.queries.security.risky(s, q),
  },
  {
    path: '/security/counts',
    summary: 'Containers per security risk, and how many have any',
    query: api.RiskCountsQuery,
    reply: api.RiskCountsReply,
    handle: (d, s, q) => d.queries.security.counts(s, q),
  },
];

import { api } from '@fleetlens/protocol';
import { PROBE_READS } from './probes';
import type { Endpoint } from './query';

/** Service health reads (issue 16; decision 29); the service applies the caller's scope. */
export const SERVICE_READS: Endpoint[] = [
  {
    path: '/services',
    summary:
      'Services with requests/s, error %, latency, probe status and certificate expiry over a window, sorted and paged',
    query: api.ServiceListQuery,
    reply: api.ServiceListReply,
    handle: (d, s, q) => d.queries.services.list(s, q),
  },
  {
    path: '/services/response-times',
    summary: 'Average response time per step of the busiest services (the Monitoring chart)',
    query: api.ResponseTimesQuery,
    reply: api.ResponseTimesReply,
    handle: (d, s, q) => d.queries.services.responseTimes(s, q),
  },
  {
    path: '/services/status-classes',
    summary: 'Requests per HTTP status class over a window (the Monitoring donut)',
    query: api.StatusClassesQuery,
    reply: api.StatusClassesReply,
    handle: (d, s, q) => d.queries.services.statusClasses(s, q),
  },
  {
    path: '/services/:id',
    summary: 'One service with its probes and the containers whose access logs fed it',
    query: api.ServiceDetailQuery,
    reply: api.ServiceDetailReply,
    handle: (d, s, q, p) => d.queries.services.detail(s, p.id, q),
  },
  {
    path: '/services/:id/series',
    summary: 'Per-step series of one service (requests/s, error %, latency, status classes, probe up and duration)',
    query: api.ServiceSeriesQuery,
    reply: api.ServiceSeriesReply,
    handle: (d, s, q, p) => d.queries.services.series(s, p.id, q),
  },
  ...PROBE_READS,
];

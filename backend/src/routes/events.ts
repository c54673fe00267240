import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';

export const EVENT_READS: Endpoint[] = [
  {
    path: '/events',
    summary: 'Container and Kubernetes events in scope, filtered, newest first, paged',
    query: wire.EventListQuery,
    reply: wire.EventListReply,
    handle: (d, s, q) => d.events.list(s, q),
  },
  {
    path: '/events/counts',
    summary: 'Event counts over time by type (normal, warning), in buckets of `step` seconds',
    query: wire.EventCountsQuery,
    reply: wire.EventCountsReply,
    handle: (d, s, q) => d.events.counts(s, q),
  },
];

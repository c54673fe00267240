import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';

export const LOG_READS: Endpoint[] = [
  {
    path: '/logs',
    summary:
      'Container log lines in scope by container or pod, levels, time and keyword; newest first (or oldest first with order=asc) with a cursor',
    query: wire.LogQuery,
    reply: wire.LogReply,
    handle: (d, s, q) => d.logs.query(s, q),
  },
  {
    path: '/logs/volume',
    summary: 'Log lines per time bucket and level over from–to, with the same filters as /logs (at most 1000 buckets)',
    query: wire.LogVolumeQuery,
    reply: wire.LogVolumeReply,
    handle: (d, s, q) => d.logs.volume(s, q),
  },
];

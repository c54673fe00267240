import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';

export const LOG_READS: Endpoint[] = [
  {
    path: '/logs',
    summary: 'Container log lines in scope by container or pod, level, time and keyword; newest first with a cursor',
    query: wire.LogQuery,
    reply: wire.LogReply,
    handle: (d, s, q) => d.logs.query(s, q),
  },
];

import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import { callerName, type RouteSpec } from './mount';

export const SILENCE_READS: Endpoint[] = [
  {
    path: '/silences',
    summary: 'Silences in scope (active, or ended with ?active=false)',
    query: wire.SilenceListQuery,
    reply: wire.SilenceListReply,
    handle: (d, s, q) => d.alerts.silences.list(s, q),
  },
];

export const SILENCE_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/silences',
    summary: 'Mute a rule, an entity, or a rule on an entity until a time (editor or admin)',
    access: 'editor',
    body: wire.SilenceInput,
    reply: wire.Silence,
    status: 201,
    audit: { action: 'silence.create', targetType: 'silence' },
    handle: (d, c, i) => d.alerts.silences.create(i.body, callerName(c), c!.scope),
  },
  {
    method: 'delete',
    path: '/silences/:id',
    summary: 'End a silence now (editor or admin)',
    access: 'editor',
    reply: wire.Silence,
    audit: { action: 'silence.expire', targetType: 'silence', before: (d, p) => d.alerts.silences.get(p.id) },
    handle: (d, c, i) => d.alerts.silences.expire(i.params.id, c!.scope),
  },
];

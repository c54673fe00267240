import { alerts as wire } from '@fleetlens/protocol';
import type { Endpoint } from './query';
import type { RouteSpec } from './mount';

export const CHANNEL_READS: Endpoint[] = [
  {
    path: '/notification-channels',
    summary: 'Notification channels, secrets masked',
    reply: wire.ChannelListReply,
    handle: (d) => d.alerts.channels.list(),
  },
  {
    path: '/notification-channels/:id',
    summary: 'One notification channel, secrets masked',
    reply: wire.Channel,
    handle: (d, _s, _q, p) => d.alerts.channels.get(p.id),
  },
  {
    path: '/notification-deliveries',
    summary: 'Notification deliveries (attempts, status, last error), newest first',
    query: wire.DeliveryListQuery,
    reply: wire.DeliveryListReply,
    handle: (d, s, q) => d.alerts.notifier.deliveries(s, q),
  },
];

export const CHANNEL_WRITES: RouteSpec[] = [
  {
    method: 'post',
    path: '/notification-channels',
    summary: 'Create a webhook, Slack-compatible webhook or SMTP e-mail channel (admin)',
    access: 'admin',
    body: wire.ChannelInput,
    reply: wire.Channel,
    status: 201,
    audit: { action: 'channel.create', targetType: 'notification-channel' },
    handle: (d, c, i) => d.alerts.channels.create(i.body),
  },
  {
    method: 'put',
    path: '/notification-channels/:id',
    summary: 'Replace a channel; a secret sent back in its masked form keeps the stored value (admin)',
    access: 'admin',
    body: wire.ChannelInput,
    reply: wire.Channel,
    audit: {
      action: 'channel.update',
      targetType: 'notification-channel',
      before: (d, p) => d.alerts.channels.get(p.id),
    },
    handle: (d, c, i) => d.alerts.channels.replace(i.params.id, i.body),
  },
  {
    method: 'delete',
    path: '/notification-channels/:id',
    summary: 'Delete a channel and remove it from every rule (admin)',
    access: 'admin',
    audit: {
      action: 'channel.delete',
      targetType: 'notification-channel',
      before: (d, p) => d.alerts.channels.get(p.id),
    },
    handle: (d, c, i) => d.alerts.channels.remove(i.params.id),
  },
  {
    method: 'post',
    path: '/notification-channels/:id/test',
    summary: 'Send a test message over the channel now; the outcome is recorded as a delivery (admin)',
    access: 'admin',
    reply: wire.TestSendReply,
    audit: { action: 'channel.test', targetType: 'notification-channel' },
    handle: (d, c, i) => d.alerts.notifier.testSend(i.params.id, d.alerts.now()),
  },
];

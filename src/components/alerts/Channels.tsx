import React, { useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import {
  Alert as Banner,
  Badge,
  Button,
  EmptyState,
  Field,
  Input,
  Modal,
  RadioButtonGroup,
  Stack,
  Switch,
} from '@grafana/ui';
import type { Channel, ChannelInputRaw, ChannelType, Delivery } from '@fleetlens/protocol/api/alerts';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { issueFor } from '../FieldIssues';
import { formatAgo } from '../../utils/format';

const TYPES: Array<SelectableValue<ChannelType>> = [
  { label: 'Webhook (JSON)', value: 'webhook' },
  { label: 'Slack-compatible', value: 'slack' },
  { label: 'E-mail (SMTP)', value: 'email' },
];

/** Where a channel sends, as the backend shows it (secrets already masked by the backend). */
function destination(c: Channel): string {
  const cfg = c.config as Record<string, unknown>;
  if (c.type === 'email') {
    const to = Array.isArray(cfg.to) ? (cfg.to as string[]).join(', ') : '';
    return `${to} via ${String(cfg.host ?? '')}:${String(cfg.port ?? '')}`;
  }
  return String(cfg.url ?? '');
}

/** The outcome of a test send, in plain words. */
export function testOutcome(d: Delivery): { ok: boolean; text: string } {
  if (d.status === 'sent') {
    return { ok: true, text: `Test message sent${d.responseCode ? ` (answer ${d.responseCode})` : ''}.` };
  }
  return {
    ok: false,
    text: `Test message failed${d.responseCode ? ` (answer ${d.responseCode})` : ''}: ${d.lastError ?? d.status}.`,
  };
}

interface Props {
  client: FleetlensClient;
  channels: Channel[];
  isAdmin: boolean;
  onChanged(): void;
}

/** Notification channels: list (secrets masked), create, edit, delete and test-send (admins). */
export function Channels({ client, channels, isAdmin, onChanged }: Props) {
  const [editing, setEditing] = useState<Channel | 'new'>();
  const [outcome, setOutcome] = useState<Record<string, { ok: boolean; text: string } | 'sending'>>({});
  const [error, setError] = useState<ApiError>();

  const test = async (c: Channel) => {
    setOutcome((o) => ({ ...o, [c.id]: 'sending' }));
    try {
      const d = await client.testChannel(c.id);
      setOutcome((o) => ({ ...o, [c.id]: testOutcome(d) }));
    } catch (err) {
      setOutcome((o) => ({ ...o, [c.id]: { ok: false, text: toApiError(err).message } }));
    }
  };
  const remove = async (c: Channel) => {
    try {
      await client.deleteChannel(c.id);
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const columns: Array<Column<Channel>> = [
    { id: 'name', header: 'Name', render: (c) => c.name },
    { id: 'type', header: 'Type', render: (c) => c.type },
    { id: 'enabled', header: 'Enabled', render: (c) => (c.enabled ? 'yes' : 'no') },
    { id: 'dest', header: 'Sends to', render: (c) => <code>{destination(c)}</code> },
    { id: 'updated', header: 'Changed', render: (c) => formatAgo(c.updatedAt) },
    {
      id: 'test',
      header: 'Test',
      render: (c) => {
        const o = outcome[c.id];
        return (
          <Stack gap={1} alignItems="center">
            {isAdmin && (
              <Button
                size="sm"
                variant="secondary"
                icon="message"
                disabled={o === 'sending'}
                onClick={() => test(c)}
                aria-label={`Send a test message over ${c.name}`}
              >
                Send test
              </Button>
            )}
            {o && o !== 'sending' && (
              <span role="status" data-testid={`test-outcome-${c.id}`}>
                <Badge
                  color={o.ok ? 'green' : 'red'}
                  icon={o.ok ? 'check' : 'exclamation-triangle'}
                  text={o.ok ? 'sent' : 'failed'}
                />{' '}
                {o.text}
              </span>
            )}
          </Stack>
        );
      },
    },
    ...(isAdmin
      ? [
          {
            id: 'actions',
            header: '',
            render: (c: Channel) => (
              <>
                <Button
                  size="sm"
                  variant="secondary"
                  icon="pen"
                  onClick={() => setEditing(c)}
                  aria-label={`Edit channel ${c.name}`}
                >
                  Edit
                </Button>{' '}
                <Button
                  size="sm"
                  variant="destructive"
                  fill="text"
                  icon="trash-alt"
                  onClick={() => remove(c)}
                  aria-label={`Delete channel ${c.name}`}
                />
              </>
            ),
          },
        ]
      : []),
  ];

  return (
    <div>
      {isAdmin && (
        <div style={{ marginBottom: 8 }}>
          <Button icon="plus" onClick={() => setEditing('new')}>
            New channel
          </Button>
        </div>
      )}
      {error && (
        <Banner title="Not done" severity="error">
          {error.message}
        </Banner>
      )}
      {channels.length === 0 ? (
        <EmptyState variant="call-to-action" message="No notification channels">
          {isAdmin
            ? 'Add a webhook, a Slack-compatible webhook or an SMTP e-mail channel, then pick it in the rules that should notify.'
            : 'An admin can add webhook, Slack or e-mail channels for rules to notify.'}
        </EmptyState>
      ) : (
        <DataTable
          label="Notification channels"
          testId="channels-table"
          columns={columns}
          rows={channels}
          rowKey={(c) => c.id}
        />
      )}
      {editing && (
        <ChannelForm
          client={client}
          channel={editing === 'new' ? undefined : editing}
          onDismiss={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            onChanged();
          }}
        />
      )}
    </div>
  );
}

function ChannelForm({
  client,
  channel,
  onSaved,
  onDismiss,
}: {
  client: FleetlensClient;
  channel?: Channel;
  onSaved(): void;
  onDismiss(): void;
}) {
  const cfg = (channel?.config ?? {}) as Record<string, unknown>;
  const [name, setName] = useState(channel?.name ?? '');
  const [type, setType] = useState<ChannelType>(channel?.type ?? 'webhook');
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  // Masked values (e.g. "https://hooks.example/***") sent back unchanged keep the stored secret.
  const [url, setUrl] = useState(String(cfg.url ?? ''));
  const [host, setHost] = useState(String(cfg.host ?? ''));
  const [port, setPort] = useState(String(cfg.port ?? '587'));
  const [secure, setSecure] = useState(Boolean(cfg.secure));
  const [username, setUsername] = useState(String(cfg.username ?? ''));
  const [password, setPassword] = useState(String(cfg.password ?? ''));
  const [from, setFrom] = useState(String(cfg.from ?? ''));
  const [to, setTo] = useState(Array.isArray(cfg.to) ? (cfg.to as string[]).join(', ') : '');
  const [error, setError] = useState<ApiError>();

  const body = (): ChannelInputRaw => {
    if (type === 'email') {
      return {
        name,
        type,
        enabled,
        config: {
          host,
          port: Number(port),
          secure,
          username: username || null,
          password: password || null,
          from,
          to: to
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        },
      };
    }
    if (type === 'slack') {
      return { name, type, enabled, config: { url } };
    }
    const headers = (cfg.headers ?? {}) as Record<string, string>;
    return { name, type, enabled, config: { url, headers } };
  };
  const save = async () => {
    setError(undefined);
    try {
      if (channel) {
        await client.replaceChannel(channel.id, body());
      } else {
        await client.createChannel(body());
      }
      onSaved();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const f = (p: string) => ({ invalid: !!issueFor(error, p), error: issueFor(error, p) });

  return (
    <Modal title={channel ? `Edit channel ${channel.name}` : 'New notification channel'} isOpen onDismiss={onDismiss}>
      <form
        aria-label="Notification channel"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {error && (
          <Banner title="The channel was not saved" severity="error">
            {error.issues.length ? 'Fix the fields marked below.' : error.message}
          </Banner>
        )}
        <Field label="Name" {...f('name')}>
          <Input id="channel-name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Type" {...f('type')}>
          <RadioButtonGroup options={TYPES} value={type} onChange={setType} disabled={!!channel} />
        </Field>
        {type !== 'email' ? (
          <Field
            label="URL"
            description={channel ? 'Shown masked; leave it as is to keep the stored URL' : undefined}
            {...f('config.url')}
          >
            <Input id="channel-url" value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
          </Field>
        ) : (
          <>
            <Stack gap={2}>
              <Field label="SMTP host" {...f('config.host')}>
                <Input id="channel-host" value={host} onChange={(e) => setHost(e.currentTarget.value)} width={30} />
              </Field>
              <Field label="Port" {...f('config.port')}>
                <Input id="channel-port" value={port} onChange={(e) => setPort(e.currentTarget.value)} width={10} />
              </Field>
              <Field label="TLS from the start">
                <Switch id="channel-secure" value={secure} onChange={(e) => setSecure(e.currentTarget.checked)} />
              </Field>
            </Stack>
            <Stack gap={2}>
              <Field label="Username" {...f('config.username')}>
                <Input
                  id="channel-username"
                  value={username}
                  onChange={(e) => setUsername(e.currentTarget.value)}
                  width={24}
                />
              </Field>
              <Field label="Password" {...f('config.password')}>
                <Input
                  id="channel-password"
                  type="password"
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                  width={24}
                />
              </Field>
            </Stack>
            <Field label="From" {...f('config.from')}>
              <Input id="channel-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
            </Field>
            <Field label="To" description="Comma-separated addresses" {...f('config.to')}>
              <Input id="channel-to" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
            </Field>
          </>
        )}
        <Field label="Enabled">
          <Switch id="channel-enabled" value={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        </Field>
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" type="button" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit">{channel ? 'Save channel' : 'Create channel'}</Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

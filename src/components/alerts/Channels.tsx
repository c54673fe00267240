import React, { useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Alert as Banner, Badge, Button, EmptyState, Field, RadioButtonGroup, Stack, Switch } from '@grafana/ui';
import type { Channel, ChannelInputRaw, ChannelType, Delivery } from '@fleetlens/protocol/api/alerts';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { fieldProps } from '../FieldIssues';
import { FormModal, TextField } from '../FormParts';
import { editDeleteColumn } from '../RowActions';
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
    ...(isAdmin ? [editDeleteColumn<Channel>('channel', setEditing, remove)] : []),
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
  const f = (p: string) => fieldProps(error, p);

  return (
    <FormModal
      title={channel ? `Edit channel ${channel.name}` : 'New notification channel'}
      label="Notification channel"
      notSaved="The channel was not saved"
      error={error}
      submitText={channel ? 'Save channel' : 'Create channel'}
      onSubmit={() => void save()}
      onDismiss={onDismiss}
    >
      <TextField id="channel-name" label="Name" {...f('name')} value={name} onChange={setName} />
      <Field label="Type" {...f('type')}>
        <RadioButtonGroup options={TYPES} value={type} onChange={setType} disabled={!!channel} />
      </Field>
      {type !== 'email' ? (
        <TextField
          id="channel-url"
          label="URL"
          description={channel ? 'Shown masked; leave it as is to keep the stored URL' : undefined}
          {...f('config.url')}
          value={url}
          onChange={setUrl}
        />
      ) : (
        <>
          <Stack gap={2}>
            <TextField
              id="channel-host"
              label="SMTP host"
              {...f('config.host')}
              width={30}
              value={host}
              onChange={setHost}
            />
            <TextField
              id="channel-port"
              label="Port"
              {...f('config.port')}
              width={10}
              value={port}
              onChange={setPort}
            />
            <Field label="TLS from the start">
              <Switch id="channel-secure" value={secure} onChange={(e) => setSecure(e.currentTarget.checked)} />
            </Field>
          </Stack>
          <Stack gap={2}>
            <TextField
              id="channel-username"
              label="Username"
              {...f('config.username')}
              width={24}
              value={username}
              onChange={setUsername}
            />
            <TextField
              id="channel-password"
              label="Password"
              {...f('config.password')}
              type="password"
              width={24}
              value={password}
              onChange={setPassword}
            />
          </Stack>
          <TextField id="channel-from" label="From" {...f('config.from')} value={from} onChange={setFrom} />
          <TextField
            id="channel-to"
            label="To"
            description="Comma-separated addresses"
            {...f('config.to')}
            value={to}
            onChange={setTo}
          />
        </>
      )}
      <Field label="Enabled">
        <Switch id="channel-enabled" value={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
      </Field>
    </FormModal>
  );
}

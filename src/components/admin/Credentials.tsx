import React, { useState } from 'react';
import { Alert as Banner, Badge, Button, EmptyState, Field, Input, Select, Stack } from '@grafana/ui';
import type { AgentToken, ApiKey, User } from '@fleetlens/protocol/api/access';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { issueFor } from '../FieldIssues';
import { formatAgo, formatTime } from '../../utils/format';
import { SecretOnce } from './SecretOnce';

function statusBadge(revokedAt: number | null) {
  return revokedAt ? (
    <Badge color="darkgrey" text={`revoked ${formatAgo(revokedAt)}`} />
  ) : (
    <Badge color="green" text="active" />
  );
}

/** Agent tokens: create (shown once), revoke, last used. */
export function AgentTokens({
  client,
  tokens,
  onChanged,
}: {
  client: FleetlensClient;
  tokens: AgentToken[];
  onChanged(): void;
}) {
  const [name, setName] = useState('');
  const [cluster, setCluster] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [error, setError] = useState<ApiError>();

  const create = async () => {
    setError(undefined);
    try {
      const t = await client.createAgentToken({ name, cluster });
      setCreated({ name: t.name, token: t.token });
      setName('');
      setCluster('');
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const revoke = async (t: AgentToken) => {
    setError(undefined);
    try {
      await client.revokeAgentToken(t.id);
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const columns: Array<Column<AgentToken>> = [
    { id: 'name', header: 'Name', render: (t) => t.name },
    { id: 'cluster', header: 'Cluster', render: (t) => t.cluster ?? 'any' },
    { id: 'created', header: 'Created', render: (t) => formatTime(t.createdAt) },
    { id: 'used', header: 'Last used', render: (t) => (t.lastUsedAt ? formatAgo(t.lastUsedAt) : 'never') },
    { id: 'status', header: 'Status', render: (t) => statusBadge(t.revokedAt) },
    {
      id: 'actions',
      header: '',
      render: (t) =>
        t.revokedAt ? null : (
          <Button size="sm" variant="destructive" onClick={() => revoke(t)} aria-label={`Revoke agent token ${t.name}`}>
            Revoke
          </Button>
        ),
    },
  ];
  return (
    <div>
      <form
        aria-label="New agent token"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Stack gap={2} alignItems="flex-start" wrap="wrap">
          <Field label="Token name" invalid={!!issueFor(error, 'name')} error={issueFor(error, 'name')}>
            <Input
              id="token-name"
              width={28}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              placeholder="e.g. dc1 docker hosts"
            />
          </Field>
          <Field
            label="Cluster"
            description="The agents' cluster name; other clusters are refused"
            invalid={!!issueFor(error, 'cluster')}
            error={issueFor(error, 'cluster')}
          >
            <Input id="token-cluster" width={28} value={cluster} onChange={(e) => setCluster(e.currentTarget.value)} />
          </Field>
          <Field label="&nbsp;">
            <Button type="submit" icon="plus">
              Create agent token
            </Button>
          </Field>
        </Stack>
      </form>
      {error && !error.issues.length && (
        <Banner title="Not done" severity="error">
          {error.message}
        </Banner>
      )}
      {created && (
        <SecretOnce
          title={`Agent token “${created.name}” created`}
          secret={created.token}
          onDone={() => setCreated(undefined)}
        />
      )}
      {tokens.length === 0 ? (
        <EmptyState variant="call-to-action" message="No agent tokens yet">
          Agents need a token to send data. Create one per cluster above and put it in the agent’s configuration
          (FLEETLENS_TOKEN).
        </EmptyState>
      ) : (
        <DataTable
          label="Agent tokens"
          testId="agent-tokens-table"
          columns={columns}
          rows={tokens}
          rowKey={(t) => t.id}
        />
      )}
    </div>
  );
}

/** API keys for scripts: create for a user (shown once), revoke, last used. */
export function ApiKeys({
  client,
  keys,
  users,
  selfId,
  onChanged,
}: {
  client: FleetlensClient;
  keys: ApiKey[];
  users: User[];
  /** The caller's user record, if any (a key "for me"); without one, a user must be chosen. */
  selfId: string | null;
  onChanged(): void;
}) {
  const [name, setName] = useState('');
  const [userId, setUserId] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [error, setError] = useState<ApiError>();

  const create = async () => {
    setError(undefined);
    try {
      const k = await client.createApiKey({ name, ...(userId ? { userId } : {}) });
      setCreated({ name: k.name, key: k.key });
      setName('');
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const revoke = async (k: ApiKey) => {
    setError(undefined);
    try {
      await client.revokeApiKey(k.id);
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const columns: Array<Column<ApiKey>> = [
    { id: 'name', header: 'Name', render: (k) => k.name },
    { id: 'owner', header: 'Acts as', render: (k) => k.userEmail ?? k.userId },
    { id: 'prefix', header: 'Starts with', render: (k) => <code>{k.prefix}…</code> },
    { id: 'created', header: 'Created', render: (k) => formatTime(k.createdAt) },
    { id: 'used', header: 'Last used', render: (k) => (k.lastUsedAt ? formatAgo(k.lastUsedAt) : 'never') },
    { id: 'status', header: 'Status', render: (k) => statusBadge(k.revokedAt) },
    {
      id: 'actions',
      header: '',
      render: (k) =>
        k.revokedAt ? null : (
          <Button size="sm" variant="destructive" onClick={() => revoke(k)} aria-label={`Revoke API key ${k.name}`}>
            Revoke
          </Button>
        ),
    },
  ];
  return (
    <div>
      <form
        aria-label="New API key"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Stack gap={2} alignItems="flex-start" wrap="wrap">
          <Field label="Key name" invalid={!!issueFor(error, 'name')} error={issueFor(error, 'name')}>
            <Input
              id="key-name"
              width={28}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              placeholder="e.g. nightly report"
            />
          </Field>
          <Field
            label="Acts as"
            description="The key has this user’s current role and scopes"
            invalid={!!issueFor(error, 'userId')}
            error={issueFor(error, 'userId')}
          >
            <Select
              inputId="key-user"
              width={36}
              options={[
                { label: 'Me', value: '' },
                ...users.filter((u) => u.active).map((u) => ({ label: u.email, value: u.id, description: u.role })),
              ]}
              value={userId || (selfId ? '' : null)}
              onChange={(o) => setUserId(o.value ?? '')}
            />
          </Field>
          <Field label="&nbsp;">
            <Button type="submit" icon="plus">
              Create API key
            </Button>
          </Field>
        </Stack>
      </form>
      {error && !error.issues.length && (
        <Banner title="Not done" severity="error">
          {error.message}
        </Banner>
      )}
      {created && (
        <SecretOnce
          title={`API key “${created.name}” created`}
          secret={created.key}
          onDone={() => setCreated(undefined)}
        />
      )}
      {keys.length === 0 ? (
        <EmptyState variant="call-to-action" message="No API keys yet">
          Scripts call the Fleetlens API with an API key in the X-Api-Key header. Create one above.
        </EmptyState>
      ) : (
        <DataTable label="API keys" testId="api-keys-table" columns={columns} rows={keys} rowKey={(k) => k.id} />
      )}
    </div>
  );
}

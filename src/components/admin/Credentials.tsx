import React, { useState } from 'react';
import { Alert as Banner, Badge, Button, EmptyState, Field, Input, Select, Stack } from '@grafana/ui';
import type { AgentToken, ApiKey, User } from '@fleetlens/protocol/api/access';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { issueFor } from '../FieldIssues';
import { formatAgo, formatTime } from '../../utils/format';
import { SecretOnce } from './SecretOnce';

/** What agent tokens and API keys have in common. */
interface Credential {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

function statusBadge(revokedAt: number | null) {
  return revokedAt ? (
    <Badge color="darkgrey" text={`revoked ${formatAgo(revokedAt)}`} />
  ) : (
    <Badge color="green" text="active" />
  );
}

/**
 * One kind of secret credential: a create form (name plus the kind's own fields), the new secret
 * shown once, and the list with last use, status and revoke. Labels derive from `kind`, e.g.
 * "agent token": "New agent token", "Create agent token", "Agent tokens".
 */
function CredentialSection<T extends Credential>({
  kind,
  testId,
  rows,
  nameField,
  fields,
  columns,
  create,
  revoke,
  empty,
  onChanged,
}: {
  kind: string;
  testId: string;
  rows: T[];
  nameField: { id: string; label: string; placeholder: string };
  /** The kind's own form fields, after the name. */
  fields(error: ApiError | undefined): React.ReactNode;
  /** The kind's own columns, between the name and the creation time. */
  columns: Array<Column<T>>;
  /** Creates one with this name (and the kind's fields, which it resets); returns the secret. */
  create(name: string): Promise<{ name: string; secret: string }>;
  revoke(row: T): Promise<unknown>;
  /** What the empty state says. */
  empty: React.ReactNode;
  onChanged(): void;
}) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string }>();
  const [error, setError] = useState<ApiError>();
  const Kind = kind.charAt(0).toUpperCase() + kind.slice(1);

  const act = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const allColumns: Array<Column<T>> = [
    { id: 'name', header: 'Name', render: (r) => r.name },
    ...columns,
    { id: 'created', header: 'Created', render: (r) => formatTime(r.createdAt) },
    { id: 'used', header: 'Last used', render: (r) => (r.lastUsedAt ? formatAgo(r.lastUsedAt) : 'never') },
    { id: 'status', header: 'Status', render: (r) => statusBadge(r.revokedAt) },
    {
      id: 'actions',
      header: '',
      render: (r) =>
        r.revokedAt ? null : (
          <Button
            size="sm"
            variant="destructive"
            onClick={() => act(() => revoke(r))}
            aria-label={`Revoke ${kind} ${r.name}`}
          >
            Revoke
          </Button>
        ),
    },
  ];
  return (
    <div>
      <form
        aria-label={`New ${kind}`}
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            setCreated(await create(name));
            setName('');
          });
        }}
      >
        <Stack gap={2} alignItems="flex-start" wrap="wrap">
          <Field label={nameField.label} invalid={!!issueFor(error, 'name')} error={issueFor(error, 'name')}>
            <Input
              id={nameField.id}
              width={28}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              placeholder={nameField.placeholder}
            />
          </Field>
          {fields(error)}
          <Field label="&nbsp;">
            <Button type="submit" icon="plus">
              Create {kind}
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
          title={`${Kind} “${created.name}” created`}
          secret={created.secret}
          onDone={() => setCreated(undefined)}
        />
      )}
      {rows.length === 0 ? (
        <EmptyState variant="call-to-action" message={`No ${kind}s yet`}>
          {empty}
        </EmptyState>
      ) : (
        <DataTable label={`${Kind}s`} testId={testId} columns={allColumns} rows={rows} rowKey={(r) => r.id} />
      )}
    </div>
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
  const [cluster, setCluster] = useState('');
  return (
    <CredentialSection<AgentToken>
      kind="agent token"
      testId="agent-tokens-table"
      rows={tokens}
      nameField={{ id: 'token-name', label: 'Token name', placeholder: 'e.g. dc1 docker hosts' }}
      fields={(error) => (
        <Field
          label="Cluster"
          description="The agents' cluster name; other clusters are refused"
          invalid={!!issueFor(error, 'cluster')}
          error={issueFor(error, 'cluster')}
        >
          <Input id="token-cluster" width={28} value={cluster} onChange={(e) => setCluster(e.currentTarget.value)} />
        </Field>
      )}
      columns={[{ id: 'cluster', header: 'Cluster', render: (t) => t.cluster ?? 'any' }]}
      create={async (name) => {
        const t = await client.createAgentToken({ name, cluster });
        setCluster('');
        return { name: t.name, secret: t.token };
      }}
      revoke={(t) => client.revokeAgentToken(t.id)}
      empty="Agents need a token to send data. Create one per cluster above and put it in the agent’s configuration (FLEETLENS_TOKEN)."
      onChanged={onChanged}
    />
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
  const [userId, setUserId] = useState('');
  return (
    <CredentialSection<ApiKey>
      kind="API key"
      testId="api-keys-table"
      rows={keys}
      nameField={{ id: 'key-name', label: 'Key name', placeholder: 'e.g. nightly report' }}
      fields={(error) => (
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
      )}
      columns={[
        { id: 'owner', header: 'Acts as', render: (k) => k.userEmail ?? k.userId },
        { id: 'prefix', header: 'Starts with', render: (k) => <code>{k.prefix}…</code> },
      ]}
      create={async (name) => {
        const k = await client.createApiKey({ name, ...(userId ? { userId } : {}) });
        return { name: k.name, secret: k.key };
      }}
      revoke={(k) => client.revokeApiKey(k.id)}
      empty="Scripts call the Fleetlens API with an API key in the X-Api-Key header. Create one above."
      onChanged={onChanged}
    />
  );
}

import React, { useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import {
  Alert as Banner,
  Badge,
  Button,
  EmptyState,
  Field,
  RadioButtonGroup,
  Stack,
  Switch,
  TagsInput,
} from '@grafana/ui';
import type { Role, Scopes, User } from '@fleetlens/protocol/api/access';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { fieldProps } from '../FieldIssues';
import { FormModal, TextField } from '../FormParts';
import { DeleteButton, EditButton } from '../RowActions';
import { formatAgo, formatTime } from '../../utils/format';

const ROLES: Array<SelectableValue<Role>> = [
  { label: 'Admin', value: 'admin', description: 'users, tokens, channels, everything' },
  { label: 'Editor', value: 'editor', description: 'rules and silences' },
  { label: 'Viewer', value: 'viewer', description: 'read only' },
];

const DIMENSIONS: Array<{ key: keyof Scopes; label: string }> = [
  { key: 'clusters', label: 'Clusters' },
  { key: 'namespaces', label: 'Namespaces' },
  { key: 'nodes', label: 'Nodes' },
];

export function scopesText(u: Pick<User, 'role' | 'scopes'>): string {
  if (u.role === 'admin') {
    return 'everything (admin)';
  }
  const parts = DIMENSIONS.flatMap(({ key, label }) => {
    const v = u.scopes[key];
    return v === null ? [] : [`${label.toLowerCase()}: ${v.length ? v.join(', ') : 'none'}`];
  });
  return parts.length ? parts.join('; ') : 'everything';
}

interface Props {
  client: FleetlensClient;
  users: User[];
  onChanged(): void;
}

/** Users: list, add, edit role and scopes, deactivate, delete; the backend's refusals in plain words. */
export function Users({ client, users, onChanged }: Props) {
  const [editing, setEditing] = useState<User | 'new'>();
  const [error, setError] = useState<ApiError>();

  const act = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const columns: Array<Column<User>> = [
    { id: 'email', header: 'E-mail', render: (u) => u.email },
    { id: 'name', header: 'Name', render: (u) => u.displayName },
    { id: 'login', header: 'Grafana login', render: (u) => u.login ?? '–' },
    { id: 'role', header: 'Role', render: (u) => u.role },
    { id: 'scopes', header: 'Sees', render: (u) => scopesText(u) },
    {
      id: 'active',
      header: 'Status',
      render: (u) => (u.active ? <Badge color="green" text="active" /> : <Badge color="darkgrey" text="deactivated" />),
    },
    { id: 'created', header: 'Created', render: (u) => formatTime(u.createdAt) },
    { id: 'seen', header: 'Last seen', render: (u) => (u.lastSeenAt ? formatAgo(u.lastSeenAt) : 'never') },
    {
      id: 'actions',
      header: '',
      render: (u) => (
        <Stack gap={1}>
          <EditButton label={`Edit user ${u.email}`} onClick={() => setEditing(u)} />
          <Button
            size="sm"
            variant="secondary"
            onClick={() => act(() => client.updateUser(u.id, { active: !u.active }))}
            aria-label={`${u.active ? 'Deactivate' : 'Activate'} user ${u.email}`}
          >
            {u.active ? 'Deactivate' : 'Activate'}
          </Button>
          <DeleteButton label={`Delete user ${u.email}`} onClick={() => act(() => client.deleteUser(u.id))} />
        </Stack>
      ),
    },
  ];

  return (
    <div>
      <div style={{ marginBottom: 8 }}>
        <Button icon="plus" onClick={() => setEditing('new')}>
          Add user
        </Button>
      </div>
      {error && (
        <Banner
          title={error.kind === 'conflict' ? 'Not possible' : 'Not done'}
          severity="error"
          onRemove={() => setError(undefined)}
        >
          {error.message}
        </Banner>
      )}
      {users.length === 0 ? (
        <EmptyState variant="call-to-action" message="No user records yet">
          Grafana users get a role on their first visit (org Admins become Fleetlens admins, others viewers with no
          scopes). Add users here to give them a role and the clusters, namespaces or nodes they may see.
        </EmptyState>
      ) : (
        <DataTable label="Users" testId="users-table" columns={columns} rows={users} rowKey={(u) => u.id} />
      )}
      {editing && (
        <UserForm
          client={client}
          user={editing === 'new' ? undefined : editing}
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

/** A row of controls inside a Field; takes (and drops) the props Field gives its child, e.g. `invalid`. */
function ScopeRow({ children }: { children: React.ReactNode }) {
  return (
    <Stack gap={1} alignItems="center">
      {children}
    </Stack>
  );
}

function UserForm({
  client,
  user,
  onSaved,
  onDismiss,
}: {
  client: FleetlensClient;
  user?: User;
  onSaved(): void;
  onDismiss(): void;
}) {
  const [email, setEmail] = useState(user?.email ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [login, setLogin] = useState(user?.login ?? '');
  const [role, setRole] = useState<Role>(user?.role ?? 'viewer');
  const [password, setPassword] = useState('');
  const [scopes, setScopes] = useState<Scopes>(user?.scopes ?? { clusters: [], namespaces: null, nodes: null });
  const [error, setError] = useState<ApiError>();

  const save = async () => {
    setError(undefined);
    try {
      if (user) {
        await client.updateUser(user.id, {
          email,
          displayName,
          login: login.trim() ? login.trim() : null,
          role,
          scopes,
          ...(password ? { password } : {}),
        });
      } else {
        await client.createUser({
          email,
          displayName,
          role,
          login: login.trim() ? login.trim() : null,
          scopes,
          ...(password ? { password } : {}),
        });
      }
      onSaved();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const f = (p: string) => fieldProps(error, p);

  return (
    <FormModal
      title={user ? `Edit ${user.email}` : 'Add user'}
      label="User"
      notSaved="The user was not saved"
      error={error}
      submitText={user ? 'Save user' : 'Add user'}
      onSubmit={() => void save()}
      onDismiss={onDismiss}
    >
      <TextField id="user-email" label="E-mail" {...f('email')} value={email} onChange={setEmail} />
      <TextField
        id="user-name"
        label="Display name"
        {...f('displayName')}
        value={displayName}
        onChange={setDisplayName}
      />
      <TextField
        id="user-login"
        label="Grafana login"
        description="Optional: matches a Grafana user by login as well as by e-mail"
        {...f('login')}
        value={login}
        onChange={setLogin}
      />
      <Field label="Role" {...f('role')}>
        <RadioButtonGroup options={ROLES} value={role} onChange={setRole} />
      </Field>
      <TextField
        id="user-password"
        label={user ? 'New password' : 'Password'}
        description="Optional: only for logging in to the API directly (8 characters or more)"
        {...f('password')}
        type="password"
        value={password}
        onChange={setPassword}
      />
      {role !== 'admin' &&
        DIMENSIONS.map(({ key, label }) => {
          const v = scopes[key];
          return (
            <Field
              key={key}
              label={`${label} this user sees`}
              description={v === null ? 'All (no restriction)' : v.length ? undefined : 'None'}
              {...f(`scopes.${key}`)}
            >
              <ScopeRow>
                <Switch
                  id={`scope-${key}-all`}
                  label={`All ${label.toLowerCase()}`}
                  value={v === null}
                  onChange={(e) => setScopes((s) => ({ ...s, [key]: e.currentTarget.checked ? null : [] }))}
                />
                <span>All</span>
                {v !== null && (
                  <TagsInput
                    id={`scope-${key}`}
                    tags={v}
                    onChange={(tags) => setScopes((s) => ({ ...s, [key]: tags }))}
                    placeholder={`Add ${label.toLowerCase().replace(/s$/, '')}`}
                    width={40}
                  />
                )}
              </ScopeRow>
            </Field>
          );
        })}
    </FormModal>
  );
}

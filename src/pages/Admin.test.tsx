import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AgentTokenListReply, AuditListReply, UserListReply } from '@fleetlens/protocol/api/access';
import { backendGet, backendSend, renderApp, VIEWER_USER } from '../test/harness';

describe('Admin page against a live backend', () => {
  it('adds a user with a role and scopes, edits, deactivates and deletes them; the backend follows', async () => {
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    await screen.findByRole('button', { name: 'Add user' });
    await user.click(screen.getByRole('button', { name: 'Add user' }));
    const form = await screen.findByRole('form', { name: 'User' });
    await user.type(within(form).getByLabelText('E-mail'), 'dana@example.com');
    await user.type(within(form).getByLabelText('Display name'), 'Dana Ops');
    await user.click(within(form).getByLabelText('Editor'));
    // A new user sees no cluster until granted: add one.
    await user.type(within(form).getByPlaceholderText('Add cluster'), 'ops-k8s{enter}');
    await user.click(within(form).getByRole('button', { name: 'Add user' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'User' })).not.toBeInTheDocument());
    const table = await screen.findByRole('table', { name: 'Users' });
    const row = (await within(table).findByText('dana@example.com')).closest('tr')!;
    expect(row).toHaveTextContent('Dana Ops');
    expect(row).toHaveTextContent('editor');
    expect(row).toHaveTextContent('clusters: ops-k8s');
    const users = await backendGet<UserListReply>('/users', 'ops');
    expect(users.items.find((u) => u.email === 'dana@example.com')).toMatchObject({
      displayName: 'Dana Ops',
      role: 'editor',
      active: true,
      scopes: { clusters: ['ops-k8s'], namespaces: null, nodes: null },
    });

    // Edit: make her a viewer; then deactivate.
    await user.click(within(row).getByRole('button', { name: 'Edit user dana@example.com' }));
    const edit = await screen.findByRole('form', { name: 'User' });
    await user.click(within(edit).getByLabelText('Viewer'));
    await user.click(within(edit).getByRole('button', { name: 'Save user' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Users' }))
          .getByText('dana@example.com')
          .closest('tr')
      ).toHaveTextContent('viewer')
    );
    await user.click(screen.getByRole('button', { name: 'Deactivate user dana@example.com' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Users' }))
          .getByText('dana@example.com')
          .closest('tr')
      ).toHaveTextContent('deactivated')
    );
    const after = (await backendGet<UserListReply>('/users', 'ops')).items.find((u) => u.email === 'dana@example.com')!;
    expect(after).toMatchObject({ role: 'viewer', active: false });

    await user.click(screen.getByRole('button', { name: 'Delete user dana@example.com' }));
    // Gone from the list (the last user: the list gives way to its empty state).
    await waitFor(() => expect(screen.queryByText('dana@example.com')).not.toBeInTheDocument());
    expect((await backendGet<UserListReply>('/users', 'ops')).items.some((u) => u.email === 'dana@example.com')).toBe(
      false
    );
  });

  it("shows the backend's 409 in plain words when the last admin would be deactivated", async () => {
    // One active admin record (the emulated Grafana admin acts as admin without a record of its
    // own). Seeding made the admin that holds the test's admin API key: it steps aside for this
    // test and comes back after it.
    await backendSend('POST', '/users', { email: 'root@example.com', displayName: 'Root', role: 'admin' }, 'ops');
    const before = await backendGet<UserListReply>('/users', 'ops');
    const others = before.items.filter((u) => u.role === 'admin' && u.active && u.email !== 'root@example.com');
    for (const u of others) {
      await backendSend('PATCH', `/users/${u.id}`, { active: false }, 'ops');
    }
    try {
      await lastAdminRefused();
    } finally {
      for (const u of others) {
        await backendSend('PATCH', `/users/${u.id}`, { active: true }, 'ops');
      }
    }
  });

  async function lastAdminRefused() {
    const users = await backendGet<UserListReply>('/users', 'ops');
    expect(users.items.filter((u) => u.role === 'admin' && u.active).map((u) => u.email)).toEqual(['root@example.com']);
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    const table = await screen.findByRole('table', { name: 'Users' });
    await within(table).findByText('root@example.com');
    await user.click(screen.getByRole('button', { name: 'Deactivate user root@example.com' }));
    const banner = (await screen.findByText('Not possible')).closest('[role="alert"]') as HTMLElement;
    // The backend's own sentence, not an HTTP status.
    expect(banner).toHaveTextContent(/admin/i);
    expect(banner).not.toHaveTextContent(/HTTP 409/);
    const again = await backendGet<UserListReply>('/users', 'ops');
    expect(again.items.find((u) => u.email === 'root@example.com')!.active).toBe(true);
  }

  it('creates an agent token shown once with a copy button, then lists it without the token and revokes it', async () => {
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    await screen.findByRole('button', { name: 'Add user' });
    await user.click(screen.getByRole('tab', { name: 'Agent tokens' }));
    const form = await screen.findByRole('form', { name: 'New agent token' });
    await user.type(within(form).getByLabelText('Token name'), 'edge site');
    await user.type(within(form).getByLabelText(/^Cluster/), 'edge-docker');
    await user.click(within(form).getByRole('button', { name: 'Create agent token' }));
    const secret = await screen.findByTestId('secret-once');
    const token = secret.textContent!;
    expect(token).toMatch(/^fla_/);
    expect(screen.getByText(/you won’t see it again/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy to clipboard' })).toBeInTheDocument();

    const table = await screen.findByRole('table', { name: 'Agent tokens' });
    const row = (await within(table).findByText('edge site')).closest('tr')!;
    expect(row).toHaveTextContent('edge-docker');
    expect(row).toHaveTextContent('never');
    expect(table).not.toHaveTextContent(token);
    // Once dismissed, the token is gone from the page for good.
    await user.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByTestId('secret-once')).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(token);

    await user.click(within(row).getByRole('button', { name: 'Revoke agent token edge site' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Agent tokens' }))
          .getByText('edge site')
          .closest('tr')
      ).toHaveTextContent('revoked')
    );
    const tokens = await backendGet<AgentTokenListReply>('/agent-tokens', 'ops');
    expect(tokens.items.find((t) => t.name === 'edge site')!.revokedAt).not.toBeNull();
  });

  it('creates an API key shown once', async () => {
    await backendSend('POST', '/users', { email: 'keys@example.com', displayName: 'Key owner', role: 'viewer' }, 'ops');
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    await screen.findByRole('button', { name: 'Add user' });
    await user.click(screen.getByRole('tab', { name: 'API keys' }));
    const form = await screen.findByRole('form', { name: 'New API key' });
    await user.type(within(form).getByLabelText('Key name'), 'nightly report');
    // The key acts as a user record: pick one.
    await user.click(within(form).getByLabelText(/^Acts as/));
    await user.click(await screen.findByText('keys@example.com'));
    await user.click(within(form).getByRole('button', { name: 'Create API key' }));
    expect((await screen.findByTestId('secret-once')).textContent).toMatch(/^flk_/);
    const row = (
      await within(await screen.findByRole('table', { name: 'API keys' })).findByText('nightly report')
    ).closest('tr')!;
    expect(row).toHaveTextContent('keys@example.com');
    expect(row).toHaveTextContent(/flk_/);
  });

  it('shows the audit log with filters', async () => {
    await backendSend(
      'POST',
      '/users',
      { email: 'audited@example.com', displayName: 'Audited', role: 'viewer' },
      'ops'
    );
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    await screen.findByRole('button', { name: 'Add user' });
    await user.click(screen.getByRole('tab', { name: 'Audit log' }));
    const table = await screen.findByRole('table', { name: 'Audit log' });
    const all = await backendGet<AuditListReply>('/audit?pageSize=1', 'ops');
    expect(all.total).toBeGreaterThan(0);
    await user.type(screen.getByLabelText('Audit action'), 'user.create');
    const filtered = await backendGet<AuditListReply>('/audit?action=user.create&pageSize=500', 'ops');
    expect(filtered.total).toBeGreaterThan(0);
    await waitFor(() => expect(screen.getByTestId('audit-count')).toHaveTextContent(`of ${filtered.total} entries`));
    const rows = within(screen.getByRole('table', { name: 'Audit log' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.every((r) => r.textContent!.includes('user.create'))).toBe(true);
    expect(table).toBeInTheDocument();
  });

  it('tells a non-admin "not allowed" and takes them back to the overview after 5 seconds', async () => {
    renderApp('admin', { backend: 'ops', user: VIEWER_USER });
    await screen.findByText('Not allowed');
    expect(screen.getByText(/Your Fleetlens role is/)).toHaveTextContent('Your Fleetlens role is viewer');
    expect(screen.queryByRole('table', { name: 'Users' })).not.toBeInTheDocument();
    expect(screen.getByTestId('redirect-countdown')).toHaveTextContent(/in [45] seconds/);
    // Still there after 3 s…
    await act(() => new Promise((ok) => setTimeout(ok, 3000)));
    expect(screen.getByText('Not allowed')).toBeInTheDocument();
    // …and on the overview once 5 s have passed.
    await waitFor(() => expect(screen.queryByText('Not allowed')).not.toBeInTheDocument(), { timeout: 4000 });
    // The overview (this viewer has no scopes yet, so it shows its empty state).
    await screen.findByText('No nodes or containers have reported yet');
  });
});

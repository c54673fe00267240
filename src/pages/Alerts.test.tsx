import http from 'node:http';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {
  AlertListReply,
  AlertRule,
  AlertRuleListReply,
  AlertStatsReply,
  Channel,
} from '@fleetlens/protocol/api/alerts';
import { backendGet, backendSend, renderApp, VIEWER_USER } from '../test/harness';

/** The number on a stat card. */
function cardValue(testId: string): string {
  const card = screen.getByTestId(testId);
  return card.querySelector('div')!.textContent ?? '';
}

describe('Alerts page against a live backend (alerts evaluated from ingested data)', () => {
  it('shows the firing and resolved counts and their changes exactly as /alerts/stats reports them', async () => {
    renderApp('alerts', { backend: 'ops' });
    await screen.findByTestId('stat-critical');
    // The page's default range is the last hour: period 3600 s.
    const stats = await backendGet<AlertStatsReply>('/alerts/stats?period=3600', 'ops');
    // Setup fired 2 critical (exited containers), 4 warning (node memory), 2 info (restarts); 4 resolved (disk rule disabled).
    expect(stats.firing.critical.current).toBeGreaterThan(0);
    expect(stats.firing.warning.current).toBeGreaterThan(0);
    expect(stats.firing.info.current).toBeGreaterThan(0);
    expect(stats.resolved.total.current).toBeGreaterThan(0);
    await waitFor(() => expect(cardValue('stat-critical')).toBe(String(stats.firing.critical.current)));
    expect(cardValue('stat-warning')).toBe(String(stats.firing.warning.current));
    expect(cardValue('stat-info')).toBe(String(stats.firing.info.current));
    expect(cardValue('stat-resolved')).toBe(String(stats.resolved.total.current));
    const sign = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');
    expect(screen.getByTestId('stat-critical')).toHaveTextContent(
      `${sign(stats.firing.critical.change)} vs the previous 1 hour`
    );
    expect(screen.getByTestId('stat-resolved')).toHaveTextContent(
      `${sign(stats.resolved.total.change)} vs the previous 1 hour`
    );
  });

  it('lists the active alerts with severity, rule, entity linked to its page, value and since', async () => {
    renderApp('alerts', { backend: 'ops' });
    const table = await screen.findByRole('table', { name: 'Active alerts' });
    const active = await backendGet<AlertListReply>('/alerts?state=firing,pending&pageSize=500', 'ops');
    expect(within(table).getAllByRole('row')).toHaveLength(active.total + 1);
    const exited = active.items.find((a) => a.ruleName === 'Container exited non-zero')!;
    // The container may have other alerts (the default security and OOM rules): take its exited-non-zero row.
    const row = within(table)
      .getAllByRole('row')
      .find((r) => r.textContent?.includes('Container exited non-zero') && r.textContent.includes(exited.entity.name))!;
    const link = within(row).getByRole('link', { name: `container ${exited.entity.name}` });
    expect(link).toHaveAttribute('href', `/a/fleetlens-monitor-app/containers/${exited.entity.id}`);
    expect(within(row).getByText('critical')).toBeInTheDocument();
    expect(within(row).getByText('firing')).toBeInTheDocument();
    expect(row).toHaveTextContent('Container exited non-zero');
    // exitedNonZero counts matching containers: 1 for one container.
    expect(within(row).getAllByRole('cell')[4]).toHaveTextContent(/^1$/);
    expect(row).toHaveTextContent(/ago/);
    const node = active.items.find((a) => a.entity.kind === 'node')!;
    expect(within(table).getAllByRole('link', { name: `node ${node.entity.name}` })[0]).toHaveAttribute(
      'href',
      `/a/fleetlens-monitor-app/nodes/${node.entity.id}`
    );
  });

  it('shows resolved alerts in the history', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Active alerts' });
    await user.click(screen.getByRole('tab', { name: /History/ }));
    const table = await screen.findByRole('table', { name: 'Alert history' });
    const resolved = await backendGet<AlertListReply>('/alerts?state=resolved&pageSize=500', 'ops');
    expect(resolved.items.some((a) => a.ruleName === 'Node disk above 1 %')).toBe(true);
    expect(within(table).getAllByText('Node disk above 1 %')).toHaveLength(
      resolved.items.filter((a) => a.ruleName === 'Node disk above 1 %').length
    );
  });

  it('creates a rule through the form: it appears in the table and in the backend with every field', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Alert rules' });
    await user.click(screen.getByRole('button', { name: 'New rule' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    await user.type(within(form).getByLabelText('Name'), 'Payments memory form test');
    await user.type(within(form).getByLabelText('Description'), 'created by the page test');
    await user.clear(within(form).getByLabelText('Threshold'));
    await user.type(within(form).getByLabelText('Threshold'), '75');
    // Target "container" and metric "CPU %" are the defaults; choose memory instead.
    await user.click(within(form).getByLabelText('Metric'));
    await user.click(await screen.findByText('Memory %'));
    await user.clear(within(form).getByLabelText(/For \(seconds\)/));
    await user.type(within(form).getByLabelText(/For \(seconds\)/), '120');
    await user.clear(within(form).getByLabelText(/Cooldown \(seconds\)/));
    await user.type(within(form).getByLabelText(/Cooldown \(seconds\)/), '600');
    await user.click(within(form).getByLabelText('Critical'));
    await user.type(within(form).getByLabelText(/Namespaces/), 'payments{enter}');
    await user.type(within(form).getByLabelText(/Name pattern/), 'app-*');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));

    await waitFor(() => expect(screen.queryByRole('form', { name: 'Alert rule' })).not.toBeInTheDocument());
    const table = screen.getByRole('table', { name: 'Alert rules' });
    await within(table).findByText('Payments memory form test');
    const rules = await backendGet<AlertRuleListReply>('/alert-rules', 'ops');
    const rule = rules.items.find((r) => r.name === 'Payments memory form test')!;
    expect(rule).toMatchObject({
      description: 'created by the page test',
      target: 'container',
      metric: 'memPercent',
      operator: '>',
      threshold: 75,
      forSeconds: 120,
      cooldownSeconds: 600,
      severity: 'critical',
      filters: { clusters: [], namespaces: ['payments'], nodes: [], namePattern: 'app-*' },
      enabled: true,
    });
    const row = within(table).getByText('Payments memory form test').closest('tr')!;
    expect(row).toHaveTextContent('namespaces: payments; name: app-*');
    expect(row).toHaveTextContent('container Memory % > 75%');
  });

  it("shows the backend's field error next to a bad threshold and stores nothing", async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Alert rules' });
    await user.click(screen.getByRole('button', { name: 'New rule' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    await user.type(within(form).getByLabelText('Name'), 'Bad threshold rule');
    await user.type(within(form).getByLabelText('Threshold'), 'ninety');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    await within(form).findByText('The rule was not saved');
    // The message is the backend's own, for the field `threshold`.
    const refused = await backendSend(
      'POST',
      '/alert-rules',
      { name: 'x', target: 'container', metric: 'cpuPercent', operator: '>', threshold: 'ninety', severity: 'warning' },
      'ops'
    ).catch(
      (e: Error) =>
        JSON.parse(e.message.slice(e.message.indexOf('{'))) as { issues: Array<{ path: string; message: string }> }
    );
    const issue = (refused as { issues: Array<{ path: string; message: string }> }).issues.find(
      (i) => i.path === 'threshold'
    )!;
    const message = await within(form).findByText(issue.message);
    // Shown next to the threshold input: the smallest block holding the message also holds that input, and no other.
    let field: HTMLElement = message;
    while (!field.contains(within(form).getByLabelText('Threshold'))) {
      field = field.parentElement!;
    }
    expect(within(field).queryByLabelText('Name')).not.toBeInTheDocument();
    expect(within(field).getAllByRole('textbox')).toHaveLength(1);
    const rules = await backendGet<AlertRuleListReply>('/alert-rules', 'ops');
    expect(rules.items.some((r) => r.name === 'Bad threshold rule')).toBe(false);
  });

  it('edits a rule in the form: the changed fields reach the backend, the rest stay', async () => {
    const user = userEvent.setup();
    const rule = await backendSend<AlertRule>(
      'POST',
      '/alert-rules',
      {
        name: 'Edit me',
        target: 'node',
        metric: 'diskPercent',
        operator: '>',
        threshold: 80,
        severity: 'warning',
        forSeconds: 60,
      },
      'ops'
    );
    renderApp('alerts', { backend: 'ops' });
    await user.click(await screen.findByRole('button', { name: 'Edit rule Edit me' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    expect(within(form).getByLabelText('Threshold')).toHaveValue('80');
    await user.clear(within(form).getByLabelText('Threshold'));
    await user.type(within(form).getByLabelText('Threshold'), '95.5');
    await user.type(within(form).getByLabelText(/Nodes/), 'ops-k8s-node-01{enter}');
    await user.click(within(form).getByRole('button', { name: 'Save rule' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Alert rule' })).not.toBeInTheDocument());
    const saved = await backendGet<AlertRule>(`/alert-rules/${rule.id}`, 'ops');
    expect(saved).toMatchObject({
      name: 'Edit me',
      metric: 'diskPercent',
      threshold: 95.5,
      forSeconds: 60,
      severity: 'warning',
      filters: { nodes: ['ops-k8s-node-01'] },
    });
    const row = (await within(screen.getByRole('table', { name: 'Alert rules' })).findByText('Edit me')).closest('tr')!;
    await waitFor(() => expect(row).toHaveTextContent('node Disk % > 95.5%'));
  });

  it('disables and re-enables a rule with its toggle; the backend follows each time', async () => {
    const user = userEvent.setup();
    const rule = await backendSend<AlertRule>(
      'POST',
      '/alert-rules',
      {
        name: 'Toggle me',
        target: 'node',
        metric: 'cpuPercent',
        operator: '>',
        threshold: 99,
        severity: 'info',
        enabled: true,
      },
      'ops'
    );
    renderApp('alerts', { backend: 'ops' });
    const toggle = await screen
      .findByRole('switch', { name: 'Disable rule Toggle me' })
      .catch(() => screen.findByLabelText('Disable rule Toggle me'));
    await user.click(toggle);
    await screen.findByLabelText('Enable rule Toggle me');
    expect((await backendGet<AlertRule>(`/alert-rules/${rule.id}`, 'ops')).enabled).toBe(false);
    await user.click(screen.getByLabelText('Enable rule Toggle me'));
    await screen.findByLabelText('Disable rule Toggle me');
    expect((await backendGet<AlertRule>(`/alert-rules/${rule.id}`, 'ops')).enabled).toBe(true);
  });

  it('test-sends over a webhook channel and reports what a local receiver answered', async () => {
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
    const { port } = receiver.address() as { port: number };
    const failing = http.createServer((_req, res) => res.writeHead(500).end('nope'));
    await new Promise<void>((ok) => failing.listen(0, '127.0.0.1', () => ok()));
    try {
      const good = await backendSend<Channel>(
        'POST',
        '/notification-channels',
        { name: 'Receiver OK', type: 'webhook', config: { url: `http://127.0.0.1:${port}/hook/secret-token` } },
        'ops'
      );
      const bad = await backendSend<Channel>(
        'POST',
        '/notification-channels',
        {
          name: 'Receiver failing',
          type: 'webhook',
          config: { url: `http://127.0.0.1:${(failing.address() as { port: number }).port}/hook` },
        },
        'ops'
      );
      const user = userEvent.setup();
      renderApp('alerts', { backend: 'ops' });
      await screen.findByRole('table', { name: 'Alert rules' });
      await user.click(screen.getByRole('tab', { name: /Channels/ }));
      const table = await screen.findByRole('table', { name: 'Notification channels' });
      // Secrets stay masked: the URL's path is not shown.
      expect(table).not.toHaveTextContent('secret-token');
      await user.click(within(table).getByRole('button', { name: 'Send a test message over Receiver OK' }));
      await waitFor(() =>
        expect(screen.getByTestId(`test-outcome-${good.id}`)).toHaveTextContent('Test message sent (answer 200).')
      );
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0])).toMatchObject({ event: 'test' });

      await user.click(within(table).getByRole('button', { name: 'Send a test message over Receiver failing' }));
      await waitFor(() =>
        expect(screen.getByTestId(`test-outcome-${bad.id}`)).toHaveTextContent(/Test message failed \(answer 500\)/)
      );
    } finally {
      receiver.close();
      failing.close();
    }
  });

  it('creates a webhook channel through its form; the list shows its URL masked', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Alert rules' });
    await user.click(screen.getByRole('tab', { name: /Channels/ }));
    await user.click(await screen.findByRole('button', { name: 'New channel' }));
    const form = await screen.findByRole('form', { name: 'Notification channel' });
    await user.type(within(form).getByLabelText('Name'), 'Ops webhook from form');
    await user.type(within(form).getByLabelText('URL'), 'http://127.0.0.1:9/hooks/T0KEN-SECRET');
    await user.click(within(form).getByRole('button', { name: 'Create channel' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Notification channel' })).not.toBeInTheDocument());
    const table = await screen.findByRole('table', { name: 'Notification channels' });
    const row = (await within(table).findByText('Ops webhook from form')).closest('tr')!;
    const channels = await backendGet<{ items: Channel[] }>('/notification-channels', 'ops');
    const created = channels.items.find((c) => c.name === 'Ops webhook from form')!;
    expect(created.type).toBe('webhook');
    expect(row).toHaveTextContent(String(created.config.url));
    expect(row).not.toHaveTextContent('T0KEN-SECRET');
  });

  it('creates a silence for a rule from the page and lists it', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Alert rules' });
    await user.click(screen.getByRole('tab', { name: /Silences/ }));
    const form = await screen.findByRole('form', { name: 'New silence' });
    await user.click(within(form).getByLabelText('Rule'));
    await user.click(await screen.findByText('Restarted more than once', { selector: 'span' }));
    await user.type(within(form).getByLabelText('Comment'), 'maintenance window');
    await user.click(within(form).getByRole('button', { name: 'Silence' }));
    const table = await screen.findByRole('table', { name: 'Silences' });
    const row = within(table).getByText('maintenance window').closest('tr')!;
    expect(row).toHaveTextContent('Restarted more than once');
    expect(row).toHaveTextContent('active');
    const silences = await backendGet<{ items: Array<{ comment: string; active: boolean; id: string }> }>(
      '/silences',
      'ops'
    );
    const s = silences.items.find((x) => x.comment === 'maintenance window')!;
    expect(s.active).toBe(true);
    await user.click(within(row).getByRole('button', { name: `End silence ${s.id}` }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Silences' }))
          .getByText('maintenance window')
          .closest('tr')
      ).toHaveTextContent('ended')
    );
  });

  it('is read-only for a viewer (Grafana Viewer unknown to the backend): a notice and no way to create rules', async () => {
    renderApp('alerts', { backend: 'ops', user: VIEWER_USER });
    await screen.findByText('Read only');
    expect(screen.getByText(/Your Fleetlens role is viewer/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New rule' })).not.toBeInTheDocument();
  });
});

/** An epoch-seconds time as Grafana's `dateTimeAsSystem` shows it (YYYY-MM-DD HH:mm:ss, local time), by hand. */
function systemTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The severity text of each body row of the active alerts table. */
function rowSeverities(table: HTMLElement): string[] {
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell')[0].textContent ?? '');
}

describe('Alerts page: triage of the active alerts (issue 14 item 4, live backend)', () => {
  it('sorts the active alerts by severity: every critical first, then warning, then info', async () => {
    renderApp('alerts', { backend: 'ops' });
    const table = await screen.findByRole('table', { name: 'Active alerts' });
    const active = await backendGet<AlertListReply>('/alerts?state=firing,pending&pageSize=500', 'ops');
    const kinds = new Set(active.items.map((a) => a.severity));
    // The ops setup fires every severity, so the order is not vacuous.
    expect([...kinds].sort()).toEqual(['critical', 'info', 'warning']);
    const shown = rowSeverities(table);
    expect(shown).toHaveLength(active.total);
    expect(shown[0]).toBe('critical');
    // Non-decreasing rank down the table, and the same multiset as the backend holds.
    expect(shown.every((s, i) => i === 0 || RANK[shown[i - 1]] <= RANK[s])).toBe(true);
    expect([...shown].sort()).toEqual(active.items.map((a) => a.severity).sort());
  });

  it('filters by severity and by rule from the controls, and keeps each filter in the URL', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Active alerts' });
    const warnings = await backendGet<AlertListReply>('/alerts?state=firing,pending&severity=warning', 'ops');
    expect(warnings.total).toBeGreaterThan(0);
    await user.click(screen.getByLabelText('Severity'));
    await user.click(await screen.findByText('warning', { selector: '[role="option"] *, [role="option"]' }));
    await waitFor(() => expect(router.location().search).toContain('severity=warning'));
    await waitFor(() =>
      expect(rowSeverities(screen.getByRole('table', { name: 'Active alerts' }))).toEqual(
        Array(warnings.total).fill('warning')
      )
    );
    expect(screen.getByTestId('active-count')).toHaveTextContent(`${warnings.total} active`);

    // Rule: the restart rule's alerts only (severity cleared first through the URL, as a link would).
    const rules = await backendGet<AlertRuleListReply>('/alert-rules', 'ops');
    const restarts = rules.items.find((r) => r.name === 'Restarted more than once')!;
    const mine = await backendGet<AlertListReply>(`/alerts?state=firing,pending&ruleId=${restarts.id}`, 'ops');
    expect(mine.total).toBeGreaterThan(0);
    act(() => router.navigate(`${router.location().pathname}?refresh=&rule=${restarts.id}`));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Active alerts' }))
          .getAllByRole('row')
          .slice(1)
          .map((r) => within(r).getAllByRole('cell')[2].textContent)
      ).toEqual(Array(mine.total).fill('Restarted more than once'))
    );
    expect(router.location().search).toContain(`rule=${restarts.id}`);
  });

  it('groups by rule with the counts /alerts/groups reports; a group opens to its own alerts', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Active alerts' });
    await user.click(screen.getByRole('radio', { name: 'Group by rule' }));
    await waitFor(() => expect(router.location().search).toContain('group=rule'));
    const groups = await screen.findAllByTestId('alert-group');
    const active = await backendGet<AlertListReply>('/alerts?state=firing,pending&pageSize=500', 'ops');
    // Counted by hand from the list: one group per rule with its number of alerts.
    const byRule = new Map<string, number>();
    for (const a of active.items) {
      byRule.set(a.ruleName, (byRule.get(a.ruleName) ?? 0) + 1);
    }
    expect(groups).toHaveLength(byRule.size);
    for (const g of groups) {
      const name = g.getAttribute('aria-label')!.replace(/^Rule /, '');
      const n = byRule.get(name)!;
      expect(within(g).getByTestId('alert-group-count')).toHaveTextContent(
        new RegExp(`^${n} alerts? · \\d+ acknowledged$`)
      );
    }
    // Most severe group first: the exited-containers rule is the only critical one.
    expect(groups[0]).toHaveAttribute('aria-label', 'Rule Container exited non-zero');
    await user.click(within(groups[0]).getByRole('button', { name: /Container exited non-zero/ }));
    const inner = await within(groups[0]).findByRole('table', { name: 'Alerts of Container exited non-zero' });
    expect(within(inner).getAllByRole('row')).toHaveLength(byRule.get('Container exited non-zero')! + 1);
  });

  it('Acknowledge shows who and when, the backend stores it, and removing it brings the button back', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops', search: '?refresh=&severity=info' });
    const table = await screen.findByRole('table', { name: 'Active alerts' });
    await waitFor(() => expect(rowSeverities(table).every((s) => s === 'info')).toBe(true));
    const row = within(table).getAllByRole('row')[1];
    const entity = within(row).getAllByRole('cell')[3].textContent!;
    await user.type(screen.getByLabelText('Acknowledgement comment'), 'restart storm, on it');
    const before = Math.floor(Date.now() / 1000);
    await user.click(within(row).getByRole('button', { name: 'Acknowledge' }));
    const text = await within(table).findByText(/^acknowledged by /);
    const after = Math.floor(Date.now() / 1000);
    const info = await backendGet<AlertListReply>('/alerts?state=firing,pending&severity=info&pageSize=500', 'ops');
    const stored = info.items.find((a) => a.acknowledgement && entity.startsWith(`${a.entity.kind} ${a.entity.name}`))!;
    // Who: the signed-in Grafana user (the harness's org Admin, login "admin", admin@localhost).
    expect(stored.acknowledgement!.by).toMatch(/^(admin@localhost|grafana:admin)$/);
    expect(stored.acknowledgement!.at).toBeGreaterThanOrEqual(before);
    expect(stored.acknowledgement!.at).toBeLessThanOrEqual(after);
    expect(text).toHaveTextContent(
      `acknowledged by ${stored.acknowledgement!.by} at ${systemTime(stored.acknowledgement!.at)}`
    );
    const ackRow = text.closest('tr')!;
    // The comment typed before the click is stored and shown beside it.
    expect(stored.acknowledgement!.comment).toBe('restart storm, on it');
    expect(within(ackRow).getByTestId('alert-ack-comment')).toHaveTextContent('“restart storm, on it”');
    await user.click(within(ackRow).getByRole('button', { name: 'Remove the acknowledgement' }));
    await waitFor(() => expect(within(table).queryByText(/^acknowledged by /)).not.toBeInTheDocument());
    const again = await backendGet<AlertListReply>('/alerts?state=firing,pending&acknowledged=true', 'ops');
    expect(again.items.filter((a) => a.id === stored.id)).toEqual([]);
  });

  it('a viewer (with every cluster in scope) sees the alerts and acknowledgements but no Acknowledge button', async () => {
    // A Fleetlens viewer record for a Grafana Viewer, made by an admin; an unknown viewer would see no alert at all.
    const triageViewer = {
      id: 8,
      login: 'triage-viewer',
      email: 'triage-viewer@example.com',
      orgRole: 'Viewer' as const,
    };
    await backendSend(
      'POST',
      '/users',
      {
        email: triageViewer.email,
        displayName: 'Triage viewer',
        role: 'viewer',
        login: triageViewer.login,
        scopes: { clusters: null, namespaces: null, nodes: null },
      },
      'ops'
    );
    const active = await backendGet<AlertListReply>('/alerts?state=firing,pending&pageSize=500', 'ops');
    const acked = active.items.find((a) => a.severity === 'warning')!;
    await backendSend('POST', `/alerts/${acked.id}/acknowledgement`, { comment: 'seen' }, 'ops');
    try {
      renderApp('alerts', { backend: 'ops', user: triageViewer });
      const table = await screen.findByRole('table', { name: 'Active alerts' });
      expect(within(table).getAllByRole('row')).toHaveLength(active.total + 1);
      expect(within(table).getAllByText('not acknowledged')).toHaveLength(active.total - 1);
      expect(within(table).getByText(/^acknowledged by /)).toBeInTheDocument();
      expect(within(table).queryByRole('button', { name: 'Acknowledge' })).not.toBeInTheDocument();
      expect(within(table).queryByRole('button', { name: 'Remove the acknowledgement' })).not.toBeInTheDocument();
    } finally {
      await backendSend('DELETE', `/alerts/${acked.id}/acknowledgement`, undefined, 'ops');
    }
  });

  it('the rule form warns before saving that a rule duplicates a default rule, and only while it does', async () => {
    const user = userEvent.setup();
    renderApp('alerts', { backend: 'ops' });
    await screen.findByRole('table', { name: 'Alert rules' });
    await user.click(screen.getByRole('button', { name: 'New rule' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    await user.click(within(form).getByLabelText('Target'));
    await user.click(await screen.findByText('node', { selector: '[role="option"] *, [role="option"]' }));
    // Metric CPU % stays (nodes have it); the default "Node CPU above 85 %" is node cpuPercent > 85 on every node.
    await user.type(within(form).getByLabelText('Threshold'), '85');
    expect(await within(form).findByTestId('rule-duplicate-warning')).toHaveTextContent(
      '“Node CPU above 85 %” already watches these entities with the same condition (node cpuPercent > 85)'
    );
    await user.type(within(form).getByLabelText(/Clusters/), 'ops-k8s{enter}');
    expect(within(form).getByTestId('rule-duplicate-warning')).toBeInTheDocument();
    await user.clear(within(form).getByLabelText('Threshold'));
    await user.type(within(form).getByLabelText('Threshold'), '80');
    await waitFor(() => expect(within(form).queryByTestId('rule-duplicate-warning')).not.toBeInTheDocument());
  });
});

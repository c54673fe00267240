import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AutoscalingRuleListReply } from '@fleetlens/protocol/api';
import { backendGet, backendSend, renderApp, VIEWER_USER } from '../test/harness';

// The Autoscaling pages (issue 15; decision 37) against a live backend of their own
// (.config/jest/autoscaling.ts): one Compose service, one rule, three decisions the evaluator made
// on samples pushed through the ingest API. The expected figures are computed there by hand.
const backend = () => ({ url: process.env.FLEETLENS_TEST_AUTOSCALING_URL! });
const anchor = () => Number(process.env.FLEETLENS_TEST_AUTOSCALING_ANCHOR);
const window = () => `?from=${(anchor() - 600) * 1000}&to=${(anchor() + 600) * 1000}&refresh=`;

/** The cells of a table's rows, by column header. */
function rowsOf(name: string): Array<Record<string, string>> {
  const table = screen.getByRole('table', { name });
  const headers = within(table)
    .getAllByRole('columnheader')
    .map((h) => h.textContent ?? '');
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => {
      const cells = within(r).getAllByRole('cell');
      return Object.fromEntries(headers.map((h, i) => [h, cells[i].textContent ?? '']));
    });
}

const ruleId = async () =>
  (await backendGet<AutoscalingRuleListReply>('/autoscaling/rules', backend())).items.find((r) => r.name === 'web cpu')!
    .id;

describe('Autoscaling pages against a live backend', () => {
  it('lists the rule with its bounds, mode and newest decision', async () => {
    renderApp('autoscaling', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Autoscaling rules' }, { timeout: 10_000 });
    const [row] = rowsOf('Autoscaling rules');
    expect(row).toMatchObject({
      Rule: 'web cpu',
      Cluster: 'as-docker',
      Workload: 'shop/web on as-h1',
      Target: 'CPU per replica (cores): 0.50 cores',
      Replicas: '1–4, step 2',
      Mode: 'active',
      // The newest decision (+60 s): 4 replicas at 0.48 cores each, held within tolerance.
      Now: '4 → 4 at 0.48 cores',
    });
    expect(row['Last decision']).toMatch(/^held \(tolerance\), /);
    expect(screen.getByRole('button', { name: 'Add rule' })).toBeInTheDocument();
  });

  it("shows a rule's chart of replicas against the metric and its decisions, newest first", async () => {
    const id = await ruleId();
    renderApp(`autoscaling/${id}`, { backend: backend(), search: window() });
    const table = await screen.findByRole('table', { name: 'Decisions' }, { timeout: 10_000 });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(
      rowsOf('Decisions').map((r) => [r.Metric, r.Replicas, r.Recommended, r.Desired, r.Outcome, r.Message])
    ).toEqual([
      ['0.48 cores', '4', '4', '4', 'held (tolerance)', 'held: metric 0.48 is within 10 % of the target 0.5'],
      ['1.00 cores', '2', '4', '4', 'applied', 'scaling from 2 to 4'],
      ['0.50 cores', '2', '2', '2', 'held (tolerance)', 'held: metric 0.5 is within 10 % of the target 0.5'],
    ]);
    expect(screen.getByTestId('as-history-chart').dataset.series).toBe(
      'Replicas,Desired,CPU per replica (cores),Target'
    );
    expect(screen.getByTestId('as-current')).toHaveTextContent('4');
    expect(screen.getByTestId('as-bounds')).toHaveTextContent('1–4');
  });

  it("shows the backend's field errors at the form's fields and stores nothing", async () => {
    const user = userEvent.setup();
    renderApp('autoscaling', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Autoscaling rules' }, { timeout: 10_000 });
    await user.click(screen.getByRole('button', { name: 'Add rule' }));
    const form = await screen.findByRole('form', { name: 'Autoscaling rule' });
    // Pasted, not typed: one change per field keeps the test quick (the modal re-renders per key).
    const fill = async (label: string | RegExp, text: string) => {
      const input = within(form).getByLabelText(label);
      await user.clear(input);
      await user.click(input);
      await user.paste(text);
    };
    await fill('Name', 'bad bounds');
    await fill('Cluster', 'as-docker');
    await fill('Node', 'as-h1');
    await fill('Compose project', 'shop');
    await fill('Compose service', 'web');
    await fill('Min replicas', '9');
    await fill(/^Step/, '0');
    await user.click(within(form).getByRole('button', { name: 'Create rule' }));
    await within(form).findByText('The rule was not saved');
    // The messages are the backend's own for those fields.
    const refused = await backendSend(
      'POST',
      '/autoscaling/rules',
      {
        name: 'x',
        cluster: 'as-docker',
        workload: { kind: 'compose', node: 'as-h1', project: 'shop', service: 'web' },
        metric: 'cpuPercentOfLimit',
        target: 70,
        minReplicas: 9,
        maxReplicas: 5,
        step: 0,
      },
      backend()
    ).catch((e: Error) => e.message);
    const issues = JSON.parse(String(refused).replace(/^[^{]*/, '')).issues as Array<{ path: string; message: string }>;
    for (const path of ['minReplicas', 'step']) {
      const message = issues.find((i) => i.path === path)!.message;
      expect(within(form).getByText(message)).toBeInTheDocument();
    }
    expect((await backendGet<AutoscalingRuleListReply>('/autoscaling/rules', backend())).items).toHaveLength(1);
  });

  it('offers a viewer no editing', async () => {
    renderApp('autoscaling', { backend: backend(), search: window(), user: VIEWER_USER });
    await waitFor(() => expect(screen.getByText(/rules are managed by editors and admins/)).toBeInTheDocument(), {
      timeout: 10_000,
    });
    expect(screen.queryByRole('button', { name: 'Add rule' })).not.toBeInTheDocument();
  });
});

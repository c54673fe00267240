import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ProbeDefinitionListReply } from '@fleetlens/protocol/api';
import { EDIT_CLUSTER, SERVICES_CLUSTER } from '../../e2e/support/services';
import { backendGet, backendSend, renderApp, VIEWER_USER } from '../test/harness';

// The Services page (issue 16) against a live backend of its own (.config/jest/services.ts): three
// services whose inputs and expected figures are written by hand in e2e/support/services.ts. The
// page reads the window [anchor − 600, anchor + 60) the seeding was made for, so the figures do
// not move while the run lasts.
const backend = () => ({ url: process.env.FLEETLENS_TEST_SERVICES_URL! });
const anchor = () => Number(process.env.FLEETLENS_TEST_SERVICES_ANCHOR);
// Only the seeded cluster: the editor tests define probes in another one (EDIT_CLUSTER).
const window = () =>
  `?from=${(anchor() - 600) * 1000}&to=${(anchor() + 60) * 1000}&refresh=&cluster=${SERVICES_CLUSTER}`;

/** The cells of a service's row, by column header. */
function rowOf(name: string): Record<string, string> {
  const table = screen.getByRole('table', { name: 'Services' });
  const headers = within(table)
    .getAllByRole('columnheader')
    .map((h) => h.textContent ?? '');
  const row = within(table).getByRole('link', { name }).closest('tr')!;
  const cells = within(row).getAllByRole('cell');
  return Object.fromEntries(headers.map((h, i) => [h, cells[i].textContent ?? '']));
}

/** Service names in table order. */
function names(): string[] {
  const table = screen.getByRole('table', { name: 'Services' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('link')[0].textContent ?? '');
}

describe('Services page against a live backend', () => {
  it("shows each service's figures as computed by hand from the seeded requests and probe runs", async () => {
    renderApp('services', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Services' }, { timeout: 10_000 });
    expect(names()).toEqual(['api', 'checkout', 'web']);

    // web: 600 requests in 600 s, 6 of them 5xx; avg 21 s ÷ 600, p50/p95 by histogram interpolation.
    expect(rowOf('web')).toMatchObject({
      Cluster: SERVICES_CLUSTER,
      'Requests/s': '1 req/s',
      Errors: '1.00%',
      p50: '20 ms',
      p95: '163 ms',
      Avg: '35 ms',
      Probe: 'no probe',
      Certificate: '–',
      Sources: 'access logs',
    });
    // api: probe only; runs 10…100 ms, the newest down.
    expect(rowOf('api')).toMatchObject({
      'Requests/s': '–',
      Errors: '–',
      p50: '50 ms',
      p95: '100 ms',
      Avg: '55 ms',
      Probe: 'down',
      Sources: 'probe',
    });
    expect(screen.getByTestId('probe-status-api').dataset.status).toBe('down');
    // checkout: probe runs 100…160 ms, all up, the certificate 20 days from the anchor: not yet red.
    expect(rowOf('checkout')).toMatchObject({
      p50: '130 ms',
      p95: '160 ms',
      Avg: '130 ms',
      Probe: 'up',
      Certificate: 'in 20 days',
    });
    expect(screen.getByTestId('cert-checkout').dataset.expiring).toBe('false');
    expect(screen.getByTestId('service-count')).toHaveTextContent('1–3 of 3 services');
  });

  it('sorts on the backend: p95 slowest first, then fastest first, the sort in the URL', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('services', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Services' }, { timeout: 10_000 });
    // p95 by hand: web 162.5 ms, checkout 160 ms, api 100 ms.
    await user.click(screen.getByRole('button', { name: /^p95/ }));
    await waitFor(() => expect(names()).toEqual(['web', 'checkout', 'api']));
    expect(screen.getByRole('columnheader', { name: /^p95/ })).toHaveAttribute('aria-sort', 'descending');
    expect(new URLSearchParams(router.location().search).get('sort')).toBe('p95Seconds');
    await user.click(screen.getByRole('button', { name: /^p95/ }));
    await waitFor(() => expect(names()).toEqual(['api', 'checkout', 'web']));
    // Average: checkout 130 ms, api 55 ms, web 35 ms.
    await user.click(screen.getByRole('button', { name: /^Avg/ }));
    await waitFor(() => expect(names()).toEqual(['checkout', 'api', 'web']));
  });

  it('narrows by the text search on the backend', async () => {
    const user = userEvent.setup();
    renderApp('services', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Services' }, { timeout: 10_000 });
    await user.type(screen.getByLabelText('Search services'), 'check');
    await waitFor(() => expect(names()).toEqual(['checkout']));
  });

  it("shows the backend's field errors beside the probe editor's fields and stores nothing", async () => {
    const user = userEvent.setup();
    renderApp('services', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Services' }, { timeout: 10_000 });
    await user.click(screen.getByRole('button', { name: 'Add probe' }));
    const form = await screen.findByRole('form', { name: 'Probe' });
    // The page's cluster is preset; these probes go to the other cluster.
    expect(within(form).getByLabelText('Cluster')).toHaveValue(SERVICES_CLUSTER);
    await user.clear(within(form).getByLabelText('Cluster'));
    await user.type(within(form).getByLabelText('Cluster'), EDIT_CLUSTER);
    await user.type(within(form).getByLabelText('Service name'), 'field-errors');
    await user.type(within(form).getByLabelText(/^Target/), 'http://field-errors:8080/');
    await user.clear(within(form).getByLabelText('Interval (seconds)'));
    await user.type(within(form).getByLabelText('Interval (seconds)'), '2');
    await user.type(within(form).getByLabelText(/^Expected status/), 'ok');
    await user.click(within(form).getByRole('button', { name: 'Create probe' }));
    await within(form).findByText('The probe was not saved');
    // The messages are the backend's own for those fields.
    const refused = await backendSend(
      'POST',
      '/probes',
      {
        cluster: EDIT_CLUSTER,
        service: { namespace: null, name: 'field-errors' },
        kind: 'http',
        target: 'http://field-errors:8080/',
        intervalSeconds: 2,
        expectStatus: 'ok',
      },
      backend()
    ).then(
      () => {
        throw new Error('the backend accepted a 2 s interval');
      },
      (e: Error) =>
        JSON.parse(e.message.slice(e.message.indexOf('{'))) as { issues: Array<{ path: string; message: string }> }
    );
    for (const [path, label] of [
      ['intervalSeconds', 'Interval (seconds)'],
      ['expectStatus', /^Expected status/],
    ] as const) {
      const issue = refused.issues.find((i) => i.path === path)!;
      expect(issue).toBeDefined();
      const message = await within(form).findByText(issue.message);
      // Beside its input: the smallest block holding the message holds that input and no other.
      let field: HTMLElement = message;
      while (!field.contains(within(form).getByLabelText(label))) {
        field = field.parentElement!;
      }
      expect(within(field).getAllByRole('textbox')).toHaveLength(1);
    }
    const probes = await backendGet<ProbeDefinitionListReply>('/probes', backend());
    expect(probes.items.some((p) => p.service.name === 'field-errors')).toBe(false);
  });

  it('defines a probe through the editor: the backend stores every field', async () => {
    const user = userEvent.setup();
    renderApp('services', { backend: backend(), search: window() });
    await screen.findByRole('table', { name: 'Services' }, { timeout: 10_000 });
    await user.click(screen.getByRole('button', { name: 'Add probe' }));
    const form = await screen.findByRole('form', { name: 'Probe' });
    await user.clear(within(form).getByLabelText('Cluster'));
    await user.type(within(form).getByLabelText('Cluster'), EDIT_CLUSTER);
    await user.type(within(form).getByLabelText('Service name'), 'editor-made');
    await user.type(within(form).getByLabelText(/^Target/), 'http://editor-made:8080/ready');
    await user.click(within(form).getByLabelText('HEAD'));
    await user.clear(within(form).getByLabelText('Interval (seconds)'));
    await user.type(within(form).getByLabelText('Interval (seconds)'), '15');
    await user.clear(within(form).getByLabelText('Timeout (seconds)'));
    await user.type(within(form).getByLabelText('Timeout (seconds)'), '2.5');
    await user.type(within(form).getByLabelText(/^Expected status/), '200,204');
    await user.type(within(form).getByLabelText(/^Body match/), 'ready');
    await user.click(within(form).getByRole('button', { name: 'Create probe' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Probe' })).not.toBeInTheDocument());
    await screen.findByTestId('probe-saved');
    const probes = await backendGet<ProbeDefinitionListReply>('/probes', backend());
    const made = probes.items.find((p) => p.service.name === 'editor-made');
    expect(made).toMatchObject({
      cluster: EDIT_CLUSTER,
      nodeName: null,
      service: { namespace: null, name: 'editor-made' },
      kind: 'http',
      target: 'http://editor-made:8080/ready',
      method: 'HEAD',
      intervalSeconds: 15,
      timeoutSeconds: 2.5,
      expectStatus: '200,204',
      bodyMatch: 'ready',
      enabled: true,
    });
    await backendSend('DELETE', `/probes/${made!.id}`, undefined, backend());
  });

  it('offers no probe editor to viewers', async () => {
    renderApp('services', { backend: backend(), search: window(), user: VIEWER_USER });
    // Once the backend has said who this is (GET /me: a viewer), the page says why there is no editor.
    await screen.findByText(/Your Fleetlens role is viewer/);
    expect(screen.queryByRole('button', { name: 'Add probe' })).not.toBeInTheDocument();
  });

  it('says how to get services onto the page when none has reported', async () => {
    renderApp('services', { backend: 'empty' });
    await screen.findByText('No services have reported yet', undefined, { timeout: 10_000 });
    // The keys the agent reads (agent/README.md, "Service health").
    expect(screen.getByText('fleetlens.probe.url')).toBeInTheDocument();
    expect(screen.getByText('fleetlens.io/probe-url')).toBeInTheDocument();
    expect(screen.getByText('fleetlens.access-log')).toBeInTheDocument();
  });
});

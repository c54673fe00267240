import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {
  ContainerListReply,
  ProbeDefinitionListReply,
  ProbeDefinitionRow,
  ServiceListReply,
} from '@fleetlens/protocol/api';
import { API_TARGET, EDIT_CLUSTER, EDIT_NODE, editClusterBatch, SERVICES_CLUSTER } from '../../e2e/support/services';
import type { GrafanaUser } from '../../e2e/host/grafana/types';
import { backendGet, backendSend, ingest, renderApp } from '../test/harness';

// The service page (issue 16) against the live service-health backend (.config/jest/services.ts),
// over the window the seeding was made for; expected figures by hand in e2e/support/services.ts.
const backend = () => ({ url: process.env.FLEETLENS_TEST_SERVICES_URL! });
const anchor = () => Number(process.env.FLEETLENS_TEST_SERVICES_ANCHOR);
const range = (from = anchor() - 600, to = anchor() + 60) => ({
  search: `?from=${from * 1000}&to=${to * 1000}&refresh=`,
  query: `from=${from}&to=${to}`,
});

/** The backend's id of a service (only the id: every figure is checked against the seed). */
async function serviceId(cluster: string, name: string, query = range().query): Promise<string> {
  const list = await backendGet<ServiceListReply>(`/services?cluster=${cluster}&${query}`, backend());
  const s = list.items.find((x) => x.name === name);
  if (!s) {
    throw new Error(`no service ${name} in ${cluster}: ${JSON.stringify(list.items.map((x) => x.name))}`);
  }
  return s.id;
}

const card = (testId: string) => screen.getByTestId(testId).textContent ?? '';
const chart = (testId: string) => screen.getByTestId(testId);
const EMPTY = 'No samples in this time range';

describe('Service page against a live backend', () => {
  it("web: the access-log figures, the status donut's counts and shares, charts with data, the container link", async () => {
    const id = await serviceId(SERVICES_CLUSTER, 'web');
    renderApp(`services/${id}`, { backend: backend(), search: range().search });
    await screen.findByTestId('service-rps', undefined, { timeout: 10_000 });
    expect(card('service-rps')).toContain('1 req/s');
    expect(card('service-errors')).toContain('1.00%');
    expect(card('service-p50')).toContain('20 ms');
    expect(card('service-p95')).toContain('163 ms');
    expect(card('service-avg')).toContain('35 ms');
    expect(screen.getByTestId('service-probe-status').dataset.status).toBe('none');

    // 540 + 30 + 24 + 6 = 600 requests: 90 %, 5 %, 4 %, 1 %.
    const donut = await screen.findByTestId('service-donut');
    expect(within(donut).getByRole('img')).toHaveAccessibleName(
      'HTTP status: 540 2xx, 30 3xx, 24 4xx, 6 5xx of 600 requests'
    );
    for (const [cls, count, pct] of [
      ['2xx', '540', '90.00%'],
      ['3xx', '30', '5.00%'],
      ['4xx', '24', '4.00%'],
      ['5xx', '6', '1.00%'],
    ]) {
      expect(within(donut).getByTestId(`status-${cls}`)).toHaveTextContent(`${cls}${count}${pct}`);
    }

    // Access-log charts have points; the probe charts have none (web has no probe).
    await waitFor(() => expect(chart('chart-service-requests')).not.toHaveTextContent(EMPTY));
    expect(chart('chart-service-errors')).not.toHaveTextContent(EMPTY);
    expect(chart('chart-service-latency')).not.toHaveTextContent(EMPTY);
    expect(chart('chart-service-probe-time')).toHaveTextContent(EMPTY);
    expect(chart('chart-service-probe-up')).toHaveTextContent(EMPTY);

    // The container whose logs fed the figures, linked by name.
    const containers = await backendGet<ContainerListReply>(`/containers?cluster=${SERVICES_CLUSTER}`, backend());
    const web = containers.items.find((c) => c.name === 'web')!;
    const link = await within(screen.getByTestId('service-containers')).findByRole('link', { name: 'web' });
    expect(link).toHaveAttribute('href', `/a/fleetlens-monitor-app/containers/${web.id}`);
  });

  it('api: probe-derived latency, down with the newest run, the probes table row', async () => {
    const id = await serviceId(SERVICES_CLUSTER, 'api');
    renderApp(`services/${id}`, { backend: backend(), search: range().search });
    const table = await screen.findByRole('table', { name: 'Probes' }, { timeout: 10_000 });
    expect(card('service-rps')).toContain('–');
    expect(card('service-p50')).toContain('50 ms');
    expect(card('service-p95')).toContain('100 ms');
    expect(card('service-avg')).toContain('55 ms');
    expect(screen.getByTestId('service-probe-status').dataset.status).toBe('down');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    const text = rows[0].textContent ?? '';
    expect(text).toContain(API_TARGET);
    expect(text).toContain('Docker label');
    expect(text).toContain('down 503');
    expect(text).toContain('unexpected status 503');
    // The newest run's total time, and 9 of 10 runs up.
    expect(text).toContain('100 ms');
    expect(text).toContain('90.0%');
    // A discovered probe is not edited here (its label is), even by an admin.
    expect(within(rows[0]).queryByRole('button')).not.toBeInTheDocument();
    expect(chart('chart-service-probe-time')).not.toHaveTextContent(EMPTY);
    expect(chart('chart-service-requests')).toHaveTextContent(EMPTY);
  });

  describe('a defined probe', () => {
    let probe: ProbeDefinitionRow;
    const target = 'http://edit-me:8080/healthz';
    // Its run lies in a window of its own, before the seeded one.
    const own = () => range(anchor() - 1800, anchor() - 1200);

    // A viewer who may see the cluster (a Grafana Viewer unknown to the backend sees nothing).
    const viewer: GrafanaUser = { id: 31, login: 'svc-viewer', email: 'svc-viewer@example.com', orgRole: 'Viewer' };

    beforeAll(async () => {
      await backendSend(
        'POST',
        '/users',
        {
          email: viewer.email,
          login: viewer.login,
          displayName: 'Service viewer',
          role: 'viewer',
          scopes: { clusters: [EDIT_CLUSTER], namespaces: null, nodes: null },
        },
        backend()
      );
      probe = await backendSend<ProbeDefinitionRow>(
        'POST',
        '/probes',
        {
          cluster: EDIT_CLUSTER,
          service: { namespace: null, name: 'edit-me' },
          kind: 'http',
          target,
          intervalSeconds: 30,
        },
        backend()
      );
      const ts = anchor() - 1500;
      await ingest(
        editClusterBatch(ts, [
          {
            ts,
            key: `def:${probe.id}`,
            source: 'defined',
            definitionId: probe.id,
            service: { namespace: null, name: 'edit-me' },
            nodeName: EDIT_NODE,
            kind: 'http',
            target,
            up: true,
            statusCode: 200,
            totalSeconds: 0.02,
          },
        ]),
        backend()
      );
    });

    it('editors change it from the probes table; the backend stores the change', async () => {
      const user = userEvent.setup();
      const id = await serviceId(EDIT_CLUSTER, 'edit-me', own().query);
      renderApp(`services/${id}`, { backend: backend(), search: own().search });
      await user.click(await screen.findByRole('button', { name: `Edit probe ${target}` }));
      const form = await screen.findByRole('form', { name: 'Probe' });
      expect(within(form).getByLabelText('Interval (seconds)')).toHaveValue('30');
      await user.clear(within(form).getByLabelText('Interval (seconds)'));
      await user.type(within(form).getByLabelText('Interval (seconds)'), '60');
      await user.click(within(form).getByRole('button', { name: 'Save probe' }));
      await waitFor(() => expect(screen.queryByRole('form', { name: 'Probe' })).not.toBeInTheDocument());
      const list = await backendGet<ProbeDefinitionListReply>(`/probes?cluster=${EDIT_CLUSTER}`, backend());
      expect(list.items.find((p) => p.id === probe.id)).toMatchObject({ intervalSeconds: 60, target });
    });

    it('viewers see it without Edit or Delete', async () => {
      const id = await serviceId(EDIT_CLUSTER, 'edit-me', own().query);
      renderApp(`services/${id}`, { backend: backend(), search: own().search, user: viewer });
      await screen.findByRole('table', { name: 'Probes' });
      // Once the backend has said who this is (GET /me), the page says why there are no buttons.
      await screen.findByText(/Your Fleetlens role is viewer/);
      expect(screen.getByRole('table', { name: 'Probes' })).toHaveTextContent(target);
      expect(screen.queryByRole('button', { name: `Edit probe ${target}` })).toBeNull();
      expect(screen.queryByRole('button', { name: `Delete probe ${target}` })).toBeNull();
    });

    it('editors delete it after confirming; the backend no longer has it', async () => {
      const user = userEvent.setup();
      const id = await serviceId(EDIT_CLUSTER, 'edit-me', own().query);
      renderApp(`services/${id}`, { backend: backend(), search: own().search });
      await user.click(await screen.findByRole('button', { name: `Delete probe ${target}` }));
      await user.click(await screen.findByRole('button', { name: 'Delete' }));
      await waitFor(async () => {
        const list = await backendGet<ProbeDefinitionListReply>(`/probes?cluster=${EDIT_CLUSTER}`, backend());
        expect(list.items.some((p) => p.id === probe.id)).toBe(false);
      });
    });
  });
});

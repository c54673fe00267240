import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { TopReply } from '@fleetlens/protocol/api';
import { SERVICES_CLUSTER } from '../../e2e/support/services';
import { backendGet, pickOption, renderApp } from '../test/harness';

/** Container names in the top list, in rank order. */
function topNames(): string[] {
  return screen.getAllByTestId('top-item').map((li) => within(li).getAllByRole('link')[0].textContent ?? '');
}

describe('Monitoring page against a live backend', () => {
  it('ranks the top 10 containers by CPU as the backend does, with rank badges', async () => {
    renderApp('monitoring');
    await screen.findAllByTestId('top-item');
    const top = await backendGet<TopReply>('/top?metric=cpuCores&window=3600&limit=10');
    expect(top.items).toHaveLength(10);
    expect(topNames()).toEqual(top.items.map((i) => i.name));
    expect(screen.getByLabelText('Rank 1')).toHaveTextContent('1');
    expect(screen.getByLabelText('Rank 10')).toHaveTextContent('10');
    // The ranking is by the CPU average: it never increases down the list.
    const values = top.items.map((i) => i.value);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it('re-ranks by another metric when one is chosen', async () => {
    const user = userEvent.setup();
    renderApp('monitoring');
    await screen.findAllByTestId('top-item');
    await pickOption(user, 'Top metric', 'Memory');
    expect(await screen.findByRole('heading', { name: 'Top 10 containers by Memory' })).toBeInTheDocument();
    const top = await backendGet<TopReply>('/top?metric=memBytes&window=3600&limit=10');
    await waitFor(() => expect(topNames()).toEqual(top.items.map((i) => i.name)));
  });
});

// The service-health charts (issue 16) against the service-health backend (.config/jest/services.ts),
// over the window its seeding was made for and its cluster; expected numbers by hand in
// e2e/support/services.ts.
describe('Monitoring page: response time per service and the HTTP status donut', () => {
  const backend = () => ({ url: process.env.FLEETLENS_TEST_SERVICES_URL! });
  const anchor = () => Number(process.env.FLEETLENS_TEST_SERVICES_ANCHOR);
  const search = () =>
    `?from=${(anchor() - 600) * 1000}&to=${(anchor() + 60) * 1000}&refresh=&cluster=${SERVICES_CLUSTER}`;

  it('draws one response-time series per service, the busiest first', async () => {
    renderApp('monitoring', { backend: backend(), search: search() });
    const chart = await screen.findByTestId('response-times', undefined, { timeout: 10_000 });
    // web served the 600 requests; api and checkout (probes only) follow by name.
    await waitFor(() => expect(chart.dataset.series).toBe('web,api,checkout'));
    expect(within(chart).getByRole('region', { name: 'Response time per service' })).not.toHaveTextContent(
      'No service reported'
    );
  });

  it("shows the cluster's requests per status class in the donut: counts and shares", async () => {
    renderApp('monitoring', { backend: backend(), search: search() });
    const donut = await screen.findByRole('img', { name: /^HTTP status:/ }, { timeout: 10_000 });
    // 540 + 30 + 24 + 6 = 600 requests (only web's access logs carry requests).
    expect(donut).toHaveAccessibleName('HTTP status: 540 2xx, 30 3xx, 24 4xx, 6 5xx of 600 requests');
    const legend = screen.getByRole('list', { name: 'HTTP status legend' });
    for (const [cls, count, pct] of [
      ['2xx', '540', '90.00%'],
      ['3xx', '30', '5.00%'],
      ['4xx', '24', '4.00%'],
      ['5xx', '6', '1.00%'],
    ]) {
      expect(within(legend).getByTestId(`status-${cls}`)).toHaveTextContent(`${cls}${count}${pct}`);
    }
  });
});

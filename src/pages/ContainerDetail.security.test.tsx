// First: the layout stand-ins must exist before @grafana/ui's modules load (react-use picks its
// measuring hook when loaded).
import './ContainerDetail.layout';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ContainerListReply } from '@fleetlens/protocol/api';
import { SECURITY_EVENTS } from '../../e2e/support/security';
import { backendGet, renderApp } from '../test/harness';

// The container page marks the container's security events (issue 17) on its charts, against the
// live security backend (.config/jest/security.ts), which got the batch of e2e/support/security.ts
// at FLEETLENS_TEST_SECURITY_SEEDED_AT. The expected markers are the hand-written SECURITY_EVENTS.
// The charts draw in jsdom with the stand-ins of ./ContainerDetail.layout.ts.
const CHARTS = ['CPU used (cores)', 'Memory working set', 'Network', 'Disk I/O'];
/** A chart by its title: the last region of that name (the stat cards above it are named Network, Disk I/O too). */
const findChart = async (title: string) => (await screen.findAllByRole('region', { name: title })).at(-1)!;

describe('Container page: security events as markers on the charts (live security backend)', () => {
  const backend = () => ({ url: process.env.FLEETLENS_TEST_SECURITY_URL! });
  const seededAt = Number(process.env.FLEETLENS_TEST_SECURITY_SEEDED_AT);
  // An explicit range around the seed, so the run's length does not move the events out of it.
  const from = seededAt - 1800;
  const to = seededAt + 300;
  const search = `?from=${from * 1000}&to=${to * 1000}&refresh=`;
  /** sec-sock's security events as seeded, oldest first (not its plain start, not sec-priv's). */
  const expected = SECURITY_EVENTS.filter((e) => e.container === 'sec-sock' && 'category' in e)
    .map((e) => ({ ts: seededAt + e.offset, reason: e.reason, message: e.message }))
    .sort((a, b) => a.ts - b.ts);

  const containerId = async (name: string) => {
    const list = await backendGet<ContainerListReply>('/containers?cluster=sec-docker&pageSize=50', backend());
    return list.items.find((c) => c.name === name)!.id;
  };

  it('marks each of them on every chart at its time, labelled with its reason and message', async () => {
    expect(Number.isFinite(seededAt)).toBe(true);
    expect(expected).toHaveLength(3);
    renderApp(`containers/${await containerId('sec-sock')}`, { backend: backend(), search });
    for (const title of CHARTS) {
      const chart = await findChart(title);
      await waitFor(() => expect(within(chart).getAllByTestId('chart-annotation')).toHaveLength(3), {
        timeout: 20_000,
      });
      const markers = within(chart).getAllByTestId('chart-annotation');
      expect(markers.map((m) => Number(m.dataset.time))).toEqual(expected.map((e) => e.ts * 1000));
      markers.forEach((m, i) =>
        expect(m.getAttribute('aria-label')).toMatch(
          new RegExp(`^${expected[i].reason}: ${expected[i].message.replace(/[()]/g, '\\$&')} \\(`)
        )
      );
      // Placed by the chart's time scale: left to right in time order, inside the plotting area.
      const lefts = markers.map((m) => parseFloat(m.style.left));
      expect(lefts[0]).toBeGreaterThan(0);
      expect(lefts[0]).toBeLessThan(lefts[2]);
      expect(lefts[1]).toBeLessThanOrEqual(lefts[2]);
    }
  });

  it('shows the reason and message of a marker on hover, and lists the same events under the charts', async () => {
    const user = userEvent.setup();
    renderApp(`containers/${await containerId('sec-sock')}`, { backend: backend(), search });
    const cpu = await findChart(CHARTS[0]);
    await waitFor(() => expect(within(cpu).getAllByTestId('chart-annotation')).toHaveLength(3), { timeout: 20_000 });
    await user.hover(within(cpu).getAllByTestId('chart-annotation')[2]);
    const tip = await screen.findByRole('tooltip');
    expect(tip).toHaveTextContent(expected[2].reason);
    expect(tip).toHaveTextContent(expected[2].message);

    const list = screen.getByRole('region', { name: 'Security events in this range' });
    const items = within(list).getAllByTestId('security-event');
    // Newest first.
    expect(items.map((li) => Number(li.dataset.time))).toEqual(expected.map((e) => e.ts).reverse());
    items.forEach((li, i) => {
      const e = expected[expected.length - 1 - i];
      expect(li).toHaveTextContent(e.reason);
      expect(li).toHaveTextContent(e.message);
    });
  });

  it('links to the Events page filtered to this container’s security events, which lists exactly those', async () => {
    const user = userEvent.setup();
    const id = await containerId('sec-sock');
    const app = renderApp(`containers/${id}`, { backend: backend(), search });
    const list = await screen.findByRole('region', { name: 'Security events in this range' });
    await within(list).findAllByTestId('security-event');
    await user.click(within(list).getByRole('link', { name: 'Open on the Events page' }));
    await waitFor(() => expect(app.router.location().pathname).toMatch(/\/events$/));
    const q = new URLSearchParams(app.router.location().search);
    expect([q.get('category'), q.get('container')]).toEqual(['security', id]);
    const table = await screen.findByRole('table', { name: 'Events' }, { timeout: 20_000 });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(1 + expected.length));
    const rows = within(table).getAllByRole('row').slice(1);
    // Newest first, the same three the seed gave this container (not sec-priv's, not its plain start).
    rows.forEach((r, i) => expect(r).toHaveTextContent(expected[expected.length - 1 - i].reason));
  });

  it('marks nothing on a container without security events, and says so', async () => {
    renderApp(`containers/${await containerId('sec-safe')}`, { backend: backend(), search });
    const list = await screen.findByRole('region', { name: 'Security events in this range' });
    await within(list).findByText(/^None/);
    const cpu = await findChart(CHARTS[0]);
    await waitFor(() => expect(cpu.querySelector('.u-axis')).not.toBeNull(), { timeout: 20_000 });
    expect(within(cpu).queryAllByTestId('chart-annotation')).toHaveLength(0);
  });
});

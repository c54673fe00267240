import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { pickOption, renderApp, type RouterHandle } from '../test/harness';

/** The last request to the backend's /series (the Monitoring page's I/O charts): range and cluster filter. */
function lastSeries(requests: string[]): { span: number; from: number; to: number; cluster: string[] } | undefined {
  const url = [...requests].reverse().find((r) => r.includes('/api/v1/series?'));
  if (!url) {
    return undefined;
  }
  const q = new URLSearchParams(url.split('?')[1]);
  const from = Number(q.get('from'));
  const to = Number(q.get('to'));
  return { span: to - from, from, to, cluster: q.getAll('cluster') };
}

function params(router: RouterHandle): URLSearchParams {
  return new URLSearchParams(router.location().search);
}

function timePicker(): HTMLElement {
  return screen.getByRole('button', { name: /Time range selected/i });
}

function clusterValue(): string {
  // Grafana's Select shows the chosen option's label next to its input.
  return screen.getByLabelText('Cluster').closest('div[class*="-grafana-select-value-container"]')?.textContent ?? '';
}

describe('View state in the URL', () => {
  it('opening a URL with from, to and cluster restores them (pickers and requests)', async () => {
    const { requests, router } = renderApp('monitoring', { search: '?from=now-6h&to=now&cluster=aws-k8s&refresh=' });
    await waitFor(() => expect(lastSeries(requests)?.cluster).toEqual(['aws-k8s']));
    const s = lastSeries(requests)!;
    expect(s.span).toBeGreaterThanOrEqual(6 * 3600 - 1);
    expect(s.span).toBeLessThanOrEqual(6 * 3600 + 1);
    expect(timePicker()).toHaveTextContent('Last 6 hours');
    await waitFor(() => expect(clusterValue()).toBe('aws-k8s · Public cloud'));
    // The URL keeps saying so (in its canonical order).
    expect(router.location().search).toBe('?from=now-6h&to=now&refresh=&cluster=aws-k8s');
  });

  it('absolute ranges travel as epoch milliseconds, as on Grafana dashboards', async () => {
    const to = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    const from = to - 2 * 3_600_000;
    const { requests, router } = renderApp('monitoring', { search: `?from=${from}&to=${to}&refresh=` });
    await waitFor(() => expect(lastSeries(requests)).toBeDefined());
    expect(lastSeries(requests)).toMatchObject({ from: from / 1000, to: to / 1000 });
    expect(params(router).get('from')).toBe(String(from));
    expect(params(router).get('to')).toBe(String(to));
  });

  it('picker changes are written to the URL, and Back returns to the previous selection', async () => {
    const user = userEvent.setup();
    const { requests, router } = renderApp('monitoring');
    // The first URL is completed in place with the defaults.
    await waitFor(() => expect(router.location().search).toBe('?from=now-1h&to=now&refresh='));

    await user.click(timePicker());
    await user.click(await screen.findByText('Last 6 hours'));
    await waitFor(() => expect(params(router).get('from')).toBe('now-6h'));
    expect(params(router).get('to')).toBe('now');

    await pickOption(user, 'Cluster', 'aws-k8s · Public cloud');
    await waitFor(() => expect(params(router).get('cluster')).toBe('aws-k8s'));
    await waitFor(() => expect(lastSeries(requests)?.cluster).toEqual(['aws-k8s']));

    // A refresh interval is a setting, not a selection: it replaces the current entry.
    await user.click(screen.getByTestId('data-testid RefreshPicker interval button'));
    await user.click(await screen.findByRole('menuitemradio', { name: /^1m$|1 minute/ }));
    await waitFor(() => expect(params(router).get('refresh')).toBe('1m'));

    // Back: the cluster filter is undone (the refresh change did not add an entry)…
    act(() => router.navigate(-1));
    await waitFor(() => expect(params(router).has('cluster')).toBe(false));
    expect(params(router).get('from')).toBe('now-6h');
    await waitFor(() => expect(clusterValue()).toBe('All clusters'));
    await waitFor(() => expect(lastSeries(requests)?.cluster).toEqual([]));

    // …then the time range.
    act(() => router.navigate(-1));
    await waitFor(() => expect(params(router).get('from')).toBe('now-1h'));
    await waitFor(() => expect(timePicker()).toHaveTextContent('Last 1 hour'));
    await waitFor(() => expect(lastSeries(requests)?.span).toBeLessThanOrEqual(3601));

    // Forward again.
    act(() => router.navigate(1));
    await waitFor(() => expect(timePicker()).toHaveTextContent('Last 6 hours'));
  });

  it('links inside the app carry the view to the next page', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('nodes', { search: '?from=now-6h&to=now&refresh=&cluster=aws-k8s' });
    const link = await screen.findByRole('link', { name: 'aws-k8s-node-01' });
    await user.click(link);
    await waitFor(() => expect(router.location().pathname).toMatch(/\/nodes\/[0-9a-f]{16}$/));
    await waitFor(() => expect(params(router).get('cluster')).toBe('aws-k8s'));
    expect(params(router).get('from')).toBe('now-6h');
    expect(timePicker()).toHaveTextContent('Last 6 hours');
  });

  it.each([
    [
      'an unparsable range, refresh, time zone and cluster',
      '?from=yesterday&to=now&refresh=7x&timezone=Mars%2FOlympus&cluster=%01',
    ],
    ['a range that ends before it starts', '?from=now&to=now-6h&refresh=5x'],
    ['a half range in the future', '?from=now%2B1h&to=now'],
  ])('falls back to the defaults for %s, without crashing', async (_what, search) => {
    const { requests, router } = renderApp('monitoring', { search });
    await waitFor(() => expect(lastSeries(requests)).toBeDefined());
    const s = lastSeries(requests)!;
    expect(s.span).toBeGreaterThanOrEqual(3599);
    expect(s.span).toBeLessThanOrEqual(3601);
    expect(s.cluster).toEqual([]);
    expect(timePicker()).toHaveTextContent('Last 1 hour');
    // The URL is rewritten to what the page shows.
    await waitFor(() => expect(router.location().search).toBe('?from=now-1h&to=now&refresh=5s'));
  });
});

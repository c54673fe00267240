import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { EventCountsReply, EventListReply } from '@fleetlens/protocol/api/alerts';
import { backendGet, ingest, pickOption, renderApp } from '../test/harness';

function eventRows(): HTMLElement[] {
  return within(screen.getByRole('table', { name: 'Events' }))
    .getAllByRole('row')
    .slice(1);
}

/** The last day, as the page's URL (ms) and as the backend's query (s). */
const DAY = (() => {
  const to = Math.floor(Date.now() / 1000);
  const from = to - 86_400;
  return { search: `?from=${from * 1000}&to=${to * 1000}&refresh=`, query: `from=${from}&to=${to}` };
})();

describe('Events page against a live backend', () => {
  it('lists every event of the time range, newest first, with its columns', async () => {
    // One explicit range for the page and the backend alike: the seed's age in a long run does not matter.
    renderApp('events', { backend: 'ops', search: DAY.search });
    await screen.findByRole('table', { name: 'Events' });
    const all = await backendGet<EventListReply>(`/events?pageSize=500&${DAY.query}`, 'ops');
    // 24 events from each of the two clusters (other page tests may have added a few since).
    expect(all.total).toBeGreaterThanOrEqual(48);
    await waitFor(() =>
      expect(screen.getByTestId('event-count')).toHaveTextContent(`1–${Math.min(50, all.total)} of ${all.total} events`)
    );
    const first = eventRows()[0];
    const e = all.items[0];
    for (const text of [e.clusterName, `${e.objectKind}/${e.objectName}`, e.type, e.reason, e.message]) {
      expect(first).toHaveTextContent(text);
    }
  });

  it('narrows by type, reason, text and namespace, as the backend filters', async () => {
    const user = userEvent.setup();
    renderApp('events', { backend: 'ops', search: DAY.search });
    await screen.findByRole('table', { name: 'Events' });

    await pickOption(user, 'Type', 'warning');
    const warnings = await backendGet<EventListReply>(`/events?type=warning&pageSize=500&${DAY.query}`, 'ops');
    expect(warnings.total).toBeGreaterThan(0);
    expect(warnings.total).toBeLessThan((await backendGet<EventListReply>(`/events?${DAY.query}`, 'ops')).total);
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${warnings.total} events`));
    expect(eventRows().every((r) => within(r).getByText('warning'))).toBe(true);

    await user.type(screen.getByLabelText('Reason'), 'BackOff');
    const backoff = await backendGet<EventListReply>(
      `/events?type=warning&reason=BackOff&pageSize=500&${DAY.query}`,
      'ops'
    );
    expect(backoff.total).toBeGreaterThan(0);
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${backoff.total} events`));
    expect(eventRows().every((r) => r.textContent!.includes('BackOff'))).toBe(true);

    await user.clear(screen.getByLabelText('Reason'));
    await pickOption(user, 'Type', 'All types');
    await user.type(screen.getByLabelText('Search events'), 'event 1');
    const text = await backendGet<EventListReply>(
      `/events?q=${encodeURIComponent('event 1')}&pageSize=500&${DAY.query}`,
      'ops'
    );
    expect(text.total).toBeGreaterThan(0);
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${text.total} events`));

    await user.clear(screen.getByLabelText('Search events'));
    const ns = (await backendGet<EventListReply>(`/events?pageSize=500&${DAY.query}`, 'ops')).items.find(
      (x) => x.namespace
    )!.namespace!;
    await pickOption(user, 'Namespace', ns);
    const inNs = await backendGet<EventListReply>(`/events?namespace=${ns}&pageSize=500&${DAY.query}`, 'ops');
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${inNs.total} events`));
    expect(eventRows().every((r) => r.textContent!.includes(ns))).toBe(true);
  });

  it('opens the filters a link carries and writes a new one into the URL, so that a reload or a shared link shows the same events', async () => {
    const user = userEvent.setup();
    const app = renderApp('events', { backend: 'ops', search: `${DAY.search}&type=warning&reason=BackOff` });
    const backoff = await backendGet<EventListReply>(
      `/events?type=warning&reason=BackOff&pageSize=500&${DAY.query}`,
      'ops'
    );
    expect(backoff.total).toBeGreaterThan(0);
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${backoff.total} events`));
    expect(eventRows().every((r) => r.textContent!.includes('BackOff'))).toBe(true);
    expect(screen.getByLabelText('Reason')).toHaveValue('BackOff');

    await pickOption(user, 'Category', 'security');
    await waitFor(() => expect(new URLSearchParams(app.router.location().search).get('category')).toBe('security'));
    const security = await backendGet<EventListReply>(
      `/events?type=warning&reason=BackOff&category=security&pageSize=500&${DAY.query}`,
      'ops'
    );
    if (security.total === 0) {
      await screen.findByText(/No events match/i);
    } else {
      await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent(`of ${security.total} events`));
    }
    // The other filters stayed in the URL beside it.
    expect(new URLSearchParams(app.router.location().search).get('reason')).toBe('BackOff');
  });

  it('charts the counts per type over the page time range, with the totals /events/counts reports', async () => {
    renderApp('events', { backend: 'ops' });
    const chart = await screen.findByTestId('event-counts');
    const now = Math.floor(Date.now() / 1000);
    const counts = await backendGet<EventCountsReply>(`/events/counts?from=${now - 3600}&to=${now}&step=60`, 'ops');
    await waitFor(() =>
      expect(within(chart).getByRole('heading')).toHaveTextContent(
        `Events over time: ${counts.totals.normal} normal, ${counts.totals.warning} warning`
      )
    );
    expect(counts.totals.normal + counts.totals.warning).toBe(48);
  });

  // Last: it adds events.
  it('pages through more than 50 events on the backend', async () => {
    const now = Math.floor(Date.now() / 1000);
    await ingest({
      version: 'v1',
      batchId: `events-paging-${now}`,
      sentAt: now,
      agent: { id: 'agent-ops-docker-node-01', version: 'test', mode: 'node', hostname: 'ops-docker-node-01' },
      cluster: { name: 'ops-docker', kind: 'docker', environment: 'on-prem', labels: {} },
      events: Array.from({ length: 12 }, (_, i) => ({
        ts: now - 300 + i,
        source: 'docker',
        type: 'normal',
        reason: 'exec_start',
        message: `paging event ${i}`,
        objectKind: 'container',
        objectName: 'svc-3',
        nodeName: 'ops-docker-node-01',
      })),
    });
    const user = userEvent.setup();
    renderApp('events', { backend: 'ops' });
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent('1–50 of 60 events'));
    expect(eventRows()).toHaveLength(50);
    await user.click(screen.getByRole('button', { name: '2' }));
    await waitFor(() => expect(screen.getByTestId('event-count')).toHaveTextContent('51–60 of 60 events'));
    const second = await backendGet<EventListReply>('/events?page=2&pageSize=50', 'ops');
    expect(eventRows().map((r) => r.textContent)).toHaveLength(second.items.length);
    expect(eventRows()[0]).toHaveTextContent(second.items[0].message);
  });
});

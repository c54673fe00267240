import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ContainerListReply, PodListReply } from '@fleetlens/protocol/api';
import type { LogReply } from '@fleetlens/protocol/api/alerts';
import { backendGet, ingest, pickOption, renderApp } from '../test/harness';

function lines(): HTMLElement[] {
  return screen.queryAllByTestId('log-line');
}

async function containerId(name: string): Promise<string> {
  const list = await backendGet<ContainerListReply>(`/containers?cluster=ops-docker&q=${name}&pageSize=500`, 'ops');
  return list.items.find((c) => c.name === name)!.id;
}

/** A node agent's batch with log lines for one container (by its runtime id, as agents send them). */
function logBatch(
  id: string,
  runtimeId: string,
  logs: Array<{ ts: number; level: string; message: string; nanos?: number }>
) {
  return {
    version: 'v1',
    batchId: id,
    sentAt: Math.floor(Date.now() / 1000),
    agent: { id: 'agent-ops-docker-node-01', version: 'test', mode: 'node', hostname: 'ops-docker-node-01' },
    cluster: { name: 'ops-docker', kind: 'docker', environment: 'on-prem', labels: {} },
    logs: logs.map((l) => ({ nanos: 0, stream: 'stdout', containerId: runtimeId, ...l })),
  };
}

/** The runtime id the fleet generator gives container `idx` of a cluster (see backend/src/testing/fleet.ts). */
function runtimeId(cluster: string, idx: number): string {
  return `${cluster.replace(/[^a-z0-9]/gi, '')}${String(idx).padStart(6, '0')}`.padEnd(64, 'a');
}

describe('Logs page against a live backend', () => {
  it('marks keyword matches in the lines the backend finds, and the level filter narrows', async () => {
    const user = userEvent.setup();
    const id = await containerId('svc-0');
    renderApp('logs', { backend: 'ops' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await pickOption(user, 'Container', 'svc-0');
    const all = await backendGet<LogReply>(`/logs?container=${id}&limit=1000`, 'ops');
    await waitFor(() => expect(lines()).toHaveLength(all.items.length));
    // Newest first, as the backend orders them.
    expect(lines()[0]).toHaveTextContent(all.items[0].message);

    await user.type(screen.getByLabelText('Search logs'), 'TIMEOUT');
    const hits = await backendGet<LogReply>(`/logs?container=${id}&q=TIMEOUT&limit=1000`, 'ops');
    expect(hits.items.length).toBeGreaterThan(0);
    await waitFor(() => expect(lines()).toHaveLength(hits.items.length));
    for (const line of lines()) {
      const marks = line.querySelectorAll('mark');
      expect(marks.length).toBeGreaterThan(0);
      // Case-insensitive, like the backend's search; the original text is kept.
      expect([...marks].every((m) => m.textContent === 'timeout')).toBe(true);
    }

    await user.clear(screen.getByLabelText('Search logs'));
    await waitFor(() => expect(lines()).toHaveLength(all.items.length));
    await pickOption(user, 'Level', 'error');
    const errors = await backendGet<LogReply>(`/logs?container=${id}&level=error&limit=1000`, 'ops');
    expect(errors.items.length).toBeGreaterThan(0);
    expect(errors.items.length).toBeLessThan(all.items.length);
    await waitFor(() => expect(lines()).toHaveLength(errors.items.length));
    expect(lines().every((l) => l.dataset.level === 'error')).toBe(true);
    expect(document.querySelectorAll('mark')).toHaveLength(0);
  });

  it("shows one pod's lines when a pod is picked", async () => {
    const user = userEvent.setup();
    const k8s = await backendGet<ContainerListReply>('/containers?cluster=ops-k8s&q=app-0-c0&pageSize=500', 'ops');
    const c = k8s.items.find((x) => x.name === 'app-0-c0')!;
    const pods = await backendGet<PodListReply>('/k8s/pods?cluster=ops-k8s', 'ops');
    const pod = pods.items.find((p) => p.name === c.pod)!;
    const expected = await backendGet<LogReply>(`/logs?pod=${pod.uid}&limit=1000`, 'ops');
    expect(expected.items.length).toBeGreaterThan(0);
    renderApp('logs', { backend: 'ops' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await user.click(screen.getByLabelText('By pod'));
    await pickOption(user, 'Pod', pod.name);
    await waitFor(() => expect(lines()).toHaveLength(expected.items.length));
    expect(lines().every((l) => l.textContent!.includes('app-0-c0'))).toBe(true);
  });

  it('live tail shows a line ingested after the page opened, and pauses', async () => {
    const user = userEvent.setup();
    renderApp('logs', { backend: 'ops' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await pickOption(user, 'Container', 'svc-0');
    await waitFor(() => expect(lines()[0]).toHaveTextContent('svc-0'));
    await user.click(screen.getByLabelText('Live tail'));
    await screen.findByTestId('live-status');

    const now = Math.floor(Date.now() / 1000);
    await ingest(
      logBatch(`tail-${now}`, runtimeId('ops-docker', 0), [{ ts: now, level: 'info', message: 'tail line one' }])
    );
    await waitFor(() => expect(lines()[0]).toHaveTextContent('tail line one'), { timeout: 10_000 });

    // Paused: a later line does not appear until live tail is on again.
    await user.click(screen.getByLabelText('Live tail'));
    expect(screen.queryByTestId('live-status')).not.toBeInTheDocument();
    await ingest(
      logBatch(`tail-${now}-2`, runtimeId('ops-docker', 0), [{ ts: now + 1, level: 'info', message: 'tail line two' }])
    );
    await new Promise((ok) => setTimeout(ok, 3000));
    expect(screen.queryByText('tail line two')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Live tail'));
    await waitFor(() => expect(lines()[0]).toHaveTextContent('tail line two'), { timeout: 10_000 });
    expect(lines()[1]).toHaveTextContent('tail line one');
  });

  it('loads older lines page by page', async () => {
    const user = userEvent.setup();
    // svc-1 has 40 seeded lines; 230 more make 270, more than one page of 200.
    const now = Math.floor(Date.now() / 1000);
    await ingest(
      logBatch(
        `older-${now}`,
        runtimeId('ops-docker', 1),
        Array.from({ length: 230 }, (_, i) => ({ ts: now - 600 + i, level: 'debug', message: `bulk line ${i}` }))
      )
    );
    const id = await containerId('svc-1');
    const every = await backendGet<LogReply>(`/logs?container=${id}&limit=1000`, 'ops');
    expect(every.items).toHaveLength(270);
    renderApp('logs', { backend: 'ops' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await pickOption(user, 'Container', 'svc-1');
    await waitFor(() => expect(screen.getByTestId('log-count')).toHaveTextContent('200 lines, newest first'));
    expect(lines()[0]).toHaveTextContent(every.items[0].message);
    expect(lines()[199]).toHaveTextContent(every.items[199].message);
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(screen.getByTestId('log-count')).toHaveTextContent('270 lines, newest first'));
    expect(screen.queryByRole('button', { name: 'Load older' })).not.toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Log lines' })).getAllByTestId('log-line')).toHaveLength(270);
    expect(lines()[269]).toHaveTextContent(every.items[269].message);
  });

  it('auto-refresh adds new lines on top, keeping the loaded older lines and their elements, without duplicates', async () => {
    const user = userEvent.setup();
    // svc-2 has no seeded lines: 230 make one page of 200 and 30 older.
    const now = Math.floor(Date.now() / 1000);
    const rid = runtimeId('ops-docker', 2);
    await ingest(
      logBatch(
        `refresh-${now}`,
        rid,
        Array.from({ length: 230 }, (_, i) => ({ ts: now - 900 + i, level: 'info', message: `refresh base ${i}` }))
      )
    );
    const { requests } = renderApp('logs', { backend: 'ops', search: '?refresh=5s' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    await pickOption(user, 'Container', 'svc-2');
    await waitFor(() => expect(screen.getByTestId('log-count')).toHaveTextContent('200 lines, newest first'));
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(screen.getByTestId('log-count')).toHaveTextContent('230 lines, newest first'));
    // The oldest line's element, to see that a refresh keeps it (no reload, so no scroll jump).
    const oldest = lines()[229];
    expect(oldest).toHaveTextContent('refresh base 0');

    await ingest(
      logBatch(`refresh-${now}-new`, rid, [
        { ts: now + 1, level: 'warning', message: 'refresh new one' },
        { ts: now + 2, level: 'info', message: 'refresh new two' },
      ])
    );
    // The next tick of the page's 5 s auto-refresh brings them, without the Live switch.
    await waitFor(() => expect(lines()[0]).toHaveTextContent('refresh new two'), { timeout: 12_000 });
    expect(lines()[1]).toHaveTextContent('refresh new one');
    expect(screen.getByTestId('log-count')).toHaveTextContent('232 lines, newest first');
    expect(lines()[231]).toBe(oldest);

    // Another tick adds nothing twice.
    const asked = requests.filter((r) => r.includes('/logs?') && r.includes('after=')).length;
    await waitFor(
      () => expect(requests.filter((r) => r.includes('/logs?') && r.includes('after=')).length).toBeGreaterThan(asked),
      { timeout: 12_000 }
    );
    const id = await containerId('svc-2');
    const every = await backendGet<LogReply>(`/logs?container=${id}&limit=1000`, 'ops');
    expect(every.items).toHaveLength(232);
    expect(lines()).toHaveLength(232);
    expect(lines().map((l) => l.textContent)).toEqual(
      lines()
        .map((l) => l.textContent)
        .filter((t, i, a) => a.indexOf(t) === i)
    );
    expect(lines()[231]).toBe(oldest);
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ContainerListReply, PodListReply } from '@fleetlens/protocol/api';
import type { LogReply } from '@fleetlens/protocol/api/alerts';
import { backendGet, ingest, pickOption, renderApp } from '../test/harness';
import { PICKER_PAGE } from '../components/logs/ContainerPicker';

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

  // ── issue 14, point 5 ──

  /** svc-3 of ops-docker has no seeded lines: these 60, 17 s apart from a 10-minute boundary. */
  const LEVEL_CYCLE = ['error', 'info', 'warning', 'debug'] as const;
  const base = Math.floor(Date.now() / 1000 / 600) * 600 - 1800;
  const mine = Array.from({ length: 60 }, (_, i) => ({
    ts: base + i * 17,
    level: LEVEL_CYCLE[i % 4] as string,
    message: `volume line ${i}`,
  }));
  let seeded = false;
  async function seedSvc3(): Promise<string> {
    if (!seeded) {
      await ingest(logBatch(`volume-${base}`, runtimeId('ops-docker', 3), mine));
      seeded = true;
    }
    return containerId('svc-3');
  }
  /** The range from `base` to `base + 1199` (20 minutes), as the URL carries it (epoch ms). */
  const RANGE = `from=${base * 1000}&to=${(base + 1199) * 1000}`;

  it('filters from the URL: a container, two levels and oldest first, as a shared link opens', async () => {
    const id = await seedSvc3();
    const { router } = renderApp('logs', {
      backend: 'ops',
      search: `?refresh=&${RANGE}&container=${id}&level=error,warning&order=asc`,
    });
    const want = mine.filter((l) => l.level === 'error' || l.level === 'warning');
    await waitFor(() => expect(lines()).toHaveLength(want.length));
    // Oldest first, both levels, in the seeded order.
    expect(lines().map((l) => l.textContent!.match(/volume line \d+/)![0])).toEqual(want.map((l) => l.message));
    expect(new Set(lines().map((l) => l.dataset.level))).toEqual(new Set(['error', 'warning']));
    expect(screen.getByTestId('log-count')).toHaveTextContent(`${want.length} lines, oldest first`);
    expect(screen.getByLabelText('Show oldest first')).toBeChecked();
    // The picker names the container from the URL (besides the name on every line).
    await waitFor(() => expect(screen.getAllByText('svc-3')).toHaveLength(want.length + 1));

    // Newest first again: the URL follows, and the lines turn round.
    const user = userEvent.setup();
    await user.click(screen.getByLabelText('Show oldest first'));
    await waitFor(() => expect(router.location().search).not.toContain('order='));
    expect(router.location().search).toContain('level=error%2Cwarning');
    await waitFor(() => expect(lines()[0].textContent).toContain(want[want.length - 1].message));
  });

  it('two levels picked show the lines of both, and the URL keeps them', async () => {
    const user = userEvent.setup();
    const id = await seedSvc3();
    const { router } = renderApp('logs', { backend: 'ops', search: `?refresh=&${RANGE}&container=${id}` });
    await waitFor(() => expect(lines()).toHaveLength(mine.length));
    await pickOption(user, 'Level', 'error');
    await waitFor(() => expect(lines()).toHaveLength(mine.filter((l) => l.level === 'error').length));
    await pickOption(user, 'Level', 'debug');
    const both = mine.filter((l) => l.level === 'error' || l.level === 'debug');
    await waitFor(() => expect(lines()).toHaveLength(both.length));
    expect(new Set(lines().map((l) => l.dataset.level))).toEqual(new Set(['error', 'debug']));
    expect(router.location().search).toContain('level=error%2Cdebug');
  });

  it('the histogram counts the seeded lines per bar and level, and a bar narrows the range to its bucket', async () => {
    const user = userEvent.setup();
    const id = await seedSvc3();
    const { router } = renderApp('logs', { backend: 'ops', search: `?refresh=&${RANGE}&container=${id}` });
    await waitFor(() => expect(screen.getAllByTestId('volume-bar').length).toBeGreaterThan(1));
    const bars = screen.getAllByTestId('volume-bar');
    const ts = bars.map((b) => Number(b.dataset.ts));
    const step = ts[1] - ts[0];
    // At most 60 bars of a round width cover the 20 minutes.
    expect(bars.length).toBeLessThanOrEqual(60);
    expect(ts[0]).toBeLessThanOrEqual(base);
    expect(ts[ts.length - 1] + step).toBeGreaterThan(base + 1199);
    for (const [i, bar] of bars.entries()) {
      const inside = mine.filter((l) => l.ts >= ts[i] && l.ts < ts[i] + step);
      expect(Number(bar.dataset.count)).toBe(inside.length);
      for (const level of LEVEL_CYCLE) {
        const n = inside.filter((l) => l.level === level).length;
        if (n) {
          expect(bar.getAttribute('aria-label')).toContain(`${level} ${n}`);
        } else {
          expect(bar.getAttribute('aria-label')).not.toContain(level);
        }
      }
    }
    expect(screen.getByTestId('log-volume-totals')).toHaveTextContent(`${mine.length} lines in range`);

    // The busiest bar: the range becomes its bucket, and the lines are exactly its lines.
    const pick = bars.reduce((a, b) => (Number(b.dataset.count) > Number(a.dataset.count) ? b : a));
    const from = Number(pick.dataset.ts);
    const expected = mine.filter((l) => l.ts >= from && l.ts < from + step);
    await user.click(pick);
    await waitFor(() => expect(router.location().search).toContain(`from=${from * 1000}`));
    expect(router.location().search).toContain(`to=${(from + step - 1) * 1000}`);
    await waitFor(() => expect(lines()).toHaveLength(expected.length));
    expect(
      lines()
        .map((l) => l.textContent!.match(/volume line \d+/)![0])
        .sort()
    ).toEqual(expected.map((l) => l.message).sort());
  });

  it('the all-containers view names each line’s node and cluster', async () => {
    renderApp('logs', { backend: 'ops' });
    await waitFor(() => expect(lines().length).toBeGreaterThan(0));
    const list = await backendGet<ContainerListReply>('/containers?pageSize=500&includeGone=true', 'ops');
    const where = new Map<string, Set<string>>();
    for (const c of list.items) {
      where.set(c.name, (where.get(c.name) ?? new Set()).add(`${c.nodeName}|${c.clusterName}`));
    }
    const clustersSeen = new Set<string>();
    for (const line of lines()) {
      const name = line.querySelector('span:nth-child(3)')!.textContent!;
      const node = within(line).getByTestId('log-node').textContent;
      const cluster = within(line).getByTestId('log-cluster').textContent;
      expect(where.get(name)).toContain(`${node}|${cluster}`);
      clustersSeen.add(cluster!);
    }
    // Which clusters the newest page holds depends on what earlier tests ingested; every line was checked above.
    expect(clustersSeen.size).toBeGreaterThan(0);
  });

  it('the container picker searches every container on the backend, beyond the first page it lists', async () => {
    const user = userEvent.setup();
    // The fleet backend has 72 containers; the picker lists PICKER_PAGE by name, and svc-* sort last.
    const all = await backendGet<ContainerListReply>('/containers?pageSize=500&includeGone=true');
    expect(all.total).toBeGreaterThan(PICKER_PAGE);
    const last = [...all.items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).pop()!;
    const { requests } = renderApp('logs');
    await user.click(screen.getByLabelText('Container'));
    const menu = await screen.findByLabelText('Select options menu');
    await within(menu).findByText(`${all.total - PICKER_PAGE} more matches: type to narrow`);
    expect(within(menu).queryByText(last.name)).not.toBeInTheDocument();
    await user.keyboard(last.name);
    const option = (await within(menu).findAllByText(last.name, {}, { timeout: 5000 }))[0];
    expect(
      within(menu).getAllByText(`${last.nodeName} · ${last.clusterName}`, { exact: false }).length
    ).toBeGreaterThan(0);
    await user.click(option);
    await waitFor(() =>
      expect(requests.some((r) => r.includes('/logs?') && r.includes(`container=${last.id}`))).toBe(true)
    );
    expect(requests.some((r) => r.includes('/containers?') && r.includes(`q=${encodeURIComponent(last.name)}`))).toBe(
      true
    );
  });
});

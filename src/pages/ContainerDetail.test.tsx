import { screen, waitFor, within } from '@testing-library/react';
import type { ContainerListReply } from '@fleetlens/protocol/api';
import { backendGet, ingest, renderApp } from '../test/harness';

// The container page explains memory, CPU throttling and OOM kills (issue 12) from what an agent
// sent to the live ops backend. The expected words are written by hand from the numbers sent.
const MiB = 1024 * 1024;
const CLUSTER = 'ops-pressure';

/**
 * Ingests, once more on a reset connection: a kept-alive socket the server has just closed
 * (another test file used it last) resets; the batch is idempotent, so sending it again is safe.
 */
async function ingestOnce(batch: unknown): Promise<void> {
  try {
    await ingest(batch, 'ops');
  } catch (e) {
    if (!/ECONNRESET/.test(String(e))) {
      throw e;
    }
    await ingest(batch, 'ops');
  }
}

describe('Container page: memory in plain words, throttling and OOM kills', () => {
  let id: string;

  beforeAll(async () => {
    const now = Math.floor(Date.now() / 1000);
    const kill = (ts: number, n: number) => ({
      ts,
      source: 'docker',
      type: 'warning',
      reason: 'oom',
      message: `OOM kill ${n} counted by the agent for this container`,
      objectKind: 'container',
      objectName: 'pressure-hog',
      nodeName: 'ops-pressure-node',
      containerId: 'f'.repeat(64),
    });
    await ingestOnce({
      version: 'v1',
      batchId: `pressure-page-${now}`,
      sentAt: now,
      agent: { id: 'agent-ops-pressure', version: 'test', mode: 'node', hostname: 'ops-pressure-node' },
      cluster: { name: CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
      nodes: [
        { name: 'ops-pressure-node', cores: 2, memoryBytes: 8192 * MiB, samples: [{ ts: now - 5, cpuCores: 0.3 }] },
      ],
      containers: [
        {
          id: 'f'.repeat(64),
          nodeName: 'ops-pressure-node',
          name: 'pressure-hog',
          state: 'running',
          samples: [
            {
              ts: now - 5,
              cpuCores: 0.2,
              memBytes: 50 * MiB,
              memLimitBytes: 640 * MiB,
              memUsageBytes: 390 * MiB,
              memAnonBytes: 28 * MiB,
              memActiveFileBytes: 20 * MiB,
              memInactiveFileBytes: 340 * MiB,
              cpuThrottledPercent: 90,
              cpuThrottledSecondsPerSecond: 0.72,
            },
          ],
        },
      ],
      // Older than the hour the events and alerts pages of the other tests look at.
      events: [kill(now - 7300, 1), kill(now - 7200, 2)],
    });
    const list = await backendGet<ContainerListReply>(`/containers?cluster=${CLUSTER}`, 'ops');
    id = list.items[0].id;
  });

  it('says how much is used, how much of it is reclaimable cache, and the working set of the limit', async () => {
    renderApp(`containers/${id}`, { backend: 'ops' });
    // 390 − 340 = 50 MiB working set; 50 / 640 = 7.8125 %, shown with one decimal like every percent.
    expect(await screen.findByTestId('memory-explained')).toHaveTextContent(
      '390 MiB used, of which 340 MiB reclaimable cache; working set 50 MiB, 7.8% of its 640 MiB limit'
    );
    const facts = screen.getByLabelText('Container facts');
    expect(
      within(facts).getByText('anonymous 28 MiB · page cache: active 20 MiB, inactive 340 MiB')
    ).toBeInTheDocument();
  });

  it('shows the throttled percent and seconds per second, and counts the OOM kills', async () => {
    renderApp(`containers/${id}`, { backend: 'ops' });
    const throttled = await screen.findByTestId('cpu-throttled');
    expect(throttled).toHaveTextContent('90.0%');
    expect(throttled).toHaveTextContent('0.72 s throttled per second');
    await waitFor(() => expect(screen.getByTestId('oom-kills').querySelector('div')).toHaveTextContent(/^2$/));
    expect(screen.getByTestId('oom-kills')).toHaveTextContent('last ');
  });
});

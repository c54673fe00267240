import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AgentListReply, NodeListReply } from '@fleetlens/protocol/api';
import { backendGet, ingest, renderApp } from '../test/harness';

// Issue 11: the counters an agent reports with every batch (drops, spool write errors, clock
// skew …) shown in the plugin: the admin "Agents" tab and the node page. The expected text comes
// from the status this test sends in its batch, formatted by hand.

const T = Math.floor(Date.now() / 1000) - 30;
const NODE = 'agent-ui-n1';

beforeAll(async () => {
  await ingest(
    {
      version: 'v1',
      batchId: `agent-ui-${T}`,
      sentAt: T,
      agent: {
        id: `node:${NODE}`,
        version: '0.1.0',
        mode: 'node',
        hostname: NODE,
        status: {
          lastPushAt: T - 1,
          spoolBytes: 8192,
          spoolBatches: 2,
          droppedBatches: 3,
          droppedSamples: 9,
          rejectedBatches: 1,
          cpuCores: 0.01,
          rssBytes: 50e6,
          clockSkewSeconds: 120,
          spoolWriteErrors: 4,
          spoolLastWriteError: 'ENOSPC',
          containerUsage: 'kubelet summary (cgroup not readable: no cgroup hierarchy at /host/sys/fs/cgroup)',
          probesOverLimit: 15,
        },
      },
      cluster: { name: 'agent-ui', kind: 'docker', environment: 'on-prem' },
      nodes: [{ name: NODE, cores: 2, memoryBytes: 4e9, samples: [{ ts: T, cpuCores: 0.5 }] }],
    },
    'ops'
  );
});

describe('agent status in the plugin against a live backend', () => {
  it('lists the agent with its version, clock skew, spool, drops and write errors on the admin Agents tab', async () => {
    const user = userEvent.setup();
    renderApp('admin', { backend: 'ops' });
    await user.click(await screen.findByRole('tab', { name: 'Agents' }));
    const table = await screen.findByRole('table', { name: 'Agents' });
    const row = (await within(table).findByText(NODE)).closest('tr')!;
    expect(row).toHaveTextContent('agent-ui');
    expect(row).toHaveTextContent('0.1.0');
    expect(row).toHaveTextContent('+120 s (clock off)');
    expect(row).toHaveTextContent('2 batches, 8 KiB'); // 8,192 bytes
    expect(row).toHaveTextContent('3 batches (9 samples)');
    expect(row).toHaveTextContent('4 (last: ENOSPC)');
    // The same numbers as the backend serves them.
    const served = (await backendGet<AgentListReply>('/agents', 'ops')).items.find((a) => a.hostname === NODE)!;
    expect(served.status).toMatchObject({ droppedBatches: 3, droppedSamples: 9, clockSkewSeconds: 120 });
  });

  it('shows the agent of a node on the node page', async () => {
    const node = (await backendGet<NodeListReply>(`/nodes?q=${NODE}`, 'ops')).items[0];
    renderApp(`nodes/${node.id}`, { backend: 'ops' });
    const facts = await screen.findByLabelText('Agent status');
    expect(within(facts).getByText('0.1.0')).toBeInTheDocument();
    expect(facts).toHaveTextContent('+120 s (clock off)');
    expect(facts).toHaveTextContent('3 batches (9 samples)');
    expect(facts).toHaveTextContent('4 (last: ENOSPC)');
    expect(facts).toHaveTextContent('Rejected by the backend1');
    expect(facts).toHaveTextContent(
      'Container figureskubelet summary (cgroup not readable: no cgroup hierarchy at /host/sys/fs/cgroup)'
    );
    expect(facts).toHaveTextContent("Probes not run15 over the agent's limit (FLEETLENS_PROBE_MAX)");
  });

  it('says so when no agent reports a node (one known only from a cluster agent’s containers)', async () => {
    await ingest(
      {
        version: 'v1',
        batchId: `agent-ui-orphan-${T}`,
        sentAt: T,
        agent: { id: 'cluster:agent-ui-kube', version: '0.1.0', mode: 'cluster', hostname: 'agent-ui-kube' },
        cluster: { name: 'agent-ui', kind: 'docker', environment: 'on-prem' },
        containers: [
          { id: 'c'.repeat(64), nodeName: 'agent-ui-orphan', name: 'orphan', image: 'busybox', state: 'running' },
        ],
      },
      'ops'
    );
    const node = (await backendGet<NodeListReply>('/nodes?q=agent-ui-orphan', 'ops')).items[0];
    renderApp(`nodes/${node.id}`, { backend: 'ops' });
    expect(await screen.findByText('No agent reports this node.')).toBeInTheDocument();
  });
});

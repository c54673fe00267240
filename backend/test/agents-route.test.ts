import type { api } from '@fleetlens/protocol';
import { scopedApiKey } from '../src/testing/credentials';
import { liveBackend, type Live } from './helpers/backend';
import { DIALECTS } from './helpers/databases';

// Issue 11: the counters every agent sends with its batches (drops, spool errors, clock skew …)
// are served on GET /api/v1/agents, within the caller's scope. The expected values are the ones
// this test put into the batches it sent.

const T = Math.floor(Date.now() / 1000) - 60;

const status = (o: Record<string, unknown>) => ({
  lastPushAt: T - 1,
  spoolBytes: 4096,
  spoolBatches: 3,
  droppedBatches: 0,
  rejectedBatches: 0,
  cpuCores: 0.01,
  rssBytes: 50e6,
  ...o,
});

const batch = (
  cluster: string,
  node: string,
  mode: 'node' | 'cluster',
  st: Record<string, unknown> | null,
  at = T
) => ({
  version: 'v1',
  batchId: `agents-${cluster}-${node}-${at}`,
  sentAt: at,
  agent: { id: `${mode}:${node}`, version: '0.1.0', mode, hostname: node, status: st },
  cluster: { name: cluster, kind: 'docker', environment: 'on-prem' },
  nodes: mode === 'node' ? [{ name: node, cores: 2, memoryBytes: 4e9, samples: [{ ts: at, cpuCores: 0.5 }] }] : [],
});

describe.each(DIALECTS)('GET /api/v1/agents (%s)', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (const b of [
      batch('north', 'n1', 'node', status({ droppedBatches: 2, droppedSamples: 7, spoolWriteErrors: 3, spoolLastWriteError: 'ENOSPC', clockSkewSeconds: 121 }), T - 10), // prettier-ignore
      // A newer batch of the same agent replaces its counters; an older replay does not.
      batch('north', 'n1', 'node', status({ droppedBatches: 3, droppedSamples: 9, spoolWriteErrors: 4, spoolLastWriteError: 'ENOSPC', clockSkewSeconds: 120 })), // prettier-ignore
      batch('north', 'n1', 'node', status({ droppedBatches: 1 }), T - 20),
      batch('north', 'n2', 'node', null),
      batch('north', 'kube', 'cluster', status({})),
      batch('south', 's1', 'node', status({ clockSkewSeconds: -4 })),
    ]) {
      const r = await live.ingest(b);
      expect(r.status).toBe(202);
    }
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  const list = async (headers: Record<string, string>, query = '') => {
    const r = await fetch(`${live.backend.url}/api/v1/agents${query}`, { headers });
    expect(r.status).toBe(200);
    return ((await r.json()) as api.AgentListReply).items;
  };

  it('lists every agent with its newest counters and its node', async () => {
    const items = await list(live.admin);
    expect(items.map((a) => a.id).sort()).toEqual(['cluster:kube', 'node:n1', 'node:n2', 'node:s1']);
    const n1 = items.find((a) => a.id === 'node:n1')!;
    expect(n1).toMatchObject({ cluster: 'north', mode: 'node', hostname: 'n1', version: '0.1.0', lastSeen: T });
    expect(n1.status).toMatchObject({
      droppedBatches: 3,
      droppedSamples: 9,
      spoolWriteErrors: 4,
      spoolLastWriteError: 'ENOSPC',
      clockSkewSeconds: 120,
      spoolBatches: 3,
      spoolBytes: 4096,
    });
    const nodes = (await live.get<api.NodeListReply>('/api/v1/nodes')).items;
    expect(n1.nodeId).toBe(nodes.find((n) => n.name === 'n1')!.id);
    expect(items.find((a) => a.id === 'node:n2')!.status).toBeNull();
    expect(items.find((a) => a.id === 'cluster:kube')!.nodeId).toBeNull();
    // Filters: one node's agent, one cluster's agents.
    expect((await list(live.admin, `?node=${encodeURIComponent(n1.nodeId!)}`)).map((a) => a.id)).toEqual(['node:n1']);
    expect((await list(live.admin, '?cluster=south')).map((a) => a.id)).toEqual(['node:s1']);
  });

  it('shows a scoped caller only the agents in its scope', async () => {
    const key = async (
      email: string,
      scopes: { clusters: string[] | null; namespaces: string[] | null; nodes: string[] | null }
    ) =>
      // prettier-ignore
      (await scopedApiKey(live.backend.url, live.admin, { email, role: 'viewer', scopes })).headers;
    const south = await key('south@example.com', { clusters: ['south'], namespaces: null, nodes: null });
    expect((await list(south)).map((a) => a.id)).toEqual(['node:s1']);
    // Asking for another cluster never widens the scope.
    expect(await list(south, '?cluster=north')).toEqual([]);
    const n2 = await key('n2@example.com', { clusters: null, namespaces: null, nodes: ['n2'] });
    expect((await list(n2)).map((a) => a.id)).toEqual(['node:n2']); // not the cluster-level agent
    const ns = await key('ns@example.com', { clusters: null, namespaces: ['team-a'], nodes: null });
    expect(await list(ns)).toEqual([]); // node-level data: nothing for a namespace-restricted caller
    const none = await key('none@example.com', { clusters: [], namespaces: null, nodes: null });
    expect(await list(none)).toEqual([]);
  });

  it('refuses a bad filter with 400 naming it', async () => {
    const r = await fetch(`${live.backend.url}/api/v1/agents?node=${'x'.repeat(300)}`, { headers: live.admin });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toContain('node');
  });
});

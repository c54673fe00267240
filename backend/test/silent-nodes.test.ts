import { api } from '@fleetlens/protocol';
import { ConfigError, loadConfig, silentAfterSeconds } from '../src/config';
import { InventoryQueries } from '../src/services/inventory';
import { FULL_SCOPE as ALL } from '../src/services/scope';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type IngestBatchInput, type Live } from './helpers/backend';

const NOW = Math.floor(Date.now() / 1000);
const LIVE_TS = NOW - 20; // current: the test backend calls a node silent after 10 s × 30
const QUIET_TS = NOW - 900; // 15 minutes of silence
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** One node's batch at `ts` with the given containers (each with one sample unless stopped). */
function nodeBatch(
  node: string,
  ts: number,
  containers: { id: string; name: string; state: 'running' | 'paused' | 'exited'; cpu: number; mem: number }[]
): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `silent-${node}-${ts}`,
    sentAt: ts,
    agent: { id: `agent-${node}`, version: '1.0.0', mode: 'node', hostname: node },
    cluster: { name: 'dc-quiet', kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [
      {
        name: node,
        cores: 4,
        memoryBytes: 16 * GiB,
        bootTime: ts - 3600,
        samples: [
          { ts, cpuCores: 3.9, memUsedBytes: 15 * GiB, memTotalBytes: 16 * GiB, fsUsedBytes: 99, fsTotalBytes: 100 },
        ],
      },
    ],
    containers: containers.map((c) => ({
      id: c.id.repeat(64),
      nodeName: node,
      name: c.name,
      image: 'busybox:1.36',
      state: c.state,
      samples: c.state === 'exited' ? [] : [{ ts, cpuCores: c.cpu, memBytes: c.mem, memLimitBytes: 2 * GiB }],
    })),
  };
}

describe.each(DIALECTS)('silent nodes and paused containers on %s', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    // node-quiet: fully busy when it last reported, 15 minutes ago, then nothing.
    const quiet = nodeBatch('node-quiet', QUIET_TS, [
      { id: 'q', name: 'quiet-hog', state: 'running', cpu: 3.5, mem: 900 * MiB },
      { id: 'r', name: 'quiet-small', state: 'running', cpu: 0.2, mem: 100 * MiB },
    ]);
    const busy = nodeBatch('node-live', LIVE_TS, [
      { id: 'a', name: 'live-web', state: 'running', cpu: 0.5, mem: 200 * MiB },
      { id: 'p', name: 'live-paused', state: 'paused', cpu: 0, mem: 700 * MiB },
      { id: 'x', name: 'live-exited', state: 'exited', cpu: 0, mem: 0 },
    ]);
    for (const b of [quiet, busy]) expect((await live.ingest(b)).status).toBe(202);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('a node silent for 15 minutes is silent with its last-seen time, no usage and no running containers', async () => {
    const { items } = api.NodeListReply.parse(await live.get('/api/v1/nodes'));
    const quiet = items.find((n) => n.name === 'node-quiet')!;
    const busy = items.find((n) => n.name === 'node-live')!;
    expect(quiet).toMatchObject({
      silent: true,
      status: 'unknown',
      lastSeen: QUIET_TS,
      cpuCores: null,
      cpuPercent: null,
      memPercent: null,
      fsPercent: null,
      containersTotal: 2,
      containersRunning: 0,
    });
    // The live node keeps its (high) usage: 3.9 of 4 cores is 97.5 %, a Warning, not silence.
    expect(busy).toMatchObject({ silent: false, status: 'ready', lastSeen: LIVE_TS, containersTotal: 3 });
    expect(busy.cpuPercent).toBeCloseTo(97.5);
    // Paused is not running here, as in the overview's counts: only live-web runs.
    expect(busy.containersRunning).toBe(1);
    const silentOnly = api.NodeListReply.parse(await live.get('/api/v1/nodes?status=unknown'));
    expect(silentOnly.items.map((n) => n.name)).toEqual(['node-quiet']);
  });

  it('overview: the silent node is counted apart and its containers are unknown, not running', async () => {
    const o = api.OverviewReply.parse(await live.get('/api/v1/overview'));
    expect(o.totals.nodes).toEqual({ total: 2, ready: 1, notReady: 1, silent: 1 });
    expect(o.totals.containers).toEqual({
      total: 5,
      running: 1,
      stopped: 1,
      paused: 1,
      restarting: 0,
      unhealthy: 0,
      unknown: 2,
    });
    // Usage sums only the live node: 3.9 cores used of the 4 that report (capacity still counts 8).
    expect(o.totals.usage.usedCores).toBeCloseTo(3.9);
    expect(o.totals.usage.capacityCores).toBe(8);
  });

  it('containers table: state unknown, no usage, filterable and sortable by that state', async () => {
    const all = api.ContainerListReply.parse(await live.get('/api/v1/containers?sort=name'));
    const byName = Object.fromEntries(all.items.map((c) => [c.name, c]));
    expect(byName['quiet-hog']).toMatchObject({ displayState: 'unknown', state: 'running', cpuCores: null });
    expect(byName['live-web']).toMatchObject({ displayState: 'running', cpuCores: 0.5 });
    const unknown = api.ContainerListReply.parse(await live.get('/api/v1/containers?state=unknown'));
    expect(unknown.items.map((c) => c.name).sort()).toEqual(['quiet-hog', 'quiet-small']);
    const running = api.ContainerListReply.parse(await live.get('/api/v1/containers?state=running'));
    expect(running.items.map((c) => c.name)).toEqual(['live-web']);
    const byState = api.ContainerListReply.parse(await live.get('/api/v1/containers?sort=state&order=asc'));
    // Display states in text order: paused, running, stopped, unknown, unknown.
    expect(byState.items.map((c) => c.displayState)).toEqual(['paused', 'running', 'stopped', 'unknown', 'unknown']);
    const node = api.NodeDetailReply.parse(
      await live.get(`/api/v1/nodes/${all.items.find((c) => c.name === 'quiet-hog')!.nodeId}`)
    );
    expect(node.containers.every((c) => c.displayState === 'unknown')).toBe(true);
  });

  it('top-10 ranks the silent node’s containers by their window average but not as running', async () => {
    const top = api.TopReply.parse(await live.get('/api/v1/top?metric=cpuCores&window=1200&limit=10'));
    expect(top.items.map((i) => [i.name, i.displayState])).toEqual([
      ['quiet-hog', 'unknown'],
      ['live-web', 'running'],
      ['quiet-small', 'unknown'],
      ['live-paused', 'paused'],
    ]);
  });

  it('a paused container shows its sampled usage in the table as in the top-10 (700 MiB, 0 cores)', async () => {
    const list = api.ContainerListReply.parse(await live.get('/api/v1/containers?state=paused'));
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ name: 'live-paused', memBytes: 700 * MiB, cpuCores: 0 });
    const top = api.TopReply.parse(await live.get('/api/v1/top?metric=memBytes&window=300&limit=10'));
    const paused = top.items.find((i) => i.name === 'live-paused')!;
    expect(paused.memBytes).toBe(list.items[0].memBytes);
    // Ranked by memory it comes first of the live node's containers: 700 MiB > 200 MiB.
    expect(top.items.map((i) => i.name)).toEqual(['live-paused', 'live-web']);
  });

  // Last: it adds nodes and containers that the counts above must not see.
  it('a node whose agent sends only containers (no host collector) is not silent while it pushes; one named by a cluster agent is', async () => {
    const containersOnly = (node: string, ts: number, mode: 'node' | 'cluster') => ({
      ...nodeBatch(node, ts, [
        { id: node === 'node-dockeronly' ? 'd' : 'e', name: `${node}-c`, state: 'running', cpu: 0.1, mem: MiB },
      ]),
      batchId: `silent-only-${node}-${ts}`,
      agent: { id: `${mode}-${node}`, version: '1.0.0', mode, hostname: mode === 'node' ? node : 'cluster-agent' },
      nodes: [],
    });
    // First seen 15 minutes ago (a placeholder), then live pushes with containers only.
    for (const ts of [QUIET_TS, LIVE_TS]) {
      expect((await live.ingest(containersOnly('node-dockeronly', ts, 'node'))).status).toBe(202);
      expect((await live.ingest(containersOnly('node-named', ts, 'cluster'))).status).toBe(202);
    }
    const { items } = api.NodeListReply.parse(await live.get('/api/v1/nodes'));
    expect(items.find((n) => n.name === 'node-dockeronly')).toMatchObject({ silent: false, lastSeen: LIVE_TS });
    expect(items.find((n) => n.name === 'node-named')).toMatchObject({ silent: true, lastSeen: QUIET_TS });
  });

  it('with the defaults (10 s × 3) a node is silent 30 s after its last sample, not at 30 s', async () => {
    const staleAfter = silentAfterSeconds(loadConfig({}));
    expect(staleAfter).toBe(30);
    const at = (now: number) => new InventoryQueries({ db: live.backend.deps.db, now: () => now, staleAfter });
    const status = async (now: number) =>
      (await at(now).nodes(ALL, { sort: 'name', order: 'asc' })).items.find((n) => n.name === 'node-live')!.silent;
    await expect(status(LIVE_TS + 30)).resolves.toBe(false);
    await expect(status(LIVE_TS + 31)).resolves.toBe(true);
    const inventory = await at(LIVE_TS + 31).overview(ALL);
    expect(inventory.totals.containers.running).toBe(0);
  });
});

describe('silence configuration', () => {
  it('AGENT_INTERVAL_SECONDS × SILENT_AFTER_INTERVALS sets the threshold; bad values are refused by name', () => {
    expect(silentAfterSeconds(loadConfig({ AGENT_INTERVAL_SECONDS: '15', SILENT_AFTER_INTERVALS: '4' }))).toBe(60);
    for (const [k, v] of [
      ['AGENT_INTERVAL_SECONDS', '0'],
      ['AGENT_INTERVAL_SECONDS', 'ten'],
      ['SILENT_AFTER_INTERVALS', '1'],
      ['SILENT_AFTER_INTERVALS', '2.5'],
    ]) {
      expect(() => loadConfig({ [k]: v })).toThrow(ConfigError);
      expect(() => loadConfig({ [k]: v })).toThrow(new RegExp(`${k}:`));
    }
  });
});

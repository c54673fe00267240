import { api } from '@fleetlens/protocol';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, tableCounts, type IngestBatchInput, type Live } from './helpers/backend';

const NOW = Math.floor(Date.now() / 1000);
const T0 = NOW - 30; // recent enough to count as current usage
const GiB = 1024 ** 3;

/** Two Docker hosts: node-a with web (running), db (running, host network), job (exited 3); node-b idle. */
function batch(overrides: Partial<IngestBatchInput> = {}, ts = [T0, T0 + 10]): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `b-${ts.join('-')}`,
    sentAt: ts[ts.length - 1],
    agent: { id: 'agent-a', version: '1.0.0', mode: 'node', hostname: 'node-a' },
    cluster: { name: 'prod-eu', kind: 'docker', environment: 'public-cloud', labels: { region: 'eu-west-1' } },
    nodes: [
      {
        name: 'node-a',
        cores: 4,
        memoryBytes: 16 * GiB,
        bootTime: NOW - 3600,
        samples: ts.map((t) => ({
          ts: t,
          cpuCores: 1,
          memUsedBytes: 4 * GiB,
          memTotalBytes: 16 * GiB,
          fsUsedBytes: 50 * GiB,
          fsTotalBytes: 200 * GiB,
          netRxBps: 1000,
          netTxBps: 500,
        })),
      },
      {
        name: 'node-b',
        cores: 2,
        memoryBytes: 8 * GiB,
        samples: ts.map((t) => ({ ts: t, cpuCores: 0.5, memUsedBytes: 2 * GiB, memTotalBytes: 8 * GiB })),
      },
    ],
    containers: [
      {
        id: 'c'.repeat(64),
        nodeName: 'node-a',
        name: 'web',
        image: 'nginx:1.27',
        state: 'running',
        samples: ts.map((t) => ({
          ts: t,
          cpuCores: 0.5,
          memBytes: 256 * 1024 * 1024,
          memLimitBytes: 1 * GiB,
          netRxBps: 800,
          netTxBps: 400,
        })),
      },
      {
        id: 'd'.repeat(64),
        nodeName: 'node-a',
        name: 'db',
        image: 'postgres:16',
        state: 'running',
        hostNetwork: true,
        samples: ts.map((t) => ({
          ts: t,
          cpuCores: 0.25,
          memBytes: 512 * 1024 * 1024,
          netRxBps: null,
          netTxBps: null,
        })),
      },
      { id: 'e'.repeat(64), nodeName: 'node-a', name: 'job', image: 'busybox', state: 'exited', exitCode: 3 },
    ],
    inventories: [
      { nodeName: 'node-a', ts: ts[ts.length - 1], containerIds: ['c', 'd', 'e'].map((x) => x.repeat(64)) },
    ],
    ...overrides,
  };
}

describe.each(DIALECTS)('ingest → query on %s', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('stores a valid batch and answers 202 with counts', async () => {
    const r = await live.ingest(batch(), { gzip: true });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: { nodes: 2, nodeSamples: 4, containers: 3, containerSamples: 4 } });
  });

  it('overview counts nodes and containers by state and sums usage (hand-computed)', async () => {
    const o = api.OverviewReply.parse(await live.get('/api/v1/overview'));
    expect(o.totals.clusters).toBe(1);
    expect(o.totals.nodes).toEqual({ total: 2, ready: 2, notReady: 0, silent: 0 });
    expect(o.totals.containers).toMatchObject({ total: 3, running: 2, stopped: 1, paused: 0 });
    // node-a 1 core of 4, node-b 0.5 of 2: 1.5 of 6 cores = 25 %.
    expect(o.totals.usage.usedCores).toBeCloseTo(1.5);
    expect(o.totals.usage.capacityCores).toBe(6);
    expect(o.totals.usage.cpuPercent).toBeCloseTo(25);
    expect(o.totals.usage.memUsedBytes).toBe(6 * GiB);
    expect(o.totals.usage.memPercent).toBeCloseTo((6 / 24) * 100);
    expect(o.clusters[0]).toMatchObject({
      name: 'prod-eu',
      environment: 'public-cloud',
      labels: { region: 'eu-west-1' },
    });
  });

  it('lists nodes with absolute and percent usage, sortable', async () => {
    const r = api.NodeListReply.parse(await live.get('/api/v1/nodes?sort=cpuPercent&order=desc'));
    expect(r.items.map((n) => n.name)).toEqual(['node-a', 'node-b']); // 25 % vs 25 %: tie broken by name
    const a = r.items[0];
    expect(a.cpuPercent).toBeCloseTo(25);
    expect(a.memPercent).toBeCloseTo(25);
    expect(a.fsPercent).toBeCloseTo(25);
    expect(a.containersTotal).toBe(3);
    expect(a.containersRunning).toBe(2);
    expect(a.uptimeSeconds).toBeGreaterThanOrEqual(3600);
    const byMem = api.NodeListReply.parse(await live.get('/api/v1/nodes?sort=memory&order=asc'));
    expect(byMem.items.map((n) => n.name)).toEqual(['node-b', 'node-a']);
  });

  it('one node carries its containers', async () => {
    const { items } = await live.get('/api/v1/nodes');
    const detail = api.NodeDetailReply.parse(await live.get(`/api/v1/nodes/${items[0].id}`));
    expect(detail.containers.map((c) => c.name)).toEqual(['db', 'job', 'web']);
  });

  it('filters, sorts and pages containers on the server', async () => {
    const all = api.ContainerListReply.parse(await live.get('/api/v1/containers?sort=cpu&order=desc'));
    expect(all.total).toBe(3);
    expect(all.items.map((c) => c.name)).toEqual(['web', 'db', 'job']); // job has no usage: nulls last
    const web = all.items[0];
    expect(web.cpuPercent).toBeCloseTo(12.5); // 0.5 of node-a's 4 cores
    expect(web.memPercent).toBeCloseTo(25); // 256 MiB of a 1 GiB limit
    const db = all.items[1];
    expect(db.hostNetwork).toBe(true);
    expect(db.netRxBps).toBeNull();
    const stopped = await live.get('/api/v1/containers?state=stopped');
    expect(stopped.items.map((c: api.ContainerRow) => [c.name, c.exitCode])).toEqual([['job', 3]]);
    const search = await live.get('/api/v1/containers?q=POSTGRES');
    expect(search.items.map((c: api.ContainerRow) => c.name)).toEqual(['db']);
    const page2 = await live.get('/api/v1/containers?pageSize=2&page=2&sort=name');
    expect(page2).toMatchObject({ total: 3, page: 2 });
    expect(page2.items.map((c: api.ContainerRow) => c.name)).toEqual(['web']);
  });

  it('rejects a bad query string naming the parameter', async () => {
    const r = await live.getRaw('/api/v1/containers?pageSize=9999&sort=bogus');
    expect(r.status).toBe(400);
    expect(
      issuesOf(r.body)
        .map((i) => i.path)
        .sort()
    ).toEqual(['pageSize', 'sort']);
  });

  it('replaying a batch is idempotent: no duplicate rows', async () => {
    const before = await tableCounts(live);
    expect((await live.ingest(batch())).status).toBe(202);
    expect(await tableCounts(live)).toEqual(before);
  });

  it('an invalid batch answers 400 naming every bad field, and stores nothing', async () => {
    const before = await tableCounts(live);
    const bad = batch({}, [T0 + 20]) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    bad.nodes[0].samples[0].cpuCores = -1;
    bad.containers[1].state = 'sleeping';
    delete bad.agent.id;
    const r = await live.ingest(bad);
    expect(r.status).toBe(400);
    expect(
      issuesOf(r.body)
        .map((i) => i.path)
        .sort()
    ).toEqual(['agent.id', 'containers.1.state', 'nodes.0.samples.0.cpuCores'].sort());
    expect(await tableCounts(live)).toEqual(before);
  });

  it('answers 401 to a wrong or missing token and 400 to non-JSON, storing nothing', async () => {
    const before = await tableCounts(live);
    expect((await live.ingest(batch({}, [T0 + 30]), { token: 'wrong-token-xxxxxxxxxxxx' })).status).toBe(401);
    expect((await live.ingest(null, { raw: '{not json' })).status).toBe(400);
    expect((await live.getRaw('/api/v1/overview', {})).status).toBe(401);
    expect(await tableCounts(live)).toEqual(before);
  });

  it('answers 413 to a body over the limit', async () => {
    const huge = 'x'.repeat(live.backend.config.maxBodyBytes + 10);
    const r = await live.ingest(null, { raw: huge });
    expect(r.status).toBe(413);
  });

  it('marks containers missing from a newer inventory as gone, keeps their history, ignores older inventories', async () => {
    const later = [T0 + 20];
    const b = batch({}, later);
    b.containers = b.containers!.filter((c) => c.name !== 'job');
    b.inventories = [{ nodeName: 'node-a', ts: T0 + 20, containerIds: ['c', 'd'].map((x) => x.repeat(64)) }];
    expect((await live.ingest(b)).status).toBe(202);
    const visible = await live.get('/api/v1/containers');
    expect(visible.items.map((c: api.ContainerRow) => c.name)).toEqual(['db', 'web']);
    const gone = await live.get('/api/v1/containers?state=gone');
    expect(gone.items.map((c: api.ContainerRow) => [c.name, c.goneAt])).toEqual([['job', T0 + 20]]);
    // The first batch again (older inventory that still lists job): job stays gone.
    expect((await live.ingest(batch())).status).toBe(202);
    expect((await live.get('/api/v1/containers?state=gone')).total).toBe(1);
    // Its detail is still queryable.
    expect((await live.get(`/api/v1/containers/${gone.items[0].id}`)).name).toBe('job');
  });

  it('keeps the newest reading in latest when an older batch is replayed', async () => {
    const newer = batch({}, [T0 + 40]);
    newer.containers![0].samples = [{ ts: T0 + 40, cpuCores: 2 }];
    await live.ingest(newer);
    await live.ingest(batch()); // older again
    const web = (await live.get('/api/v1/containers?q=web')).items[0];
    expect(web.sampleTs).toBe(T0 + 40);
    expect(web.cpuCores).toBe(2);
  });

  it('answers 404 for an unknown entity', async () => {
    expect((await live.getRaw('/api/v1/nodes/ffffffffffffffff')).status).toBe(404);
  });
});

describe('database outage', () => {
  it('answers 503 with Retry-After when the database cannot be reached, so agents retry', async () => {
    const { buildApp, createDeps } = await import('../src/app');
    const { openDb } = await import('../src/db/connection');
    const { createTelemetry } = await import('../src/telemetry');
    const { loadConfig } = await import('../src/config');
    const { silentLogger } = await import('../src/logger');
    // A real MySQL client against a port where nothing listens: the connection is refused.
    const db = openDb('mysql://root@127.0.0.1:1/none');
    const config = { ...loadConfig({}), agentToken: 'outage-token-0123456789' };
    const app = buildApp(createDeps(config, db, silentLogger, createTelemetry(), 'test'));
    const server = app.listen(0);
    const port = (server.address() as { port: number }).port;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: 'Bearer outage-token-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify(batch()),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      server.close();
      await db.knex.destroy();
    }
  });
});

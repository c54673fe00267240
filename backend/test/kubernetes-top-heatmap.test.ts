import { api } from '@fleetlens/protocol';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

const NOW = Math.floor(Date.now() / 1000);
const T = NOW - 20 - (NOW % 10); // on a 10 s bucket boundary

/** A Kubernetes node with two pods of deployment "api" (2 containers each) and one pod of "worker". */
function k8sBatch() {
  const c = (
    id: string,
    pod: string,
    podUid: string,
    workloadName: string,
    cpu: number,
    mem: number,
    state = 'running'
  ) => ({
    id,
    nodeName: 'k-node-1',
    name: `${pod}-main`,
    image: 'app:1',
    state,
    kubernetes: { namespace: 'shop', pod, podUid, workloadKind: 'Deployment', workloadName },
    samples: state === 'running' ? [{ ts: T, cpuCores: cpu, memBytes: mem, netRxBps: 100, netTxBps: 50 }] : [],
  });
  return {
    version: 'v1',
    batchId: 'k1',
    sentAt: T,
    agent: { id: 'k-agent', version: '1', mode: 'node', hostname: 'k-node-1' },
    cluster: { name: 'k8s-prod', kind: 'kubernetes', environment: 'private-cloud' },
    nodes: [
      {
        name: 'k-node-1',
        cores: 8,
        memoryBytes: 32e9,
        samples: [{ ts: T, cpuCores: 2, memUsedBytes: 8e9, memTotalBytes: 32e9, fsUsedBytes: 90, fsTotalBytes: 100 }],
      },
      {
        name: 'k-node-2',
        cores: 4,
        memoryBytes: 16e9,
        samples: [{ ts: T, cpuCores: 3, memUsedBytes: 4e9, memTotalBytes: 16e9, fsUsedBytes: 10, fsTotalBytes: 100 }],
      },
    ],
    containers: [
      c('a1', 'api-1', 'u1', 'api', 0.5, 100),
      c('a2', 'api-1', 'u1', 'api', 0.25, 50),
      c('a3', 'api-2', 'u2', 'api', 1.0, 200),
      c('w1', 'worker-1', 'u3', 'worker', 0.1, 10),
      c('w2', 'worker-2', 'u4', 'worker', 0, 0, 'exited'),
    ],
    workloads: [
      { kind: 'Deployment', namespace: 'shop', name: 'api', desiredReplicas: 2, readyReplicas: 2, ts: T },
      { kind: 'Deployment', namespace: 'shop', name: 'worker', desiredReplicas: 2, readyReplicas: 1, ts: T },
    ],
  };
}

describe.each(DIALECTS)('kubernetes aggregates, top-N and heatmap on %s', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    expect((await live.ingest(k8sBatch())).status).toBe(202);
  });
  afterAll(async () => {
    await live?.close();
  });

  it('pods sum their containers; phases follow container states', async () => {
    const { items } = api.PodListReply.parse(await live.get('/api/v1/k8s/pods'));
    const byName = Object.fromEntries(items.map((p) => [p.name, p]));
    expect(byName['api-1'].containers).toBe(2);
    expect(byName['api-1'].usage.cpuCores).toBeCloseTo(0.75);
    expect(byName['api-1'].usage.memBytes).toBe(150);
    expect(byName['worker-2'].phase).toBe('failed'); // exited with no exit code recorded → not 0
  });

  it('workloads carry replicas from the cluster agent and usage from their pods', async () => {
    const { items } = api.WorkloadListReply.parse(await live.get('/api/v1/k8s/workloads'));
    const apiW = items.find((w) => w.name === 'api')!;
    expect(apiW).toMatchObject({ desiredReplicas: 2, readyReplicas: 2, pods: 2, runningPods: 2 });
    expect(apiW.usage.cpuCores).toBeCloseTo(1.75);
    const detail = api.WorkloadDetailReply.parse(await live.get(`/api/v1/k8s/workloads/${apiW.id}`));
    expect(detail.pods.map((p) => p.name).sort()).toEqual(['api-1', 'api-2']);
  });

  it('namespaces count workloads, pods and containers', async () => {
    const { items } = api.NamespaceListReply.parse(await live.get('/api/v1/k8s/namespaces'));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: 'shop', workloads: 2, pods: 4, runningPods: 3, containers: 5 });
    expect(items[0].usage.cpuCores).toBeCloseTo(1.85);
    const s = await live.get<api.SeriesReply>(
      `/api/v1/series?kind=namespace&id=${items[0].id}&metrics=cpuCores&from=${T - 60}&to=${T + 10}&step=10&tier=raw`
    );
    const last = s.series[0].points.find((p) => p[0] === T)!;
    expect(last[1]).toBeCloseTo(1.85);
  });

  it('top-N ranks containers by the chosen metric', async () => {
    const r = api.TopReply.parse(await live.get('/api/v1/top?metric=cpuCores&window=300&limit=3'));
    expect(r.items.map((i) => [i.rank, i.name])).toEqual([
      [1, 'api-2-main'],
      [2, 'api-1-main'],
      [3, 'api-1-main'],
    ]);
    expect(r.items[0].cpuPercent).toBeCloseTo(12.5); // 1 of 8 cores
    const byMem = api.TopReply.parse(await live.get('/api/v1/top?metric=memBytes&window=300&limit=1'));
    expect(byMem.items[0].value).toBe(200);
  });

  it('top-N over an hour answers from raw samples before any rollup has run (fresh install)', async () => {
    const r = api.TopReply.parse(await live.get('/api/v1/top?metric=cpuCores&window=3600&limit=1'));
    expect(r.tier).toBe('raw');
    expect(r.items.map((i) => i.name)).toEqual(['api-2-main']);
  });

  it('heatmap: one tile per node with its current percent, and a time matrix on request', async () => {
    const cpu = api.HeatmapReply.parse(await live.get('/api/v1/heatmap?metric=cpuPercent'));
    expect(cpu.nodes.map((n) => [n.name, n.value])).toEqual([
      ['k-node-1', 25],
      ['k-node-2', 75],
    ]);
    const fs = api.HeatmapReply.parse(await live.get('/api/v1/heatmap?metric=fsPercent'));
    expect(fs.nodes.map((n) => n.value)).toEqual([90, 10]);
    const m = api.HeatmapReply.parse(
      await live.get(`/api/v1/heatmap?metric=memPercent&from=${T - 50}&to=${T + 10}&step=10`)
    );
    expect(m.times!.length).toBe(m.matrix![0].length);
    const col = m.times!.indexOf(T);
    expect(m.matrix!.map((row) => row[col])).toEqual([25, 25]);
  });

  it('filters by cluster name in every aggregate', async () => {
    expect((await live.get('/api/v1/k8s/pods?cluster=other')).items).toEqual([]);
    expect((await live.get('/api/v1/heatmap?cluster=other')).nodes).toEqual([]);
    expect((await live.get('/api/v1/top?cluster=other')).items).toEqual([]);
    expect((await live.get<api.OverviewReply>('/api/v1/overview?cluster=other')).totals.containers.total).toBe(0);
  });
});

import http from 'node:http';
import { ReadableStream } from 'node:stream/web';
import { gzipSync } from 'node:zlib';
import type { DataFrame } from '@grafana/data';
import type { NodeListReply, SeriesReply, TopReply, VersionReply } from '@fleetlens/protocol/api';
import { AGENT_TOKEN, startSeededBackend, TEST_FLEET, type StartedBackend } from '../../.config/jest/fleet';
import { planFleet } from '../../backend/src/testing/fleet';
import { scopedApiKey } from '../../backend/src/testing/credentials';
import { backendGet, backendUrl, closedUrl } from '../test/harness';
import { datasourceKeyFor, installDatasource, installTemplates, otherServer, request } from './testing/harness';

/**
 * The datasource's query path against the real backend started by the plugin project's
 * globalSetup (TEST_FLEET: onprem-docker with 3 Docker hosts × 4 containers, aws-k8s with
 * 3 nodes × 20 containers), through the emulated Grafana datasource proxy that applies
 * src/datasource/plugin.json's route. Expected values come from the fleet's specification
 * (planFleet) or from direct calls to the backend's API, never from the datasource's code.
 */

const plan = planFleet(TEST_FLEET);
const specNodes = (cluster?: string) =>
  plan
    .filter((c) => !cluster || c.spec.name === cluster)
    .flatMap((c) => c.nodes.map((n) => n.name))
    .sort();
const now = () => Math.floor(Date.now() / 1000);
const values = (f: DataFrame, name: string) => f.fields.find((x) => x.name === name)!.values as unknown[];
const numberField = (f: DataFrame) => f.fields.find((x) => x.type === 'number')!;

function fleet() {
  installTemplates();
  return installDatasource({ backendUrl: backendUrl('fleet'), apiKey: datasourceKeyFor(backendUrl('fleet')) });
}

describe('time series queries', () => {
  test('one frame per node with the node name, labels, and the Grafana unit of each metric (design §4)', async () => {
    const { ds, requests } = fleet();
    const to = now();
    const expectedUnits: Record<string, string> = {
      cpuCores: 'short',
      memBytes: 'bytes',
      netRxBps: 'Bps',
      fsUsedBytes: 'bytes',
    };
    for (const [metric, unit] of Object.entries(expectedUnits)) {
      const res = await ds.query(
        request([{ queryType: 'timeseries', kind: 'node', metric, groupBy: 'entity' }], {
          fromSec: to - 1800,
          toSec: to,
        })
      );
      const frames = res.data as DataFrame[];
      expect(frames.map((f) => f.name).sort()).toEqual(specNodes());
      for (const f of frames) {
        const v = numberField(f);
        expect(v.name).toBe(metric);
        expect(v.config.unit).toBe(unit);
        expect(v.labels?.node).toBe(f.name);
        expect(specNodes(v.labels?.cluster)).toContain(f.name);
        expect(f.fields[0].type).toBe('time');
      }
    }
    // Every request went through the datasource's own proxy route.
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.startsWith('/api/datasources/proxy/uid/fleetlens/api/api/v1/')).toBe(true);
    }
  });

  test('values equal the backend series of the same node; from/to from the time range, step from maxDataPoints or the interval', async () => {
    const { ds, requests } = fleet();
    const nodes = await backendGet<NodeListReply>('/nodes?cluster=aws-k8s');
    const node = nodes.items.find((n) => n.name === 'aws-k8s-node-02')!;
    // The half hour that ends at the node's newest sample: the seeded window, however long after
    // seeding this test runs (a window ending "now" slides off the data in a slow run).
    const to = node.lastSeen;
    const from = to - 1800;
    // 1800 s over at most 100 points: 18 s steps; the 10 s interval is finer, so it does not matter.
    const res = await ds.query(
      request([{ kind: 'node', metric: 'memBytes', node: 'aws-k8s-node-02' }], {
        fromSec: from,
        toSec: to,
        maxDataPoints: 100,
        intervalMs: 10_000,
      })
    );
    const seriesCall = requests.find((r) => r.includes('/series?'))!;
    const params = new URL(seriesCall, 'http://x').searchParams;
    expect(params.get('id')).toBe(node.id);
    expect(params.get('from')).toBe(String(from));
    expect(params.get('to')).toBe(String(to));
    expect(params.get('step')).toBe('18');
    const direct = await backendGet<SeriesReply>(
      `/series?kind=node&id=${node.id}&metrics=memBytes&from=${from}&to=${to}&step=18`
    );
    const frame = (res.data as DataFrame[])[0];
    expect(values(frame, 'Time')).toEqual(direct.series[0].points.map((p) => p[0] * 1000));
    expect(values(frame, 'memBytes')).toEqual(direct.series[0].points.map((p) => p[1]));
    expect(values(frame, 'Time').length).toBeLessThanOrEqual(101);
    expect(values(frame, 'memBytes').filter((v) => v !== null).length).toBeGreaterThan(50);

    // A coarser interval (1 min) wins over maxDataPoints.
    requests.length = 0;
    await ds.query(
      request([{ kind: 'node', metric: 'memBytes', node: 'aws-k8s-node-02' }], {
        fromSec: from,
        toSec: to,
        maxDataPoints: 1000,
        intervalMs: 60_000,
      })
    );
    expect(
      new URL(
        requests.find((r) => r.includes('/series?'))!,
        'http://x'
      ).searchParams.get('step')
    ).toBe('60');
  });

  test.each([
    ['the backend cluster aggregate (one request per cluster)', undefined],
    ['per-node series summed in the plugin (a name pattern forces it)', '*-node-*'],
  ])(
    'group by cluster with sum, via %s, equals the backend cluster series; max per cluster is the largest node value',
    async (_how, name) => {
      const { ds, requests } = fleet();
      // The half hour that ends at the fleet's newest sample (a window ending "now" slides off the
      // seeded data in a slow run); the newest node is what the cluster series reach.
      const fleetNodes = await backendGet<NodeListReply>('/nodes?pageSize=500');
      const to = Math.max(...fleetNodes.items.map((n) => n.lastSeen ?? 0));
      const from = to - 1800;
      const opts = { fromSec: from, toSec: to, maxDataPoints: 30, intervalMs: 1000 };
      const sum = (
        await ds.query(request([{ kind: 'node', metric: 'cpuCores', agg: 'sum', groupBy: 'cluster', name }], opts))
      ).data as DataFrame[];
      const seriesCalls = requests.filter((r) => r.includes('/series?'));
      expect(seriesCalls).toHaveLength(name ? specNodes().length : 2);
      for (const c of seriesCalls) {
        expect(c).toContain(name ? 'kind=node' : 'kind=cluster');
      }
      expect(sum.map((f) => f.name).sort()).toEqual(['aws-k8s', 'onprem-docker']);
      const clusters = await backendGet<{ items: Array<{ id: string; name: string }> }>('/clusters');
      for (const f of sum) {
        const c = clusters.items.find((x) => x.name === f.name)!;
        const direct = await backendGet<SeriesReply>(
          `/series?kind=cluster&id=${c.id}&metrics=cpuCores&from=${from}&to=${to}&step=60`
        );
        expect(numberField(f).labels).toEqual({ cluster: f.name });
        expect(numberField(f).config.unit).toBe('short');
        const got = values(f, 'cpuCores') as Array<number | null>;
        expect(got.length).toBe(direct.series[0].points.length);
        expect(got.filter((v) => v !== null).length).toBeGreaterThan(20);
        direct.series[0].points.forEach(([, v], i) =>
          v === null ? expect(got[i]).toBeNull() : expect(got[i]).toBeCloseTo(v, 6)
        );
      }
      const max = (
        await ds.query(
          request(
            [{ kind: 'node', metric: 'cpuCores', agg: 'max', groupBy: 'cluster', cluster: 'onprem-docker' }],
            opts
          )
        )
      ).data as DataFrame[];
      expect(max.map((f) => f.name)).toEqual(['onprem-docker']);
      const nodes = await backendGet<NodeListReply>('/nodes?cluster=onprem-docker');
      const perNode = await Promise.all(
        nodes.items.map((n) =>
          backendGet<SeriesReply>(`/series?kind=node&id=${n.id}&metrics=cpuCores&from=${from}&to=${to}&step=60&agg=max`)
        )
      );
      const got = values(max[0], 'cpuCores') as Array<number | null>;
      perNode[0].series[0].points.forEach(([,], i) => {
        const vs = perNode.map((s) => s.series[0].points[i][1]).filter((v): v is number => v !== null);
        if (vs.length) {
          expect(got[i]).toBeCloseTo(Math.max(...vs), 9);
        }
      });
      // None: one series for everything, the backend's fleet-wide sum (kind=all).
      const all = (
        await ds.query(request([{ kind: 'node', metric: 'cpuCores', agg: 'sum', groupBy: 'none', name }], opts))
      ).data as DataFrame[];
      expect(all).toHaveLength(1);
      const fleetSum = await backendGet<SeriesReply>(`/series?kind=all&metrics=cpuCores&from=${from}&to=${to}&step=60`);
      const allValues = values(all[0], 'cpuCores') as Array<number | null>;
      expect(allValues.filter((v) => v !== null).length).toBeGreaterThan(20);
      fleetSum.series[0].points.forEach(([, v], i) =>
        v === null ? expect(allValues[i]).toBeNull() : expect(allValues[i]).toBeCloseTo(v, 6)
      );
    }
  );

  test('template variables in filters: multi-value cluster, namespace and a name pattern, and scoped variables of repeated panels', async () => {
    const { ds } = fleet();
    installTemplates({ cluster: ['aws-k8s'], ns: 'payments', app: 'app-3-*' });
    const to = now();
    const opts = { fromSec: to - 600, toSec: to, maxDataPoints: 20 };
    const res = await ds.query(
      request(
        [
          {
            kind: 'container',
            metric: 'memBytes',
            cluster: '$cluster',
            namespace: '${ns}',
            name: '$app',
            groupBy: 'entity',
          },
        ],
        opts
      )
    );
    const expected = plan
      .filter((c) => c.spec.name === 'aws-k8s')
      .flatMap((c) => c.nodes.flatMap((n) => n.containers))
      .filter((p) => p.report.kubernetes?.namespace === 'payments' && p.report.name.startsWith('app-3-'))
      .map((p) => p.report.name)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const frames = res.data as DataFrame[];
    expect(frames.map((f) => f.name).sort()).toEqual(expected);
    for (const f of frames) {
      expect(numberField(f).labels).toMatchObject({ cluster: 'aws-k8s', namespace: 'payments', workload: 'app-3' });
    }

    // Multi-value node variable (comma list) and a scoped variable overriding the dashboard's.
    installTemplates({ node: ['onprem-docker-node-01', 'onprem-docker-node-03'], cluster: 'aws-k8s' });
    const two = (await ds.query(request([{ kind: 'node', metric: 'cpuCores', node: '$node' }], opts)))
      .data as DataFrame[];
    expect(two.map((f) => f.name)).toEqual(['onprem-docker-node-01', 'onprem-docker-node-03']);
    const scoped = (
      await ds.query(
        request([{ kind: 'node', metric: 'cpuCores', cluster: '$cluster' }], {
          ...opts,
          scopedVars: { cluster: { text: 'onprem-docker', value: 'onprem-docker' } },
        })
      )
    ).data as DataFrame[];
    expect(scoped.map((f) => f.name)).toEqual(specNodes('onprem-docker'));
  });

  test('no match gives an empty frame with a notice; a metric the kind lacks is an error naming the right metrics', async () => {
    const { ds } = fleet();
    const to = now();
    const res = await ds.query(
      request([{ kind: 'node', metric: 'cpuCores', name: 'no-such-*' }], { fromSec: to - 600, toSec: to })
    );
    expect((res.data as DataFrame[])[0].meta?.notices?.[0].text).toBe('No node matches the filters.');
    await expect(
      ds.query(request([{ kind: 'container', metric: 'load1' }], { fromSec: to - 600, toSec: to }))
    ).rejects.toThrow(/load1 is not a metric of containers; containers have cpuCores, memBytes/);
  });
});

describe('tables for the panels', () => {
  test('nodes table: one row per node with percent and byte units, values as the backend reports them', async () => {
    const { ds } = fleet();
    const to = now();
    const res = await ds.query(request([{ queryType: 'nodes', cluster: 'aws-k8s' }], { fromSec: to - 600, toSec: to }));
    const f = (res.data as DataFrame[])[0];
    const direct = await backendGet<NodeListReply>('/nodes?cluster=aws-k8s');
    expect(values(f, 'name')).toEqual(direct.items.map((n) => n.name));
    expect(values(f, 'name')).toEqual(specNodes('aws-k8s'));
    expect(values(f, 'cpuPercent')).toEqual(direct.items.map((n) => n.cpuPercent));
    expect(values(f, 'memPercent')).toEqual(direct.items.map((n) => n.memPercent));
    expect(values(f, 'status')).toEqual(direct.items.map((n) => n.status));
    for (const name of ['cpuPercent', 'memPercent', 'fsPercent']) {
      expect(f.fields.find((x) => x.name === name)!.config.unit).toBe('percent');
    }
    expect(f.fields.find((x) => x.name === 'memUsedBytes')!.config.unit).toBe('bytes');
  });

  test('top table: the backend top-N over the time range length, value in the metric unit', async () => {
    const { ds, requests } = fleet();
    const to = now();
    const res = await ds.query(
      request([{ queryType: 'top', metric: 'memBytes', limit: 5 }], { fromSec: to - 1800, toSec: to })
    );
    const call = new URL(
      requests.find((r) => r.includes('/top?'))!,
      'http://x'
    ).searchParams;
    expect(call.get('window')).toBe('1800');
    expect(call.get('limit')).toBe('5');
    const direct = await backendGet<TopReply>('/top?metric=memBytes&window=1800&limit=5');
    const f = (res.data as DataFrame[])[0];
    expect(values(f, 'name')).toEqual(direct.items.map((i) => i.name));
    expect(values(f, 'value')).toEqual(direct.items.map((i) => i.value));
    expect(values(f, 'rank')).toEqual([1, 2, 3, 4, 5]);
    expect(f.fields.find((x) => x.name === 'value')!.config.unit).toBe('bytes');
    expect(f.meta?.custom).toMatchObject({ fleetlens: 'top', metric: 'memBytes' });
  });
});

describe('template variable values (metricFindQuery)', () => {
  test('clusters, nodes, namespaces, workloads and containers, with filters and variables', async () => {
    const { ds } = fleet();
    const names = async (q: string) => (await ds.metricFindQuery(q)).map((v) => v.text);
    expect(await names('clusters')).toEqual(TEST_FLEET.clusters.map((c) => c.name).sort());
    expect(await names('nodes')).toEqual(specNodes());
    installTemplates({ cluster: 'onprem-docker' });
    expect(await names('nodes(cluster=$cluster)')).toEqual(specNodes('onprem-docker'));
    const k8s = plan.find((c) => c.spec.name === 'aws-k8s')!;
    const namespaces = [
      ...new Set(k8s.nodes.flatMap((n) => n.containers.map((p) => p.report.kubernetes!.namespace))),
    ].sort();
    expect(await names('namespaces')).toEqual(namespaces);
    expect(await names('workloads(namespace=payments)')).toEqual(
      k8s.workloads
        .filter((w) => w.namespace === 'payments')
        .map((w) => w.name)
        .sort()
    );
    const node = plan[0].nodes[0];
    expect(await names(`containers(cluster=onprem-docker, node=${node.name})`)).toEqual(
      node.containers.map((p) => p.report.name).sort()
    );
    installTemplates({ cluster: ['aws-k8s', 'onprem-docker'] });
    expect(await names('nodes(cluster=$cluster)')).toEqual(specNodes());
    await expect(ds.metricFindQuery('volumes')).rejects.toThrow(/Unknown variable query "volumes"/);
  });
});

describe('annotations from events', () => {
  let backend: StartedBackend;
  beforeAll(async () => {
    // This backend runs inside the jsdom test environment (globalSetup's run in plain Node). Koa 3
    // tests every body with `instanceof ReadableStream` / `instanceof Response`, globals jsdom
    // lacks: Node's web streams, and a class nothing is an instance of (no body here is a Response).
    const g = globalThis as Record<string, unknown>;
    g.ReadableStream ??= ReadableStream;
    g.Response ??= class NoResponse {};
    backend = await startSeededBackend(null);
  });
  afterAll(() => backend?.stop());

  test('events in the time range become annotation frames (time, title, text, tags), filtered by type', async () => {
    const t = now() - 300;
    await ingest(backend.url, {
      version: 'v1',
      batchId: 'events-1',
      sentAt: t + 60,
      agent: { id: 'agent-ev', version: 'test', mode: 'node', hostname: 'ev-node-1' },
      cluster: { name: 'ev-cluster', kind: 'docker', environment: 'on-prem', labels: {} },
      events: [
        {
          ts: t,
          source: 'docker',
          type: 'warning',
          reason: 'OOMKilled',
          message: 'container api was killed',
          objectKind: 'container',
          objectName: 'api',
          nodeName: 'ev-node-1',
        },
        {
          ts: t + 30,
          source: 'docker',
          type: 'normal',
          reason: 'Started',
          message: 'container api started',
          objectKind: 'container',
          objectName: 'api',
          nodeName: 'ev-node-1',
        },
        {
          ts: t - 7200,
          source: 'docker',
          type: 'normal',
          reason: 'Created',
          message: 'long ago',
          objectKind: 'container',
          objectName: 'old',
          nodeName: 'ev-node-1',
        },
      ],
    });
    installTemplates();
    const { ds } = installDatasource({ backendUrl: backend.url, apiKey: backend.datasourceApiKey });
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({ queryType: 'events' });
    const res = await ds.query(request([{ queryType: 'events' }], { fromSec: t - 600, toSec: t + 600 }));
    const f = (res.data as DataFrame[])[0];
    expect([...(values(f, 'time') as number[])].sort()).toEqual([t * 1000, (t + 30) * 1000]);
    const i = (values(f, 'time') as number[]).indexOf(t * 1000);
    expect(values(f, 'title')[i]).toBe('OOMKilled (container api)');
    expect(values(f, 'text')[i]).toBe('container api was killed');
    expect(values(f, 'tags')[i]).toEqual(['warning', 'ev-cluster', 'ev-node-1']);
    const warn = await ds.query(
      request([{ queryType: 'events', eventType: 'warning' }], { fromSec: t - 600, toSec: t + 600 })
    );
    expect(values((warn.data as DataFrame[])[0], 'title')).toEqual(['OOMKilled (container api)']);
  });
});

describe('health check (Save & test)', () => {
  const adminKey = () =>
    (JSON.parse(process.env.FLEETLENS_TEST_ADMIN_KEYS ?? '{}') as Record<string, string>)[backendUrl('fleet')];

  test('ok: names the backend version, the clusters the key sees, and whom the key acts as', async () => {
    const { ds } = fleet();
    const v = await backendGet<VersionReply>('/version');
    expect(await ds.testDatasource()).toEqual({
      status: 'success',
      message:
        `Connected to Fleetlens backend ${v.version} (API v1) at ${backendUrl('fleet')}: ${TEST_FLEET.clusters.length} clusters visible. ` +
        'The API key "key of grafana-datasource@fleetlens.test" acts as grafana-datasource@fleetlens.test ' +
        '(role viewer; all clusters; all namespaces; all nodes). Everyone who may use this datasource in Grafana sees that.',
    });
  });

  test('a key scoped to one cluster: the test says so, and every query sees that cluster only', async () => {
    const scoped = await scopedApiKey(
      backendUrl('fleet'),
      { 'X-Api-Key': adminKey() },
      {
        email: 'k8s-only@example.com',
        role: 'viewer',
        scopes: { clusters: ['aws-k8s'], namespaces: null, nodes: null },
      },
      'k8s dashboards'
    );
    const { ds } = installDatasource({ backendUrl: backendUrl('fleet'), apiKey: scoped.key });
    const r = await ds.testDatasource();
    expect(r.status).toBe('success');
    expect(r.message).toContain(': 1 cluster visible.');
    expect(r.message).toContain(
      'The API key "k8s dashboards" acts as k8s-only@example.com (role viewer; clusters aws-k8s; all namespaces; all nodes).'
    );
    installTemplates();
    expect((await ds.metricFindQuery('clusters')).map((x) => x.text)).toEqual(['aws-k8s']);
    const nodes = (await ds.metricFindQuery('nodes')).map((x) => x.text);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => n.startsWith('aws-k8s-'))).toBe(true);
  });

  test('unreachable backend, rejected key, a server that is not Fleetlens, and no URL each say what is wrong', async () => {
    const down = await closedUrl();
    let r = await installDatasource({ backendUrl: down }).ds.testDatasource();
    expect(r.status).toBe('error');
    expect(r.message).toBe(
      `Cannot reach the Fleetlens backend at ${down} (HTTP 502 from Grafana's proxy). Check that it is running and that Grafana's server can reach this URL.`
    );
    // Grafana's datasource proxy turns the backend's 401 into 400 "Authentication to data source failed".
    for (const apiKey of ['flk_wrong-key-wrong-key-wrong', '']) {
      r = await installDatasource({ backendUrl: backendUrl('fleet'), apiKey }).ds.testDatasource();
      expect(r).toEqual({
        status: 'error',
        message: expect.stringMatching(
          new RegExp(
            `^The Fleetlens backend at ${backendUrl('fleet')} refused this datasource's API key \\(HTTP 401[:)].*Enter an API key \\(flk_…\\)`
          )
        ),
      });
    }
    // A query through a refused key says the same (the shared client maps the error first).
    const refused = installDatasource({ backendUrl: backendUrl('fleet'), apiKey: 'flk_wrong-key-wrong-key-wrong' }).ds;
    await expect(refused.metricFindQuery('clusters')).rejects.toThrow(/refused this datasource's API key \(HTTP 401\)/);
    for (const status of [200, 404]) {
      const other = await otherServer(status);
      try {
        r = await installDatasource({ backendUrl: other.url }).ds.testDatasource();
        expect(r.status).toBe('error');
        expect(r.message).toMatch(new RegExp(`^The URL ${other.url} answers, but not like a Fleetlens backend`));
      } finally {
        await other.close();
      }
    }
    r = await installDatasource({}).ds.testDatasource();
    expect(r).toMatchObject({ status: 'error', message: expect.stringMatching(/^No backend URL is set/) });
  });
});

function ingest(url: string, batch: unknown): Promise<void> {
  const body = gzipSync(JSON.stringify(batch));
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/v1/ingest`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${AGENT_TOKEN}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 202 ? resolve() : reject(new Error(`ingest ${res.statusCode}: ${Buffer.concat(chunks)}`))
        );
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

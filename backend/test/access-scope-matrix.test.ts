/**
 * The scope matrix: every role × scope against every read endpoint of ENDPOINTS, on a fleet
 * seeded through ingest, through every path a Grafana user reaches the backend by (docs/access.md):
 * - the datasource: the user's own API key (`X-Api-Key`);
 * - the app route: the service key with the user in `X-Grafana-Context` (Grafana's app proxy);
 * - the datasource with ID forwarding: a datasource's API key plus the user's `X-Grafana-Id`,
 *   verified against a stand-in for Grafana's signing keys (helpers/grafana-id.ts);
 * - the Prometheus API (`/prometheus/api/v1/*`) on each of those. Expected sets and sums come from the seed spec (access-fixtures.ts),
 * never from the code under test. Besides the per-endpoint checks, every reply is searched for
 * the names of entities the caller may not see (clusters, nodes, containers, pods, workloads).
 */
import { ENDPOINTS } from '../src/routes/query';
import { DIALECTS } from './helpers/databases';
import { startGrafanaStandIn, type GrafanaStandIn } from './helpers/grafana-id';
import {
  ADMIN_KEY,
  SEED_AS_SERVICE_KEY,
  SERVICE_KEY,
  AGENT_TOKEN,
  CLUSTERS,
  CONTAINERS,
  NODES,
  T,
  WORKLOADS,
  clockedBackend,
  forbiddenMarkers,
  seedBatches,
  sum,
  visibleTo,
  type Clocked,
  type ScopeSpec,
} from './access-fixtures';

const ROLES = ['admin', 'editor', 'viewer'] as const;
const SCOPES: Record<string, ScopeSpec> = {
  none: { clusters: [], namespaces: null, nodes: null },
  all: { clusters: null, namespaces: null, nodes: null },
  'cluster cl-east': { clusters: ['cl-east'], namespaces: null, nodes: null },
  'namespace shop': { clusters: null, namespaces: ['shop'], nodes: null },
  'node node-w1': { clusters: null, namespaces: null, nodes: ['node-w1'] },
  'cluster cl-west + namespace data': { clusters: ['cl-west'], namespaces: ['data'], nodes: null },
  'nodes node-e2,node-d1': { clusters: null, namespaces: null, nodes: ['node-e2', 'node-d1'] },
};
const FULL: ScopeSpec = { clusters: null, namespaces: null, nodes: null };

const CASES = ROLES.flatMap((role) => Object.keys(SCOPES).map((scope) => [role, scope] as const));

const sortStr = (xs: string[]) => [...xs].sort();
const names = (xs: { name: string }[]) => sortStr(xs.map((x) => x.name));

interface Ctx {
  get(path: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect: ReturnType<typeof visibleTo>;
  ids: Ids;
}
interface Ids {
  node: Record<string, string>;
  container: Record<string, string>;
  cluster: Record<string, string>;
  namespace: Record<string, string>;
  workload: Record<string, string>;
  /** Alert id → the name of its entity. */
  alert: Record<string, string>;
}

const problems: string[] = [];
function check(cond: boolean, what: string) {
  if (!cond) problems.push(what);
}
const close = (a: number | null | undefined, b: number) => a !== null && a !== undefined && Math.abs(a - b) < 1e-9;

/** One checker per ENDPOINTS path: calls it (with filters that try to widen the scope too) and compares with the seed. */
const CHECKERS: Record<string, (c: Ctx) => Promise<void>> = {
  '/version': async (c) => {
    const r = await c.get('/api/v1/version');
    check(r.status === 200, `/version → ${r.status}`);
  },
  '/clusters': async (c) => {
    const r = await c.get('/api/v1/clusters');
    check(
      JSON.stringify(names(r.body.items)) === JSON.stringify(sortStr(c.expect.clusters)),
      `/clusters: ${names(r.body.items)} ≠ ${sortStr(c.expect.clusters)}`
    );
  },
  '/overview': async (c) => {
    for (const filter of [null, ...CLUSTERS.map((x) => x.name)]) {
      const r = await c.get(`/api/v1/overview${filter ? `?cluster=${filter}` : ''}`);
      const inF = <X extends { cluster: string }>(xs: X[]) => xs.filter((x) => !filter || x.cluster === filter);
      const clusters = c.expect.clusters.filter((x) => !filter || x === filter);
      const nodes = inF(c.expect.nodes);
      const containers = inF(c.expect.containers);
      const tag = `/overview?cluster=${filter}`;
      check(
        JSON.stringify(names(r.body.clusters)) === JSON.stringify(sortStr(clusters)),
        `${tag} clusters ${names(r.body.clusters)} ≠ ${clusters}`
      );
      check(
        r.body.totals.clusters === clusters.length,
        `${tag} totals.clusters ${r.body.totals.clusters} ≠ ${clusters.length}`
      );
      check(
        r.body.totals.nodes.total === nodes.length,
        `${tag} totals.nodes.total ${r.body.totals.nodes.total} ≠ ${nodes.length}`
      );
      check(
        r.body.totals.containers.total === containers.length,
        `${tag} totals.containers.total ${r.body.totals.containers.total} ≠ ${containers.length}`
      );
      check(r.body.totals.containers.running === containers.length, `${tag} totals.containers.running`);
      check(
        close(r.body.totals.usage.usedCores, sum(nodes.map((n) => n.cpu))),
        `${tag} totals.usage.usedCores ${r.body.totals.usage.usedCores} ≠ ${sum(nodes.map((n) => n.cpu))}`
      );
      check(
        close(r.body.totals.usage.capacityCores, sum(nodes.map((n) => n.cores))),
        `${tag} totals.usage.capacityCores`
      );
      for (const cl of r.body.clusters) {
        check(
          cl.containers.total === containers.filter((x) => x.cluster === cl.name).length,
          `${tag} ${cl.name}.containers.total ${cl.containers.total}`
        );
        check(
          cl.nodes.total === nodes.filter((x) => x.cluster === cl.name).length,
          `${tag} ${cl.name}.nodes.total ${cl.nodes.total}`
        );
      }
    }
  },
  '/nodes': async (c) => {
    for (const filter of [null, ...CLUSTERS.map((x) => x.name)]) {
      const r = await c.get(`/api/v1/nodes${filter ? `?cluster=${filter}` : ''}`);
      const want = names(c.expect.nodes.filter((x) => !filter || x.cluster === filter));
      check(
        JSON.stringify(names(r.body.items)) === JSON.stringify(want),
        `/nodes?cluster=${filter}: ${names(r.body.items)} ≠ ${want}`
      );
      check(r.body.total === want.length, `/nodes?cluster=${filter} total ${r.body.total} ≠ ${want.length}`);
    }
  },
  '/nodes/:id': async (c) => {
    for (const n of NODES) {
      const r = await c.get(`/api/v1/nodes/${c.ids.node[n.name]}`);
      const visible = c.expect.nodes.includes(n);
      check(r.status === (visible ? 200 : 404), `/nodes/${n.name} → ${r.status}, want ${visible ? 200 : 404}`);
      if (visible && r.status === 200) {
        const want = names(c.expect.containers.filter((x) => x.node === n.name));
        check(
          JSON.stringify(names(r.body.containers)) === JSON.stringify(want),
          `/nodes/${n.name} containers ${names(r.body.containers)} ≠ ${want}`
        );
      }
    }
  },
  '/containers': async (c) => {
    const filters: [string, (x: (typeof CONTAINERS)[number]) => boolean][] = [
      ['', () => true],
      ...CLUSTERS.map(
        (cl) =>
          [`cluster=${cl.name}`, (x: (typeof CONTAINERS)[number]) => x.cluster === cl.name] as [
            string,
            (x: (typeof CONTAINERS)[number]) => boolean,
          ]
      ),
      ['namespace=shop,data', (x) => x.namespace === 'shop' || x.namespace === 'data'],
      ['node=node-w1,node-d1', (x) => x.node === 'node-w1' || x.node === 'node-d1'],
    ];
    for (const [q, f] of filters) {
      const r = await c.get(`/api/v1/containers?pageSize=500${q ? `&${q}` : ''}`);
      const want = names(c.expect.containers.filter(f));
      check(
        JSON.stringify(names(r.body.items)) === JSON.stringify(want),
        `/containers?${q}: ${names(r.body.items)} ≠ ${want}`
      );
      check(r.body.total === want.length, `/containers?${q} total ${r.body.total} ≠ ${want.length}`);
    }
  },
  '/containers/:id': async (c) => {
    for (const x of CONTAINERS) {
      const r = await c.get(`/api/v1/containers/${c.ids.container[x.name]}`);
      const visible = c.expect.containers.includes(x);
      check(r.status === (visible ? 200 : 404), `/containers/${x.name} → ${r.status}, want ${visible ? 200 : 404}`);
    }
  },
  '/k8s/namespaces': async (c) => {
    const r = await c.get('/api/v1/k8s/namespaces');
    const got = sortStr(r.body.items.map((n: { clusterName: string; name: string }) => `${n.clusterName}/${n.name}`));
    check(
      JSON.stringify(got) === JSON.stringify(sortStr([...c.expect.namespaces])),
      `/k8s/namespaces ${got} ≠ ${[...c.expect.namespaces]}`
    );
    for (const n of r.body.items) {
      const pods = c.expect.pods.filter((p) => p.cluster === n.clusterName && p.namespace === n.name);
      const wls = [...c.expect.workloads].filter((w) => w.startsWith(`${n.clusterName}/${n.name}/`));
      check(
        n.pods === pods.length && n.containers === pods.length,
        `/k8s/namespaces ${n.clusterName}/${n.name} pods ${n.pods} ≠ ${pods.length}`
      );
      check(
        n.workloads === wls.length,
        `/k8s/namespaces ${n.clusterName}/${n.name} workloads ${n.workloads} ≠ ${wls.length}`
      );
      check(
        close(n.usage.cpuCores, sum(pods.map((p) => p.cpu))),
        `/k8s/namespaces ${n.clusterName}/${n.name} cpu ${n.usage.cpuCores}`
      );
    }
  },
  '/k8s/workloads': async (c) => {
    const r = await c.get('/api/v1/k8s/workloads');
    const got = sortStr(
      r.body.items.map(
        (w: { clusterName: string; namespace: string; name: string }) => `${w.clusterName}/${w.namespace}/${w.name}`
      )
    );
    check(
      JSON.stringify(got) === JSON.stringify(sortStr([...c.expect.workloads])),
      `/k8s/workloads ${got} ≠ ${[...c.expect.workloads]}`
    );
    for (const w of r.body.items) {
      const pods = c.expect.pods.filter((p) => p.cluster === w.clusterName && p.workload === w.name);
      check(w.pods === pods.length, `/k8s/workloads ${w.name} pods ${w.pods} ≠ ${pods.length}`);
      check(close(w.usage.cpuCores, sum(pods.map((p) => p.cpu))), `/k8s/workloads ${w.name} cpu ${w.usage.cpuCores}`);
    }
  },
  '/k8s/workloads/:id': async (c) => {
    for (const w of WORKLOADS) {
      const r = await c.get(`/api/v1/k8s/workloads/${c.ids.workload[w.name]}`);
      const visible = c.expect.workloads.has(`${w.cluster}/${w.namespace}/${w.name}`);
      check(r.status === (visible ? 200 : 404), `/k8s/workloads/${w.name} → ${r.status}, want ${visible ? 200 : 404}`);
      if (visible && r.status === 200) {
        const want = sortStr(
          c.expect.pods.filter((p) => p.cluster === w.cluster && p.workload === w.name).map((p) => p.pod!)
        );
        check(
          JSON.stringify(names(r.body.pods)) === JSON.stringify(want),
          `/k8s/workloads/${w.name} pods ${names(r.body.pods)} ≠ ${want}`
        );
      }
    }
  },
  '/k8s/pods': async (c) => {
    for (const q of ['', 'namespace=shop', ...CLUSTERS.map((x) => `cluster=${x.name}`)]) {
      const r = await c.get(`/api/v1/k8s/pods${q ? `?${q}` : ''}`);
      const want = sortStr(
        c.expect.pods
          .filter((p) => (q === 'namespace=shop' ? p.namespace === 'shop' : q ? `cluster=${p.cluster}` === q : true))
          .map((p) => p.pod!)
      );
      check(
        JSON.stringify(names(r.body.items)) === JSON.stringify(want),
        `/k8s/pods?${q}: ${names(r.body.items)} ≠ ${want}`
      );
    }
  },
  // Network policies of a pod (issue 15): the pod is found within the scope, else 404 as if absent.
  '/k8s/pods/:uid/network-policies': async (c) => {
    for (const x of CONTAINERS.filter((y) => y.pod)) {
      const r = await c.get(`/api/v1/k8s/pods/uid-${x.pod}/network-policies`);
      const want = c.expect.pods.includes(x) ? 200 : 404;
      check(r.status === want, `/k8s/pods/uid-${x.pod}/network-policies → ${r.status}, want ${want}`);
      if (r.status === 200)
        check(r.body.pod.name === x.pod, `/k8s/pods/uid-${x.pod}/network-policies pod ${r.body.pod.name}`);
    }
  },
  '/series': async (c) => {
    const at = async (kind: string, id: string | null, want: number | null, label: string) => {
      const r = await c.get(
        `/api/v1/series?kind=${kind}${id ? `&id=${id}` : ''}&metrics=cpuCores&from=${T - 60}&to=${T + 10}&step=10&tier=raw`
      );
      if (want === null && kind !== 'all') {
        check(r.status === 404, `/series ${label} → ${r.status}, want 404`);
        return;
      }
      check(r.status === 200, `/series ${label} → ${r.status}, want 200`);
      if (r.status !== 200) return;
      const v = r.body.series[0].points.find((p: [number, number | null]) => p[0] === T)?.[1] ?? null;
      check(want === null ? v === null : close(v, want), `/series ${label} value ${v} ≠ ${want}`);
    };
    const some = (xs: number[]) => (xs.length ? sum(xs) : null);
    for (const n of NODES)
      await at('node', c.ids.node[n.name], c.expect.nodes.includes(n) ? n.cpu : null, `node ${n.name}`);
    for (const cl of CLUSTERS)
      await at(
        'cluster',
        c.ids.cluster[cl.name],
        some(c.expect.nodes.filter((n) => n.cluster === cl.name).map((n) => n.cpu)),
        `cluster ${cl.name}`
      );
    await at('all', null, some(c.expect.nodes.map((n) => n.cpu)), 'all');
    for (const x of CONTAINERS)
      await at(
        'container',
        c.ids.container[x.name],
        c.expect.containers.includes(x) ? x.cpu : null,
        `container ${x.name}`
      );
    for (const x of CONTAINERS.filter((y) => y.pod))
      await at('pod', `uid-${x.pod}`, c.expect.pods.includes(x) ? x.cpu : null, `pod ${x.pod}`);
    for (const [key, id] of Object.entries(c.ids.namespace)) {
      const [cl, ns] = key.split('/');
      await at(
        'namespace',
        id,
        some(c.expect.containers.filter((x) => x.cluster === cl && x.namespace === ns).map((x) => x.cpu)),
        `namespace ${key}`
      );
    }
    for (const w of WORKLOADS)
      await at(
        'workload',
        c.ids.workload[w.name],
        some(c.expect.containers.filter((x) => x.cluster === w.cluster && x.workload === w.name).map((x) => x.cpu)),
        `workload ${w.name}`
      );
  },
  // Service health (issue 16) needs a window; its scoping is checked against seeded services in
  // services-health.test.ts. This fleet has none, so every caller gets 200 and no series.
  '/services/response-times': async (c) => {
    const r = await c.get(`/api/v1/services/response-times?from=${T - 300}&to=${T}`);
    check(r.status === 200 && r.body.series.length === 0, `/services/response-times → ${r.status}`);
  },
  '/top': async (c) => {
    for (const q of ['', ...CLUSTERS.map((x) => `cluster=${x.name}`), 'namespace=data', 'node=node-e1,node-w2']) {
      const r = await c.get(`/api/v1/top?metric=cpuCores&window=300&limit=100${q ? `&${q}` : ''}`);
      const f = (x: (typeof CONTAINERS)[number]) =>
        !q ||
        (q.startsWith('cluster=')
          ? `cluster=${x.cluster}` === q
          : q === 'namespace=data'
            ? x.namespace === 'data'
            : ['node-e1', 'node-w2'].includes(x.node));
      const want = names(c.expect.containers.filter(f));
      check(
        JSON.stringify(names(r.body.items)) === JSON.stringify(want),
        `/top?${q}: ${names(r.body.items)} ≠ ${want}`
      );
    }
  },
  '/heatmap': async (c) => {
    for (const q of ['', `from=${T - 60}&to=${T + 10}&step=10`, ...CLUSTERS.map((x) => `cluster=${x.name}`)]) {
      const r = await c.get(`/api/v1/heatmap?metric=cpuPercent${q ? `&${q}` : ''}`);
      const want = names(c.expect.nodes.filter((n) => !q.startsWith('cluster=') || `cluster=${n.cluster}` === q));
      check(
        JSON.stringify(names(r.body.nodes)) === JSON.stringify(want),
        `/heatmap?${q}: ${names(r.body.nodes)} ≠ ${want}`
      );
      if (r.body.matrix)
        check(
          r.body.matrix.length === want.length,
          `/heatmap?${q} matrix rows ${r.body.matrix.length} ≠ ${want.length}`
        );
    }
  },
  // Events and logs (the alerting engineer's endpoints; checked when present in ENDPOINTS).
  '/events': async (c) => {
    for (const q of ['', 'cluster=cl-east', 'namespace=shop', 'node=node-w1']) {
      const r = await c.get(`/api/v1/events?pageSize=500${q ? `&${q}` : ''}`);
      const [k, v] = q.split('=');
      const cs = c.expect.containers.filter(
        (x) => !q || (k === 'cluster' ? x.cluster : k === 'namespace' ? x.namespace : x.node) === v
      );
      const ns = c.expect.nodes.filter(
        (n) => !q || (k === 'cluster' ? n.cluster === v : k === 'node' ? n.name === v : false)
      );
      const want = sortStr([...cs.map((x) => `event about ${x.name}`), ...ns.map((n) => `event about ${n.name}`)]);
      const got = sortStr(r.body.items.map((e: { message: string }) => e.message));
      check(JSON.stringify(got) === JSON.stringify(want), `/events?${q}: ${got} ≠ ${want}`);
      check(r.body.total === want.length, `/events?${q} total ${r.body.total} ≠ ${want.length}`);
    }
  },
  '/events/counts': async (c) => {
    const r = await c.get(`/api/v1/events/counts?from=${T - 60}&to=${T + 10}&step=10`);
    check(
      r.body.totals?.warning === c.expect.containers.length,
      `/events/counts warning ${r.body.totals?.warning} ≠ ${c.expect.containers.length}`
    );
    check(
      r.body.totals?.normal === c.expect.nodes.length,
      `/events/counts normal ${r.body.totals?.normal} ≠ ${c.expect.nodes.length}`
    );
  },
  // Alerts: the seed gets one alert per container and per node from two catch-all rules (see beforeAll).
  '/alerts': async (c) => {
    const r = await c.get('/api/v1/alerts?pageSize=500&severity=info');
    const want = sortStr([...c.expect.containers.map((x) => x.name), ...c.expect.nodes.map((n) => n.name)]);
    const got = sortStr(r.body.items.map((a: { entity: { name: string } }) => a.entity.name));
    check(JSON.stringify(got) === JSON.stringify(want), `/alerts: ${got} ≠ ${want}`);
    check(r.body.total === want.length, `/alerts total ${r.body.total} ≠ ${want.length}`);
  },
  '/alerts/:id': async (c) => {
    for (const [id, name] of Object.entries(c.ids.alert)) {
      const visible = c.expect.containers.some((x) => x.name === name) || c.expect.nodes.some((n) => n.name === name);
      const r = await c.get(`/api/v1/alerts/${id}`);
      check(r.status === (visible ? 200 : 404), `/alerts/${name} → ${r.status}, want ${visible ? 200 : 404}`);
    }
  },
  '/alerts/groups': async (c) => {
    // One group per catch-all rule with an alert in scope, counting only what the scope shows.
    const r = await c.get('/api/v1/alerts/groups?severity=info');
    const want = [
      ['matrix container', c.expect.containers.length],
      ['matrix node', c.expect.nodes.length],
    ]
      .filter(([, n]) => n)
      .sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0])));
    const got = (r.body.items ?? []).map((g: { ruleName: string; total: number }) => [g.ruleName, g.total]);
    check(
      JSON.stringify(got) === JSON.stringify(want),
      `/alerts/groups: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`
    );
  },
  '/alerts/stats': async (c) => {
    const r = await c.get('/api/v1/alerts/stats');
    const want = c.expect.containers.length + c.expect.nodes.length;
    check(
      r.body.firing?.info?.current === want,
      `/alerts/stats firing.info.current ${r.body.firing?.info?.current} ≠ ${want}`
    );
  },
  '/logs': async (c) => {
    for (const q of ['', 'cluster=cl-west', 'namespace=data']) {
      const r = await c.get(`/api/v1/logs?limit=1000${q ? `&${q}` : ''}`);
      const [k, v] = q.split('=');
      const want = sortStr(
        c.expect.containers
          .filter((x) => !q || (k === 'cluster' ? x.cluster : x.namespace) === v)
          .map((x) => `log line of ${x.name}`)
      );
      const got = sortStr(r.body.items.map((l: { message: string }) => l.message));
      check(JSON.stringify(got) === JSON.stringify(want), `/logs?${q}: ${got} ≠ ${want}`);
    }
  },
  '/logs/volume': async (c) => {
    // One error line per visible container, at T.
    for (const q of ['', 'cluster=cl-west', 'namespace=data']) {
      const r = await c.get(`/api/v1/logs/volume?from=${T - 60}&to=${T + 10}&step=10${q ? `&${q}` : ''}`);
      const [k, v] = q.split('=');
      const want = c.expect.containers.filter((x) => !q || (k === 'cluster' ? x.cluster : x.namespace) === v).length;
      check(r.body.totals?.total === want, `/logs/volume?${q} total ${r.body.totals?.total} ≠ ${want}`);
      check(r.body.totals?.error === want, `/logs/volume?${q} error ${r.body.totals?.error} ≠ ${want}`);
    }
  },
};

/**
 * Read endpoints without a dedicated checker (alerts, rules, silences, channels, deliveries):
 * the list answers 200 and, like every reply, is searched for out-of-scope names; a detail
 * endpoint is asked for every id the full view lists and must answer 200 or 404.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function genericCheck(c: Ctx, path: string, adminGet: (p: string) => Promise<any>) {
  if (!path.includes(':')) {
    const r = await c.get(`/api/v1${path}`);
    check(r.status === 200, `${path} → ${r.status}`);
    return;
  }
  const list = path.replace(/\/:\w+$/, '');
  const all = await adminGet(`/api/v1${list}`);
  for (const item of all?.items ?? []) {
    const r = await c.get(`/api/v1${path.replace(/:\w+$/, String(item.id))}`);
    check(r.status === 200 || r.status === 404, `${path} ${item.id} → ${r.status}`);
  }
}

const lower = (a: string, b: string) => (ROLES.indexOf(a as never) >= ROLES.indexOf(b as never) ? a : b);
const emailOf = (role: string, scope: string) => `${role}.${scope.replace(/[^a-z0-9]+/gi, '-')}@example.com`;
const loginOf = (role: string, scope: string) => `${role}-${scope.replace(/[^a-z0-9]+/gi, '-')}`;

/** How a case's requests are authenticated; each path is one way Grafana reaches the backend. */
type Path = 'api key' | 'app route' | 'datasource key + X-Grafana-Id';
const PATHS: Path[] = ['api key', 'app route', 'datasource key + X-Grafana-Id'];

describe.each(DIALECTS)("scope matrix on %s (X-Grafana-Id from a stand-in for Grafana's signing keys)", (dialect) => {
  let be: Clocked;
  let grafana: GrafanaStandIn;
  const keys: Record<string, string> = {};
  const ids: Ids = { node: {}, container: {}, cluster: {}, namespace: {}, workload: {}, alert: {} };
  /** The datasource's own credential: an editor's key with every scope (Grafana decides who may use it). */
  let datasourceKey = '';
  /** A datasource limited to cluster cl-west, for users whose scopes it narrows. */
  let westKey = '';

  beforeAll(async () => {
    grafana = await startGrafanaStandIn();
    // Seeding users, keys and rules as the operator: the bare service key, opted into explicitly.
    be = await clockedBackend(dialect, { ...SEED_AS_SERVICE_KEY, grafanaId: grafana.config });
    for (const b of seedBatches()) {
      const r = await be.call('POST', '/api/v1/ingest', { authorization: `Bearer ${AGENT_TOKEN}` }, b);
      if (r.status !== 202) throw new Error(`seed ingest → ${r.status} ${JSON.stringify(r.body)}`);
    }
    // Alerts to scope: catch-all rules make one firing alert per container and per node.
    for (const target of ['container', 'node']) {
      const r = await be.call('POST', '/api/v1/alert-rules', ADMIN_KEY, {
        name: `matrix ${target}`,
        target,
        metric: 'cpuPercent',
        operator: '>',
        threshold: 0,
        severity: 'info',
      });
      if (r.status !== 201) throw new Error(`create rule → ${r.status} ${JSON.stringify(r.body)}`);
    }
    await be.deps.alerts.evaluator.evaluate(be.clock.now);
    const userWithKey = async (email: string, role: string, scopes: ScopeSpec, login: string | null) => {
      const u = await be.call('POST', '/api/v1/users', ADMIN_KEY, {
        email,
        displayName: email.split('@')[0],
        role,
        scopes,
        login,
      });
      if (u.status !== 201) throw new Error(`create user → ${u.status} ${JSON.stringify(u.body)}`);
      const k = await be.call('POST', '/api/v1/api-keys', ADMIN_KEY, { name: 'matrix', userId: u.body.id });
      if (k.status !== 201) throw new Error(`create key → ${k.status} ${JSON.stringify(k.body)}`);
      return k.body.key as string;
    };
    for (const [role, scope] of CASES)
      keys[`${role}/${scope}`] = await userWithKey(emailOf(role, scope), role, SCOPES[scope], loginOf(role, scope));
    datasourceKey = await userWithKey('datasource@example.com', 'editor', FULL, null);
    westKey = await userWithKey(
      'datasource-west@example.com',
      'viewer',
      { clusters: ['cl-west'], namespaces: null, nodes: null },
      null
    );
    // Opaque ids by name, from the full view (which the admin cases check against the seed).
    const get = async (p: string) => (await be.call('GET', p, ADMIN_KEY)).body;
    for (const n of (await get('/api/v1/nodes')).items) ids.node[n.name] = n.id;
    for (const x of (await get('/api/v1/containers?pageSize=500')).items) ids.container[x.name] = x.id;
    for (const x of (await get('/api/v1/clusters')).items) ids.cluster[x.name] = x.id;
    for (const x of (await get('/api/v1/k8s/namespaces')).items) ids.namespace[`${x.clusterName}/${x.name}`] = x.id;
    for (const x of (await get('/api/v1/k8s/workloads')).items) ids.workload[x.name] = x.id;
    for (const x of (await get('/api/v1/alerts?pageSize=500&severity=info')).items) ids.alert[x.id] = x.entity.name;
  });
  afterAll(async () => {
    await be?.close();
    await grafana?.close();
  });

  it('checks every read endpoint, and the seed is complete in the full view', () => {
    // Endpoints over the seed's data must have a dedicated checker; the generic one is for the rest.
    const dataPaths = [
      '/clusters',
      '/overview',
      '/nodes',
      '/containers',
      '/k8s/',
      '/series',
      '/top',
      '/heatmap',
      '/events',
      '/logs',
      '/alerts',
    ];
    expect(ENDPOINTS.map((e) => e.path).filter((p) => !CHECKERS[p] && dataPaths.some((d) => p.startsWith(d)))).toEqual(
      []
    );
    expect(Object.keys(ids.node).sort()).toEqual(NODES.map((n) => n.name).sort());
    expect(Object.keys(ids.container).sort()).toEqual(CONTAINERS.map((x) => x.name).sort());
    expect(Object.keys(ids.workload).sort()).toEqual(WORKLOADS.map((w) => w.name).sort());
    expect(Object.keys(ids.namespace).sort()).toEqual(['cl-east/ops', 'cl-east/shop', 'cl-west/data', 'cl-west/shop']);
    expect(Object.values(ids.alert).sort()).toEqual(
      [...CONTAINERS.map((x) => x.name), ...NODES.map((n) => n.name)].sort()
    );
  });

  /**
   * Every read endpoint and the Prometheus API with `headers`: the replies match the seed as seen
   * with `effective`, and name nothing outside it.
   */
  async function checkEverything(headers: Record<string, string>, effective: ScopeSpec) {
    const forbidden = forbiddenMarkers(effective);
    problems.length = 0;
    const replies: { path: string; text: string }[] = [];
    const ctx: Ctx = {
      expect: visibleTo(effective),
      ids,
      get: async (path) => {
        const r = await be.call('GET', path, headers);
        replies.push({ path, text: JSON.stringify(r.body) });
        if (r.status !== 200 && r.status !== 404) problems.push(`${path} → ${r.status} ${JSON.stringify(r.body)}`);
        return r;
      },
    };
    const adminGet = async (p: string) => (await be.call('GET', p, ADMIN_KEY)).body;
    for (const e of ENDPOINTS) await (CHECKERS[e.path] ? CHECKERS[e.path](ctx) : genericCheck(ctx, e.path, adminGet));
    // The Prometheus API: discovery and instant queries of node and container metrics.
    const v = visibleTo(effective);
    const container = await ctx.get('/prometheus/api/v1/label/container/values');
    check(
      JSON.stringify([...(container.body.data ?? [])].sort()) ===
        JSON.stringify(sortStr(v.containers.map((x) => x.name))),
      `prometheus container values: ${container.body.data} ≠ ${sortStr(v.containers.map((x) => x.name))}`
    );
    for (const label of ['cluster', 'node', 'namespace', 'pod', 'workload'])
      await ctx.get(`/prometheus/api/v1/label/${label}/values`);
    for (const metric of ['fleetlens_node_cpu_usage_cores', 'fleetlens_container_cpu_usage_cores']) {
      const r = await ctx.get(`/prometheus/api/v1/query?query=${metric}&time=${T}`);
      check(r.status === 200, `prometheus ${metric} → ${r.status}`);
    }
    const nodes = await ctx.get(`/prometheus/api/v1/query?query=fleetlens_node_cpu_usage_cores&time=${T}`);
    check(
      (nodes.body.data?.result ?? []).length === v.nodes.length,
      `prometheus node series: ${(nodes.body.data?.result ?? []).length} ≠ ${v.nodes.length}`
    );
    for (const r of replies) {
      // An error may echo what the caller itself asked for (the id in the path or query): not a leak.
      const asked = new URL(r.path, 'http://x').searchParams.get('id') ?? r.path.split('?')[0].split('/').pop()!;
      const text = r.text.split(asked).join('');
      for (const m of forbidden) if (text.includes(m)) problems.push(`${r.path} mentions ${m}, outside the scope`);
    }
    expect(problems).toEqual([]);
    // The check is not vacuous: a caller with any scope got at least one non-empty list.
    if (v.containers.length) expect(replies.some((r) => r.text.includes('ctr-'))).toBe(true);
  }

  const PATH_CASES = PATHS.flatMap((path) => CASES.map(([role, scope]) => [path, role, scope] as const));

  it.each(PATH_CASES)('%s: %s with scope %s sees only its scope on every read endpoint', async (path, role, scope) => {
    const stored = SCOPES[scope];
    const effective = role === 'admin' ? FULL : stored;
    let headers: Record<string, string>;
    let want: Record<string, unknown>;
    if (path === 'api key') {
      headers = { 'x-api-key': keys[`${role}/${scope}`] };
      want = { role, scopes: effective, via: 'api-key' };
    } else if (path === 'app route') {
      // What Grafana's app proxy sends: the route's service key and the signed-in user as JSON.
      headers = {
        'x-fleetlens-key': SERVICE_KEY,
        'x-grafana-context': JSON.stringify({
          Login: loginOf(role, scope),
          Email: emailOf(role, scope),
          OrgRole: 'Viewer',
        }),
      };
      want = { role, scopes: effective, via: 'grafana', email: emailOf(role, scope) };
    } else {
      const token = await grafana.mint(
        { login: loginOf(role, scope), email: emailOf(role, scope) },
        { iat: be.clock.now }
      );
      headers = { 'x-api-key': datasourceKey, 'x-grafana-id': token };
      // The lower of the key owner's role (editor) and the user's; the scopes both allow.
      want = { role: lower('editor', role), scopes: effective, via: 'grafana-id', email: emailOf(role, scope) };
    }
    const me = await be.call('GET', '/api/v1/me', headers);
    expect(me.body).toMatchObject(want);
    await checkEverything(headers, effective);
  });

  it('a datasource key narrows a verified Grafana user: cl-west viewer key × namespace-shop editor sees cl-west/shop as a viewer', async () => {
    const token = await grafana.mint(
      { login: loginOf('editor', 'namespace shop'), email: emailOf('editor', 'namespace shop') },
      { iat: be.clock.now }
    );
    // namespace shop ∩ cluster cl-west = cl-west/shop; viewer (the key) below editor (the user).
    const headers = { 'x-api-key': westKey, 'x-grafana-id': token };
    const effective: ScopeSpec = { clusters: ['cl-west'], namespaces: ['shop'], nodes: null };
    expect((await be.call('GET', '/api/v1/me', headers)).body).toMatchObject({
      role: 'viewer',
      scopes: effective,
      via: 'grafana-id',
      apiKey: { ownerEmail: 'datasource-west@example.com', ownerRole: 'viewer' },
      grafanaId: { status: 'verified' },
    });
    await checkEverything(headers, effective);
    // The key alone (no ID forwarding) is the ceiling: cl-west, everything in it.
    const alone = { clusters: ['cl-west'], namespaces: null, nodes: null };
    expect((await be.call('GET', '/api/v1/me', { 'x-api-key': westKey })).body).toMatchObject({
      scopes: alone,
      via: 'api-key',
    });
    await checkEverything({ 'x-api-key': westKey }, alone);
  });
});

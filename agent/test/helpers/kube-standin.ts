/**
 * Stand-ins for a Kubernetes API server and a kubelet (no cluster can run here), serving what the
 * node agent reads, shaped and refused as Kubernetes' source does. Each rule names its file:
 *
 * Kubelet (port 10250):
 * - Authentication then authorisation of every request (pkg/kubelet/server/server.go,
 *   InstallAuthFilter): no or an unknown bearer token → 401 "Unauthorized"; a user the
 *   authoriser denies → 403 "Forbidden (user=<u>, verb=<v>, resource=<r>, subresource=<s>)".
 * - Request attributes (pkg/kubelet/server/auth.go, GetRequestAttributes): GET → verb get;
 *   resource nodes; subresource stats for /stats and below, metrics for /metrics, log for /logs,
 *   proxy otherwise. So reading /stats/summary needs `get nodes/stats`, nothing broader or narrower.
 * - /stats/summary body (staging/src/k8s.io/kubelet/pkg/apis/stats/v1alpha1/types.go): Summary
 *   {node, pods[]}; PodStats {podRef, startTime, containers[], cpu, memory, network}; NetworkStats
 *   inlines the default interface (name, rxBytes, txBytes, …) and lists all in `interfaces`;
 *   ContainerStats {name, startTime, cpu {time, usageNanoCores, usageCoreNanoSeconds}, memory
 *   {time, availableBytes, usageBytes, workingSetBytes, rssBytes, pageFaults, majorPageFaults}}.
 * - A container the runtime has no stats for yet still appears, with zero placeholders
 *   (pkg/kubelet/stats/cri_stats_provider.go, makeContainerStats: cpu {time: now,
 *   usageCoreNanoSeconds: 0, usageNanoCores: 0}, memory {time: now, workingSetBytes: 0}).
 *
 * API server:
 * - Bearer token authentication (staging/src/k8s.io/apiserver/pkg/endpoints/filters/
 *   authentication.go): 401 with a Status object otherwise.
 * - Pod field selectors (pkg/registry/core/pod/strategy.go, PodToSelectableFields, and
 *   pkg/apis/core/v1/conversion.go): spec.nodeName and the other supported labels; an unsupported
 *   label → 400 BadRequest "field label not supported: <label>".
 * - Pod status (staging/src/k8s.io/api/core/v1/types.go, PodStatus): containerStatuses,
 *   initContainerStatuses (native sidecars: init containers with restartPolicy Always keep running),
 *   ephemeralContainerStatuses.
 * - Writes (the cluster agent's actions): see ObjectStore below, each rule with its file.
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface StandinServer {
  url: string;
  port: number;
  /** Every request as it arrived (method, path with query, bearer header), for tests of what was called. */
  requests: Array<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { host?: string; tls?: { cert: Buffer; key: Buffer } }
): Promise<StandinServer> {
  const requests: StandinServer['requests'] = [];
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  };
  const server: Server = opts.tls ? createHttps(opts.tls, wrapped) : createHttp(wrapped);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok) => server.listen(0, host, ok));
  const port = (server.address() as AddressInfo).port;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${h}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const text = (res: ServerResponse, body: string, status: number) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
};

/** One container as the runtime knows it: cumulative CPU and working set, or none yet. */
export interface ContainerUsage {
  name: string;
  startTime: string;
  /** null: the runtime has no stats for it yet (the kubelet writes zero placeholders). */
  stats: { cpuNs: number; workingSet: number; usage?: number } | null;
}

export interface FsFixture {
  capacity: number;
  used: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerUsage[];
  /** Interfaces of the pod's network namespace, the default one first. */
  interfaces?: Array<{ name: string; rx: number; tx: number }>;
}

/** A /stats/summary body for these pods, as the kubelet's summary provider fills it. */
export function summaryOf(
  nodeName: string,
  pods: PodUsage[],
  now = new Date(),
  fs: { nodefs: FsFixture; imagefs?: FsFixture } = {
    nodefs: { capacity: 100e9, used: 40e9 },
  }
): unknown {
  const t = now.toISOString();
  const fsStats = (f: FsFixture) => ({
    time: t,
    capacityBytes: f.capacity,
    usedBytes: f.used,
    availableBytes: f.capacity - f.used,
    inodes: 6_000_000,
    inodesFree: 5_000_000,
    inodesUsed: 1_000_000,
  });
  return {
    // NodeStats.Fs is nodefs; Runtime.ImageFs the image filesystem, the same one by default.
    node: {
      nodeName,
      startTime: '2026-01-01T00:00:00Z',
      cpu: { time: t },
      memory: { time: t },
      fs: fsStats(fs.nodefs),
      runtime: { imageFs: fsStats(fs.imagefs ?? fs.nodefs) },
    },
    pods: pods.map((p) => ({
      podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
      startTime: '2026-01-01T00:00:00Z',
      containers: p.containers.map((c) =>
        c.stats
          ? {
              name: c.name,
              startTime: c.startTime,
              cpu: { time: t, usageCoreNanoSeconds: c.stats.cpuNs, usageNanoCores: 1000 },
              memory: {
                time: t,
                usageBytes: c.stats.usage ?? c.stats.workingSet,
                workingSetBytes: c.stats.workingSet,
                rssBytes: c.stats.workingSet,
                pageFaults: 10,
                majorPageFaults: 0,
              },
            }
          : {
              // cri_stats_provider.go makeContainerStats, no CPU/memory stats from the runtime.
              name: c.name,
              startTime: c.startTime,
              cpu: { time: t, usageCoreNanoSeconds: 0, usageNanoCores: 0 },
              memory: { time: t, workingSetBytes: 0 },
            }
      ),
      ...(p.interfaces?.length
        ? {
            network: {
              time: t,
              name: p.interfaces[0].name,
              rxBytes: p.interfaces[0].rx,
              rxErrors: 0,
              txBytes: p.interfaces[0].tx,
              txErrors: 0,
              interfaces: p.interfaces.map((i) => ({
                name: i.name,
                rxBytes: i.rx,
                rxErrors: 0,
                txBytes: i.tx,
                txErrors: 0,
              })),
            },
          }
        : {}),
    })),
  };
}

/** Who a bearer token is and which nodes/<subresource> it may `get` (RBAC, as the authoriser decides). */
export interface KubeletUser {
  user: string;
  subresources: Array<'stats' | 'metrics' | 'log' | 'proxy'>;
}

/** The kubelet's HTTPS API as far as the agent uses it: /stats/summary behind the auth filter. */
export function startKubeletStandin(opts: {
  users: Record<string, KubeletUser>;
  summary: () => unknown;
  host?: string;
  tls?: { cert: Buffer; key: Buffer };
}): Promise<StandinServer> {
  return listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // server.go InstallAuthFilter: authenticate.
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const who = m ? opts.users[m[1]] : undefined;
    if (!who) return text(res, 'Unauthorized', 401);
    // auth.go GetRequestAttributes.
    const verb =
      ({ GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[
        req.method ?? ''
      ] ?? '';
    const sub = (p: string) => path === p || path.startsWith(`${p}/`);
    const subresource = sub('/stats') ? 'stats' : sub('/metrics') ? 'metrics' : sub('/logs') ? 'log' : 'proxy';
    if (verb !== 'get' || !who.subresources.includes(subresource as KubeletUser['subresources'][number]))
      return text(res, `Forbidden (user=${who.user}, verb=${verb}, resource=nodes, subresource=${subresource})`, 403);
    if (path === '/stats/summary') return json(res, opts.summary());
    return text(res, '404 page not found', 404);
  }, opts);
}

/** Field labels a pod list may select on (pkg/apis/core/v1/conversion.go, pod field label conversion). */
const POD_FIELD_LABELS = new Set([
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.podIPs',
  'status.nominatedNodeName',
]);

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

/**
 * Core/v1 Events as the API server lists and watches them:
 * - a list carries the store's current resourceVersion in metadata (staging/src/k8s.io/apiserver/
 *   pkg/storage/cacher/cacher.go, GetList);
 * - a watch from resourceVersion R replays the events after R, then streams new ones as
 *   newline-delimited {type, object} (staging/src/k8s.io/apimachinery/pkg/watch, watch.go);
 * - BOOKMARK events, an object of the watched kind carrying only metadata.resourceVersion, are sent
 *   only to watches that asked with allowWatchBookmarks=true (cacher.go, cacheWatcher);
 * - a watch from a resourceVersion older than what the store still holds gets 200 and a single
 *   ERROR event with a 410 Expired Status "too old resource version: R (oldest)"
 *   (staging/src/k8s.io/apiserver/pkg/storage/errors.go NewTooLargeResourceVersionError /
 *   watch_cache.go), then the stream ends.
 */
export class EventStore {
  rv = 100;
  oldest = 100;
  private readonly events: Array<{ rv: number; type: string; object: Record<string, unknown> }> = [];
  private readonly watchers = new Set<{ res: ServerResponse; bookmarks: boolean }>();

  add(object: Record<string, unknown>, type = 'ADDED'): void {
    const rv = ++this.rv;
    const o = { ...object, metadata: { ...(object.metadata as object), resourceVersion: String(rv) } };
    this.events.push({ rv, type, object: o });
    for (const w of this.watchers) w.res.write(`${JSON.stringify({ type, object: o })}\n`);
  }

  bookmark(): void {
    const object = { kind: 'Event', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } };
    for (const w of this.watchers) if (w.bookmarks) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  }

  /** Forgets events up to (excluding) `rv`, as etcd compaction and the watch cache's window do. */
  compact(rv: number): void {
    this.oldest = rv;
  }

  /** Ends every watch, as the server does when a watch's timeout is reached. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  handle(url: URL, res: ServerResponse): void {
    if (url.searchParams.get('watch') !== '1' && url.searchParams.get('watch') !== 'true')
      return json(res, {
        kind: 'EventList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.rv) },
        items: [],
      });
    const from = Number(url.searchParams.get('resourceVersion') ?? this.rv);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (from < this.oldest) {
      res.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${from} (${this.oldest})`,
            reason: 'Expired',
            code: 410,
          },
        })}\n`
      );
      return;
    }
    for (const e of this.events) if (e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    res.flushHeaders();
    const w = { res, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
  }
}

/**
 * networking.k8s.io/v1 NetworkPolicies as the API server stores and lists them:
 * - create applies the defaults (pkg/apis/networking/v1/defaults.go, SetDefaults_NetworkPolicy:
 *   no policyTypes → ["Ingress"], plus "Egress" when spec.egress has rules) and refuses an invalid
 *   podSelector with 422 Invalid (pkg/apis/networking/validation/validation.go ValidateNetworkPolicySpec
 *   → staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
 *   ValidateLabelSelectorRequirement: In/NotIn need values, Exists/DoesNotExist take none, any
 *   other operator is "not a valid selector operator"; policyTypes only Ingress and Egress);
 * - a list is a NetworkPolicyList {kind, apiVersion, metadata.resourceVersion, items}, items without
 *   their own kind/apiVersion (staging/src/k8s.io/api/networking/v1/types.go NetworkPolicyList);
 *   the cluster-wide path lists every namespace, /namespaces/<ns>/networkpolicies one;
 * - without an RBAC grant the list is 403 Forbidden with the authorizer's message
 *   (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage).
 */
export class NetworkPolicyStore {
  rv = 1;
  /** When set, lists are refused as an unauthorised service account's would be. */
  forbiddenUser: string | null = null;
  readonly items: Array<Record<string, unknown>> = [];

  /** Stores a policy (defaults applied) or throws the 422 Status the API server would answer. */
  create(namespace: string, obj: { metadata: { name: string }; spec?: Record<string, unknown> }) {
    const spec = { podSelector: {}, ...(obj.spec ?? {}) } as {
      podSelector: { matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
      policyTypes?: string[];
      egress?: unknown[];
    };
    const causes: string[] = [];
    (spec.podSelector.matchExpressions ?? []).forEach((e, i) => {
      const at = `spec.podSelector.matchExpressions[${i}]`;
      const n = e.values?.length ?? 0;
      if (e.operator === 'In' || e.operator === 'NotIn') {
        if (!n) causes.push(`${at}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
      } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
        if (n)
          causes.push(`${at}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
      } else causes.push(`${at}.operator: Invalid value: "${e.operator}": not a valid selector operator`);
    });
    (spec.policyTypes ?? []).forEach((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress')
        causes.push(`spec.policyTypes[${i}]: Unsupported value: "${t}": supported values: "Ingress", "Egress"`);
    });
    if (causes.length)
      throw status(
        422,
        'Invalid',
        `NetworkPolicy.networking.k8s.io "${obj.metadata.name}" is invalid: ${causes.join(', ')}`
      );
    if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
    const stored = {
      metadata: {
        ...obj.metadata,
        namespace,
        uid: `np-${++this.rv}`,
        resourceVersion: String(this.rv),
        creationTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      },
      spec,
    };
    this.items.push(stored);
    return stored;
  }

  /** Deletes a policy by namespace and name. */
  delete(namespace: string, name: string): void {
    const i = this.items.findIndex((p) => {
      const m = p.metadata as { namespace: string; name: string };
      return m.namespace === namespace && m.name === name;
    });
    if (i >= 0) this.items.splice(i, 1);
    this.rv++;
  }

  handle(url: URL, res: ServerResponse): boolean {
    const m = /^\/apis\/networking\.k8s\.io\/v1\/(?:namespaces\/([^/]+)\/)?networkpolicies$/.exec(url.pathname);
    if (!m) return false;
    if (this.forbiddenUser) {
      const where = m[1] ? `in the namespace "${m[1]}"` : 'at the cluster scope';
      json(
        res,
        status(
          403,
          'Forbidden',
          `networkpolicies.networking.k8s.io is forbidden: User "${this.forbiddenUser}" cannot list resource "networkpolicies" in API group "networking.k8s.io" ${where}`
        ),
        403
      );
      return true;
    }
    const items = this.items.filter((p) => !m[1] || (p.metadata as { namespace: string }).namespace === m[1]);
    json(res, {
      kind: 'NetworkPolicyList',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
    return true;
  }
}

/** The API server's read paths the node agent calls: pods of a node, its Node, owner lookups; writes through `store`. */
export function startApiStandin(opts: {
  /** Pods and apps/v1 workloads that can be read, patched, replaced, scaled and deleted (the actions' calls). */
  store?: ObjectStore;
  events?: EventStore;
  /** NetworkPolicies (the cluster agent's read-only list). */
  networkPolicies?: NetworkPolicyStore;
  /** The bearer token(s) accepted now. */
  token: string | (() => string[]);
  pods: () => Array<{ spec: { nodeName?: string } } & Record<string, unknown>>;
  nodes?: Array<{ metadata: { name: string } } & Record<string, unknown>>;
  objects?: Record<string, unknown>;
  host?: string;
}): Promise<StandinServer> {
  return listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tokens = typeof opts.token === 'string' ? [opts.token] : opts.token();
    if (!tokens.some((t) => req.headers.authorization === `Bearer ${t}`))
      return json(res, status(401, 'Unauthorized', 'Unauthorized'), 401);
    if (opts.store?.serves(url.pathname)) return void opts.store.handle(req, res, url);
    if (url.pathname === '/api/v1/events' && opts.events) return opts.events.handle(url, res);
    if (opts.networkPolicies?.handle(url, res)) return;
    if (url.pathname === '/api/v1/pods') {
      const sel = url.searchParams.get('fieldSelector') ?? '';
      const terms = sel ? sel.split(',') : [];
      let items = opts.pods();
      for (const term of terms) {
        const mm = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
        if (!mm) return json(res, status(400, 'BadRequest', `invalid selector: '${sel}'`), 400);
        const [, label, op, value] = mm;
        if (!POD_FIELD_LABELS.has(label))
          return json(res, status(400, 'BadRequest', `field label not supported: ${label}`), 400);
        if (label === 'spec.nodeName')
          items = items.filter((p) => ((p.spec.nodeName ?? '') === value) === (op !== '!='));
      }
      return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
    }
    if (url.pathname === '/api/v1/nodes')
      return json(res, {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '1' },
        items: opts.nodes ?? [],
      });
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (node) {
      const n = opts.nodes?.find((x) => x.metadata.name === node[1]);
      return n ? json(res, n) : json(res, status(404, 'NotFound', `nodes "${node[1]}" not found`), 404);
    }
    const obj = opts.objects?.[url.pathname];
    if (obj) return json(res, obj);
    return json(res, status(404, 'NotFound', 'the server could not find the requested resource'), 404);
  }, opts);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Resource request verbs by HTTP method (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, NewRequestInfo). */
const VERB_OF: Record<string, string> = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete', POST: 'create' };

/** The resource of each kind the store holds, and its API group ('' = core). */
const RESOURCE_OF_KIND: Record<string, { resource: string; group: '' | 'apps' }> = {
  Pod: { resource: 'pods', group: '' },
  Deployment: { resource: 'deployments', group: 'apps' },
  StatefulSet: { resource: 'statefulsets', group: 'apps' },
  DaemonSet: { resource: 'daemonsets', group: 'apps' },
  ReplicaSet: { resource: 'replicasets', group: 'apps' },
};

/**
 * Which apps/v1 resources have a scale subresource: pkg/registry/apps/rest/storage_apps.go
 * registers deployments/scale, statefulsets/scale and replicasets/scale; daemonsets have none
 * (a request for it is answered 404 like any unknown path).
 */
const SCALABLE = new Set(['deployments', 'statefulsets', 'replicasets']);

/**
 * The media types a PATCH may carry (staging/src/k8s.io/apiserver/pkg/endpoints/installer.go: the
 * PATCH route's supportedTypes; staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go refuses
 * any other with negotiation.NewUnsupportedMediaTypeError, 415). Server-side apply
 * (application/apply-patch+yaml) is accepted by the real server but not implemented here: the
 * stand-in answers it 415 saying so, and the agent never sends it.
 */
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** store.go's message when a write's resourceVersion is not the stored one (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go). */
const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';

class StatusReply extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string
  ) {
    super(message);
  }
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** RFC 7386 merge patch (jsonpatch.MergePatch in patch.go). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? clone(target as Obj) : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (jsonpatch.DecodePatch / Apply in patch.go): a failing operation is 422. */
function jsonPatch(doc: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops))
    throw new StatusReply(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const out = clone(doc);
  const parse = (p: string) => {
    if (p !== '' && !p.startsWith('/')) throw new StatusReply(422, 'Invalid', `invalid JSON pointer: ${p}`);
    return p
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const parentOf = (path: string[]) => {
    let cur: Obj = out;
    for (const t of path.slice(0, -1)) {
      if (cur == null || typeof cur !== 'object' || !(t in cur))
        throw new StatusReply(422, 'Invalid', `doc is missing path: "/${path.join('/')}": missing value`);
      cur = cur[t];
    }
    return cur;
  };
  const read = (path: string[]) => {
    const parent = parentOf(path);
    const last = path.at(-1)!;
    if (parent == null || typeof parent !== 'object' || !(last in parent))
      throw new StatusReply(422, 'Invalid', `doc is missing path: "/${path.join('/')}": missing value`);
    return parent[last];
  };
  const remove = (path: string[]) => {
    read(path);
    const parent = parentOf(path);
    if (Array.isArray(parent)) parent.splice(Number(path.at(-1)), 1);
    else delete parent[path.at(-1)!];
  };
  const add = (path: string[], value: unknown) => {
    const parent = parentOf(path);
    const last = path.at(-1)!;
    if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
    else if (parent && typeof parent === 'object') parent[last] = value;
    else throw new StatusReply(422, 'Invalid', `doc is missing path: "/${path.join('/')}": missing value`);
  };
  for (const op of ops as Obj[]) {
    const path = parse(String(op.path ?? ''));
    switch (op.op) {
      case 'add':
        add(path, clone(op.value));
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        remove(path);
        add(path, clone(op.value));
        break;
      case 'test':
        if (JSON.stringify(read(path)) !== JSON.stringify(op.value))
          throw new StatusReply(422, 'Invalid', `testing value /${path.join('/')} failed: test failed`);
        break;
      case 'move':
      case 'copy': {
        const from = parse(String(op.from ?? ''));
        const v = clone(read(from));
        if (op.op === 'move') remove(from);
        add(path, v);
        break;
      }
      default:
        throw new StatusReply(422, 'Invalid', `Unexpected kind: ${String(op.op)}`);
    }
  }
  return out;
}

/**
 * Pods and apps/v1 workloads that the cluster agent's actions read and write, served the way the
 * API server's source does, each rule with its file:
 * - RBAC runs before the handler (staging/src/k8s.io/apiserver/pkg/endpoints/filters/authorization.go,
 *   WithAuthorization): a denied (verb, resource[/subresource]) gets 403 Forbidden whose message is
 *   `<resource>.<group> "<name>" is forbidden: User "<u>" cannot <verb> resource "<res[/sub]>" in API
 *   group "<group>" in the namespace "<ns>"` (responsewriters/errors.go forbiddenMessage,
 *   apimachinery/pkg/api/errors/errors.go NewForbidden), even for an object that does not exist.
 * - A missing object is 404 NotFound `<resource>[.<group>] "<name>" not found` (errors.go NewNotFound;
 *   for the scale subresource the parent's resource: ScaleREST.Get reads the Deployment's store).
 * - The scale subresource (pkg/registry/apps/deployment/storage/storage.go ScaleREST, and the
 *   StatefulSet's in pkg/registry/apps/statefulset/storage/storage.go): GET, PUT and PATCH only;
 *   kind Scale, apiVersion autoscaling/v1, metadata {name, namespace, uid, resourceVersion,
 *   creationTimestamp} of the parent, spec.replicas the parent's, status {replicas, selector} the
 *   parent's status.replicas and label selector. An update moves spec.replicas (0 when absent: an
 *   int32 without a pointer) and the resourceVersion to the parent; a negative replicas count is
 *   422 Invalid `Scale.autoscaling "<name>" is invalid: spec.replicas: Invalid value: -1: must be
 *   greater than or equal to 0` (pkg/apis/autoscaling/validation/validation.go ValidateScale); a
 *   uid that is not the parent's is 409 Conflict "Precondition failed: UID in precondition: …".
 * - Optimistic concurrency (store.go Update): a write whose metadata.resourceVersion is set and is
 *   not the stored one is 409 Conflict `Operation cannot be fulfilled on <resource> "<name>": the
 *   object has been modified; …`; an empty one is an unconditional update (apps strategies'
 *   AllowUnconditionalUpdate). Every write bumps the resourceVersion; a changed spec bumps
 *   metadata.generation (pkg/registry/apps/deployment/strategy.go PrepareForUpdate).
 * - PUT: the body's metadata.name must be the URL's, and its namespace (when set) the request's,
 *   else 400 BadRequest "the name of the object (a) does not match the name on the URL (b)"
 *   (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go checkName). The stand-in decodes
 *   JSON bodies only (the real server also takes YAML and protobuf); others are 415.
 * - PATCH (handlers/patch.go PatchResource): the Content-Type, "; charset" stripped, must be a
 *   patch type (PATCH_TYPES), else 415 UnsupportedMediaType "the body of the request was in an
 *   unknown format - accepted media types include: …" (handlers/negotiation/errors.go). JSON patch:
 *   a failing operation is 422; merge patch: RFC 7386; strategic merge patch: applied as a merge
 *   patch, which is what it does to maps (list merge keys and $patch directives are not
 *   implemented; the agent's patches touch only maps). A patch that sets metadata.resourceVersion
 *   is a precondition like an update's.
 * - DELETE (store.go Delete): DeleteOptions.preconditions uid / resourceVersion that do not match
 *   are 409 Conflict "Precondition failed: UID in precondition: a, UID in object meta: b"
 *   (staging/src/k8s.io/apiserver/pkg/storage/interfaces.go, Preconditions.Check). A pod's delete
 *   is graceful: 200 with the pod, metadata.deletionTimestamp and deletionGracePeriodSeconds (the
 *   request's gracePeriodSeconds, else spec.terminationGracePeriodSeconds, default 30; pkg/registry/
 *   core/pod/strategy.go CheckGracefulDelete). There is no kubelet here to finish it, so the
 *   stand-in removes the pod at once.
 * - Lists of the apps/v1 workloads (/apis/apps/v1/<resource>) carry the stored objects (what the
 *   cluster collector reads).
 */
export class ObjectStore {
  private rv = 1000;
  private readonly objects = new Map<string, Obj>();
  private readonly denied = new Set<string>();
  /** Pods deleted through the API (namespace/name), in order. */
  readonly deletedPods: string[] = [];

  /** `user`: the authenticated user that Forbidden messages name (the cluster agent's ServiceAccount). */
  constructor(readonly user = 'system:serviceaccount:fleetlens:fleetlens-cluster-agent') {}

  /** Stores an object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet) with a uid and resourceVersion. */
  put(o: Obj): Obj {
    const r = RESOURCE_OF_KIND[o.kind];
    if (!r) throw new Error(`the stand-in stores no ${o.kind}`);
    const obj = clone(o);
    obj.metadata.namespace ??= 'default';
    obj.metadata.uid ??= `uid-${obj.metadata.namespace}-${obj.metadata.name}-${this.rv}`;
    obj.metadata.generation ??= 1;
    obj.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(r.resource, obj.metadata.namespace, obj.metadata.name), obj);
    return clone(obj);
  }

  /** The stored object (a copy), or undefined. */
  get(kind: string, namespace: string, name: string): Obj | undefined {
    const o = this.objects.get(this.key(RESOURCE_OF_KIND[kind].resource, namespace, name));
    return o && clone(o);
  }

  /** Stored objects of a kind (copies). */
  list(kind: string): Obj[] {
    const r = RESOURCE_OF_KIND[kind].resource;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${r}/`)).map(([, o]) => clone(o));
  }

  /** As an RBAC rule that is missing would: `verb` on `resource` ("deployments", "deployments/scale") is refused 403. */
  deny(verb: string, resource: string): void {
    this.denied.add(`${verb} ${resource}`);
  }

  allowAll(): void {
    this.denied.clear();
  }

  /** True for the paths this store answers. */
  serves(pathname: string): boolean {
    return ITEM.test(pathname) || LIST.test(pathname);
  }

  /** Answers one request (after the server authenticated it). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      const list = LIST.exec(url.pathname);
      if (list) {
        if (req.method !== 'GET')
          throw new StatusReply(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource'
          );
        const kind = Object.keys(RESOURCE_OF_KIND).find((k) => RESOURCE_OF_KIND[k].resource === list[1])!;
        return json(res, {
          kind: `${kind}List`,
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: String(this.rv) },
          items: this.list(kind),
        });
      }
      json(res, this.item(req, url, raw));
    } catch (e) {
      if (!(e instanceof StatusReply)) throw e;
      json(res, status(e.code, e.reason, e.message), e.code);
    }
  }

  private key(resource: string, ns: string, name: string) {
    return `${resource}/${ns}/${name}`;
  }

  private item(req: IncomingMessage, url: URL, raw: string): Obj {
    const [, api, ns, resource, name, sub] = ITEM.exec(url.pathname)!.map((x) =>
      x === undefined ? x : decodeURIComponent(x)
    );
    const group = resource === 'pods' ? '' : 'apps';
    const notServed = () => new StatusReply(404, 'NotFound', 'the server could not find the requested resource');
    if ((group === '') !== (api === 'api/v1')) throw notServed();
    if (sub !== undefined && !(sub === 'scale' && SCALABLE.has(resource))) throw notServed();
    const method = req.method ?? 'GET';
    const verb = VERB_OF[method];
    const methods = sub ? ['GET', 'PUT', 'PATCH'] : ['GET', 'PUT', 'PATCH', 'DELETE'];
    if (!verb || !methods.includes(method))
      throw new StatusReply(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const qr = group ? `${resource}.${group}` : resource;
    const full = sub ? `${resource}/${sub}` : resource;
    if (this.denied.has(`${verb} ${full}`))
      throw new StatusReply(
        403,
        'Forbidden',
        `${qr} "${name}" is forbidden: User "${this.user}" cannot ${verb} resource "${full}" in API group "${group}" in the namespace "${ns}"`
      );
    const key = this.key(resource, ns, name);
    const obj = this.objects.get(key);
    if (!obj) throw new StatusReply(404, 'NotFound', `${qr} "${name}" not found`);
    const view = (o: Obj) => (sub ? scaleOf(o) : clone(o));
    const conflict = (why: string) =>
      new StatusReply(409, 'Conflict', `Operation cannot be fulfilled on ${qr} "${name}": ${why}`);
    const parse = (what: string): unknown => {
      try {
        return raw ? JSON.parse(raw) : {};
      } catch (e) {
        throw new StatusReply(400, 'BadRequest', `error decoding ${what}: ${(e as Error).message}`);
      }
    };
    const checkName = (o: Obj) => {
      const objName = o?.metadata?.name ?? '';
      if (objName !== name)
        throw new StatusReply(
          400,
          'BadRequest',
          `the name of the object (${objName}) does not match the name on the URL (${name})`
        );
      const objNs = o?.metadata?.namespace;
      if (objNs && objNs !== ns)
        throw new StatusReply(
          400,
          'BadRequest',
          `the namespace of the object (${objNs}) does not match the namespace on the request (${ns})`
        );
    };
    const checkVersion = (next: Obj) => {
      const rv = next?.metadata?.resourceVersion;
      if (rv && rv !== obj.metadata.resourceVersion) throw conflict(OPTIMISTIC_LOCK);
    };

    if (method === 'GET') return view(obj);
    if (method === 'DELETE') {
      const opts = parse('DeleteOptions') as Obj;
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== obj.metadata.uid)
        throw conflict(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
        throw conflict(
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`
        );
      this.objects.delete(key);
      const gone = clone(obj);
      if (resource === 'pods') {
        this.deletedPods.push(`${ns}/${name}`);
        gone.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        gone.metadata.deletionGracePeriodSeconds =
          opts.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
      }
      return gone;
    }
    let next: Obj;
    if (method === 'PUT') {
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (ct !== 'application/json')
        throw new StatusReply(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf'
        );
      next = parse('body') as Obj;
      checkName(next);
      if (sub && next.kind !== undefined && next.kind !== 'Scale')
        throw new StatusReply(
          400,
          'BadRequest',
          `the object provided is unrecognized (must be of type Scale): ${next.kind}`
        );
    } else {
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (!PATCH_TYPES.includes(ct))
        throw new StatusReply(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`
        );
      if (ct === 'application/apply-patch+yaml')
        throw new StatusReply(415, 'UnsupportedMediaType', 'server-side apply is not implemented by this stand-in');
      const patch = parse('patch');
      next = ct === 'application/json-patch+json' ? jsonPatch(view(obj), patch) : (mergePatch(view(obj), patch) as Obj);
      checkName(next);
    }
    checkVersion(next);
    let stored: Obj;
    if (sub) {
      if (next.metadata?.uid && next.metadata.uid !== obj.metadata.uid)
        throw conflict(
          `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${obj.metadata.uid}`
        );
      const replicas = next.spec?.replicas ?? 0;
      if (!Number.isInteger(replicas))
        throw new StatusReply(
          400,
          'BadRequest',
          `json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`
        );
      if (replicas < 0)
        throw new StatusReply(
          422,
          'Invalid',
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`
        );
      stored = clone(obj);
      stored.spec = { ...stored.spec, replicas };
    } else {
      // Server-set metadata stays the server's.
      stored = {
        ...next,
        metadata: {
          ...next.metadata,
          uid: obj.metadata.uid,
          creationTimestamp: obj.metadata.creationTimestamp,
          generation: obj.metadata.generation,
        },
      };
    }
    if (JSON.stringify(stored.spec) !== JSON.stringify(obj.spec))
      stored.metadata.generation = (obj.metadata.generation ?? 1) + 1;
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, stored);
    return view(stored);
  }
}

const ITEM =
  /^\/(api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/(pods|deployments|statefulsets|daemonsets|replicasets)\/([^/]+)(?:\/([^/]+))?$/;
const LIST = /^\/apis\/apps\/v1\/(deployments|statefulsets|daemonsets|replicasets)$/;

/** The autoscaling/v1 Scale of a workload (storage.go scaleFromDeployment). */
function scaleOf(o: Obj): Obj {
  const labels = (o.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: {
      replicas: o.status?.replicas ?? 0,
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

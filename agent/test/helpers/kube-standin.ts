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
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface StandinServer {
  url: string;
  port: number;
  requests: Array<{ path: string; authorization?: string }>;
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { host?: string; tls?: { cert: Buffer; key: Buffer } }
): Promise<StandinServer> {
  const requests: StandinServer['requests'] = [];
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
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

/** The API server's read paths the node agent calls: pods of a node, its Node, owner lookups. */
export function startApiStandin(opts: {
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

/**
 * Least privilege: each agent's ClusterRole grants exactly the (apiGroup, resource, verb)
 * triples that the agent's Kubernetes collector calls. The calls are derived by scanning the
 * collector's source (agent/src/collectors/kubernetes) for the REST paths it requests, not
 * from a hand-kept list; the role is found from the workload (FLEETLENS_MODE → its
 * ServiceAccount → ClusterRoleBinding → ClusterRole) in the rendered kustomization.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, read, type Doc } from './helpers';
import { containerEnv, find, podSpec, render, workloads } from './k8s';

const COLLECTOR_DIR = 'agent/src/collectors/kubernetes';

interface Call {
  file: string;
  path: string;
  /** Through the kubelet's own API (https://<node>:10250) rather than the API server. */
  kubelet: boolean;
  /** API server node proxy (…/nodes/<n>/proxy/…): the alternative to calling the kubelet directly. */
  viaProxy: boolean;
  group: string;
  resource: string;
  verb: 'get' | 'list' | 'watch';
}

/** Maps one REST path (placeholders as `{}`) to the RBAC triple the API server or kubelet checks. */
function toCall(file: string, raw: string, kubelet: boolean): Call {
  const [pathPart, query = ''] = raw.split('?');
  const params = new URLSearchParams(query.replace(/\{\}/g, 'x'));
  const watch = ['1', 'true'].includes(params.get('watch') ?? '');
  const seg = pathPart.split('/').filter(Boolean);
  if (kubelet) {
    // Kubelet authorization (webhook mode): /stats/* → nodes/stats, /metrics* → nodes/metrics,
    // /logs/* → nodes/log, /spec/* → nodes/spec, everything else → nodes/proxy; GET → get.
    const sub = { stats: 'stats', metrics: 'metrics', logs: 'log', spec: 'spec' }[seg[0]] ?? 'proxy';
    return { file, path: raw, kubelet, viaProxy: false, group: '', resource: `nodes/${sub}`, verb: 'get' };
  }
  let group: string;
  let rest: string[];
  if (seg[0] === 'api') {
    group = '';
    rest = seg.slice(2); // api, v1
  } else if (seg[0] === 'apis') {
    group = seg[1];
    rest = seg.slice(3); // apis, group, version
  } else throw new Error(`${file}: not a Kubernetes API path: ${raw}`);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  if (!resource) throw new Error(`${file}: no resource in ${raw}`);
  const verb = watch ? 'watch' : name ? 'get' : 'list';
  return {
    file,
    path: raw,
    kubelet,
    viaProxy: sub === 'proxy',
    group,
    resource: sub ? `${resource}/${sub}` : resource,
    verb,
  };
}

/** Every REST path literal in the collector sources, with the client it is passed to. */
function scanCalls(): Call[] {
  const calls: Call[] = [];
  for (const f of readdirSync(join(ROOT, COLLECTOR_DIR)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const file = `${COLLECTOR_DIR}/${f}`;
    const src = read(file);
    const re = /(['`])(\/(?:api|apis|stats|metrics|logs|spec|pods|configz)\/[^'`]*)\1/g;
    for (const m of src.matchAll(re)) {
      const path = m[2].replace(/\$\{[^}]*\}/g, '{}');
      const before = src.slice(Math.max(0, m.index! - 80), m.index);
      // The client the literal is passed to directly, e.g. `this.opts.kubelet.get<Summary>('/stats/summary')`.
      const client = /(\w+)\??\.(?:get|watch)\s*(?:<[^>]*>)?\s*\(\s*$/.exec(before)?.[1];
      calls.push(toCall(file, path, client === 'kubelet'));
    }
  }
  return calls;
}

/** Which mode a collector file belongs to: by the collector class it defines, or that of its one importer. */
function modeOfFile(file: string): 'node' | 'cluster' | null {
  const src = read(file);
  if (/class KubeClusterCollector\b/.test(src)) return 'cluster';
  if (/class KubeNodeCollector\b/.test(src)) return 'node';
  // A helper module takes the mode of the one collector file that imports it.
  const me = `'./${basename(file, '.ts')}'`;
  const importers = readdirSync(join(ROOT, COLLECTOR_DIR))
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))
    .map((n) => `${COLLECTOR_DIR}/${n}`)
    .filter((f) => f !== file && read(f).includes(`from ${me}`));
  const modes = new Set(importers.map((f) => modeOfFile(f)));
  return modes.size === 1 ? [...modes][0] : null;
}

const rendered = render();
const docs = rendered.docs;

/** Granted triples of a ClusterRole, expanded. */
function grants(role: Doc): Set<string> {
  const out = new Set<string>();
  for (const r of role.rules ?? []) {
    for (const g of r.apiGroups ?? [])
      for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.add(`${g}|${res}|${v}`);
  }
  return out;
}

/** What a role grants beyond what is needed, and what it lacks. */
function compare(granted: Set<string>, needed: Set<string>): { extra: string[]; missing: string[] } {
  return {
    extra: [...granted].filter((g) => !needed.has(g)).sort(),
    missing: [...needed].filter((n) => !granted.has(n)).sort(),
  };
}

/** The ClusterRoles bound to a workload's ServiceAccount. */
function rolesOf(w: Doc): Doc[] {
  const sa = podSpec(w).serviceAccountName;
  const ns = w.metadata.namespace;
  return docs
    .filter(
      (b) =>
        b.kind === 'ClusterRoleBinding' &&
        (b.subjects ?? []).some((s: Doc) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === ns)
    )
    .map((b) => find(docs, b.roleRef.kind, b.roleRef.name));
}

describe(`RBAC equals what the agent calls (scanned from ${COLLECTOR_DIR}; manifests rendered with ${rendered.how})`, () => {
  const calls = scanCalls();

  test('the scan finds the collector calls, and classifies every path-bearing file by mode', () => {
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const c of calls) expect({ file: c.file, mode: modeOfFile(c.file) }).not.toEqual({ file: c.file, mode: null });
    // Sanity of the mapping on known shapes (so that a wrong mapping cannot make both sides agree).
    expect(toCall('t', '/api/v1/pods?fieldSelector={}', false)).toMatchObject({
      group: '',
      resource: 'pods',
      verb: 'list',
    });
    expect(toCall('t', '/api/v1/nodes/{}', false)).toMatchObject({ group: '', resource: 'nodes', verb: 'get' });
    expect(toCall('t', '/apis/apps/v1/namespaces/{}/replicasets/{}', false)).toMatchObject({
      group: 'apps',
      resource: 'replicasets',
      verb: 'get',
    });
    expect(toCall('t', '/api/v1/events?watch=1&resourceVersion={}', false)).toMatchObject({
      group: '',
      resource: 'events',
      verb: 'watch',
    });
    expect(toCall('t', '/api/v1/namespaces/{}/pods/{}/log', false)).toMatchObject({
      group: '',
      resource: 'pods/log',
      verb: 'get',
    });
    expect(toCall('t', '/api/v1/nodes/{}/proxy/stats/summary', false)).toMatchObject({
      resource: 'nodes/proxy',
      verb: 'get',
      viaProxy: true,
    });
    expect(toCall('t', '/stats/summary', true)).toMatchObject({ group: '', resource: 'nodes/stats', verb: 'get' });
    // And the comparison reports both directions.
    const role = { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] }] };
    expect(compare(grants(role), new Set(['|pods|list', '|pods|watch']))).toEqual({
      extra: ['|pods|delete'],
      missing: ['|pods|watch'],
    });
  });

  const agents = workloads(docs).filter((w) => String(podSpec(w).containers[0].image).startsWith('fleetlens/agent:'));

  test.each(agents.map((w) => [`${w.kind} ${w.metadata.name}`, w] as const))(
    '%s: its ClusterRole grants exactly the verbs and resources its mode calls, nothing more, nothing less',
    (_name, w) => {
      const env = containerEnv(podSpec(w).containers[0]);
      const mode = env.FLEETLENS_MODE;
      expect(['node', 'cluster']).toContain(mode);
      const kubeletDirect = typeof env.FLEETLENS_KUBELET_URL === 'string' && env.FLEETLENS_KUBELET_URL !== '';
      const used = calls
        .filter((c) => modeOfFile(c.file) === mode)
        // The summary comes either straight from the kubelet or through the API server's node proxy.
        .filter((c) => (c.kubelet ? kubeletDirect : c.viaProxy ? !kubeletDirect : true));
      const needed = new Set(used.map((c) => `${c.group}|${c.resource}|${c.verb}`));
      const roles = rolesOf(w);
      expect(roles.length).toBe(1);
      const role = roles[0];
      expect(role).toBeDefined();
      for (const r of role.rules) {
        expect(r.nonResourceURLs).toBeUndefined();
        expect(r.resourceNames).toBeUndefined();
        for (const list of [r.apiGroups, r.resources, r.verbs]) expect(list).not.toContain('*');
      }
      const { extra, missing } = compare(grants(role), needed);
      expect({ role: role.metadata.name, extra, missing }).toEqual({
        role: role.metadata.name,
        extra: [],
        missing: [],
      });
      // Nothing else (Role/RoleBinding) gives this ServiceAccount more.
      const sa = podSpec(w).serviceAccountName;
      expect(
        docs.filter((d) => d.kind === 'RoleBinding' && (d.subjects ?? []).some((s: Doc) => s.name === sa))
      ).toEqual([]);
    }
  );

  test('there are exactly two agent workloads (node DaemonSet, cluster Deployment), and the backend has no Kubernetes API access', () => {
    expect(agents.map((w) => `${w.kind}/${containerEnv(podSpec(w).containers[0]).FLEETLENS_MODE}`).sort()).toEqual([
      'DaemonSet/node',
      'Deployment/cluster',
    ]);
    const backend = find(docs, 'Deployment', 'fleetlens-backend');
    expect(podSpec(backend).automountServiceAccountToken).toBe(false);
    expect(rolesOf(backend)).toEqual([]);
  });
});

/**
 * The optional RBAC for the cluster agent's Kubernetes actions (deploy/kubernetes/agent-actions-rbac.yaml)
 * grants exactly the (apiGroup, resource, verb) triples that the action handlers request: the
 * expectation is derived from the stand-in API server's request log while the real handlers
 * (agent/src/actions/kubernetes.ts) run every kind, not from a copied list. The manifest is bound
 * to the cluster agent's ServiceAccount and is not applied by default.
 */
import { join } from 'node:path';
import type { ContainerAction } from '@fleetlens/protocol';
import { KubeClient } from '../../agent/src/collectors/kubernetes/client';
import { kubernetesHandlers } from '../../agent/src/actions/kubernetes';
import { ObjectStore, startApiStandin, type StandinServer } from '../../agent/test/helpers/kube-standin';
import { NS, seed } from '../../agent/test/helpers/kube-objects';
import { K8S_DIR, loadYamlDocs, read, type Doc } from './helpers';
import { find, loadKustomization, podSpec, render } from './k8s';

const FILE = 'agent-actions-rbac.yaml';
const VERB_OF: Record<string, string> = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete', POST: 'create' };

/** The RBAC triple a request to the API server is authorised as (requestinfo.go: method → verb, path → group and resource[/subresource]). */
function tripleOf(method: string, rawPath: string): string {
  const seg = rawPath.split('?')[0].split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (seg[0] === 'api') [group, rest] = ['', seg.slice(2)];
  else if (seg[0] === 'apis') [group, rest] = [seg[1], seg.slice(3)];
  else throw new Error(`not a Kubernetes API path: ${rawPath}`);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  const verb = method === 'GET' && !name ? 'list' : VERB_OF[method];
  return `${group}|${sub ? `${resource}/${sub}` : resource}|${verb}`;
}

/** Granted triples of a ClusterRole, expanded. */
function grants(role: Doc): Set<string> {
  const out = new Set<string>();
  for (const r of role.rules ?? [])
    for (const g of r.apiGroups ?? [])
      for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.add(`${g}|${res}|${v}`);
  return out;
}

const action = (kind: ContainerAction['kind'], target: ContainerAction['target'], options = {}): ContainerAction => ({
  id: kind,
  kind,
  target,
  options,
  expiresAt: Math.floor(Date.now() / 1000) + 60,
});

describe('optional RBAC for Kubernetes actions equals what the handlers request (derived from the stand-in API server’s log)', () => {
  const docs = loadYamlDocs(join(K8S_DIR, FILE));
  const role = docs.find((d) => d.kind === 'ClusterRole');
  const binding = docs.find((d) => d.kind === 'ClusterRoleBinding');
  let requested: Set<string>;
  let api: StandinServer;

  beforeAll(async () => {
    const store = new ObjectStore();
    seed(store);
    api = await startApiStandin({ token: 't', pods: () => [], store });
    const h = kubernetesHandlers(() => new KubeClient({ server: api.url, token: () => 't' }));
    const w = (workloadKind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string) => ({
      namespace: NS,
      workloadKind,
      name,
    });
    // Every kind on every workload kind it takes, including the refusal paths (which must need no more).
    const runs = [
      action('pod.delete', { namespace: NS, name: 'web-7d9f-abcde' }),
      action('pod.delete', { namespace: NS, name: 'debug' }),
      action('workload.restart', w('Deployment', 'web')),
      action('workload.restart', w('StatefulSet', 'db')),
      action('workload.restart', w('DaemonSet', 'logs')),
      action('workload.scale', w('Deployment', 'web'), { replicas: 4 }),
      action('workload.scale', w('StatefulSet', 'db'), { replicas: 1 }),
      action('workload.scale', w('DaemonSet', 'logs'), { replicas: 1 }),
    ];
    const outcomes = [];
    for (const a of runs)
      outcomes.push(
        await h[a.kind]!(a).then(
          () => 'done',
          (e: Error) => `failed: ${e.message}`
        )
      );
    // The happy paths really ran (the log is not one of refusals only).
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(6);
    requested = new Set(api.requests.map((r) => tripleOf(r.method, r.path)));
  });
  afterAll(async () => {
    await api?.close();
  });

  test('the path mapping gives the triples RBAC checks (so that a wrong mapping cannot make both sides agree)', () => {
    expect(tripleOf('DELETE', '/api/v1/namespaces/a/pods/b')).toBe('|pods|delete');
    expect(tripleOf('PUT', '/apis/apps/v1/namespaces/a/deployments/b/scale')).toBe('apps|deployments/scale|update');
    expect(tripleOf('PATCH', '/apis/apps/v1/namespaces/a/daemonsets/b')).toBe('apps|daemonsets|patch');
    expect(tripleOf('GET', '/apis/apps/v1/deployments')).toBe('apps|deployments|list');
  });

  test(`${FILE}: its ClusterRole grants exactly the requested verbs and resources, nothing more, nothing less`, () => {
    expect(role).toBeDefined();
    for (const r of role.rules) {
      expect(r.resourceNames).toBeUndefined();
      expect(r.nonResourceURLs).toBeUndefined();
      for (const list of [r.apiGroups, r.resources, r.verbs]) expect(list).not.toContain('*');
    }
    const granted = grants(role);
    expect({
      extra: [...granted].filter((g) => !requested.has(g)).sort(),
      missing: [...requested].filter((n) => !granted.has(n)).sort(),
    }).toEqual({ extra: [], missing: [] });
  });

  test(`${FILE}: bound to the cluster agent's ServiceAccount (the one its Deployment runs as), and to nothing else`, () => {
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: role.metadata.name,
    });
    const agent = find(render().docs, 'Deployment', 'fleetlens-cluster-agent');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: podSpec(agent).serviceAccountName, namespace: agent.metadata.namespace },
    ]);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
  });

  test(`${FILE} is optional: not in kustomization.yaml's resources, and the comment there says how to add it`, () => {
    expect(loadKustomization().resources).not.toContain(FILE);
    expect(render().docs.some((d) => d.metadata?.name === role.metadata.name)).toBe(false);
    expect(read('deploy/kubernetes/kustomization.yaml')).toMatch(new RegExp(`# - ${FILE.replace('.', '\\.')}`));
  });
});

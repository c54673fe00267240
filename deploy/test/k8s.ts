/**
 * The kustomization in deploy/kubernetes, rendered without a cluster: by `kubectl kustomize`
 * when kubectl is installed (purely client-side), otherwise by a small built-in renderer that
 * does what this kustomization uses (resources, namespace, labels, images). `how` says which.
 */
import { join } from 'node:path';
import YAML from 'yaml';
import { K8S_DIR, loadYamlDocs, tryRun, type Doc } from './helpers';

/** Kinds that live outside namespaces (the ones this project could plausibly use). */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);

/**
 * apiVersion/kind pairs served by current Kubernetes (1.25+) that these manifests may use.
 * Deprecated or removed versions (extensions/v1beta1, policy/v1beta1, batch/v1beta1, …) are not here.
 */
export const CURRENT_KINDS: Record<string, string> = {
  'v1/Namespace': 'v1/Namespace',
  'v1/Service': 'v1/Service',
  'v1/Secret': 'v1/Secret',
  'v1/ServiceAccount': 'v1/ServiceAccount',
  'v1/ConfigMap': 'v1/ConfigMap',
  'v1/ResourceQuota': 'v1/ResourceQuota',
  'apps/v1/Deployment': 'apps/v1/Deployment',
  'apps/v1/DaemonSet': 'apps/v1/DaemonSet',
  'apps/v1/StatefulSet': 'apps/v1/StatefulSet',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac.authorization.k8s.io/v1/RoleBinding',
  'policy/v1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'networking.k8s.io/v1/Ingress',
};

export interface Kustomization {
  apiVersion: string;
  kind: string;
  namespace?: string;
  resources: string[];
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

export function loadKustomization(): Kustomization {
  const docs = loadYamlDocs(join(K8S_DIR, 'kustomization.yaml'));
  if (docs.length !== 1) throw new Error('kustomization.yaml: expected one document');
  return docs[0] as Kustomization;
}

/** Containers of a workload's pod template. */
export function podSpec(o: Doc): Doc {
  return o.spec?.template?.spec;
}

function withImages(o: Doc, images: Kustomization['images'] = []) {
  const spec = podSpec(o);
  if (!spec) return;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const [name] = String(c.image).split(':');
    const rule = images.find((i) => i.name === name);
    if (rule) c.image = `${rule.newName ?? name}:${rule.newTag ?? String(c.image).split(':')[1] ?? 'latest'}`;
  }
}

/** The built-in renderer: only the features kustomization.yaml uses (the tests check it uses no others). */
export function renderBuiltin(): Doc[] {
  const k = loadKustomization();
  const out: Doc[] = [];
  for (const r of k.resources) {
    for (const o of loadYamlDocs(join(K8S_DIR, r))) {
      if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
      if (k.namespace && (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
        for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = k.namespace;
      }
      for (const l of k.labels ?? []) {
        o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
        if (l.includeSelectors) throw new Error('built-in renderer: includeSelectors is not supported');
      }
      withImages(o, k.images);
      out.push(o);
    }
  }
  return out;
}

export interface Rendered {
  how: 'kubectl kustomize' | 'built-in renderer (kubectl not installed)';
  docs: Doc[];
  /** The built-in renderer's output too, to compare when kubectl ran. */
  builtin: Doc[];
}

let cached: Rendered | null = null;

export function render(): Rendered {
  if (cached) return cached;
  const builtin = renderBuiltin();
  const r = tryRun('kubectl', ['kustomize', K8S_DIR], { timeout: 60_000 });
  if (r === null) {
    cached = { how: 'built-in renderer (kubectl not installed)', docs: builtin, builtin };
  } else {
    if (!r.ok) throw new Error(`kubectl kustomize ${K8S_DIR} failed:\n${r.out}`);
    const docs = YAML.parseAllDocuments(r.out)
      .map((d) => d.toJSON())
      .filter((d) => d != null);
    cached = { how: 'kubectl kustomize', docs, builtin };
  }
  return cached;
}

export const idOf = (o: Doc) => `${o.kind}/${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`;

export function find(docs: Doc[], kind: string, name: string): Doc | undefined {
  return docs.find((d) => d.kind === kind && d.metadata?.name === name);
}

/** Pod templates of the workloads (Deployment, DaemonSet, StatefulSet). */
export function workloads(docs: Doc[]): Doc[] {
  return docs.filter((d) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(d.kind));
}

/** Environment variables of a container as a map of literal values (valueFrom entries as `valueFrom`). */
export function containerEnv(c: Doc): Record<string, string | { valueFrom: Doc }> {
  return Object.fromEntries(
    (c.env ?? []).map((e: Doc) => [e.name, e.valueFrom ? { valueFrom: e.valueFrom } : String(e.value ?? '')])
  );
}

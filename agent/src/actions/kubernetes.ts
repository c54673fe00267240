import { ScalableWorkloadKind, type ContainerAction, type RestartableWorkloadKind } from '@fleetlens/protocol';
import { KubeError, type KubeClient } from '../collectors/kubernetes/client';
import type { ActionHandlers } from './handlers';

/*
 * The cluster agent's actions through the Kubernetes API (issue 15; decision 38): a Kubernetes
 * container's "restart" (delete its pod so that its controller recreates it), a workload's rollout
 * restart, and scaling through the scale subresource. Each is the request kubectl makes, so that
 * the RBAC the optional manifest grants (deploy/kubernetes/agent-actions-rbac.yaml) is exactly what
 * these calls need.
 */

/** Where the optional manifest that grants these verbs lives (a 403 points the user there). */
export const ACTIONS_RBAC_MANIFEST = 'deploy/kubernetes/agent-actions-rbac.yaml';

/** The apps/v1 resource of each workload kind. */
const RESOURCE_OF: Record<RestartableWorkloadKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
};

/** The annotation `kubectl rollout restart` sets on the pod template (a changed template rolls the pods). */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** A scale PUT that lost a race with another writer (409 Conflict) is read and tried again this often. */
const SCALE_ATTEMPTS = 3;

interface OwnerReference {
  kind: string;
  name: string;
  controller?: boolean;
}
interface Pod {
  metadata: { name: string; namespace?: string; uid?: string; ownerReferences?: OwnerReference[] };
}
interface Scale {
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number };
}
interface Workload {
  spec?: { paused?: boolean };
}

const seg = (s: string) => encodeURIComponent(s);

/** Go's time.Format(time.RFC3339) of a UTC instant: seconds, no fraction, "Z". */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The target's namespace and name, or a failed result naming what is missing. */
function named(a: ContainerAction): { ns: string; name: string } {
  const { namespace, name } = a.target;
  if (!namespace || !name) throw new Error('the target needs a namespace and a name');
  return { ns: namespace, name };
}

/** The workload target: namespace, kind and name, with its apps/v1 path. */
function workload(a: ContainerAction): { ns: string; name: string; kind: RestartableWorkloadKind; path: string } {
  const { ns, name } = named(a);
  const kind = a.target.workloadKind;
  if (!kind) throw new Error('the target needs a workloadKind (Deployment, StatefulSet or DaemonSet)');
  return { ns, name, kind, path: `/apis/apps/v1/namespaces/${seg(ns)}/${RESOURCE_OF[kind]}/${seg(name)}` };
}

/**
 * The API server's message as the failed result: its Status message as is (what kubectl prints),
 * and for a 403 where the verb is granted.
 */
function explained(e: unknown): Error {
  if (!(e instanceof KubeError)) return e as Error;
  if (e.status === 403)
    return new Error(
      `${e.message} (the cluster agent's actions need the optional RBAC in ${ACTIONS_RBAC_MANIFEST}: kubectl apply -f it)`
    );
  return new Error(e.message);
}

/** Runs a handler's requests, turning API errors into the messages a failed result carries. */
const reporting =
  (run: (a: ContainerAction) => Promise<string>) =>
  async (a: ContainerAction): Promise<string> => {
    try {
      return await run(a);
    } catch (e) {
      throw explained(e);
    }
  };

/**
 * `pod.delete`: GET the pod, refuse one that no controller owns (nothing would recreate it), then
 * DELETE it with its uid as a precondition, so that a pod recreated under the same name since the
 * check (a StatefulSet's pod) is not deleted in its place.
 */
async function deletePod(api: KubeClient, a: ContainerAction): Promise<string> {
  const { ns, name } = named(a);
  const path = `/api/v1/namespaces/${seg(ns)}/pods/${seg(name)}`;
  const pod = await api.call<Pod>('GET', path);
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true);
  if (!owner)
    throw new Error(
      `pod ${ns}/${name} has no controller (no ownerReference with controller: true): deleting it would not bring it back, so it was not deleted`
    );
  await api.call('DELETE', path, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
  });
  return `deleted pod ${ns}/${name}; its ${owner.kind} ${owner.name} recreates it`;
}

/**
 * `workload.restart`: what `kubectl rollout restart` does (staging/src/k8s.io/kubectl/pkg/
 * polymorphichelpers/objectrestarter.go, defaultObjectRestarter): set the pod template's
 * kubectl.kubernetes.io/restartedAt annotation to now (RFC 3339), here as the strategic-merge
 * patch kubectl sends, so the controller rolls every pod. kubectl refuses a paused Deployment
 * before patching; without a read (and the `get` verb it needs) the patch reply tells: a paused
 * Deployment is reported as restarted only once it is resumed.
 */
async function restartWorkload(api: KubeClient, a: ContainerAction, now: () => Date): Promise<string> {
  const w = workload(a);
  const at = rfc3339(now());
  const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
  const after = await api.call<Workload>('PATCH', w.path, patch, 'application/strategic-merge-patch+json');
  const what = `${w.ns}/${w.kind}/${w.name}`;
  if (after?.spec?.paused)
    return `restart of ${what} recorded (restartedAt ${at}), but it is paused: its pods roll when it is resumed (kubectl rollout resume)`;
  return `restarted ${what} (restartedAt ${at})`;
}

/**
 * `workload.scale`: the scale subresource (autoscaling/v1 Scale), read then replaced with the
 * read's resourceVersion, so the "from" in the message is the number this write replaced; a
 * Conflict (someone scaled in between) is read and tried again.
 */
async function scaleWorkload(api: KubeClient, a: ContainerAction): Promise<string> {
  const w = workload(a);
  if (!ScalableWorkloadKind.safeParse(w.kind).success)
    throw new Error(`a ${w.kind} runs one pod per eligible node; it has no replicas to scale`);
  const replicas = a.options.replicas;
  if (replicas === undefined) throw new Error('options.replicas is required');
  const path = `${w.path}/scale`;
  for (let attempt = 1; ; attempt++) {
    const cur = await api.call<Scale>('GET', path);
    const from = cur.spec?.replicas ?? 0;
    try {
      const put = await api.call<Scale>('PUT', path, {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: w.name, namespace: w.ns, resourceVersion: cur.metadata.resourceVersion },
        spec: { replicas },
      });
      return `scaled ${w.ns}/${w.kind}/${w.name} from ${from} to ${put.spec?.replicas ?? replicas}`;
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409) || attempt >= SCALE_ATTEMPTS) throw e;
    }
  }
}

/** pod.delete, workload.restart and workload.scale through the cluster agent's Kubernetes client (opened on first use). */
export function kubernetesHandlers(api: () => KubeClient, now: () => Date = () => new Date()): ActionHandlers {
  return {
    'pod.delete': reporting((a) => deletePod(api(), a)),
    'workload.restart': reporting((a) => restartWorkload(api(), a, now)),
    'workload.scale': reporting((a) => scaleWorkload(api(), a)),
  };
}

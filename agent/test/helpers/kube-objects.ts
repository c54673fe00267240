/**
 * Kubernetes objects for the action tests, shaped as the API server stores them (apps/v1 and
 * core/v1): a Deployment "web" with its ReplicaSet and two pods, a StatefulSet, a DaemonSet and a
 * bare pod that no controller owns.
 */
import type { ObjectStore } from './kube-standin';

export const NS = 'shop';

export const deployment = (replicas = 2, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
    ...extra,
  },
  status: { replicas, readyReplicas: replicas },
});

export const statefulSet = () => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: NS },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } },
  },
  status: { replicas: 3, readyReplicas: 3 },
});

export const daemonSet = () => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'logs', namespace: NS },
  spec: {
    selector: { matchLabels: { app: 'logs' } },
    template: { metadata: { labels: { app: 'logs' } }, spec: { containers: [{ name: 'logs', image: 'logs:1' }] } },
  },
  status: { desiredNumberScheduled: 2, numberReady: 2 },
});

/** A pod; `owner` is its controller (a ReplicaSet of "web"), or none for a bare pod. */
export const pod = (name: string, owner: { kind: string; name: string } | null, node = 'node-1') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: NS,
    ...(owner
      ? {
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `uid-${owner.name}`, controller: true },
          ],
        }
      : {}),
  },
  spec: { nodeName: node, containers: [{ name: 'app', image: 'app:1' }] },
  status: { phase: 'Running' },
});

/** Fills a store with the fixture objects. */
export function seed(store: ObjectStore): void {
  store.put(deployment());
  store.put(statefulSet());
  store.put(daemonSet());
  store.put(pod('web-7d9f-abcde', { kind: 'ReplicaSet', name: 'web-7d9f' }));
  store.put(pod('web-7d9f-fghij', { kind: 'ReplicaSet', name: 'web-7d9f' }));
  store.put(pod('debug', null));
}

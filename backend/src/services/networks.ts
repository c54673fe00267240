import { api, type LabelSelector } from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import * as ids from '../db/ids';
import { AccessError, actorOf, type Caller } from './access';
import type { ActionsService } from './actions';
import { NotFoundError } from './context';
import { selects } from './label-selector';
import { applyNodeScope, applyScope, narrow, type Scope } from './scope';

type Row = Record<string, unknown>;

/** Most networks one list returns (a node with more is a misconfiguration; the wire allows 1000 per node). */
const MAX_LIST = 5000;

const parse = <T>(s: unknown, empty: T): T => {
  try {
    return s == null ? empty : (JSON.parse(String(s)) as T);
  } catch {
    return empty;
  }
};

/** Docker refuses removing these (moby daemon/network.go deleteNetwork, runconfig IsPreDefinedNetwork). */
const isPredefined = (name: string) => (api.PREDEFINED_NETWORKS as readonly string[]).includes(name);

/** Network scope columns: networks are node-level (a namespace-restricted caller sees none, as with Docker containers). */
const NET_COLS = { clusterName: 'w.cluster', nodeName: 'w.node' };

/**
 * Docker networks and Kubernetes NetworkPolicies (issue 15; decision 36). Lists only what agents
 * pushed (the backend never calls an agent); create, remove, connect and disconnect check the
 * target in the caller's scope and against the node's reported networks, then queue a `network.*`
 * action for that node's agent (ActionsService.queue, audited).
 */
export class NetworkService {
  constructor(
    private readonly db: Db,
    private readonly actions: Pick<ActionsService, 'queue'>
  ) {}

  /** Networks in scope (by cluster and node), each with its containers resolved to container entities. */
  async list(scope: Scope, q: api.NetworkListQuery): Promise<api.NetworkListReply> {
    const s = narrow(scope, { clusters: q.cluster, nodes: q.node });
    const rows: Row[] = await applyNodeScope(this.db.knex('networks as w').select('w.*'), s, NET_COLS)
      .orderBy(['w.cluster', 'w.node', 'w.name', 'w.id'])
      .limit(MAX_LIST);
    return { items: await this.shape(rows) };
  }

  /** Rows with their attachments and the containers those name. */
  private async shape(rows: Row[]): Promise<api.NetworkRow[]> {
    const k = this.db.knex;
    const attach = new Map<string, Row[]>();
    const netIds = rows.map((r) => String(r.id));
    for (let i = 0; i < netIds.length; i += 500) {
      const part: Row[] = await k('network_attachments')
        .whereIn('network', netIds.slice(i, i + 500))
        .orderBy(['network', 'container_name', 'runtime_id']);
      for (const a of part) attach.set(String(a.network), [...(attach.get(String(a.network)) ?? []), a]);
    }
    const entityOf = new Map<string, string>();
    for (const r of rows)
      for (const a of attach.get(String(r.id)) ?? [])
        entityOf.set(`${r.cluster}/${a.runtime_id}`, ids.containerId(String(r.cluster), String(a.runtime_id)));
    const containers = new Map<string, Row>();
    const wanted = [...new Set(entityOf.values())];
    for (let i = 0; i < wanted.length; i += 500) {
      const part: Row[] = await k('containers')
        .whereIn('id', wanted.slice(i, i + 500))
        .select('id', 'name', 'state', 'gone_at');
      for (const c of part) containers.set(String(c.id), c);
    }
    return rows.map((r) => ({
      id: String(r.id),
      networkId: String(r.network_id),
      name: String(r.name),
      driver: String(r.driver),
      scope: String(r.scope),
      internal: !!r.internal,
      predefined: isPredefined(String(r.name)),
      ipam: parse(r.ipam, []),
      labels: parse(r.labels, {}),
      createdAt: r.created_at == null ? null : Number(r.created_at),
      clusterName: String(r.cluster),
      nodeId: String(r.node_id),
      nodeName: String(r.node),
      lastSeen: Number(r.last_seen),
      containers: (attach.get(String(r.id)) ?? []).map((a) => {
        const eid = entityOf.get(`${r.cluster}/${a.runtime_id}`)!;
        const c = containers.get(eid);
        return {
          runtimeId: String(a.runtime_id),
          containerId: c ? eid : null,
          name: c ? String(c.name) : String(a.container_name),
          state: c ? (c.gone_at != null ? 'gone' : String(c.state)) : null,
          ipv4: String(a.ipv4),
          ipv6: String(a.ipv6),
          mac: String(a.mac),
        };
      }),
    }));
  }

  /** One network in the caller's scope (404 otherwise, as if it did not exist). */
  private async network(scope: Scope, id: string): Promise<api.NetworkRow> {
    const r = await applyNodeScope(
      this.db.knex('networks as w').where('w.id', id).select('w.*'),
      scope,
      NET_COLS
    ).first();
    if (!r) throw new NotFoundError(`network ${id} not found`);
    return (await this.shape([r]))[0];
  }

  /**
   * Queues `network.create` on a Docker node in scope (404 otherwise). Refuses (409) a node that is
   * not on Docker, a name a network of that node already has, or one a create not yet finished
   * asks for.
   */
  async create(caller: Caller, b: api.NetworkCreateRequest): Promise<api.Action> {
    const k = this.db.knex;
    const node = await applyNodeScope(
      k('nodes as n')
        .join('clusters as cl', 'cl.id', 'n.cluster_id')
        .where({ 'cl.name': b.cluster, 'n.name': b.node })
        .select('n.id', 'n.name', 'cl.name as cluster', 'cl.kind'),
      caller.scope,
      { clusterName: 'cl.name', nodeName: 'n.name' }
    ).first();
    if (!node) throw new NotFoundError(`node ${b.node} of cluster ${b.cluster} not found`);
    if (node.kind !== 'docker')
      throw new AccessError(409, `networks can be created on Docker hosts only (${b.cluster} is ${node.kind})`);
    const existing = await k('networks').where({ node_id: node.id, name: b.name }).first('network_id');
    if (existing)
      throw new AccessError(
        409,
        `a network named ${b.name} already exists on ${b.node} (${String(existing.network_id).slice(0, 12)})`
      );
    const pending = await k('actions')
      .where({ kind: 'network.create', cluster: b.cluster, node: b.node, container_name: b.name })
      .whereIn('state', ['queued', 'running'])
      .first('id');
    if (pending)
      throw new AccessError(409, `a create of network ${b.name} on ${b.node} is already under way (${pending.id})`);
    return this.actions.queue(actorOf(caller), {
      kind: 'network.create',
      target: { network: b.name },
      targetName: b.name,
      options: {
        ...(b.driver !== undefined ? { driver: b.driver } : {}),
        ...(b.subnet !== undefined ? { subnet: b.subnet } : {}),
        ...(b.internal !== undefined ? { internal: b.internal } : {}),
      },
      expiresInSeconds: b.expiresInSeconds,
      cluster: b.cluster,
      node: b.node,
      namespace: null,
      audit: { action: 'network.create', entityType: 'node', entityId: String(node.id) },
    });
  }

  /**
   * Queues `network.remove` for a network in scope. Refuses (409) the predefined networks and a
   * network with containers attached: Docker refuses both ("has active endpoints"), and its API
   * has no force for networks, so the caller disconnects them first.
   */
  async remove(caller: Caller, id: string, expiresInSeconds = 120): Promise<api.Action> {
    const n = await this.network(caller.scope, id);
    if (n.predefined) throw new AccessError(409, `${n.name} is a pre-defined network; Docker does not remove it`);
    if (n.containers.length)
      throw new AccessError(
        409,
        `network ${n.name} has ${n.containers.length} container(s) attached (${n.containers
          .slice(0, 5)
          .map((c) => c.name)
          .join(', ')}); disconnect them first`
      );
    return this.actions.queue(actorOf(caller), {
      kind: 'network.remove',
      target: { network: n.networkId },
      targetName: n.name,
      options: {},
      expiresInSeconds,
      cluster: n.clusterName,
      node: n.nodeName,
      namespace: null,
      audit: { action: 'network.remove', entityType: 'network', entityId: n.id },
    });
  }

  /** Queues `network.connect` of a container of the network's node (both in scope) that is not attached yet. */
  async connect(caller: Caller, id: string, b: api.NetworkConnectRequest): Promise<api.Action> {
    return this.attach(caller, id, b.container, 'network.connect', {}, b.expiresInSeconds);
  }

  /** Queues `network.disconnect` of a container attached to the network (both in scope). */
  async disconnect(caller: Caller, id: string, b: api.NetworkDisconnectRequest): Promise<api.Action> {
    return this.attach(
      caller,
      id,
      b.container,
      'network.disconnect',
      b.force ? { force: true } : {},
      b.expiresInSeconds
    );
  }

  private async attach(
    caller: Caller,
    id: string,
    containerId: string,
    kind: 'network.connect' | 'network.disconnect',
    options: { force?: boolean },
    expiresInSeconds: number
  ): Promise<api.Action> {
    const n = await this.network(caller.scope, id);
    const c = await applyScope(
      this.db
        .knex('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .where('c.id', containerId)
        .select('c.id', 'c.runtime_id', 'c.name', 'c.gone_at', 'c.node_id', 'n.name as node', 'cl.name as cluster'),
      caller.scope,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    ).first();
    if (!c) throw new NotFoundError(`container ${containerId} not found`);
    if (c.node_id !== n.nodeId)
      throw new AccessError(409, `container ${c.name} runs on ${c.node}, network ${n.name} is on ${n.nodeName}`);
    if (c.gone_at != null) throw new AccessError(409, `container ${c.name} is gone (no longer reported by its agent)`);
    const attached = n.containers.some((x) => x.runtimeId === c.runtime_id);
    if (kind === 'network.connect' && attached)
      throw new AccessError(409, `container ${c.name} is already connected to ${n.name}`);
    if (kind === 'network.disconnect' && !attached)
      throw new AccessError(409, `container ${c.name} is not connected to ${n.name}`);
    return this.actions.queue(actorOf(caller), {
      kind,
      target: { network: n.networkId, containerId: String(c.runtime_id) },
      targetName: `${n.name}/${c.name}`,
      options,
      expiresInSeconds,
      cluster: n.clusterName,
      node: n.nodeName,
      namespace: null,
      containerEntityId: String(c.id),
      audit: { action: kind, entityType: 'network', entityId: n.id },
    });
  }

  /**
   * The NetworkPolicies of a pod's namespace whose podSelector selects the pod's labels (the
   * labels its containers carry, from the kubelet's pod list). 404 for a pod not in scope.
   */
  async podPolicies(scope: Scope, uid: string): Promise<api.PodNetworkPoliciesReply> {
    const k = this.db.knex;
    const pod = await applyScope(
      k('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .where('c.pod_uid', uid)
        .select('c.pod', 'c.namespace', 'c.labels', 'c.cluster_id', 'cl.name as cluster')
        .orderBy('c.last_seen', 'desc'),
      scope,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    ).first();
    if (!pod) throw new NotFoundError('pod not found'); // the uid is not echoed: pod uids can carry names
    const labels = parse<Record<string, string>>(pod.labels, {});
    const reported = await k('network_inventories').where('subject', `policies:${pod.cluster_id}`).first('ts');
    const rows: Row[] = await k('network_policies')
      .where({ cluster_id: pod.cluster_id, namespace: pod.namespace })
      .orderBy('name');
    const items = rows
      .map((r) => ({
        namespace: String(r.namespace),
        name: String(r.name),
        podSelector: parse<LabelSelector>(r.pod_selector, { matchLabels: {}, matchExpressions: [] }),
        policyTypes: parse<('Ingress' | 'Egress')[]>(r.policy_types, []),
        ingressRules: Number(r.ingress_rules),
        egressRules: Number(r.egress_rules),
        createdAt: r.created_at == null ? null : Number(r.created_at),
      }))
      .filter((p) => selects(p.podSelector, labels));
    return {
      pod: { uid, name: String(pod.pod), namespace: String(pod.namespace), clusterName: String(pod.cluster), labels },
      policiesReported: !!reported,
      items,
    };
  }
}

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  AgentStatus,
  EXECUTOR_OF,
  type ActionKind,
  type ActionOptions,
  type ActionTarget,
  type ContainerAction,
  type IngestBatch,
  type api,
} from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import { AccessError } from './access';
import { actorOf, type Actor, type AuditLog } from './access/audit';
import type { Caller } from './access/errors';
import { NotFoundError } from './context';
import { AbsenceCache } from './absence-cache';
import { isLivePush } from './live-push';
import { applyScope, type Scope } from './scope';

type Row = Record<string, unknown>;

/** Scope columns of the actions table (copied from the container when it was asked for). */
const SCOPE_COLS = { clusterName: 'a.cluster', nodeName: 'a.node', namespace: 'a.namespace' };

/** Most actions handed to one agent in one reply (the wire allows 100). */
const MAX_PER_REPLY = 20;
/** How long a push may trust that its cluster had no queued action (another replica's new one waits that long). */
const NONE_QUEUED_MS = 1000;

/** Settings of the action queue. */
export interface ActionSettings {
  /**
   * A push whose batch was sent longer ago than this is a replay from the agent's spool: its reply
   * carries no actions (the agent's live pushes will).
   */
  livePushSeconds: number;
  /** Seconds after its expiry that an action handed out but never reported is marked expired. */
  resultGraceSeconds: number;
}

const parseJson = <T extends object>(s: unknown): T => {
  if (s === null || s === undefined) return {} as T;
  try {
    return JSON.parse(String(s)) as T;
  } catch {
    return {} as T;
  }
};
const parseOptions = (s: unknown) => parseJson<ActionOptions>(s);

/** The target of a stored row: its JSON, or for the container rows of migration 0011 the runtime id. */
function targetOf(r: Row): ActionTarget {
  const t = parseJson<ActionTarget>(r.target);
  if (!t.containerId && r.runtime_id) t.containerId = String(r.runtime_id);
  return t;
}

/**
 * What a service queues once it has decided the caller may act on the target (found it in the
 * caller's scope): the kind, target and options, where the action runs (cluster, and node for
 * node-agent kinds), the namespace scoped reads use, and the audit entry's entity.
 */
export interface QueueSpec {
  kind: ActionKind;
  target: ActionTarget;
  /** The target as a person reads it (container name, "project/service", network, "namespace/Kind/name"). */
  targetName: string;
  options: ActionOptions;
  expiresInSeconds: number;
  cluster: string;
  /** The node whose agent runs it; ignored ('') for cluster-agent kinds. */
  node: string;
  namespace: string | null;
  /** The container's entity id, for container kinds and network connect/disconnect. */
  containerEntityId?: string;
  /** The audit entry: its action name (e.g. `container.stop`), entity type and entity id. */
  audit: { action: string; entityType: string; entityId: string };
}

/** The columns of a Kubernetes container that its restart (pod.delete) needs. */
interface PodContainerRow {
  id: string;
  name: string;
  namespace: string | null;
  pod: string | null;
  workload_kind: string | null;
  node: string;
  cluster: string;
}

/** A stored row as the API shows it; a queued action past its expiry reads expired before the sweep marks it. */
export function toAction(r: Row, now: number): api.Action {
  const expiresAt = Number(r.expires_at);
  const lapsed = r.state === 'queued' && expiresAt <= now;
  const kind = r.kind as api.Action['kind'];
  return {
    id: String(r.id),
    kind,
    executor: r.executor === 'cluster' ? 'cluster' : EXECUTOR_OF[kind] === 'cluster' ? 'cluster' : 'node',
    target: targetOf(r),
    targetName: String(r.container_name),
    containerId: String(r.container_id),
    runtimeId: String(r.runtime_id),
    containerName: String(r.container_name),
    clusterName: String(r.cluster),
    nodeName: String(r.node),
    namespace: (r.namespace as string | null) ?? null,
    options: parseOptions(r.options),
    state: lapsed ? 'expired' : (r.state as api.ActionState),
    message: lapsed ? 'no agent picked it up before it expired' : ((r.message as string | null) ?? null),
    requestedBy: String(r.requested_by),
    requestedAt: Number(r.requested_at),
    pickedAt: r.picked_at == null ? null : Number(r.picked_at),
    finishedAt: r.finished_at == null ? null : Number(r.finished_at),
    expiresAt,
  };
}

/**
 * Container actions (issue 15; decision 32): queued by editors and admins within their scope,
 * handed to the agent of the container's node in the reply to its push (each at most once),
 * finished by the result that agent reports, expired when no agent takes it in time. Every
 * request and every result is audited.
 */
export class ActionsService {
  /** Clusters with no queued action a moment ago: most pushes then read nothing (decision 39). */
  private readonly noneQueued = new AbsenceCache(NONE_QUEUED_MS, () => this.now() * 1000);

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly settings: ActionSettings,
    private readonly now: () => number
  ) {}

  /**
   * Queues an action on a container the caller may see (404 otherwise, as if it did not exist).
   * The route has already refused viewers (403). Refuses (409) a container that is gone. On
   * Kubernetes only `restart` exists: it queues `pod.delete` for the cluster agent (decision 38).
   */
  async request(caller: Caller, containerId: string, input: api.ContainerActionRequest): Promise<api.Action> {
    const c = await applyScope(
      this.db
        .knex('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .where('c.id', containerId)
        .select('c.id', 'c.runtime_id', 'c.name', 'c.namespace', 'c.gone_at', 'n.name as node', 'cl.name as cluster')
        .select('cl.kind as cluster_kind', 'c.pod', 'c.workload_kind'),
      caller.scope,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    ).first();
    if (!c) throw new NotFoundError(`container ${containerId} not found`);
    if (c.gone_at != null) throw new AccessError(409, `container ${c.name} is gone (no longer reported by its agent)`);
    if (c.cluster_kind === 'kubernetes') return this.queuePodDelete(caller, c, input);
    if (c.cluster_kind !== 'docker')
      throw new AccessError(409, `actions on ${c.cluster_kind} containers are not available yet (Docker only)`);
    return this.queue(actorOf(caller), {
      kind: input.kind,
      target: { containerId: c.runtime_id },
      targetName: c.name,
      options: input.options,
      expiresInSeconds: input.expiresInSeconds,
      cluster: c.cluster,
      node: c.node,
      namespace: c.namespace ?? null,
      containerEntityId: c.id,
      audit: { action: `container.${input.kind}`, entityType: 'container', entityId: c.id },
    });
  }

  /**
   * A Kubernetes container's restart: delete its pod so that its controller recreates it, run by
   * the cluster agent (decision 38). Refuses (409) the other kinds, which Kubernetes does not have,
   * and a pod without a controller, which would not come back.
   */
  private async queuePodDelete(
    caller: Caller,
    c: PodContainerRow,
    input: api.ContainerActionRequest
  ): Promise<api.Action> {
    if (input.kind !== 'restart')
      throw new AccessError(
        409,
        `cannot ${input.kind} a Kubernetes container: stop, pause and remove are not Kubernetes operations: restart deletes the pod so that its controller recreates it; scale its workload instead`
      );
    if (input.options.timeoutSeconds !== undefined)
      throw new AccessError(
        409,
        "timeoutSeconds does not apply on Kubernetes: the pod's terminationGracePeriodSeconds does"
      );
    if (!c.pod || !c.namespace || c.workload_kind == null || c.workload_kind === 'Pod')
      throw new AccessError(
        409,
        `pod ${c.namespace ?? ''}/${c.pod ?? c.name} has no controller: deleting it would not bring it back`
      );
    return this.queue(actorOf(caller), {
      kind: 'pod.delete',
      target: { namespace: c.namespace, name: c.pod },
      targetName: `${c.namespace}/${c.pod}`,
      options: {},
      expiresInSeconds: input.expiresInSeconds,
      cluster: c.cluster,
      node: c.node,
      namespace: c.namespace,
      containerEntityId: c.id,
      audit: { action: 'pod.delete', entityType: 'container', entityId: c.id },
    });
  }

  /**
   * Queues an action the calling service has already allowed (target found in the caller's
   * scope), audited in the same transaction. Refuses (409) a kind the executing agent reported it
   * does not run (FLEETLENS_ACTIONS), naming the agent; an agent that never said is trusted to
   * refuse it itself. Pass `trx` to queue inside the caller's own transaction.
   */
  async queue(actor: Actor, spec: QueueSpec, trx?: Knex.Transaction): Promise<api.Action> {
    const now = this.now();
    const executor = EXECUTOR_OF[spec.kind];
    const node = executor === 'cluster' ? '' : spec.node;
    await this.refuseDisallowed(spec.kind, spec.cluster, node, trx);
    const row = {
      id: randomUUID(),
      kind: spec.kind,
      executor,
      target: JSON.stringify(spec.target),
      container_id: spec.containerEntityId ?? '',
      runtime_id: spec.target.containerId ?? '',
      container_name: spec.targetName.slice(0, 512),
      cluster: spec.cluster,
      node,
      namespace: spec.namespace,
      options: JSON.stringify(spec.options),
      state: 'queued',
      message: null,
      requested_by: actor.actor.slice(0, 320),
      requested_at: now,
      agent_id: null,
      picked_at: null,
      finished_at: null,
      expires_at: now + spec.expiresInSeconds,
    };
    const action = toAction(row, now);
    const write = async (t: Knex.Transaction) => {
      await t('actions').insert(row);
      await this.audit.record(t, actor, spec.audit.action, spec.audit.entityType, spec.audit.entityId, null, action);
    };
    if (trx) await write(trx);
    else await this.db.knex.transaction(write);
    this.noneQueued.forget(spec.cluster);
    return action;
  }

  /** 409 when the agent that would run `kind` reported the kinds it runs and this is not one of them. */
  private async refuseDisallowed(kind: ActionKind, cluster: string, node: string, trx?: Knex.Transaction) {
    const k = trx ?? this.db.knex;
    const q = k('agents as a').join('clusters as c', 'c.id', 'a.cluster_id').where('c.name', cluster);
    if (node) q.where({ 'a.mode': 'node', 'a.hostname': node });
    else q.where('a.mode', 'cluster');
    const agents: Row[] = await q.select('a.id', 'a.status');
    if (!agents.length) return; // not reported yet: the action waits for it, or expires
    const allowedBy = agents.map((a) => {
      const st = AgentStatus.safeParse(parseJson(a.status));
      return { id: String(a.id), allowed: st.success ? st.data.allowedActions : undefined };
    });
    if (allowedBy.some((a) => a.allowed === undefined || a.allowed.includes(kind))) return;
    throw new AccessError(
      409,
      `the agent ${allowedBy.map((a) => a.id).join(', ')} does not run "${kind}" actions ` +
        `(its FLEETLENS_ACTIONS allows ${allowedBy[0].allowed!.join(', ') || 'none'})`
    );
  }

  /** One action in the caller's scope (404 otherwise). */
  async get(scope: Scope, id: string): Promise<api.Action> {
    const r = await applyScope(this.db.knex('actions as a').where('a.id', id).select('a.*'), scope, SCOPE_COLS).first();
    if (!r) throw new NotFoundError(`action ${id} not found`);
    return toAction(r, this.now());
  }

  /** Actions in the caller's scope, newest first, by container and state. */
  async list(scope: Scope, q: api.ActionListQuery): Promise<api.ActionListReply> {
    const now = this.now();
    const qb = applyScope(this.db.knex('actions as a').select('a.*'), scope, SCOPE_COLS);
    if (q.container) qb.where('a.container_id', q.container);
    if (q.kind?.length) qb.whereIn('a.kind', q.kind);
    const rows = await qb
      .orderBy('a.requested_at', 'desc')
      .orderBy('a.id')
      .limit(q.state ? 5000 : q.limit);
    // State is filtered after shaping: a queued action past its expiry is listed as expired.
    const items = rows
      .map((r: Row) => toAction(r, now))
      .filter((a: api.Action) => !q.state || q.state.includes(a.state));
    return { items: items.slice(0, q.limit) };
  }

  /**
   * The actions for the agent that sent `batch`: queued, unexpired, for its node (a node agent)
   * or its cluster's Kubernetes API (the cluster agent). Each is marked running (handed to this
   * agent) by a conditional update that only one push can win, so an action is handed out once
   * even when two pushes race; a replayed batch (sent more than `livePushSeconds` ago) gets none.
   */
  async forAgent(batch: IngestBatch, now: number): Promise<ContainerAction[]> {
    if (!isLivePush(batch, now, this.settings.livePushSeconds)) return [];
    const knex = this.db.knex;
    const cluster = batch.cluster.name;
    if (this.noneQueued.absent(cluster)) return [];
    const any = await knex('actions').where({ cluster, state: 'queued' }).where('expires_at', '>', now).first('id');
    if (!any) {
      this.noneQueued.remember(cluster);
      return [];
    }
    const mine =
      batch.agent.mode === 'node'
        ? { cluster: batch.cluster.name, node: batch.agent.hostname, executor: 'node', state: 'queued' }
        : { cluster: batch.cluster.name, executor: 'cluster', state: 'queued' };
    const candidates = await knex('actions')
      .where(mine)
      .where('expires_at', '>', now)
      .orderBy('requested_at')
      .limit(MAX_PER_REPLY)
      .select('id', 'kind', 'runtime_id', 'target', 'options', 'expires_at');
    const out: ContainerAction[] = [];
    for (const c of candidates) {
      const won = await knex('actions')
        .where({ id: c.id, state: 'queued' })
        .update({ state: 'running', agent_id: batch.agent.id, picked_at: now });
      if (won !== 1) continue;
      const target = targetOf(c);
      out.push({
        id: c.id,
        kind: c.kind,
        ...(target.containerId ? { containerId: target.containerId } : {}),
        target,
        options: parseOptions(c.options),
        expiresAt: Number(c.expires_at),
      });
    }
    return out;
  }

  /**
   * Applies the batch's action results within the ingest transaction: only results for actions
   * handed to this agent (same id, cluster and agent) that have not finished yet, each audited once
   * (a replayed batch changes nothing). Returns how many were applied.
   */
  async applyResults(trx: Knex.Transaction, batch: IngestBatch): Promise<number> {
    let applied = 0;
    for (const r of batch.actionResults) {
      if (r.state === 'running') continue; // already running since it was handed out
      const q = () =>
        trx('actions')
          .where({ id: r.id, cluster: batch.cluster.name, agent_id: batch.agent.id })
          .whereIn('state', ['running', 'expired']);
      const before = await q().first('kind', 'container_id', 'container_name', 'state');
      if (!before) continue;
      const n = await q().update({ state: r.state, message: r.message || null, finished_at: r.ts });
      if (n !== 1) continue;
      applied++;
      await this.audit.record(
        trx,
        { actor: `agent:${batch.agent.id}`.slice(0, 254), actorId: null },
        `${before.kind.includes('.') ? before.kind : `container.${before.kind}`}.result`,
        'container-action',
        r.id,
        { state: before.state },
        { state: r.state, message: r.message, containerId: before.container_id, target: before.container_name }
      );
    }
    return applied;
  }

  /**
   * The expiry sweep (a leader job): queued actions past their expiry, and actions handed out but
   * not reported `resultGraceSeconds` after it, become expired with the reason.
   */
  async expire(now: number): Promise<number> {
    const knex = this.db.knex;
    const queued = await knex('actions')
      .where('state', 'queued')
      .where('expires_at', '<=', now)
      .update({ state: 'expired', finished_at: now, message: 'no agent picked it up before it expired' });
    const unreported = await knex('actions')
      .where('state', 'running')
      .where('expires_at', '<=', now - this.settings.resultGraceSeconds)
      .update({
        state: 'expired',
        finished_at: now,
        message: 'handed to the agent, which reported no result (outcome unknown)',
      });
    return queued + unreported;
  }
}

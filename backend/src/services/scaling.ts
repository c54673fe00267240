import {
  RestartableWorkloadKind,
  ScalableWorkloadKind,
  api,
  type ActionKind,
  type ActionOptions,
} from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import { AccessError, actorOf, type Caller } from './access';
import type { ActionsService } from './actions';
import { InvalidFieldsError } from './alerts';
import { NotFoundError } from './context';
import type { KubernetesQueries } from './kubernetes';
import { applyScope, narrow, type Scope } from './scope';
import { parseLabels } from './shapes';

type Row = Record<string, unknown>;

const PROJECT = 'com.docker.compose.project';
const SERVICE = 'com.docker.compose.service';
const NUMBER = 'com.docker.compose.container-number';
const ONEOFF = 'com.docker.compose.oneoff';

/**
 * Manual scaling (issue 15; decision 35): Compose services read from Docker containers' labels,
 * and the scale and restart requests, each checked against the caller's scope (404 outside it, as
 * if it did not exist) and queued through ActionsService (audited there) for the agent that runs
 * it: the host's node agent for Compose, the cluster agent for Kubernetes workloads.
 */
export class ScalingService {
  constructor(
    private readonly db: Db,
    private readonly actions: ActionsService,
    private readonly kubernetes: KubernetesQueries
  ) {}

  /** Compose services on Docker hosts in scope: one per (cluster, node, project, service). */
  async composeServices(scope: Scope, q: api.ComposeServiceListQuery): Promise<api.ComposeServiceListReply> {
    const s = narrow(scope, { clusters: q.cluster, nodes: q.node });
    const rows: Row[] = await applyScope(
      this.db
        .knex('containers as c')
        .join('nodes as n', 'n.id', 'c.node_id')
        .join('clusters as cl', 'cl.id', 'c.cluster_id')
        .where('cl.kind', 'docker')
        .whereNull('c.gone_at')
        // A cheap first cut in SQL (labels are a JSON text column); the labels decide below.
        .where('c.labels', 'like', `%${SERVICE}%`)
        .select('c.id', 'c.image', 'c.state', 'c.labels', 'c.created_at', 'n.name as node', 'cl.name as cluster'),
      s,
      { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
    );
    const groups = new Map<string, { svc: api.ComposeService; members: { row: Row; n: number }[] }>();
    for (const r of rows) {
      const labels = parseLabels(r.labels);
      const project = labels[PROJECT];
      const service = labels[SERVICE];
      if (!project || !service || labels[ONEOFF] === 'True') continue;
      const key = JSON.stringify([r.cluster, r.node, project, service]);
      let g = groups.get(key);
      if (!g) {
        const svc = { clusterName: String(r.cluster), nodeName: String(r.node), project, service };
        g = { svc: { ...svc, running: 0, total: 0, containerIds: [], image: '' }, members: [] };
        groups.set(key, g);
      }
      g.members.push({ row: r, n: Number.parseInt(labels[NUMBER] ?? '', 10) || 0 });
    }
    const items = [...groups.values()].map(({ svc, members }) => {
      // Oldest first, as the agent orders them (lowest container number, then earliest created).
      members.sort((a, b) => a.n - b.n || Number(a.row.created_at ?? 0) - Number(b.row.created_at ?? 0));
      return {
        ...svc,
        running: members.filter((m) => m.row.state === 'running').length,
        total: members.length,
        containerIds: members.map((m) => String(m.row.id)),
        image: String(members[members.length - 1].row.image),
      };
    });
    items.sort(
      (a, b) =>
        a.clusterName.localeCompare(b.clusterName) ||
        a.nodeName.localeCompare(b.nodeName) ||
        a.project.localeCompare(b.project) ||
        a.service.localeCompare(b.service)
    );
    return { items };
  }

  /** Queues compose.scale for a Compose service in the caller's scope (404 otherwise; 400 for too large a step). */
  async scaleCompose(caller: Caller, body: api.ComposeScaleRequest): Promise<api.Action> {
    const { items } = await this.composeServices(caller.scope, { cluster: [body.cluster], node: [body.node] });
    const svc = items.find((i) => i.project === body.project && i.service === body.service);
    const what = `${body.project}/${body.service}`;
    if (!svc) throw new NotFoundError(`Compose service ${what} on ${body.node} (${body.cluster}) not found`);
    refuseLargeStep(body.replicas, svc.total, `${what} has ${svc.total} containers`);
    return this.actions.queue(actorOf(caller), {
      kind: 'compose.scale',
      target: { project: body.project, service: body.service },
      targetName: what,
      options: { replicas: body.replicas },
      expiresInSeconds: body.expiresInSeconds,
      cluster: svc.clusterName,
      node: svc.nodeName,
      namespace: null,
      audit: {
        action: 'compose.scale',
        entityType: 'compose-service',
        entityId: `${svc.clusterName}/${svc.nodeName}/${what}`,
      },
    });
  }

  /** Queues workload.scale for a Deployment or StatefulSet in scope (404 otherwise, 409 for other kinds). */
  async scaleWorkload(caller: Caller, id: string, body: api.WorkloadScaleRequest): Promise<api.Action> {
    const w = await this.workloadOf(caller, id, 'workload.scale');
    if (w.desiredReplicas !== null)
      refuseLargeStep(body.replicas, w.desiredReplicas, `${w.name} wants ${w.desiredReplicas}`);
    return this.queueWorkload(caller, w, 'workload.scale', { replicas: body.replicas }, body.expiresInSeconds);
  }

  /** Queues workload.restart (a rollout restart) for a Deployment, StatefulSet or DaemonSet in scope. */
  async restartWorkload(caller: Caller, id: string, body: api.WorkloadRestartRequest): Promise<api.Action> {
    const w = await this.workloadOf(caller, id, 'workload.restart');
    return this.queueWorkload(caller, w, 'workload.restart', {}, body.expiresInSeconds);
  }

  /** The workload in the caller's scope (404) whose kind the action takes (409 otherwise). */
  private async workloadOf(caller: Caller, id: string, kind: 'workload.scale' | 'workload.restart') {
    const w = await this.kubernetes.workload(caller.scope, id);
    const kinds = kind === 'workload.scale' ? ScalableWorkloadKind : RestartableWorkloadKind;
    if (!kinds.safeParse(w.kind).success)
      throw new AccessError(
        409,
        `a ${w.kind} cannot be ${kind === 'workload.scale' ? 'scaled' : 'restarted'} (${kinds.options.join(', ')} only)`
      );
    return w;
  }

  private queueWorkload(
    caller: Caller,
    w: Pick<api.WorkloadRow, 'id' | 'clusterName' | 'namespace' | 'kind' | 'name'>,
    kind: ActionKind,
    options: ActionOptions,
    expiresInSeconds: number
  ): Promise<api.Action> {
    return this.actions.queue(actorOf(caller), {
      kind,
      target: { namespace: w.namespace, workloadKind: w.kind as RestartableWorkloadKind, name: w.name },
      targetName: `${w.namespace}/${w.kind}/${w.name}`,
      options,
      expiresInSeconds,
      cluster: w.clusterName,
      node: '',
      namespace: w.namespace,
      audit: { action: kind, entityType: 'workload', entityId: w.id },
    });
  }
}

/** 400 naming `replicas` when a request would add more than MAX_SCALE_UP_STEP replicas at once. */
function refuseLargeStep(replicas: number, current: number, context: string): void {
  if (replicas - current > api.MAX_SCALE_UP_STEP)
    throw new InvalidFieldsError([
      {
        path: 'replicas',
        message: `at most ${api.MAX_SCALE_UP_STEP} more at once (${context}); scale up in steps`,
      },
    ]);
}

import type { api, ProbeDefinition } from '@fleetlens/protocol';
import { RE2JS } from 're2js';
import type { Db } from '../db/connection';
import * as ids from '../db/ids';
import { InvalidFieldsError, newId } from './alerts/common';
import { AbsenceCache } from './absence-cache';
import { NotFoundError } from './context';
import { FULL_SCOPE, type Scope } from './scope';

type Row = Record<string, unknown>;

/** Most definitions per cluster: the most one ingest reply hands an agent (IngestReply.probes max). */
export const MAX_PER_CLUSTER = 1000;
interface FieldIssue {
  path: string;
  message: string;
}

/** A live agent a definition can be handed to. */
interface LiveAgent {
  id: string;
  clusterId: string;
  mode: string;
  hostname: string;
}

/** Issues of a probe's target and body match: an http(s) URL or host:port for tcp; an RE2 pattern. */
export function definitionIssues(input: api.ProbeDefinitionInput): FieldIssue[] {
  const out: FieldIssue[] = [];
  if (input.kind === 'http') {
    let url: URL | null = null;
    try {
      url = new URL(input.target);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
      out.push({
        path: 'target',
        message: 'an http:// or https:// URL with a host, e.g. https://shop.example:8443/health',
      });
  } else {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(input.target);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      out.push({ path: 'target', message: 'host:port for a tcp probe, e.g. db.internal:5432 (port 1–65535)' });
    if (input.bodyMatch !== null) out.push({ path: 'bodyMatch', message: 'only http probes read a body' });
    if (input.expectStatus !== null) out.push({ path: 'expectStatus', message: 'only http probes have a status' });
  }
  if (input.bodyMatch !== null) {
    try {
      RE2JS.compile(input.bodyMatch);
    } catch (err) {
      out.push({ path: 'bodyMatch', message: `not an RE2 pattern: ${(err as Error).message}` });
    }
  }
  if (input.expectStatus !== null)
    for (const part of input.expectStatus.split(',')) {
      const [lo, hi = lo] = part.split('-').map((x) => Number(x.trim()));
      if (lo < 100 || hi > 599 || lo > hi)
        out.push({ path: 'expectStatus', message: `"${part.trim()}" is not a status or range within 100–599` });
    }
  if (input.timeoutSeconds >= input.intervalSeconds)
    out.push({ path: 'timeoutSeconds', message: `must be shorter than intervalSeconds (${input.intervalSeconds})` });
  return out;
}

/** The fields of a definition outside the caller's scope (cluster, namespace, node), as 400 issues. */
export function scopeIssues(input: Pick<api.ProbeDefinitionInput, 'cluster' | 'nodeName' | 'service'>, scope: Scope) {
  const out: FieldIssue[] = [];
  if (scope.clusters !== null && !scope.clusters.includes(input.cluster))
    out.push({ path: 'cluster', message: `cluster "${input.cluster}" is outside your scope` });
  if (
    scope.namespaces !== null &&
    (input.service.namespace === null || !scope.namespaces.includes(input.service.namespace))
  )
    out.push({
      path: 'service.namespace',
      message: 'your scope allows only services in the namespaces ' + scope.namespaces.join(', '),
    });
  if (scope.nodes !== null && (input.nodeName === null || !scope.nodes.includes(input.nodeName)))
    out.push({ path: 'nodeName', message: 'your scope allows only probes run by the nodes ' + scope.nodes.join(', ') });
  return out;
}

/** How long a push may trust that its cluster had no definitions (another replica's new one waits that long). */
const NO_DEFINITIONS_MS = 5000;

/**
 * Probes editors define (issue 16; decision 29) and which agent runs each: the agent of the
 * definition's node, or, without one, one live agent of the cluster chosen deterministically (the
 * cluster agent, else the node agent with the smallest node name). An agent is live while its
 * newest batch is younger than the silent cut-off (decision 26), so a definition moves when its
 * agent falls silent and back when it returns. Scoped like the rules: a restricted caller sees and
 * changes only definitions whose cluster, namespace and node its scope allows.
 */
export class ProbeDefinitions {
  /** Clusters without definitions a moment ago: most pushes then read nothing (decision 39). */
  private readonly noDefinitions = new AbsenceCache(NO_DEFINITIONS_MS, () => this.now() * 1000);

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** Seconds after an agent's newest batch until it is silent. */
    private readonly liveForSeconds: number
  ) {}

  private get knex() {
    return this.db.knex;
  }

  /** Live agents of the clusters, newest first. */
  private async liveAgents(clusterIds: string[]): Promise<LiveAgent[]> {
    if (!clusterIds.length) return [];
    const rows: Row[] = await this.knex('agents')
      .whereIn('cluster_id', clusterIds)
      .where('last_seen', '>=', this.now() - this.liveForSeconds)
      .select('id', 'cluster_id', 'mode', 'hostname');
    return rows.map((r) => ({
      id: String(r.id),
      clusterId: String(r.cluster_id),
      mode: String(r.mode),
      hostname: String(r.hostname),
    }));
  }

  /** Per enabled definition id, the live agent it is handed to (absent: none runs it now). */
  private async assign(defs: Row[]): Promise<Map<string, LiveAgent>> {
    const agents = await this.liveAgents([...new Set(defs.map((d) => String(d.cluster_id)))]);
    const byCluster = new Map<string, LiveAgent | undefined>();
    const byNode = new Map<string, LiveAgent>();
    const byName = (a: LiveAgent, b: LiveAgent) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id);
    for (const a of [...agents].sort(byName)) {
      if (a.mode === 'node' && !byNode.has(`${a.clusterId}/${a.hostname}`))
        byNode.set(`${a.clusterId}/${a.hostname}`, a);
    }
    for (const c of new Set(agents.map((a) => a.clusterId))) {
      const mine = agents.filter((a) => a.clusterId === c).sort(byName);
      byCluster.set(c, mine.find((a) => a.mode === 'cluster') ?? mine.find((a) => a.mode === 'node'));
    }
    const out = new Map<string, LiveAgent>();
    for (const d of defs) {
      if (!(d.enabled === true || Number(d.enabled) === 1)) continue; // a disabled probe runs nowhere
      const a = d.node_name ? byNode.get(`${d.cluster_id}/${d.node_name}`) : byCluster.get(String(d.cluster_id));
      if (a) out.set(String(d.id), a);
    }
    return out;
  }

  /** Definitions in scope (optionally of some clusters), by cluster, service and target. */
  async list(scope: Scope, q: { cluster?: string[] } = {}): Promise<api.ProbeDefinitionListReply> {
    const qb = this.knex('probe_definitions');
    if (scope.clusters !== null) qb.whereIn('cluster_name', scope.clusters);
    if (scope.namespaces !== null) qb.whereIn('namespace', scope.namespaces);
    if (scope.nodes !== null) qb.whereIn('node_name', scope.nodes);
    if (q.cluster?.length) qb.whereIn('cluster_name', q.cluster);
    const rows: Row[] = await qb.orderBy(['cluster_name', 'service_name', 'target', 'id']);
    const assigned = await this.assign(rows);
    return { items: rows.map((r) => toRow(r, assigned.get(String(r.id)))) };
  }

  /** One definition in scope (404 otherwise: out of scope looks like absent). */
  async get(scope: Scope, id: string): Promise<api.ProbeDefinitionRow> {
    const row = await this.knex('probe_definitions').where('id', id).first();
    if (!row || scopeIssues(inputOf(row), scope).length) throw new NotFoundError(`probe definition ${id} not found`);
    const assigned = await this.assign([row]);
    return toRow(row, assigned.get(id));
  }

  /** Stores a new definition; 400 naming a bad field or one outside the caller's scope. */
  async create(input: api.ProbeDefinitionInput, createdBy: string | null, scope: Scope = FULL_SCOPE) {
    check(input, scope);
    // The ingest reply carries at most MAX_PER_CLUSTER probes (IngestReply.probes).
    const [{ n }] = await this.knex('probe_definitions')
      .where('cluster_id', ids.clusterId(input.cluster))
      .count({ n: '*' });
    if (Number(n) >= MAX_PER_CLUSTER)
      throw new InvalidFieldsError([
        {
          path: 'cluster',
          message: `cluster "${input.cluster}" already has ${MAX_PER_CLUSTER} defined probes, the most one agent is handed`,
        },
      ]);
    const id = newId();
    const now = this.now();
    await this.knex('probe_definitions').insert({
      id,
      ...columns(input),
      created_by: (createdBy ?? 'service-key').slice(0, 320),
      created_at: now,
      updated_at: now,
    });
    this.noDefinitions.forget(input.cluster);
    return this.get(FULL_SCOPE, id);
  }

  /** Replaces a definition in scope (404 when absent or outside it; 400 when the new one would leave it). */
  async replace(scope: Scope, id: string, input: api.ProbeDefinitionInput) {
    await this.get(scope, id);
    check(input, scope);
    await this.knex('probe_definitions')
      .where('id', id)
      .update({ ...columns(input), updated_at: this.now() });
    this.noDefinitions.forget(input.cluster);
    return this.get(FULL_SCOPE, id);
  }

  /** Deletes a definition in scope (404 when absent or outside it). */
  async remove(scope: Scope, id: string): Promise<void> {
    await this.get(scope, id);
    await this.knex('probe_definitions').where('id', id).delete();
  }

  /** The enabled definitions the agent is to run now (the ingest reply's `probes`). */
  async forAgent(agentId: string, cluster: string): Promise<ProbeDefinition[]> {
    if (this.noDefinitions.absent(cluster)) return [];
    const rows: Row[] = await this.knex('probe_definitions')
      .where('cluster_id', ids.clusterId(cluster))
      .where('enabled', true)
      .orderBy('id');
    if (!rows.length) this.noDefinitions.remember(cluster);
    const assigned = await this.assign(rows);
    return rows
      .filter((r) => assigned.get(String(r.id))?.id === agentId)
      .map((r) => ({
        id: String(r.id),
        service: { namespace: (r.namespace as string | null) ?? null, name: String(r.service_name) },
        kind: r.kind as ProbeDefinition['kind'],
        target: String(r.target),
        method: r.method as ProbeDefinition['method'],
        intervalSeconds: Number(r.interval_seconds),
        timeoutSeconds: Number(r.timeout_seconds),
        expectStatus: (r.expect_status as string | null) ?? null,
        bodyMatch: (r.body_match as string | null) ?? null,
      }));
  }
}

function check(input: api.ProbeDefinitionInput, scope: Scope) {
  const issues = [...scopeIssues(input, scope), ...definitionIssues(input)];
  if (issues.length) throw new InvalidFieldsError(issues);
}

function columns(i: api.ProbeDefinitionInput): Row {
  return {
    cluster_id: ids.clusterId(i.cluster),
    cluster_name: i.cluster,
    node_name: i.nodeName,
    namespace: i.service.namespace,
    service_name: i.service.name,
    kind: i.kind,
    target: i.target,
    method: i.method,
    interval_seconds: i.intervalSeconds,
    timeout_seconds: i.timeoutSeconds,
    expect_status: i.expectStatus,
    body_match: i.bodyMatch,
    enabled: i.enabled,
  };
}

/** The placement fields of a stored definition, as scopeIssues reads them. */
const inputOf = (r: Row) => ({
  cluster: String(r.cluster_name),
  nodeName: (r.node_name as string | null) ?? null,
  service: { namespace: (r.namespace as string | null) ?? null, name: String(r.service_name) },
});

function toRow(r: Row, assigned: LiveAgent | undefined): api.ProbeDefinitionRow {
  return {
    id: String(r.id),
    clusterId: String(r.cluster_id),
    cluster: String(r.cluster_name),
    nodeName: (r.node_name as string | null) ?? null,
    service: { namespace: (r.namespace as string | null) ?? null, name: String(r.service_name) },
    kind: r.kind as api.ProbeDefinitionRow['kind'],
    target: String(r.target),
    method: r.method as api.ProbeDefinitionRow['method'],
    intervalSeconds: Number(r.interval_seconds),
    timeoutSeconds: Number(r.timeout_seconds),
    expectStatus: (r.expect_status as string | null) ?? null,
    bodyMatch: (r.body_match as string | null) ?? null,
    enabled: r.enabled === true || Number(r.enabled) === 1,
    assignedNode: assigned ? assigned.hostname : null,
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

import type { Knex } from 'knex';

/**
 * What a caller may see. `null` lists mean "no restriction on this dimension". Clusters and
 * nodes are by name; namespaces by name (containers outside Kubernetes have none, so a
 * namespace-restricted caller does not see them).
 */
export interface Scope {
  clusters: string[] | null;
  namespaces: string[] | null;
  nodes: string[] | null;
}

/** The scope of a caller that may see everything (admins, the service key without a user). */
export const FULL_SCOPE: Scope = { clusters: null, namespaces: null, nodes: null };

/** Intersects the caller's scope with filters the caller asked for (a filter never widens a scope). */
export function narrow(scope: Scope, filter: Partial<Scope>): Scope {
  const meet = (a: string[] | null, b: string[] | null | undefined) =>
    !b || !b.length ? a : a === null ? b : a.filter((x) => b.includes(x));
  return {
    clusters: meet(scope.clusters, filter.clusters),
    namespaces: meet(scope.namespaces, filter.namespaces),
    nodes: meet(scope.nodes, filter.nodes),
  };
}

/**
 * What two scopes both allow: per dimension, `null` (no restriction) yields the other side, two
 * lists yield the names in both (in the first list's order, without duplicates). Unlike `narrow`,
 * an empty list stays empty (it means "nothing", not "no filter"). Used where a credential (an
 * API key: its owner's scope) and a verified Grafana user each allow a scope and the request may
 * see only what both may.
 */
export function intersectScopes(a: Scope, b: Scope): Scope {
  const meet = (x: string[] | null, y: string[] | null) =>
    x === null
      ? y === null
        ? null
        : [...new Set(y)]
      : y === null
        ? [...new Set(x)]
        : [...new Set(x.filter((v) => y.includes(v)))];
  return {
    clusters: meet(a.clusters, b.clusters),
    namespaces: meet(a.namespaces, b.namespaces),
    nodes: meet(a.nodes, b.nodes),
  };
}

/** Column names the scope applies to in one query; leave out a dimension the query has no column for. */
export interface ScopeColumns {
  clusterName?: string;
  namespace?: string;
  nodeName?: string;
}

/** Adds the scope's WHERE clauses to a query. */
export function applyScope<T extends Knex.QueryBuilder>(qb: T, scope: Scope, cols: ScopeColumns): T {
  if (scope.clusters && cols.clusterName) qb.whereIn(cols.clusterName, scope.clusters);
  if (scope.namespaces && cols.namespace) qb.whereIn(cols.namespace, scope.namespaces);
  if (scope.nodes && cols.nodeName) qb.whereIn(cols.nodeName, scope.nodes);
  return qb;
}

/**
 * Nodes and node-level data (node rows, node samples and their aggregates: cluster and fleet
 * series, heatmap, overview node counts and usage). A node's numbers mix every namespace running
 * on it, so a namespace-restricted caller sees no nodes at all; otherwise clusters and nodes apply.
 */
export function applyNodeScope<T extends Knex.QueryBuilder>(
  qb: T,
  scope: Scope,
  cols: { clusterName: string; nodeName: string }
): T {
  applyScope(qb, scope, cols);
  if (scope.namespaces !== null) qb.whereRaw('1 = 0');
  return qb;
}

/**
 * Clusters: a caller sees a cluster when its cluster list allows it and, when nodes or namespaces
 * are restricted, the cluster holds at least one node (by name) or container (by namespace, on an
 * allowed node) that the caller may see. A cluster never shows up only because it exists.
 */
export function applyClusterScope<T extends Knex.QueryBuilder>(
  qb: T,
  knex: Knex,
  scope: Scope,
  cols: { clusterId: string; clusterName: string }
): T {
  applyScope(qb, scope, { clusterName: cols.clusterName });
  if (scope.namespaces !== null) {
    qb.whereExists(
      applyScope(
        knex('containers as sc')
          .join('nodes as sn', 'sn.id', 'sc.node_id')
          .select(knex.raw('1'))
          .where('sc.cluster_id', knex.ref(cols.clusterId)),
        { clusters: null, namespaces: scope.namespaces, nodes: scope.nodes },
        { namespace: 'sc.namespace', nodeName: 'sn.name' }
      )
    );
  } else if (scope.nodes !== null) {
    qb.whereExists(
      knex('nodes as sn')
        .select(knex.raw('1'))
        .where('sn.cluster_id', knex.ref(cols.clusterId))
        .whereIn('sn.name', scope.nodes)
    );
  }
  return qb;
}

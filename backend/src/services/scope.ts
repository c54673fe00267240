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

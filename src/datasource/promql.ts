import { PROM_METRIC_NAMES } from '@fleetlens/protocol/api/metrics';
import type { EntityKind, FleetlensQuery } from './types';

/**
 * The PromQL that asks the backend's Prometheus-compatible API (docs/prometheus.md) for what a
 * time-series query of this datasource shows, for Grafana alert rules on the built-in Prometheus
 * datasource (this datasource is frontend-only and Grafana alerting cannot run it, decision 14).
 * Each entity's value per interval is `<agg>_over_time` of its samples, members of a pod,
 * namespace, workload or cluster are summed, and a group-by combines entities with the same
 * aggregation, as the datasource does. Undefined for other query types.
 */
export function toPromql(q: FleetlensQuery): string | undefined {
  if ((q.queryType ?? 'timeseries') !== 'timeseries') {
    return undefined;
  }
  const kind: EntityKind = q.kind ?? 'node';
  const family = kind === 'node' || kind === 'cluster' ? 'node' : 'container';
  const names: Record<string, string> = PROM_METRIC_NAMES[family];
  const metric = names[q.metric ?? 'cpuCores'];
  if (!metric) {
    return undefined;
  }
  const agg = q.agg ?? 'avg';
  const matchers = [
    listMatcher('cluster', q.cluster),
    ...(FILTERS[kind].includes('node') ? [listMatcher('node', q.node)] : []),
    ...(FILTERS[kind].includes('namespace') ? [listMatcher('namespace', q.namespace)] : []),
    nameMatcher(NAME_LABEL[kind], q.name),
    // Pods, namespaces and workloads exist only on Kubernetes: leave out plain Docker containers.
    ...(kind === 'pod' || kind === 'namespace' || kind === 'workload' ? [`${NAME_LABEL[kind]}!=""`] : []),
  ].filter((m): m is string => !!m);
  const samples = `${agg}_over_time(${metric}${matchers.length ? `{${matchers.join(', ')}}` : ''}[$__interval])`;
  const entity = MEMBERS_OF[kind] ? `sum by (${MEMBERS_OF[kind]}) (${samples})` : samples;
  const groupBy = q.groupBy ?? 'entity';
  if (groupBy === 'entity') {
    return entity;
  }
  return groupBy === 'none' ? `${agg}(${entity})` : `${agg} by (${groupBy}) (${entity})`;
}

/** Which filters the datasource applies to each kind (datasource.ts `entities`). */
const FILTERS: Record<EntityKind, Array<'node' | 'namespace'>> = {
  node: ['node'],
  cluster: [],
  container: ['node', 'namespace'],
  pod: ['node', 'namespace'],
  namespace: ['namespace'],
  workload: ['namespace'],
};

/** The label the name pattern applies to. */
const NAME_LABEL: Record<EntityKind, string> = {
  node: 'node',
  cluster: 'cluster',
  container: 'container',
  pod: 'pod',
  namespace: 'namespace',
  workload: 'workload',
};

/** Labels identifying an entity whose series is the sum of its members' series. */
const MEMBERS_OF: Partial<Record<EntityKind, string>> = {
  pod: 'cluster, namespace, pod',
  namespace: 'cluster, namespace',
  workload: 'cluster, namespace, workload_kind, workload',
  cluster: 'cluster',
};

const quote = (s: string) => JSON.stringify(s);
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A comma list filter; a template variable is left for Grafana to expand (as a regex for multi-values). */
function listMatcher(label: string, value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v || v === '*' || v === '$__all') {
    return undefined;
  }
  if (/\$\w+|\$\{\w+\}|\[\[\w+\]\]/.test(v)) {
    return `${label}=~${quote(v)}`;
  }
  const list = [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    ),
  ];
  return list.length === 1 ? `${label}=${quote(list[0])}` : `${label}=~${quote(list.map(escapeRegex).join('|'))}`;
}

/** The name pattern: `/regex/` as is, `*`/`?` globs (comma lists allowed) as an anchored regex. */
function nameMatcher(label: string, pattern: string | undefined): string | undefined {
  const p = pattern?.trim();
  if (!p || p === '*') {
    return undefined;
  }
  const re = /^\/(.+)\/[a-z]*$/.exec(p);
  if (re) {
    // Prometheus anchors regexes; the datasource's /regex/ searches, hence the .* on both sides.
    return `${label}=~${quote(`.*(?:${re[1]}).*`)}`;
  }
  const globs = p
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => escapeRegex(g).replace(/\\\*/g, '.*').replace(/\\\?/g, '.'));
  return `${label}=~${quote(globs.join('|'))}`;
}

import {
  createDataFrame,
  DataFrameType,
  DataSourceApi,
  FieldType,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type QueryResultMetaNotice,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import type { ContainerRow, NodeRow, SeriesReply, TopReply } from '@fleetlens/protocol/api';
import type { MeReply } from '@fleetlens/protocol/api/access';
import { assertCompatible, FleetlensClient } from '../api/client';
import { ApiError, toApiError } from '../api/errors';
import { parseVariableQuery, VARIABLE_KINDS, type VariableKind } from './variables';
import { serviceResponseTimeFrames, statusClassFrames } from './services';
import { combineSeries, mapLimit, namePredicate, parseList, rangeSeconds, stepFor } from './query';
import {
  DEFAULT_QUERY,
  metricsOfKind,
  type Aggregation,
  type EntityKind,
  type FleetlensOptions,
  type FleetlensQuery,
  type GroupBy,
} from './types';

/** At most this many entities are fetched for one query (one series request each). */
export const MAX_ENTITIES = 200;
/** Parallel series requests per query. */
const CONCURRENCY = 6;
/** Containers are listed in pages of this size, up to MAX_ENTITIES × 10 rows. */
const CONTAINER_PAGE = 500;

/** One entity a time series query can be asked for, with the labels its series carries. */
export interface Entity {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Event row of GET /api/v1/events (protocol/src/api/alerts.ts, EventRow). */
interface EventRow {
  id: string;
  ts: number;
  clusterName: string;
  source: string;
  type: 'normal' | 'warning';
  reason: string;
  message: string;
  objectKind: string;
  objectName: string;
  namespace: string | null;
  nodeName: string | null;
  count: number;
}

interface Filters {
  cluster?: string[];
  node?: string[];
  namespace?: string[];
  name: (n: string) => boolean;
}

/**
 * The Fleetlens datasource: reaches the backend through its own proxy route (plugin.json
 * `routes[0]`, path `api`: Grafana adds the backend URL and, as X-Api-Key, the API key of this
 * datasource's settings), so requests go to `<instance url>/api/api/v1/…`. Grafana's datasource
 * proxy (pkg/api/pluginproxy/ds_proxy.go) matches a route by path prefix after cleaning the path
 * and appends the rest to the route URL: `api/api/v1/x` → `<backendUrl>/api/v1/x`.
 */
export class FleetlensDataSource extends DataSourceApi<FleetlensQuery, FleetlensOptions> {
  readonly client: FleetlensClient;
  readonly backendUrl?: string;

  constructor(instanceSettings: DataSourceInstanceSettings<FleetlensOptions>) {
    super(instanceSettings);
    this.backendUrl = instanceSettings.jsonData?.backendUrl;
    this.client = new FleetlensClient(
      `${instanceSettings.url ?? `/api/datasources/proxy/uid/${instanceSettings.uid}`}/api`
    );
    // Annotations: the regular query editor with the `events` query type.
    this.annotations = { getDefaultQuery: () => ({ queryType: 'events' }) };
  }

  getDefaultQuery(): Partial<FleetlensQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(q: FleetlensQuery): boolean {
    return !q.hide;
  }

  /** Replaces template variables in every filter of a query (multi-value variables as comma lists). */
  applyTemplateVariables(q: FleetlensQuery, scopedVars: ScopedVars): FleetlensQuery {
    const t = getTemplateSrv();
    const r = (v: string | undefined) => (v === undefined ? undefined : t.replace(v, scopedVars, 'csv'));
    return {
      ...q,
      cluster: r(q.cluster),
      node: r(q.node),
      namespace: r(q.namespace),
      name: r(q.name),
      metric: r(q.metric),
    };
  }

  async query(request: DataQueryRequest<FleetlensQuery>): Promise<DataQueryResponse> {
    const { from, to } = rangeSeconds(request.range);
    const step = stepFor(from, to, request.intervalMs, request.maxDataPoints);
    const targets = request.targets.filter((q) => this.filterQuery(q));
    try {
      const results = await Promise.all(
        targets.map((raw) => {
          const q = { ...DEFAULT_QUERY, ...this.applyTemplateVariables(raw, request.scopedVars) } as FleetlensQuery;
          switch (q.queryType) {
            case 'nodes':
              return this.nodesTable(q);
            case 'top':
              return this.topTable(q, from, to);
            case 'events':
              return this.eventsTable(q, from, to);
            case 'serviceResponseTime':
              return serviceResponseTimeFrames(this.client, q, from, to, step);
            case 'statusClasses':
              return statusClassFrames(this.client, q, from, to);
            default:
              return this.timeseries(q, from, to, step);
          }
        })
      );
      return { data: results.flat() };
    } catch (err) {
      throw new Error(datasourceMessage(toApiError(err), this.backendUrl));
    }
  }

  // ───────────────────────────── time series ─────────────────────────────

  private filters(q: FleetlensQuery): Filters {
    return {
      cluster: parseList(q.cluster),
      node: parseList(q.node),
      namespace: parseList(q.namespace),
      name: namePredicate(q.name),
    };
  }

  /** The entities of a kind that match the filters (names, after interpolation), sorted by name. */
  async entities(kind: EntityKind, f: Filters): Promise<Entity[]> {
    const inList = (list: string[] | undefined, v: string | null | undefined) => !list || (!!v && list.includes(v));
    let out: Entity[];
    switch (kind) {
      case 'cluster': {
        const r = await this.client.clusters();
        out = r.items
          .filter((c) => inList(f.cluster, c.name))
          .map((c) => ({ id: c.id, name: c.name, labels: { cluster: c.name, environment: c.environment } }));
        break;
      }
      case 'node': {
        const r = await this.client.nodes({ cluster: f.cluster });
        out = r.items.filter((n) => inList(f.node, n.name)).map(nodeEntity);
        break;
      }
      case 'container': {
        const rows: ContainerRow[] = [];
        for (let page = 1; page <= (MAX_ENTITIES * 10) / CONTAINER_PAGE; page++) {
          const r = await this.client.containers({
            cluster: f.cluster,
            node: f.node,
            namespace: f.namespace,
            page,
            pageSize: CONTAINER_PAGE,
          });
          rows.push(...r.items);
          if (rows.length >= r.total || !r.items.length) {
            break;
          }
        }
        out = rows.map((c) => ({
          id: c.id,
          name: c.name,
          labels: clean({
            cluster: c.clusterName,
            node: c.nodeName,
            namespace: c.namespace,
            workload: c.workloadName,
            container: c.name,
          }),
        }));
        break;
      }
      case 'pod': {
        const r = await this.client.pods({ cluster: f.cluster, namespace: f.namespace });
        out = r.items
          .filter((p) => inList(f.node, p.nodeName))
          .map((p) => ({
            id: p.uid,
            name: p.name,
            labels: clean({
              cluster: p.clusterName,
              node: p.nodeName,
              namespace: p.namespace,
              workload: p.workloadName,
              pod: p.name,
            }),
          }));
        break;
      }
      case 'namespace': {
        const r = await this.client.namespaces(f.cluster);
        out = r.items
          .filter((n) => inList(f.namespace, n.name))
          .map((n) => ({ id: n.id, name: n.name, labels: { cluster: n.clusterName, namespace: n.name } }));
        break;
      }
      case 'workload': {
        const r = await this.client.workloads({ cluster: f.cluster, namespace: f.namespace });
        out = r.items.map((w) => ({
          id: w.id,
          name: w.name,
          labels: { cluster: w.clusterName, namespace: w.namespace, workload: w.name, workloadKind: w.kind },
        }));
        break;
      }
      default:
        throw new ApiError('bad-request', `Unknown entity kind "${String(kind)}".`);
    }
    return out.filter((e) => f.name(e.name)).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  private async timeseries(q: FleetlensQuery, from: number, to: number, step: number): Promise<DataFrame[]> {
    const kind = q.kind ?? 'node';
    const metric = q.metric ?? 'cpuCores';
    if (!metricsOfKind(kind).includes(metric)) {
      throw new ApiError(
        'bad-request',
        `${metric} is not a metric of ${kind}s; ${kind}s have ${metricsOfKind(kind).join(', ')}.`
      );
    }
    const agg: Aggregation = q.agg ?? 'avg';
    const groupBy: GroupBy = q.groupBy ?? 'entity';
    const notices: QueryResultMetaNotice[] = [];
    const filters = this.filters(q);
    // The sum of all nodes of a cluster (or of every node) is one of the backend's own aggregates
    // (kind=cluster / kind=all: the sum of the members' bucket averages, what the per-node path
    // computes too): one request per cluster instead of one per node.
    if (
      kind === 'node' &&
      agg === 'sum' &&
      (groupBy === 'cluster' || groupBy === 'none') &&
      !filters.node &&
      !q.name?.trim()
    ) {
      return this.nodeAggregate(q, metric, groupBy, filters, from, to, step);
    }
    let entities = await this.entities(kind, filters);
    if (!entities.length) {
      return [
        createDataFrame({
          refId: q.refId,
          name: metric,
          fields: [],
          meta: { notices: [{ severity: 'info', text: `No ${kind} matches the filters.` }] },
        }),
      ];
    }
    if (entities.length > MAX_ENTITIES) {
      notices.push({
        severity: 'warning',
        text: `${entities.length} ${kind}s match; only the first ${MAX_ENTITIES} by name are included. Narrow the filters.`,
      });
      entities = entities.slice(0, MAX_ENTITIES);
    }
    // Within a bucket the backend takes avg/max/min of each entity's samples; across entities the
    // chosen aggregation combines them (sum: avg per entity, then the sum).
    const bucketAgg = agg === 'max' || agg === 'min' ? agg : 'avg';
    const replies = await mapLimit(entities, CONCURRENCY, (e) =>
      this.client.series({ kind, id: e.id, metrics: [metric], from, to, step, agg: bucketAgg })
    );
    const groups = new Map<string, { labels: Record<string, string>; members: SeriesReply[] }>();
    entities.forEach((e, i) => {
      const key = groupBy === 'entity' ? e.id : groupBy === 'none' ? '' : (e.labels[groupBy] ?? '');
      const labels = groupBy === 'entity' ? e.labels : groupBy === 'none' ? {} : { [groupBy]: e.labels[groupBy] ?? '' };
      const g = groups.get(key);
      if (g) {
        g.members.push(replies[i]);
      } else {
        groups.set(key, { labels, members: [replies[i]] });
      }
    });
    if (groupBy !== 'entity' && groupBy !== 'none' && entities.some((e) => e.labels[groupBy] === undefined)) {
      notices.push({
        severity: 'info',
        text: `Some ${kind}s have no ${groupBy}; they are grouped under an empty ${groupBy}.`,
      });
    }
    const frames = [...groups.entries()].map(([key, g]) => {
      const first = g.members[0];
      const points = combineSeries(
        g.members.map((m) => m.series[0]?.points ?? []),
        agg
      );
      const entity = groupBy === 'entity' ? entities.find((e) => e.id === key) : undefined;
      const display =
        groupBy === 'entity'
          ? entity!.name
          : groupBy === 'none'
            ? `${agg}(${metric})`
            : `${g.labels[groupBy] || `(no ${groupBy})`}`;
      return seriesFrame(
        q.refId,
        display,
        metric,
        g.labels,
        first,
        points,
        `${kind} ${metric} agg=${agg} groupBy=${groupBy}`,
        g.members.length
      );
    });
    if (notices.length && frames.length) {
      frames[0].meta = { ...frames[0].meta, notices };
    }
    return frames;
  }

  private async nodeAggregate(
    q: FleetlensQuery,
    metric: string,
    groupBy: 'cluster' | 'none',
    filters: Filters,
    from: number,
    to: number,
    step: number
  ): Promise<DataFrame[]> {
    const parts: Array<{ labels: Record<string, string>; display: string; reply: Promise<SeriesReply> }> = [];
    if (groupBy === 'none') {
      parts.push({
        labels: {},
        display: `sum(${metric})`,
        reply: this.client.series({
          kind: 'all',
          metrics: [metric],
          from,
          to,
          step,
          agg: 'avg',
          cluster: filters.cluster,
        }),
      });
    } else {
      for (const c of await this.entities('cluster', filters)) {
        parts.push({
          labels: { cluster: c.name },
          display: c.name,
          reply: this.client.series({ kind: 'cluster', id: c.id, metrics: [metric], from, to, step, agg: 'avg' }),
        });
      }
    }
    // A cluster without nodes (only a cluster agent so far) has no node aggregate: skipped.
    const replies = await Promise.all(
      parts.map((p) =>
        p.reply.catch((err: unknown) => {
          if (toApiError(err).kind === 'not-found') {
            return null;
          }
          throw err;
        })
      )
    );
    return parts.flatMap((p, i) => {
      const r = replies[i];
      return !r
        ? []
        : [
            seriesFrame(
              q.refId,
              p.display,
              metric,
              p.labels,
              r,
              r.series[0]?.points ?? [],
              `node ${metric} agg=sum groupBy=${groupBy}: backend kind=${r.kind}`,
              1
            ),
          ];
    });
  }

  // ───────────────────────────── tables ─────────────────────────────

  /** One row per node with its current usage; the node heatmap panel's input. */
  private async nodesTable(q: FleetlensQuery): Promise<DataFrame[]> {
    const f = this.filters(q);
    const r = await this.client.nodes({ cluster: f.cluster });
    const rows = r.items.filter((n) => (!f.node || f.node.includes(n.name)) && f.name(n.name));
    const col = <K extends keyof NodeRow>(key: K) => rows.map((n) => n[key]);
    return [
      createDataFrame({
        refId: q.refId,
        name: 'nodes',
        meta: { preferredVisualisationType: 'table', custom: { fleetlens: 'nodes' } },
        fields: [
          { name: 'id', type: FieldType.string, values: col('id') },
          { name: 'name', type: FieldType.string, values: col('name') },
          { name: 'cluster', type: FieldType.string, values: col('clusterName') },
          { name: 'environment', type: FieldType.string, values: col('environment') },
          { name: 'status', type: FieldType.string, values: col('status') },
          { name: 'role', type: FieldType.string, values: col('role') },
          { name: 'cores', type: FieldType.number, values: col('cores'), config: { unit: 'short' } },
          { name: 'cpuCores', type: FieldType.number, values: col('cpuCores'), config: { unit: 'short' } },
          { name: 'cpuPercent', type: FieldType.number, values: col('cpuPercent'), config: { unit: 'percent' } },
          { name: 'memUsedBytes', type: FieldType.number, values: col('memUsedBytes'), config: { unit: 'bytes' } },
          { name: 'memPercent', type: FieldType.number, values: col('memPercent'), config: { unit: 'percent' } },
          { name: 'fsPercent', type: FieldType.number, values: col('fsPercent'), config: { unit: 'percent' } },
          { name: 'fsAvailBytes', type: FieldType.number, values: col('fsAvailBytes'), config: { unit: 'bytes' } },
          { name: 'netRxBps', type: FieldType.number, values: col('netRxBps'), config: { unit: 'Bps' } },
          { name: 'netTxBps', type: FieldType.number, values: col('netTxBps'), config: { unit: 'Bps' } },
          { name: 'containersRunning', type: FieldType.number, values: col('containersRunning') },
          { name: 'containersTotal', type: FieldType.number, values: col('containersTotal') },
        ],
      }),
    ];
  }

  /**
   * The top-N containers by the average of a metric over the dashboard's time range (the backend
   * ranks over the last `window` seconds up to now, so the window is the range's length).
   */
  private async topTable(q: FleetlensQuery, from: number, to: number): Promise<DataFrame[]> {
    const f = this.filters(q);
    const metric =
      q.metric && (metricsOfKind('container') as readonly string[]).includes(q.metric) ? q.metric : 'cpuCores';
    const window = Math.min(31 * 86_400, Math.max(60, to - from));
    const limit = Math.min(100, Math.max(1, Math.round(Number(q.limit) || 10)));
    const r: TopReply = await this.client.top({
      metric,
      window,
      limit,
      cluster: f.cluster,
      node: f.node,
      namespace: f.namespace,
    });
    const items = r.items.filter((i) => f.name(i.name));
    const unit = metricUnit(metric);
    const col = <K extends keyof TopReply['items'][number]>(key: K) => items.map((i) => i[key]);
    return [
      createDataFrame({
        refId: q.refId,
        name: `top ${metric}`,
        meta: {
          preferredVisualisationType: 'table',
          custom: { fleetlens: 'top', metric, window: r.window, tier: r.tier },
        },
        fields: [
          { name: 'rank', type: FieldType.number, values: col('rank') },
          { name: 'id', type: FieldType.string, values: col('id') },
          { name: 'name', type: FieldType.string, values: col('name') },
          { name: 'image', type: FieldType.string, values: col('image') },
          { name: 'state', type: FieldType.string, values: col('displayState') },
          { name: 'cluster', type: FieldType.string, values: col('clusterName') },
          { name: 'nodeId', type: FieldType.string, values: col('nodeId') },
          { name: 'node', type: FieldType.string, values: col('nodeName') },
          { name: 'namespace', type: FieldType.string, values: col('namespace') },
          { name: 'value', type: FieldType.number, values: col('value'), config: { unit, displayName: metric } },
          { name: 'cpuCores', type: FieldType.number, values: col('cpuCores'), config: { unit: 'short' } },
          { name: 'cpuPercent', type: FieldType.number, values: col('cpuPercent'), config: { unit: 'percent' } },
          { name: 'memBytes', type: FieldType.number, values: col('memBytes'), config: { unit: 'bytes' } },
          { name: 'netRxBps', type: FieldType.number, values: col('netRxBps'), config: { unit: 'Bps' } },
          { name: 'netTxBps', type: FieldType.number, values: col('netTxBps'), config: { unit: 'Bps' } },
          { name: 'diskReadBps', type: FieldType.number, values: col('diskReadBps'), config: { unit: 'Bps' } },
          { name: 'diskWriteBps', type: FieldType.number, values: col('diskWriteBps'), config: { unit: 'Bps' } },
        ],
      }),
    ];
  }

  /** Events in the time range, newest first (at most 500): the shape Grafana turns into annotations. */
  private async eventsTable(q: FleetlensQuery, from: number, to: number): Promise<DataFrame[]> {
    const f = this.filters(q);
    const r = await this.client.get<{ items: EventRow[]; total: number }>('/events', {
      cluster: f.cluster,
      node: f.node,
      namespace: f.namespace,
      type: q.eventType || undefined,
      from,
      to,
      pageSize: 500,
    });
    const items = r.items.filter((e) => f.name(e.objectName));
    const frame = createDataFrame({
      refId: q.refId,
      name: 'events',
      meta: { custom: { fleetlens: 'events', total: r.total } },
      fields: [
        { name: 'time', type: FieldType.time, values: items.map((e) => e.ts * 1000) },
        {
          name: 'title',
          type: FieldType.string,
          values: items.map((e) => `${e.reason} (${e.objectKind} ${e.objectName})`),
        },
        {
          name: 'text',
          type: FieldType.string,
          values: items.map((e) => `${e.message}${e.count > 1 ? ` (×${e.count})` : ''}`),
        },
        {
          name: 'tags',
          type: FieldType.other,
          values: items.map((e) => [
            e.type,
            e.clusterName,
            ...(e.namespace ? [e.namespace] : []),
            ...(e.nodeName ? [e.nodeName] : []),
          ]),
        },
        { name: 'type', type: FieldType.string, values: items.map((e) => e.type) },
        { name: 'cluster', type: FieldType.string, values: items.map((e) => e.clusterName) },
        { name: 'node', type: FieldType.string, values: items.map((e) => e.nodeName) },
        { name: 'namespace', type: FieldType.string, values: items.map((e) => e.namespace) },
        { name: 'id', type: FieldType.string, values: items.map((e) => e.id) },
      ],
    });
    if (r.total > r.items.length) {
      frame.meta = {
        ...frame.meta,
        notices: [
          { severity: 'info', text: `${r.total} events in the range; the newest ${r.items.length} are shown.` },
        ],
      };
    }
    return [frame];
  }

  // ───────────────────────────── variables ─────────────────────────────

  /**
   * Values of a template variable. Query syntax: `clusters`, `nodes`, `namespaces`, `workloads`,
   * `containers`, `pods`, optionally with filters: `nodes(cluster=$cluster)`,
   * `containers(cluster=$cluster, node=$node, namespace=$namespace)`. Values are names.
   */
  async metricFindQuery(
    query: string | { query?: string },
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const text = typeof query === 'string' ? query : (query?.query ?? '');
    const parsed = parseVariableQuery(text);
    const t = getTemplateSrv();
    const val = (k: 'cluster' | 'node' | 'namespace') =>
      parseList(parsed.filters[k] === undefined ? undefined : t.replace(parsed.filters[k], options?.scopedVars, 'csv'));
    const f: Filters = {
      cluster: val('cluster'),
      node: val('node'),
      namespace: val('namespace'),
      name: namePredicate(parsed.filters.name ? t.replace(parsed.filters.name, options?.scopedVars) : undefined),
    };
    const kind = VARIABLE_KINDS[parsed.kind as VariableKind];
    try {
      const list = await this.entities(kind, f);
      const names = [...new Set(list.map((e) => e.name))].sort((a, b) => a.localeCompare(b));
      return names.map((n) => ({ text: n, value: n }));
    } catch (err) {
      throw new Error(datasourceMessage(toApiError(err), this.backendUrl));
    }
  }

  // ───────────────────────────── health ─────────────────────────────

  /**
   * Save & test: reaches the backend through the proxy, checks the API version and the key, and
   * says whom the key acts as (GET /api/v1/me: the key's owner, role and scopes; with Grafana's
   * ID forwarding, the signed-in user narrowed by the key).
   */
  async testDatasource(): Promise<TestDataSourceResponse> {
    if (!this.backendUrl) {
      return {
        status: 'error',
        message:
          'No backend URL is set. Enter the Fleetlens backend URL (for example http://fleetlens-backend:8480) and save.',
      };
    }
    try {
      // /version first: it tells "not a Fleetlens backend" and "wrong version" apart from a bad key.
      const version = assertCompatible(await this.client.version());
      const me = await this.client.me();
      const clusters = await this.client.clusters();
      const n = clusters.items.length;
      return {
        status: 'success',
        message: `Connected to Fleetlens backend ${version.version} (API ${version.apiVersion}) at ${this.backendUrl}: ${n} cluster${n === 1 ? '' : 's'} visible. ${describeCaller(me)}`,
      };
    } catch (err) {
      return {
        status: 'error',
        message: datasourceMessage(toApiError(err), this.backendUrl),
      };
    }
  }
}

/** A time series frame: Time + the metric with its labels and the backend's unit. */
function seriesFrame(
  refId: string,
  display: string,
  metric: string,
  labels: Record<string, string>,
  reply: SeriesReply,
  points: Array<[number, number | null]>,
  what: string,
  members: number
): DataFrame {
  return createDataFrame({
    refId,
    name: display,
    meta: {
      type: DataFrameType.TimeSeriesMulti,
      executedQueryString: `${what} step=${reply.step}s tier=${reply.tier} (${members} series)`,
      custom: { step: reply.step, tier: reply.tier, from: reply.from, to: reply.to, members },
    },
    fields: [
      {
        name: 'Time',
        type: FieldType.time,
        values: points.map((p) => p[0] * 1000),
        config: { interval: reply.step * 1000 },
      },
      {
        name: metric,
        type: FieldType.number,
        values: points.map((p) => p[1]),
        labels,
        config: { unit: reply.series[0]?.unit, displayNameFromDS: display },
      },
    ],
  });
}

function nodeEntity(n: NodeRow): Entity {
  return { id: n.id, name: n.name, labels: { cluster: n.clusterName, node: n.name } };
}

function clean(labels: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => !!e[1]));
}

/** Grafana unit of a metric (the backend's series replies carry the same units). */
export function metricUnit(metric: string): string {
  if (metric.endsWith('Bytes')) {
    return 'bytes';
  }
  if (metric.endsWith('Bps')) {
    return 'Bps';
  }
  if (metric.endsWith('Percent')) {
    return 'percent';
  }
  return 'short';
}

/** "all clusters, namespaces shop, nodes n1 and n2": what a set of scopes lets one see. */
export function describeScopes(s: MeReply['scopes']): string {
  const part = (list: string[] | null, what: string) =>
    list === null ? `all ${what}` : list.length === 0 ? `no ${what}` : `${what} ${list.join(', ')}`;
  return [part(s.clusters, 'clusters'), part(s.namespaces, 'namespaces'), part(s.nodes, 'nodes')].join('; ');
}

/** Whom the datasource's requests act as, from GET /api/v1/me. */
export function describeCaller(me: MeReply): string {
  const who = me.email ?? me.displayName ?? 'an unnamed caller';
  const key = me.apiKey
    ? `The API key "${me.apiKey.name}" acts as ${me.apiKey.ownerEmail} (role ${me.apiKey.ownerRole}; ${describeScopes(me.apiKey.ownerScopes)}).`
    : `Requests act as ${who} (role ${me.role}; ${describeScopes(me.scopes)}).`;
  if (me.via === 'grafana-id') {
    return `${key} With Grafana's ID token, this test ran as ${who}: role ${me.role}; ${describeScopes(me.scopes)} (the lower role and the scopes both allow). Each Grafana user sees at most what the key allows.`;
  }
  if (me.grafanaId?.status === 'ignored') {
    return `${key} ${me.grafanaId.message}.`;
  }
  return `${key} Everyone who may use this datasource in Grafana sees that.`;
}

/** The client's error in the datasource's terms (its settings page, not the app's configuration page). */
export function datasourceMessage(e: ApiError, backendUrl?: string): string {
  const at = backendUrl ? ` at ${backendUrl}` : '';
  switch (e.kind) {
    case 'unreachable':
      return `Cannot reach the Fleetlens backend${at}${e.status ? ` (HTTP ${e.status} from Grafana's proxy)` : ''}. Check that it is running and that Grafana's server can reach this URL.`;
    case 'unauthorized':
      return `The Fleetlens backend${at} refused this datasource's API key (HTTP 401). Enter an API key (flk_…) of the Fleetlens user whose role and scopes this datasource should have; an admin creates one in the Fleetlens app (API keys) or with the backend's CLI.`;
    case 'not-fleetlens':
      return `The URL${at ? ` ${backendUrl}` : ''} answers, but not like a Fleetlens backend (no Fleetlens /api/v1/version${e.status ? `, HTTP ${e.status}` : ''}). Check the backend URL.`;
    case 'not-configured':
      return 'No backend URL is set in this datasource.';
    default:
      return e.message;
  }
}

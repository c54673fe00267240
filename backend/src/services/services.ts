import { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import { LATENCY_BUCKET_COLUMNS } from '../db/migrations/0010_service_health';
import { NotFoundError, type QueryContext } from './context';
import { escapeLike } from './inventory';
import { Budget, checkRange, checkSeries, QueryLimitError, type QueryLimits } from './limits';
import { narrow, applyScope, type Scope } from './scope';
import { addContainer, emptySums, latencyOf, rates, type StatSums } from './service-math';
import { defaultStep } from './tiers';

type Row = Record<string, unknown>;

/** The window of a list or detail read when none is given: the newest five minutes. */
export const DEFAULT_WINDOW_SECONDS = 300;

const CHUNK = 2000;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** A visible service as read from `services` + `clusters`. */
interface ServiceBase {
  id: string;
  clusterId: string;
  cluster: string;
  namespace: string | null;
  name: string;
  lastSeen: number;
}

/** Per probe in a window: run count, ups, and its newest run. */
interface ProbeWindow {
  serviceId: string;
  probeId: string;
  runs: number;
  ups: number;
  newest: Row;
}

/**
 * Service health reads (issue 16; decision 29): the Services list, one service, its series, the
 * Monitoring page's response-time chart and status donut. Every read is scoped in SQL: clusters by
 * name, namespaces by the service's namespace (a Docker service has none, so a namespace-restricted
 * caller does not see it), nodes by where the data came from (the container's node for access
 * logs, the probing agent's node for probe runs), and the figures count only data in scope.
 * Reads use the raw tables only, so windows are bounded by the raw retention.
 */
export class ServiceQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly limits: QueryLimits,
    /** Longest window of any read (seconds): the raw retention, as no rollup of these tables exists. */
    private readonly maxRangeSeconds: number
  ) {}

  private get knex() {
    return this.ctx.db.knex;
  }

  /** The time budget of one read (QUERY_TIMEOUT_MS): each statement runs within what is left of it. */
  private budget(): Budget {
    return new Budget(this.limits.timeoutMs);
  }

  /** [from, to) of a read: defaults to the newest five minutes; 400 naming the field beyond the bounds. */
  window(q: { from?: number; to?: number }): { from: number; to: number } {
    const to = q.to ?? this.ctx.now();
    const from = q.from ?? to - DEFAULT_WINDOW_SECONDS;
    if (to <= from) throw new QueryLimitError('to', 'to must be after from');
    if (to - from > this.maxRangeSeconds)
      throw new QueryLimitError(
        'from',
        `the range from–to is ${to - from} s, longer than the limit of ${this.maxRangeSeconds} s for service health (the raw retention, RETENTION_RAW_DAYS = ${
          this.maxRangeSeconds / 86_400
        }); request a shorter range`
      );
    return { from, to };
  }

  /** Request stats of the window that the scope lets the caller count (the container's node for node scopes). */
  private statsIn(scope: Scope, from: number, to: number): Knex.QueryBuilder {
    const qb = this.knex('request_stats as rs').where('rs.ts', '>=', from).where('rs.ts', '<', to);
    if (scope.nodes !== null)
      qb.whereIn(
        'rs.container_id',
        this.knex('containers as sc')
          .join('nodes as sn', 'sn.id', 'sc.node_id')
          .whereIn('sn.name', scope.nodes)
          .select('sc.id')
      );
    return qb;
  }

  /** Probe runs of the window the scope lets the caller count (the probing agent's node for node scopes). */
  private runsIn(scope: Scope, from: number, to: number): Knex.QueryBuilder {
    const qb = this.knex('probe_runs as pr').where('pr.ts', '>=', from).where('pr.ts', '<', to);
    if (scope.nodes !== null)
      qb.whereIn('pr.probe_id', this.knex('probes as sp').whereIn('sp.node_name', scope.nodes).select('sp.id'));
    return qb;
  }

  /** Services in scope seen during the window, filtered by cluster/namespace names and a name search. */
  private async visible(
    b: Budget,
    scope: Scope,
    q: { cluster?: string[]; namespace?: string[]; q?: string; id?: string },
    from: number,
    to: number
  ): Promise<ServiceBase[]> {
    const s = narrow(scope, { clusters: q.cluster, namespaces: q.namespace });
    const qb = this.knex('services as s')
      .join('clusters as cl', 'cl.id', 's.cluster_id')
      .select('s.id', 's.cluster_id', 'cl.name as cluster', 's.namespace', 's.name', 's.last_seen')
      .where('s.first_seen', '<', to)
      .where('s.last_seen', '>=', from);
    applyScope(qb, s, { clusterName: 'cl.name', namespace: 's.namespace' });
    if (q.id) qb.where('s.id', q.id);
    if (q.q) qb.whereRaw(`LOWER(s.name) LIKE LOWER(?) ESCAPE '!'`, [`%${escapeLike(q.q)}%`]);
    if (s.nodes !== null)
      qb.where((w) =>
        w
          .whereExists(this.statsIn(s, from, to).select(this.knex.raw('1')).whereRaw('rs.service_id = s.id'))
          .orWhereExists(this.runsIn(s, from, to).select(this.knex.raw('1')).whereRaw('pr.service_id = s.id'))
      );
    const rows = await b.select<Row>(
      this.ctx.db,
      qb.orderBy([
        { column: 's.name', order: 'asc' },
        { column: 's.id', order: 'asc' },
      ])
    );
    return rows.map((r) => ({
      id: String(r.id),
      clusterId: String(r.cluster_id),
      cluster: String(r.cluster),
      namespace: (r.namespace as string | null) ?? null,
      name: String(r.name),
      lastSeen: num(r.last_seen),
    }));
  }

  /** Σ of the request-stat columns per service and container, and per bucket of `step` seconds when given. */
  private sumsSelect(qb: Knex.QueryBuilder, step?: number): Knex.QueryBuilder {
    const k = this.knex;
    const bucket = step ? `rs.ts - (rs.ts % ${Math.floor(step)})` : null;
    return qb
      .select(
        'rs.service_id',
        'rs.container_id',
        ...(bucket ? [k.raw(`${bucket} as bucket`)] : []),
        k.raw(
          [
            'SUM(rs.requests) as requests',
            'SUM(rs.status_2xx) as s2xx',
            'SUM(rs.status_3xx) as s3xx',
            'SUM(rs.status_4xx) as s4xx',
            'SUM(rs.status_5xx) as s5xx',
            'SUM(rs.latency_count) as latency_count',
            'SUM(rs.latency_sum) as latency_sum',
            'SUM(rs.interval_seconds) as covered',
            ...LATENCY_BUCKET_COLUMNS.map((c) => `SUM(rs.${c}) as ${c}`),
          ].join(', ')
        )
      )
      .groupBy('rs.service_id', 'rs.container_id', ...(bucket ? [k.raw(bucket)] : []));
  }

  private static toSums(r: Row): StatSums {
    return {
      requests: num(r.requests),
      s2xx: num(r.s2xx),
      s3xx: num(r.s3xx),
      s4xx: num(r.s4xx),
      s5xx: num(r.s5xx),
      latencyCount: num(r.latency_count),
      latencySum: num(r.latency_sum),
      buckets: LATENCY_BUCKET_COLUMNS.map((c) => num(r[c])),
      covered: num(r.covered),
    };
  }

  /** Per service: log sums over the window (containers added up, covered seconds the largest) and the containers. */
  private async statSums(b: Budget, scope: Scope, serviceIds: string[], from: number, to: number) {
    const sums = new Map<string, StatSums>();
    const containers = new Map<string, string[]>();
    for (let i = 0; i < serviceIds.length; i += CHUNK) {
      const rows = await b.select<Row>(
        this.ctx.db,
        this.sumsSelect(this.statsIn(scope, from, to).whereIn('rs.service_id', serviceIds.slice(i, i + CHUNK)))
      );
      for (const r of rows) {
        const id = String(r.service_id);
        const into = sums.get(id) ?? emptySums();
        addContainer(into, ServiceQueries.toSums(r));
        sums.set(id, into);
        containers.set(id, [...(containers.get(id) ?? []), String(r.container_id)]);
      }
    }
    return { sums, containers };
  }

  /** Per probe of the services: runs and ups in the window and its newest run there. */
  private async probeWindows(
    b: Budget,
    scope: Scope,
    serviceIds: string[],
    from: number,
    to: number
  ): Promise<ProbeWindow[]> {
    const out: ProbeWindow[] = [];
    const k = this.knex;
    for (let i = 0; i < serviceIds.length; i += CHUNK) {
      const part = serviceIds.slice(i, i + CHUNK);
      const agg = this.runsIn(scope, from, to)
        .whereIn('pr.service_id', part)
        .select('pr.service_id', 'pr.probe_id')
        .select(k.raw('COUNT(*) as runs, SUM(CASE WHEN pr.up THEN 1 ELSE 0 END) as ups, MAX(pr.ts) as last_ts'))
        .groupBy('pr.service_id', 'pr.probe_id')
        .as('w');
      const rows = await b.select<Row>(
        this.ctx.db,
        k
          .from(agg)
          .join('probe_runs as nr', function () {
            this.on('nr.probe_id', '=', 'w.probe_id').andOn('nr.ts', '=', 'w.last_ts');
          })
          .select('w.service_id', 'w.probe_id', 'w.runs', 'w.ups', 'nr.*')
      );
      for (const r of rows)
        out.push({
          serviceId: String(r.service_id),
          probeId: String(r.probe_id),
          runs: num(r.runs),
          ups: num(r.ups),
          newest: r,
        });
    }
    return out;
  }

  /** Total seconds of every probe run in the window, per service (only for services without log latency). */
  private async probeTotals(b: Budget, scope: Scope, serviceIds: string[], from: number, to: number) {
    const out = new Map<string, number[]>();
    for (let i = 0; i < serviceIds.length; i += CHUNK) {
      const rows = await b.select<Row>(
        this.ctx.db,
        this.runsIn(scope, from, to)
          .whereIn('pr.service_id', serviceIds.slice(i, i + CHUNK))
          .whereNotNull('pr.total_seconds')
          .select('pr.service_id', 'pr.total_seconds')
      );
      for (const r of rows) {
        const id = String(r.service_id);
        const list = out.get(id) ?? [];
        list.push(Number(r.total_seconds));
        out.set(id, list);
      }
    }
    return out;
  }

  /** The rows of the given services over [from, to), with their probe windows. */
  private async rows(b: Budget, scope: Scope, services: ServiceBase[], from: number, to: number) {
    const idList = services.map((s) => s.id);
    const { sums, containers } = await this.statSums(b, scope, idList, from, to);
    const windows = await this.probeWindows(b, scope, idList, from, to);
    const needProbeLatency = idList.filter((id) => !((sums.get(id)?.latencyCount ?? 0) > 0));
    const totals = await this.probeTotals(b, scope, needProbeLatency, from, to);
    const byService = new Map<string, ProbeWindow[]>();
    for (const w of windows) byService.set(w.serviceId, [...(byService.get(w.serviceId) ?? []), w]);
    return services.map((s) => {
      const st = sums.get(s.id);
      const probes = byService.get(s.id) ?? [];
      const certs = probes
        .map((p) => p.newest.cert_not_after)
        .filter((c) => c !== null && c !== undefined)
        .map(Number);
      const row: api.ServiceRow = {
        ...s,
        sources: [...(st ? (['logs'] as const) : []), ...(probes.length ? (['probe'] as const) : [])],
        ...rates(st),
        statusCounts: { '2xx': st?.s2xx ?? 0, '3xx': st?.s3xx ?? 0, '4xx': st?.s4xx ?? 0, '5xx': st?.s5xx ?? 0 },
        ...latencyOf(st, totals.get(s.id)),
        probeStatus: probes.length ? (probes.every((p) => isUp(p.newest.up)) ? 'up' : 'down') : null,
        certNotAfter: certs.length ? Math.min(...certs) : null,
      };
      return { row, probes, containers: containers.get(s.id) ?? [] };
    });
  }

  /** Every service in scope seen during [from, to) with its figures (the alert evaluator's view). */
  async figures(scope: Scope, from: number, to: number): Promise<api.ServiceRow[]> {
    const b = this.budget();
    return (await this.rows(b, scope, await this.visible(b, scope, {}, from, to), from, to)).map((x) => x.row);
  }

  /** GET /services: services in scope with their figures over the window, sorted and paged. */
  async list(scope: Scope, q: api.ServiceListQuery): Promise<api.ServiceListReply> {
    const { from, to } = this.window(q);
    const b = this.budget();
    const services = await this.visible(b, scope, q, from, to);
    const rows = (await this.rows(b, scope, services, from, to)).map((x) => x.row);
    const key = q.sort;
    const dir = q.order === 'desc' ? -1 : 1;
    const val = (r: api.ServiceRow): string | number | null =>
      key === 'probeStatus'
        ? r.probeStatus === null
          ? null
          : r.probeStatus === 'down'
            ? 0
            : 1
        : (r[key] as string | number | null);
    rows.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      // Nulls last in either order, then by name and id, as the other lists sort.
      if (x === null || y === null) return x === y ? tie(a, b) : x === null ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? c * dir : tie(a, b);
    });
    return { total: rows.length, items: rows.slice((q.page - 1) * q.pageSize, q.page * q.pageSize) };
  }

  /** Names and nodes of these containers (entity ids) that the caller may see, by name (bounded as the reply). */
  private async containerNames(b: Budget, scope: Scope, ids: string[]): Promise<api.ServiceDetailReply['containers']> {
    if (!ids.length) return [];
    const rows = await b.select<Row>(
      this.ctx.db,
      applyScope(
        this.knex('containers as c')
          .join('nodes as n', 'n.id', 'c.node_id')
          .join('clusters as cl', 'cl.id', 'c.cluster_id')
          .whereIn('c.id', ids.slice(0, 500))
          .select('c.id', 'c.name', 'n.name as node'),
        scope,
        { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
      )
    );
    return rows
      .map((r) => ({ id: String(r.id), name: String(r.name), nodeName: String(r.node) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** GET /services/:id: one service in scope with its probes and feeding containers (404 otherwise). */
  async detail(scope: Scope, id: string, q: { from?: number; to?: number }): Promise<api.ServiceDetailReply> {
    const { from, to } = this.window(q);
    const b = this.budget();
    const [s] = await this.visible(b, scope, { id }, 0, Number.MAX_SAFE_INTEGER);
    if (!s) throw new NotFoundError(`no service ${id}`);
    const [x] = await this.rows(b, scope, [s], from, to);
    const probeQb = this.knex('probes as p').where('p.service_id', id);
    if (scope.nodes !== null) probeQb.whereIn('p.node_name', scope.nodes);
    const probeRows = await b.select<Row>(this.ctx.db, probeQb.select('*').orderBy('p.probe_key'));
    const windows = new Map(x.probes.map((p) => [p.probeId, p]));
    const containerIds = x.containers.sort();
    return {
      ...x.row,
      containerIds,
      containers: await this.containerNames(b, scope, containerIds),
      probes: probeRows.map((p) => {
        const w = windows.get(String(p.id));
        const n = w?.newest;
        return {
          id: String(p.id),
          key: String(p.probe_key),
          source: p.source as api.ProbeState['source'],
          definitionId: (p.definition_id as string | null) ?? null,
          kind: p.kind as api.ProbeState['kind'],
          target: String(p.target),
          nodeName: String(p.node_name),
          containerId: (p.container_id as string | null) ?? null,
          lastTs: n ? num(n.ts) : null,
          up: n ? isUp(n.up) : null,
          statusCode: n && n.status_code !== null ? num(n.status_code) : null,
          error: (n?.error as string | null | undefined) ?? null,
          totalSeconds: n && n.total_seconds !== null ? Number(n.total_seconds) : null,
          certNotAfter: n && n.cert_not_after !== null ? num(n.cert_not_after) : null,
          uptimePercent: w && w.runs > 0 ? (w.ups / w.runs) * 100 : null,
        };
      }),
    };
  }

  /** from/to/step of a series read, aligned to the step and checked against the limits. */
  private seriesRange(q: { from: number; to: number; step?: number }) {
    this.window(q);
    const step = q.step ?? defaultStep(q.from, q.to);
    const points = checkRange(this.limits, { from: q.from, to: q.to, step });
    const from = q.from - (q.from % step);
    const times: number[] = [];
    for (let t = from; t < q.to; t += step) times.push(t);
    return { from, to: q.to, step, times, points };
  }

  /** Per bucket start: log sums (containers added up within the bucket). */
  private async bucketSums(b: Budget, scope: Scope, serviceIds: string[], from: number, to: number, step: number) {
    const out = new Map<string, Map<number, StatSums>>();
    for (let i = 0; i < serviceIds.length; i += CHUNK) {
      const rows = await b.select<Row>(
        this.ctx.db,
        this.sumsSelect(this.statsIn(scope, from, to).whereIn('rs.service_id', serviceIds.slice(i, i + CHUNK)), step)
      );
      for (const r of rows) {
        const m = out.get(String(r.service_id)) ?? new Map<number, StatSums>();
        const t = num(r.bucket);
        const into = m.get(t) ?? emptySums();
        addContainer(into, ServiceQueries.toSums(r));
        m.set(t, into);
        out.set(String(r.service_id), m);
      }
    }
    return out;
  }

  /** Probe runs of the services in the range (service, probe, ts, up, total), oldest first. */
  private async runs(b: Budget, scope: Scope, serviceIds: string[], from: number, to: number) {
    const out = new Map<string, Row[]>();
    for (let i = 0; i < serviceIds.length; i += CHUNK) {
      const rows = await b.select<Row>(
        this.ctx.db,
        this.runsIn(scope, from, to)
          .whereIn('pr.service_id', serviceIds.slice(i, i + CHUNK))
          .select('pr.service_id', 'pr.probe_id', 'pr.ts', 'pr.up', 'pr.total_seconds')
          .orderBy('pr.ts')
      );
      for (const r of rows) out.set(String(r.service_id), [...(out.get(String(r.service_id)) ?? []), r]);
    }
    return out;
  }

  /** GET /services/:id/series: per-step figures of one service in scope. */
  async series(scope: Scope, id: string, q: api.ServiceSeriesQuery): Promise<api.ServiceSeriesReply> {
    const { from, to, step, times, points } = this.seriesRange(q);
    checkSeries(this.limits, q.metrics.length, points, 'metrics');
    const b = this.budget();
    const [s] = await this.visible(b, scope, { id }, 0, Number.MAX_SAFE_INTEGER);
    if (!s) throw new NotFoundError(`no service ${id}`);
    const sums = (await this.bucketSums(b, scope, [id], from, to, step)).get(id) ?? new Map<number, StatSums>();
    const runs = (await this.runs(b, scope, [id], from, to)).get(id) ?? [];
    const fromLogs = [...sums.values()].some((x) => x.latencyCount > 0);
    const runsBy = bucketRuns(runs, from, step);
    const value = (m: api.ServiceMetric, t: number): number | null => {
      const st = sums.get(t);
      const r = runsBy.get(t) ?? [];
      const totals = r.filter((x) => x.total_seconds !== null).map((x) => Number(x.total_seconds));
      switch (m) {
        case 'requestsPerSecond':
        case 'errorPercent':
          return rates(st)[m];
        case 'status2xxPerSecond':
        case 'status3xxPerSecond':
        case 'status4xxPerSecond':
        case 'status5xxPerSecond': {
          if (!st || st.covered <= 0) return null;
          const k = `s${m.slice(6, 9)}` as 's2xx' | 's3xx' | 's4xx' | 's5xx';
          return st[k] / st.covered;
        }
        case 'avgSeconds':
        case 'p50Seconds':
        case 'p95Seconds':
          return latencyOf(fromLogs ? st : undefined, fromLogs ? undefined : totals)[m];
        case 'probeUp':
          return upOf(r);
        case 'probeTotalSeconds':
          return totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null;
      }
    };
    return {
      id,
      from,
      to,
      step,
      series: q.metrics.map((m: api.ServiceMetric) => ({
        metric: m,
        unit: api.SERVICE_METRIC_UNITS[m],
        points: times.map((t) => [t, value(m, t)] as [number, number | null]),
      })),
    };
  }

  /** GET /services/response-times: average response time per step of the busiest services in scope. */
  async responseTimes(scope: Scope, q: api.ResponseTimesQuery): Promise<api.ResponseTimesReply> {
    const { from, to, step, times, points } = this.seriesRange(q);
    checkSeries(this.limits, q.limit, points, 'limit');
    const b = this.budget();
    const services = await this.visible(b, scope, q, q.from, q.to);
    const { sums } = await this.statSums(
      b,
      scope,
      services.map((s) => s.id),
      q.from,
      q.to
    );
    const top = [...services]
      .sort((a, b) => (sums.get(b.id)?.requests ?? 0) - (sums.get(a.id)?.requests ?? 0) || tie(a, b))
      .slice(0, q.limit);
    const ids = top.map((s) => s.id);
    const buckets = await this.bucketSums(b, scope, ids, from, to, step);
    const runs = await this.runs(b, scope, ids, from, to);
    const series: api.ResponseTimesReply['series'] = [];
    for (const s of top) {
      const bs = buckets.get(s.id) ?? new Map<number, StatSums>();
      const fromLogs = [...bs.values()].some((x) => x.latencyCount > 0);
      const r = bucketRuns(runs.get(s.id) ?? [], from, step);
      if (!fromLogs && !r.size) continue;
      series.push({
        serviceId: s.id,
        cluster: s.cluster,
        namespace: s.namespace,
        name: s.name,
        source: fromLogs ? 'logs' : 'probe',
        points: times.map((t) => {
          if (fromLogs) {
            const st = bs.get(t);
            return [t, st && st.latencyCount > 0 ? st.latencySum / st.latencyCount : null];
          }
          const totals = (r.get(t) ?? []).filter((x) => x.total_seconds !== null).map((x) => Number(x.total_seconds));
          return [t, totals.length ? totals.reduce((a, c) => a + c, 0) / totals.length : null];
        }),
      });
    }
    return { from, to, step, series };
  }

  /** GET /services/status-classes: requests per status class over the window, in scope. */
  async statusClasses(scope: Scope, q: api.StatusClassesQuery): Promise<api.StatusClassesReply> {
    const { from, to } = this.window(q);
    const s = narrow(scope, { clusters: q.cluster, namespaces: q.namespace });
    const services = this.knex('services as s').join('clusters as cl', 'cl.id', 's.cluster_id').select('s.id');
    applyScope(services, s, { clusterName: 'cl.name', namespace: 's.namespace' });
    if (q.service) services.where('s.id', q.service);
    const [r] = await this.budget().select<Row>(
      this.ctx.db,
      this.statsIn(s, from, to)
        .whereIn('rs.service_id', services)
        .select(
          this.knex.raw(
            'SUM(rs.requests) as total, SUM(rs.status_2xx) as s2xx, SUM(rs.status_3xx) as s3xx, SUM(rs.status_4xx) as s4xx, SUM(rs.status_5xx) as s5xx'
          )
        )
    );
    return {
      from,
      to,
      total: num(r?.total),
      counts: { '2xx': num(r?.s2xx), '3xx': num(r?.s3xx), '4xx': num(r?.s4xx), '5xx': num(r?.s5xx) },
    };
  }
}

/** Booleans come back as 0/1 from both drivers. */
const isUp = (v: unknown) => v === true || Number(v) === 1;

const tie = (a: { name: string; id: string }, b: { name: string; id: string }) =>
  a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** Runs grouped by bucket start. */
function bucketRuns(runs: Row[], from: number, step: number): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const r of runs) {
    const t = from + Math.floor((num(r.ts) - from) / step) * step;
    out.set(t, [...(out.get(t) ?? []), r]);
  }
  return out;
}

/** 1 when every probe's newest run in the bucket is up, 0 when any is down, null without runs (runs oldest first). */
function upOf(runs: Row[]): number | null {
  if (!runs.length) return null;
  const newest = new Map<string, Row>();
  for (const r of runs) newest.set(String(r.probe_id), r);
  return [...newest.values()].every((r) => isUp(r.up)) ? 1 : 0;
}

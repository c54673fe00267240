import { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import * as ids from '../db/ids';
import { metricsOf, TABLES, TIER_SECONDS, type SampleFamily } from '../db/metrics';
import { NotFoundError, type QueryContext } from './context';
import { Budget, checkRange, checkSeries, DEFAULT_QUERY_LIMITS, type QueryLimits } from './limits';
import { applyNodeScope, applyScope, narrow, type Scope } from './scope';
import { containerJoins, displayState, nodeIsSilent, nodeQuery, num, pct, toNodeRow, fsPercent } from './shapes';
import {
  bucketSelect,
  defaultStep,
  pickTier,
  rolledUpBefore,
  tierTable,
  weightedSql,
  type Agg,
  type Retention,
} from './tiers';

type Row = Record<string, unknown>;

/** Entities per statement, and about how many sample rows one statement may scan. */
const ENTITY_CHUNK = 500;
export const ROWS_PER_STATEMENT = 20_000;

/**
 * Time slices of [from, to), aligned to `step`, each scanning about ROWS_PER_STATEMENT rows of
 * `entities` entities on a tier whose rows are `rowSeconds` apart: one long range becomes many
 * short statements, so that no single statement holds the event loop (SQLite runs synchronously)
 * and the budget is checked between them.
 */
export function* timeSlices(from: number, to: number, step: number, entities: number, rowSeconds: number) {
  const buckets = Math.max(1, Math.floor((ROWS_PER_STATEMENT * rowSeconds) / Math.max(1, entities) / step));
  for (let t = from; t < to; t += buckets * step) yield [t, Math.min(to, t + buckets * step)] as const;
}

/** Seconds between two rows of a tier (raw: the agent's default interval). */
export const rowSeconds = (tier: api.Tier) => (tier === 'raw' ? 10 : TIER_SECONDS[tier]);

export class BadQueryError extends Error {
  constructor(
    readonly path: string,
    message: string
  ) {
    super(message);
  }
}

/** Time series, top-N and the node heatmap. */
export class TimeseriesQueries {
  constructor(
    private readonly ctx: QueryContext,
    private readonly retention: Retention,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS
  ) {}

  private get knex() {
    return this.ctx.db.knex;
  }

  /** Series of one entity or an aggregate (sum over its members of each member's bucket value). */
  async series(scope: Scope, q: api.SeriesQuery & { tier?: api.Tier }): Promise<api.SeriesReply> {
    const family: SampleFamily = ['node', 'cluster', 'all'].includes(q.kind) ? 'node' : 'container';
    const defs = metricsOf(family);
    const cols = q.metrics.map((m) => {
      const d = defs.find((x) => x.api === m);
      if (!d) throw new BadQueryError('metrics', `${m} is not a ${family} metric`);
      return d.column;
    });
    const { tier, step } = pickTier(
      q.step ?? defaultStep(q.from, q.to),
      q.from,
      this.ctx.now(),
      this.retention,
      q.tier
    );
    // Bounds first: a range, points or series beyond the limits is refused before any work.
    const points = checkRange(this.limits, { from: q.from, to: q.to, step });
    checkSeries(this.limits, q.metrics.length, points, 'metrics');
    const budget = new Budget(this.limits.timeoutMs);
    const members = await this.members(scope, q.kind, q.id ?? null, q.cluster ?? null, tier);
    const from = q.from - (q.from % step);
    // Per bucket, the sum over members of each member's bucket value; members and time in chunks.
    const sums = new Map<number, Row>();
    for (let i = 0; i < members.length; i += ENTITY_CHUNK) {
      const part = members.slice(i, i + ENTITY_CHUNK);
      for (const [lo, hi] of timeSlices(from, q.to, step, part.length, rowSeconds(tier))) {
        const inner = this.knex(tierTable(family, tier))
          .select(bucketSelect(this.knex, family, tier, cols, q.agg as Agg, step))
          .whereIn('entity_id', part)
          .where('ts', '>=', lo)
          .where('ts', '<', hi)
          .groupBy('entity_id', 'b')
          .as('x');
        const chunk = await budget.select(
          this.ctx.db,
          this.knex
            .from(inner)
            .select('b', ...cols.map((c) => this.knex.raw(`SUM(${c}) as ${c}`)))
            .groupBy('b')
        );
        for (const r of chunk) {
          const b = Number(r.b);
          const acc = sums.get(b);
          if (!acc) sums.set(b, r);
          else for (const c of cols) if (r[c] !== null) acc[c] = acc[c] === null ? r[c] : Number(acc[c]) + Number(r[c]);
        }
      }
    }
    const rows = [...sums.values()];
    const byBucket = new Map(rows.map((r) => [Number(r.b), r]));
    const buckets: number[] = [];
    for (let t = from; t < q.to; t += step) buckets.push(t);
    return {
      kind: q.kind,
      id: q.id ?? null,
      from,
      to: q.to,
      step,
      tier,
      series: q.metrics.map((metric, i) => ({
        metric,
        unit: api.METRIC_UNITS[metric] ?? 'short',
        points: buckets.map((b) => [b, num(byBucket.get(b)?.[cols[i]] ?? null)] as [number, number | null]),
      })),
    };
  }

  /**
   * Entity ids whose samples make up the requested series, within the caller's scope, as a literal
   * list (the planner then scans the tier's time range instead of probing it once per member).
   * Clusters and "all" read the rollup's per-cluster rows when the caller may see whole clusters.
   */
  private async members(
    scope: Scope,
    kind: api.SeriesKind,
    id: string | null,
    clusters: string[] | null,
    tier: api.Tier
  ): Promise<string[]> {
    const s = narrow(scope, { clusters: clusters ?? undefined });
    const ids = async (qb: Knex.QueryBuilder) => ((await qb) as Row[]).map((r) => String(r.id));
    if (kind === 'node' || kind === 'cluster' || kind === 'all') {
      const qb = applyNodeScope(
        this.knex('nodes as n').join('clusters as cl', 'cl.id', 'n.cluster_id').select('n.id'),
        s,
        { clusterName: 'cl.name', nodeName: 'n.name' }
      );
      if (kind === 'node') qb.where('n.id', id!);
      if (kind === 'cluster') qb.where('cl.id', id!);
      if (kind !== 'all') await this.mustExist(qb.clone(), kind, id!);
      if (kind !== 'node' && tier !== 'raw' && !s.nodes && !s.namespaces) {
        return ids(qb.clearSelect().distinct('cl.id as id'));
      }
      return ids(qb);
    }
    const qb = applyScope(containerJoins(this.knex).select('c.id'), s, {
      clusterName: 'cl.name',
      nodeName: 'n.name',
      namespace: 'c.namespace',
    });
    if (kind === 'container') qb.where('c.id', id!);
    else if (kind === 'pod') qb.where('c.pod_uid', id!);
    else if (kind === 'namespace') {
      const ns = await this.resolveNamespace(id!);
      qb.where('c.cluster_id', ns.clusterId).where('c.namespace', ns.name);
    } else if (kind === 'workload') {
      const w = await this.knex('workloads').where('id', id!).first();
      if (!w) throw new NotFoundError(`workload ${id} not found`);
      qb.where({
        'c.cluster_id': w.cluster_id,
        'c.namespace': w.namespace,
        'c.workload_kind': w.kind,
        'c.workload_name': w.name,
      });
    }
    await this.mustExist(qb.clone(), kind, id!);
    return ids(qb);
  }

  private async mustExist(qb: Knex.QueryBuilder, kind: string, id: string) {
    if (!(await qb.first())) throw new NotFoundError(`${kind} ${id} not found`);
  }

  /** Maps a namespace id back to its cluster and name. */
  async resolveNamespace(id: string): Promise<{ clusterId: string; name: string }> {
    const rows = await this.knex('containers as c')
      .join('clusters as cl', 'cl.id', 'c.cluster_id')
      .distinct('c.cluster_id', 'cl.name as cluster_name', 'c.namespace')
      .whereNotNull('c.namespace');
    const hit = rows.find((r) => ids.namespaceId(r.cluster_name, r.namespace) === id);
    if (!hit) throw new NotFoundError(`namespace ${id} not found`);
    return { clusterId: hit.cluster_id, name: hit.namespace };
  }

  /**
   * The containers with the highest average of a metric over the last `window` seconds.
   * Three steps keep it a time-range scan: the caller's containers (only when scoped), the ranking
   * metric alone over the window, then the other metrics for the winners only.
   */
  async top(scope: Scope, q: api.TopQuery): Promise<api.TopReply> {
    const now = this.ctx.now();
    const budget = new Budget(this.limits.timeoutMs);
    const plan = await this.topPlan(budget, q.window, now);
    const { tier } = plan;
    const col = metricsOf('container').find((d) => d.api === q.metric)!.column;
    const s = narrow(scope, {
      clusters: q.cluster ?? undefined,
      nodes: q.node ?? undefined,
      namespaces: q.namespace ?? undefined,
    });
    const scoped = s.clusters || s.nodes || s.namespaces;
    const allowed: string[] | null = scoped
      ? (
          await applyScope(containerJoins(this.knex).select('c.id'), s, {
            clusterName: 'cl.name',
            nodeName: 'n.name',
            namespace: 'c.namespace',
          })
        ).map((r: Row) => String(r.id))
      : null;
    if (allowed && !allowed.length) return { metric: q.metric, window: q.window, tier, items: [] };
    // Ranked in time slices (sum and count per container, added up here), so that a 31-day
    // window is many short statements within the budget rather than one that holds SQLite.
    const population =
      allowed?.length ??
      Number((await budget.select<{ n: number }>(this.ctx.db, this.knex('containers').count({ n: '*' })))[0].n);
    const sums = await this.windowSums(budget, plan, [col], allowed, now, population);
    const ranked = [...sums]
      .filter(([, v]) => v[col].c > 0)
      .map(([id, v]) => ({ entity_id: id, [col]: v[col].s / v[col].c }) as Row)
      .sort((a, b) => Number(b[col]) - Number(a[col]) || (String(a.entity_id) < String(b.entity_id) ? -1 : 1))
      .slice(0, q.limit);
    if (!ranked.length) return { metric: q.metric, window: q.window, tier, items: [] };
    const ids = ranked.map((r) => String(r.entity_id));
    const cols = ['cpu_cores', 'mem_bytes', 'net_rx_bps', 'net_tx_bps', 'disk_read_bps', 'disk_write_bps'];
    const winners = await this.windowSums(budget, plan, cols, ids, now, ids.length);
    const metrics: Row[] = [...winners].map(([id, v]) => {
      const r: Row = { entity_id: id };
      for (const c of cols) r[c] = v[c].c > 0 ? v[c].s / v[c].c : null;
      return r;
    });
    const info: Row[] = await containerJoins(this.knex)
      .whereIn('c.id', ids)
      .select('c.id', 'c.name', 'c.image', 'c.state', 'c.health', 'c.gone_at', 'c.namespace', 'c.host_network')
      .select('n.id as node_id', 'n.name as node_name', 'n.cores as node_cores', 'cl.name as cluster_name')
      .select('n.last_seen');
    const m = new Map(metrics.map((r) => [String(r.entity_id), r]));
    const c = new Map(info.map((r) => [String(r.id), r]));
    return {
      metric: q.metric,
      window: q.window,
      tier,
      items: ranked
        .filter((r) => c.has(String(r.entity_id)))
        .map((rk, i) => {
          const r = { ...c.get(String(rk.entity_id))!, ...m.get(String(rk.entity_id)) };
          return {
            rank: i + 1,
            id: String(r.id),
            name: String(r.name),
            image: String(r.image),
            // A silent node's containers rank by what they used in the window, but not as running.
            displayState: displayState(r, nodeIsSilent(r, now, this.ctx.staleAfter)),
            clusterName: String(r.cluster_name),
            nodeId: String(r.node_id),
            nodeName: String(r.node_name),
            namespace: (r.namespace as string) ?? null,
            value: Number(rk[col]),
            cpuCores: num(r.cpu_cores),
            cpuPercent: pct(num(r.cpu_cores), num(r.node_cores)),
            memBytes: num(r.mem_bytes),
            netRxBps: r.host_network ? null : num(r.net_rx_bps),
            netTxBps: r.host_network ? null : num(r.net_tx_bps),
            diskReadBps: num(r.disk_read_bps),
            diskWriteBps: num(r.disk_write_bps),
          };
        }),
    };
  }

  /**
   * Per container (all of them, or `ids`), the time-weighted sum (`s`) and the seconds it covers
   * (`c`) of each column over [from, to] (tiers.ts weightedSql), read in time slices of about
   * ROWS_PER_STATEMENT rows for `population` containers.
   */
  private async sumsBySlices(
    budget: Budget,
    tier: api.Tier,
    cols: string[],
    ids: string[] | null,
    from: number,
    to: number,
    population: number
  ): Promise<Map<string, Record<string, { s: number; c: number }>>> {
    const out = new Map<string, Record<string, { s: number; c: number }>>();
    const exprs = cols.flatMap((c) => {
      const w = weightedSql(tier, c);
      return [`${w.wsum} as ${c}_s`, `${w.secs} as ${c}_c`];
    });
    for (const [lo, hi] of timeSlices(from, to + 1, 1, Math.max(1, population), rowSeconds(tier))) {
      const qb = this.knex(tierTable('container', tier))
        .select('entity_id', ...exprs.map((e) => this.knex.raw(e)))
        .where('ts', '>=', lo)
        .where('ts', '<', hi)
        .groupBy('entity_id');
      if (ids) qb.whereIn('entity_id', ids);
      for (const r of await budget.select(this.ctx.db, qb)) {
        const id = String(r.entity_id);
        let acc = out.get(id);
        if (!acc) out.set(id, (acc = Object.fromEntries(cols.map((c) => [c, { s: 0, c: 0 }]))));
        for (const c of cols) {
          const n = Number(r[`${c}_c`] ?? 0);
          if (n > 0) {
            acc[c].s += Number(r[`${c}_s`]);
            acc[c].c += n;
          }
        }
      }
    }
    return out;
  }

  /**
   * Top-N over 10 minutes or more reads the 1-minute tier up to where it is complete (the rollup
   * watermark, or the oldest minute marked late) and raw samples after that: the newest partial
   * minutes, or all of the window on a fresh install or while no leader has rolled up for a long
   * time (JOBS_ENABLED=false on every replica). Its window starts on the minute.
   */
  private async topPlan(budget: Budget, window: number, now: number) {
    const raw = { tier: 'raw' as api.Tier, from: now - window, cutoff: now - window };
    if (window < 600) return raw;
    const from = now - window - ((now - window) % 60);
    const cutoff = Math.min(await rolledUpBefore(this.ctx.db, budget, 'container'), now + 1);
    return cutoff > from ? { tier: '1m' as api.Tier, from, cutoff } : raw;
  }

  /** sumsBySlices over a top-N window: the tier's part [from, cutoff), then raw rows [cutoff, to]. */
  private async windowSums(
    budget: Budget,
    plan: { tier: api.Tier; from: number; cutoff: number },
    cols: string[],
    ids: string[] | null,
    to: number,
    population: number
  ) {
    const out =
      plan.tier === 'raw'
        ? new Map<string, Record<string, { s: number; c: number }>>()
        : await this.sumsBySlices(budget, plan.tier, cols, ids, plan.from, plan.cutoff - 1, population);
    if (plan.cutoff > to) return out;
    // Raw rows by entity (their key), never by a time range alone: on MariaDB's daily partitions
    // that has no time index and reads the whole day. Only containers with a sample since the
    // cutoff (their latest row) can have one to add.
    const recent =
      ids ??
      (
        await budget.select(
          this.ctx.db,
          this.knex(TABLES.container.latest).where('ts', '>=', plan.cutoff).select('entity_id')
        )
      ).map((r) => String(r.entity_id));
    for (let i = 0; i < recent.length; i += ENTITY_CHUNK) {
      const part = recent.slice(i, i + ENTITY_CHUNK);
      for (const [id, v] of await this.sumsBySlices(budget, 'raw', cols, part, plan.cutoff, to, part.length)) {
        const acc = out.get(id);
        if (!acc) out.set(id, v);
        else
          for (const c of cols) {
            acc[c].s += v[c].s;
            acc[c].c += v[c].c;
          }
      }
    }
    return out;
  }

  /** One tile per node with its current value, and with from/to a nodes × time matrix. */
  async heatmap(scope: Scope, q: api.HeatmapQuery): Promise<api.HeatmapReply> {
    const now = this.ctx.now();
    const s = narrow(scope, { clusters: q.cluster ?? undefined });
    const nodes = (await applyNodeScope(nodeQuery(this.knex), s, { clusterName: 'cl.name', nodeName: 'n.name' }))
      .map((r: Row) => toNodeRow(r, now, this.ctx.staleAfter))
      .sort(
        (a: api.NodeRow, b: api.NodeRow) => a.clusterName.localeCompare(b.clusterName) || a.name.localeCompare(b.name)
      );
    const reply: api.HeatmapReply = {
      metric: q.metric,
      nodes: nodes.map((n: api.NodeRow) => ({
        id: n.id,
        name: n.name,
        clusterName: n.clusterName,
        environment: n.environment,
        status: n.status,
        value: n[q.metric],
      })),
    };
    if (q.from === undefined || q.to === undefined) return reply;
    if (q.to <= q.from) throw new BadQueryError('to', 'must be after from');
    const [part, whole] =
      q.metric === 'cpuPercent'
        ? ['cpu_cores', null]
        : q.metric === 'memPercent'
          ? ['mem_used_bytes', 'mem_total_bytes']
          : ['fs_used_bytes', 'fs_total_bytes'];
    const { tier, step } = pickTier(q.step ?? defaultStep(q.from, q.to, 60), q.from, now, this.retention);
    const points = checkRange(this.limits, { from: q.from, to: q.to, step });
    checkSeries(this.limits, nodes.length, points, 'cluster');
    const budget = new Budget(this.limits.timeoutMs);
    const from = q.from - (q.from % step);
    const fs = q.metric === 'fsPercent';
    const cols = fs ? [part, whole!, 'fs_avail_bytes'] : whole ? [part, whole] : [part];
    const times: number[] = [];
    for (let t = from; t < q.to; t += step) times.push(t);
    const index = new Map(times.map((t, i) => [t, i]));
    const rowOf = new Map<string, (number | null)[]>();
    for (const n of nodes as api.NodeRow[]) {
      rowOf.set(n.id, Array<number | null>(times.length).fill(null));
      await budget.tick();
    }
    const cores = new Map(nodes.map((n: api.NodeRow) => [n.id, n.cores]));
    const ids = nodes.map((n: api.NodeRow) => n.id);
    for (let i = 0; i < ids.length; i += ENTITY_CHUNK) {
      const chunk = ids.slice(i, i + ENTITY_CHUNK);
      for (const [lo, hi] of timeSlices(from, q.to, step, chunk.length, rowSeconds(tier))) {
        const rows = await budget.select(
          this.ctx.db,
          this.knex(tierTable('node', tier))
            .select(bucketSelect(this.knex, 'node', tier, cols, 'avg', step))
            .whereIn('entity_id', chunk)
            .where('ts', '>=', lo)
            .where('ts', '<', hi)
            .groupBy('entity_id', 'b')
        );
        for (const r of rows) {
          const j = index.get(Number(r.b));
          if (j === undefined) continue;
          const v = fs
            ? fsPercent(num(r[part]), num(r.fs_avail_bytes), num(r[whole!]))
            : whole
              ? pct(num(r[part]), num(r[whole]))
              : pct(num(r[part]), cores.get(String(r.entity_id)) ?? null);
          rowOf.get(String(r.entity_id))![j] = v;
        }
      }
    }
    return { ...reply, times, matrix: nodes.map((n: api.NodeRow) => rowOf.get(n.id)!), tier };
  }
}

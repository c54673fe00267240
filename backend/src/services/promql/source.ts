import type { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import { metricsOf, TABLES, TIER_SECONDS, type MetricDef, type SampleFamily } from '../../db/metrics';
import type { Budget } from '../limits';
import { applyNodeScope, applyScope, type Scope } from '../scope';
import { rolledUpBefore, tierTable, weightedTerms } from '../tiers';
import { rowSeconds, timeSlices } from '../timeseries';
import { matcherTest, type Matcher } from './parse';
import { RISK_BASE_COLUMN, RISK_COLUMN, RISK_METRIC, riskLabels } from './risk';
import { splitIntervals, tieredBuckets } from './tiered';

/** A Prometheus label set; absent labels are left out, as Prometheus does with empty values. */
export type Labels = Record<string, string>;

/** One metric of one entity, as a Prometheus series; `probe` series read probe runs (issue 16). */
export interface SeriesRef {
  labels: Labels;
  family: SampleFamily | 'probe' | 'requests';
  column: string;
  entityId: string;
}

/**
 * The samples of one series, oldest first. Raw samples have count 1; a rollup bucket stands as one
 * sample stamped at its end, carrying its sum, count, min and max so that *_over_time stay exact
 * over whole buckets, and its time-weighted sum and seconds, so that its value (wsum / secs) and
 * averages over buckets are time-weighted (docs/decisions.md #20). A raw sample weighs one
 * (wsum = value, secs = 1): on raw data averages are Prometheus' unweighted ones.
 */
export interface Samples {
  ts: number[];
  sum: number[];
  cnt: number[];
  min: number[];
  max: number[];
  wsum: number[];
  secs: number[];
}

/**
 * Rows reduced in SQL to what the evaluator needs (Evaluator.reduction): per step interval
 * (base + (k − 1)·width, base + k·width], the newest row, or one aggregate row stamped at its end.
 */
export interface Reduction {
  kind: 'newest' | 'buckets';
  base: number;
  width: number;
}

/** Every metric on the Prometheus API, by name. */
export const PROM_METRICS = new Map<string, { family: SampleFamily; def: MetricDef<Record<string, unknown>> }>(
  (['node', 'container'] as const).flatMap((family) => metricsOf(family).map((def) => [def.prom, { family, def }]))
);

/**
 * Probe metrics (issue 16; docs/prometheus.md), one series per probe, read from its raw runs
 * (no rollups: decision 29): up as 1/0, total seconds, the certificate's notAfter (epoch seconds).
 */
export const PROBE_METRICS = new Map<string, { column: string; help: string; unit: string }>([
  ['fleetlens_probe_up', { column: 'up', help: 'Whether the probe run succeeded (1) or failed (0)', unit: '' }],
  [
    'fleetlens_probe_duration_seconds',
    { column: 'total_seconds', help: 'Total time of the probe run', unit: 'seconds' },
  ],
  [
    'fleetlens_probe_cert_not_after_seconds',
    { column: 'cert_not_after', help: "The server certificate's notAfter (https probes)", unit: 'seconds' },
  ],
]);

/**
 * Access-log metrics (issue 16), one series per container and service (and status class), each
 * request-stats row one sample: its interval's rate, or its mean response time. Sum by `service`
 * for a service's rate (docs/prometheus.md).
 */
export const REQUEST_METRICS: {
  name: string;
  column: string;
  sql: string;
  labels?: Labels;
  help: string;
  unit: string;
}[] = [
  {
    name: 'fleetlens_service_requests_per_second',
    column: 'rps',
    sql: 'requests / interval_seconds',
    help: 'Requests per second in the access log over the agent interval',
    unit: '',
  },
  ...(['2xx', '3xx', '4xx', '5xx'] as const).map((c) => ({
    name: 'fleetlens_service_status_class_per_second',
    column: `s${c}`,
    sql: `status_${c} / interval_seconds`,
    labels: { class: c },
    help: 'Requests per second of one HTTP status class in the access log',
    unit: '',
  })),
  {
    name: 'fleetlens_service_response_seconds',
    column: 'lat',
    sql: 'CASE WHEN latency_count > 0 THEN latency_sum / latency_count END',
    help: 'Mean response time of the logged requests that carried a duration',
    unit: 'seconds',
  },
];

/** Label names per family, besides __name__. */
export const FAMILY_LABELS: Record<SampleFamily, string[]> = {
  node: ['cluster', 'node'],
  container: ['cluster', 'node', 'container', 'container_id', 'image', 'namespace', 'pod', 'workload', 'workload_kind'],
};

/** Label names of probe series, besides __name__. */
export const PROBE_LABELS = ['cluster', 'namespace', 'service', 'probe', 'target', 'node'];

type Row = Record<string, unknown>;
const CHUNK = 500;

/** Series and samples for one request, within the caller's scope. */
export class PromSource {
  private readonly entities = new Map<SampleFamily, Promise<{ id: string; labels: Labels; risks?: string[] }[]>>();
  private probeList: Promise<{ id: string; labels: Labels }[]> | null = null;
  private streamList: Promise<{ id: string; labels: Labels }[]> | null = null;
  /** Per family, the time before which the minute tier is complete (read once per request). */
  private readonly rolledUp = new Map<SampleFamily, Promise<number>>();

  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
    /** Containers gone before this time have no samples the request can see. */
    private readonly notBefore: number,
    /** The request's time budget: every statement runs within it, and heavy loops yield. */
    readonly budget: Budget
  ) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  /** The series a selector's matchers pick. */
  async select(matchers: Matcher[]): Promise<SeriesRef[]> {
    const tests = matchers.map((m) => ({ label: m.label, test: matcherTest(m) }));
    const out: SeriesRef[] = [];
    for (const [name, { family, def }] of PROM_METRICS) {
      const nameTests = tests.filter((t) => t.label === '__name__');
      if (!nameTests.every((t) => t.test(name))) continue;
      const entities = await this.entitiesOf(family);
      for (let i = 0; i < entities.length; i++) {
        if (i % 1000 === 999) await this.budget.tick();
        const e = entities[i];
        const labels: Labels = { __name__: name, ...e.labels };
        if (tests.every((t) => t.label === '__name__' || t.test(labels[t.label] ?? ''))) {
          out.push({ labels, family, column: def.column, entityId: e.id });
        }
      }
    }
    // One series per container and security risk (promql/risk.ts).
    if (tests.filter((t) => t.label === '__name__').every((t) => t.test(RISK_METRIC)))
      for (const e of await this.entitiesOf('container'))
        for (const risk of e.risks ?? []) {
          const labels: Labels = { __name__: RISK_METRIC, ...e.labels, risk };
          if (tests.every((t) => t.label === '__name__' || t.test(labels[t.label] ?? '')))
            out.push({ labels, family: 'container', column: RISK_COLUMN, entityId: e.id });
        }
    for (const m of REQUEST_METRICS) {
      if (!tests.filter((t) => t.label === '__name__').every((t) => t.test(m.name))) continue;
      for (const e of await this.streams()) {
        const labels: Labels = { __name__: m.name, ...e.labels, ...(m.labels ?? {}) };
        if (tests.every((t) => t.label === '__name__' || t.test(labels[t.label] ?? '')))
          out.push({ labels, family: 'requests', column: m.column, entityId: e.id });
      }
    }
    for (const [name, { column }] of PROBE_METRICS) {
      if (!tests.filter((t) => t.label === '__name__').every((t) => t.test(name))) continue;
      for (const e of await this.probes()) {
        const labels: Labels = { __name__: name, ...e.labels };
        if (tests.every((t) => t.label === '__name__' || t.test(labels[t.label] ?? '')))
          out.push({ labels, family: 'probe', column, entityId: e.id });
      }
    }
    return out;
  }

  /**
   * Probes in scope with their labels: clusters by name, namespaces by the service's namespace
   * (Docker services have none), nodes by the probing agent's node (services.ts scopes the same way).
   */
  private probes() {
    if (!this.probeList)
      this.probeList = this.budget
        .select(
          this.db,
          applyScope(
            this.knex('probes as p')
              .join('services as s', 's.id', 'p.service_id')
              .join('clusters as cl', 'cl.id', 'p.cluster_id')
              .select('p.id', 'p.probe_key', 'p.target', 'p.node_name', 's.namespace', 's.name', 'cl.name as cluster'),
            this.scope,
            { clusterName: 'cl.name', namespace: 's.namespace', nodeName: 'p.node_name' }
          )
        )
        .then((rows: Row[]) =>
          rows.map((r) => ({
            id: String(r.id),
            labels: compact({
              cluster: r.cluster,
              namespace: r.namespace,
              service: r.name,
              probe: r.probe_key,
              target: r.target,
              node: r.node_name,
            }),
          }))
        );
    return this.probeList;
  }

  /**
   * (container, service) pairs with request stats since the request's earliest time, in scope:
   * clusters by name, namespaces by the service's, nodes by the container's node (as services.ts).
   * Id `container_id:service_id`.
   */
  private streams() {
    if (!this.streamList) {
      const pairs = this.knex('request_stats')
        .where('ts', '>=', Math.max(0, Math.floor(this.notBefore)))
        .distinct('container_id', 'service_id')
        .as('rp');
      this.streamList = this.budget
        .select(
          this.db,
          applyScope(
            this.knex
              .from(pairs)
              .join('services as s', 's.id', 'rp.service_id')
              .join('clusters as cl', 'cl.id', 's.cluster_id')
              .leftJoin('containers as c', 'c.id', 'rp.container_id')
              .leftJoin('nodes as n', 'n.id', 'c.node_id')
              .select('rp.container_id', 'rp.service_id', 's.namespace', 's.name', 'cl.name as cluster')
              .select('c.name as container', 'c.runtime_id', 'n.name as node'),
            this.scope,
            { clusterName: 'cl.name', namespace: 's.namespace', nodeName: 'n.name' }
          )
        )
        .then((rows: Row[]) =>
          rows.map((r) => ({
            id: `${r.container_id}:${r.service_id}`,
            labels: compact({
              cluster: r.cluster,
              namespace: r.namespace,
              service: r.name,
              container: r.container,
              container_id: r.runtime_id,
              node: r.node,
            }),
          }))
        );
    }
    return this.streamList;
  }

  /** Request-stat rows of the refs stamped in (from, to], oldest first, each one sample (no rollups). */
  private async requestSamples(refs: SeriesRef[], from: number, to: number, out: Map<string, Samples>) {
    const cols = REQUEST_METRICS.filter((m) => refs.some((r) => r.column === m.column));
    const byPair = [...new Set(refs.map((r) => r.entityId))].map((id) => id.split(':'));
    const containers = [...new Set(byPair.map((p) => p[0]))];
    for (let i = 0; i < containers.length; i += CHUNK) {
      const qb = this.knex('request_stats')
        .whereIn('container_id', containers.slice(i, i + CHUNK))
        .where('ts', '>', Math.floor(from))
        .where('ts', '<=', Math.floor(to))
        .select('container_id', 'service_id', 'ts')
        .select(cols.map((m) => this.knex.raw(`${m.sql} as ${m.column}`)))
        .orderBy(['container_id', 'ts']);
      for (const r of await this.budget.select(this.db, qb))
        for (const m of cols) {
          if (r[m.column] === null || r[m.column] === undefined) continue;
          const v = Number(r[m.column]);
          const key = `${r.container_id}:${r.service_id}\u0000${m.column}`;
          let s = out.get(key);
          if (!s) out.set(key, (s = { ts: [], sum: [], cnt: [], min: [], max: [], wsum: [], secs: [] }));
          s.ts.push(Number(r.ts));
          s.sum.push(v);
          s.cnt.push(1);
          s.min.push(v);
          s.max.push(v);
          s.wsum.push(v);
          s.secs.push(1);
        }
    }
  }

  /** Raw probe runs of the refs stamped in (from, to], oldest first per probe (every tier reads them: no rollups). */
  private async probeSamples(refs: SeriesRef[], from: number, to: number, out: Map<string, Samples>) {
    const columns = [...new Set(refs.map((r) => r.column))];
    const ids = [...new Set(refs.map((r) => r.entityId))];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const qb = this.knex('probe_runs')
        .whereIn('probe_id', ids.slice(i, i + CHUNK))
        .where('ts', '>', Math.floor(from))
        .where('ts', '<=', Math.floor(to))
        .select('probe_id', 'ts', ...columns)
        .orderBy(['probe_id', 'ts']);
      for (const r of await this.budget.select(this.db, qb))
        for (const c of columns) {
          if (r[c] === null || r[c] === undefined) continue;
          const v = c === 'up' ? (r[c] === true || Number(r[c]) === 1 ? 1 : 0) : Number(r[c]);
          const key = `${r.probe_id}\u0000${c}`;
          let s = out.get(key);
          if (!s) out.set(key, (s = { ts: [], sum: [], cnt: [], min: [], max: [], wsum: [], secs: [] }));
          s.ts.push(Number(r.ts));
          s.sum.push(v);
          s.cnt.push(1);
          s.min.push(v);
          s.max.push(v);
          s.wsum.push(v);
          s.secs.push(1);
        }
    }
  }

  private entitiesOf(family: SampleFamily) {
    let p = this.entities.get(family);
    if (!p) {
      p = family === 'node' ? this.nodes() : this.containers();
      this.entities.set(family, p);
    }
    return p;
  }

  private async nodes() {
    const rows: Row[] = await this.budget.select(
      this.db,
      applyNodeScope(
        this.knex('nodes as n')
          .join('clusters as cl', 'cl.id', 'n.cluster_id')
          .select('n.id', 'n.name', 'cl.name as cluster'),
        this.scope,
        { clusterName: 'cl.name', nodeName: 'n.name' }
      )
    );
    return rows.map((r) => ({ id: String(r.id), labels: compact({ cluster: r.cluster, node: r.name }) }));
  }

  private async containers() {
    const rows: Row[] = await this.budget.select(
      this.db,
      applyScope(
        this.knex('containers as c')
          .join('nodes as n', 'n.id', 'c.node_id')
          .join('clusters as cl', 'cl.id', 'c.cluster_id')
          .select(
            'c.id',
            'c.runtime_id',
            'c.name',
            'c.image',
            'c.namespace',
            'c.pod',
            'c.workload_kind',
            'c.workload_name',
            'c.risks'
          )
          .select('n.name as node', 'cl.name as cluster')
          .where((q) => q.whereNull('c.gone_at').orWhere('c.gone_at', '>=', Math.floor(this.notBefore))),
        this.scope,
        { clusterName: 'cl.name', nodeName: 'n.name', namespace: 'c.namespace' }
      )
    );
    return rows.map((r) => ({
      id: String(r.id),
      risks: riskLabels(r.risks),
      labels: compact({
        cluster: r.cluster,
        node: r.node,
        container: r.name,
        container_id: r.runtime_id,
        image: r.image,
        namespace: r.namespace,
        pod: r.pod,
        workload: r.workload_name,
        workload_kind: r.workload_kind,
      }),
    }));
  }

  /**
   * The series that have data, for discovery (series, labels, label values): the entity's newest
   * sample is at or after `from` and carries the metric. Read from the *_latest tables, so
   * discovery never scans sample history.
   */
  async withData(refs: SeriesRef[], from: number): Promise<SeriesRef[]> {
    const has = new Set<string>();
    for (const family of ['node', 'container'] as const) {
      for (const r of (await this.latestRows(refs, family)).values()) {
        if (Number(r.ts) < Math.floor(from)) continue;
        for (const def of metricsOf(family)) if (r[def.column] !== null) has.add(`${r.entity_id}\u0000${def.column}`);
        if (family === 'container' && r[RISK_BASE_COLUMN] !== null) has.add(`${r.entity_id}\u0000${RISK_COLUMN}`);
      }
    }
    // Request streams were selected for having stats since the earliest time; newer than `from` here.
    const streamIds = [...new Set(refs.filter((r) => r.family === 'requests').map((r) => r.entityId))];
    const containers = [...new Set(streamIds.map((id) => id.split(':')[0]))];
    for (let i = 0; i < containers.length; i += CHUNK) {
      const qb = this.knex('request_stats')
        .whereIn('container_id', containers.slice(i, i + CHUNK))
        .where('ts', '>=', Math.floor(from))
        .groupBy('container_id', 'service_id')
        .select('container_id', 'service_id')
        .select(this.knex.raw('SUM(latency_count) as lc'));
      for (const r of await this.budget.select(this.db, qb)) {
        const id = `${r.container_id}:${r.service_id}`;
        for (const m of REQUEST_METRICS) if (m.column !== 'lat' || Number(r.lc) > 0) has.add(`${id}\u0000${m.column}`);
      }
    }
    const probeIds = [...new Set(refs.filter((r) => r.family === 'probe').map((r) => r.entityId))];
    for (let i = 0; i < probeIds.length; i += CHUNK) {
      const qb = this.knex('probe_runs')
        .whereIn('probe_id', probeIds.slice(i, i + CHUNK))
        .where('ts', '>=', Math.floor(from))
        .groupBy('probe_id')
        .select('probe_id')
        .select(this.knex.raw('COUNT(*) as n, COUNT(total_seconds) as t, COUNT(cert_not_after) as c'));
      for (const r of await this.budget.select(this.db, qb)) {
        if (Number(r.n) > 0) has.add(`${r.probe_id}\u0000up`);
        if (Number(r.t) > 0) has.add(`${r.probe_id}\u0000total_seconds`);
        if (Number(r.c) > 0) has.add(`${r.probe_id}\u0000cert_not_after`);
      }
    }
    return refs.filter((r) => has.has(sampleKey(r)));
  }

  /**
   * Instant selectors at time t from the *_latest tables, one row per entity instead of a lookback
   * window of raw samples. Exact: an entity whose newest sample is at or before t has no newer raw
   * sample. Entities whose newest sample is after t, or lacks the metric (an older one might carry
   * it), come back as `unresolved`, for the raw tier.
   */
  async latest(refs: SeriesRef[], t: number, lookback: number) {
    const found = new Map<string, Samples>();
    // Probes have no latest table: their instant values come from the raw runs.
    const unresolved: SeriesRef[] = refs.filter((r) => r.family === 'probe' || r.family === 'requests');
    for (const family of ['node', 'container'] as const) {
      const mine = refs.filter((r) => r.family === family);
      const rows = await this.latestRows(mine, family);
      for (const ref of mine) {
        const r = rows.get(ref.entityId);
        if (!r) continue;
        const ts = Number(r.ts);
        const column = ref.column === RISK_COLUMN ? RISK_BASE_COLUMN : ref.column;
        if (ts > t || r[column] === null) unresolved.push(ref);
        else if (ts > t - lookback) {
          const v = ref.column === RISK_COLUMN ? 1 : Number(r[column]);
          found.set(sampleKey(ref), { ts: [ts], sum: [v], cnt: [1], min: [v], max: [v], wsum: [v], secs: [1] });
        }
      }
    }
    return { found, unresolved };
  }

  /** The *_latest rows of the refs' entities of one family, by entity id. */
  private async latestRows(refs: SeriesRef[], family: SampleFamily): Promise<Map<string, Row>> {
    const ids = [...new Set(refs.filter((r) => r.family === family).map((r) => r.entityId))];
    const rows = new Map<string, Row>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = this.knex(TABLES[family].latest).whereIn('entity_id', ids.slice(i, i + CHUNK));
      for (const r of await this.budget.select(this.db, part)) rows.set(String(r.entity_id), r);
    }
    return rows;
  }

  /**
   * Samples of the series stamped in (from, to], from a tier, keyed by entity id and column; with a
   * reduction, only the rows the evaluator's windows need (see `Reduction`).
   */
  async samples(
    refs: SeriesRef[],
    from: number,
    to: number,
    tier: api.Tier,
    reduction: Reduction | null = null
  ): Promise<Map<string, Samples>> {
    const out = new Map<string, Samples>();
    const probes = refs.filter((r) => r.family === 'probe');
    if (probes.length) await this.probeSamples(probes, from, to, out);
    const streams = refs.filter((r) => r.family === 'requests');
    if (streams.length) await this.requestSamples(streams, from, to, out);
    const groups = new Map<string, SeriesRef[]>();
    for (const r of refs.filter((x) => x.family !== 'probe' && x.family !== 'requests')) {
      const k = `${r.family}\u0000${r.column}`;
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    const width = tier === 'raw' ? 0 : TIER_SECONDS[tier];
    for (const group of groups.values()) {
      const { column: asked } = group[0];
      const family = group[0].family as SampleFamily;
      // Risk series read the base column's samples, each as 1 (promql/risk.ts).
      const risk = asked === RISK_COLUMN;
      const column = risk ? RISK_BASE_COLUMN : asked;
      const ids = [...new Set(group.map((r) => r.entityId))];
      // Per-interval aggregates over raw rows come from the minute tier where it holds exactly them.
      const split =
        tier === 'raw' && reduction?.kind === 'buckets' && !risk && (await this.tierSplit(family, reduction, to));
      if (split) {
        for (let i = 0; i < ids.length; i += CHUNK)
          await tieredBuckets(
            this.db,
            this.budget,
            family,
            column,
            asked,
            ids.slice(i, i + CHUNK),
            reduction!,
            split,
            out
          );
        continue;
      }
      // Entities and time in slices (oldest first, so each series stays in time order): no single
      // statement scans more than about ROWS_PER_STATEMENT rows or holds the event loop long.
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK);
        for (const [lo, hi] of timeSlices(from - width, to - width, 1, part.length, rowSeconds(tier))) {
          const qb = this.rowsQuery(family, tier, column, part, reduction, [
            ['ts', lo === from - width ? '>' : '>=', lo],
            ['ts', hi === to - width ? '<=' : '<', hi],
          ]);
          const rows: Row[] = await this.budget.select(this.db, qb);
          for (const r of rows) {
            const key = `${r.entity_id}\u0000${asked}`;
            if (risk) Object.assign(r, { v: 1, s: r.c, lo: 1, hi: 1, ws: r.sc });
            let s = out.get(key);
            if (!s) out.set(key, (s = { ts: [], sum: [], cnt: [], min: [], max: [], wsum: [], secs: [] }));
            s.ts.push(Number(r.ts) + width);
            if (tier === 'raw' && reduction?.kind !== 'buckets') {
              const v = Number(r.v);
              s.sum.push(v);
              s.cnt.push(1);
              s.min.push(v);
              s.max.push(v);
              s.wsum.push(v);
              s.secs.push(1);
            } else {
              s.sum.push(Number(r.s));
              s.cnt.push(Number(r.c));
              s.min.push(Number(r.lo));
              s.max.push(Number(r.hi));
              s.wsum.push(Number(r.ws));
              s.secs.push(Number(r.sc));
            }
          }
        }
      }
    }
    return out;
  }
  /** How the reduction's intervals up to `to` split between the minute tier and raw rows (promql/tiered.ts). */
  private async tierSplit(family: SampleFamily, reduction: Reduction, to: number) {
    const count = (to - reduction.base) / reduction.width;
    if (!Number.isInteger(count) || reduction.width % 60 !== 0) return null;
    let cutoff = this.rolledUp.get(family);
    if (!cutoff) this.rolledUp.set(family, (cutoff = rolledUpBefore(this.db, this.budget, family)));
    return splitIntervals(reduction.base, reduction.width, count, await cutoff);
  }

  /**
   * One slice's statement: the tier's rows of some entities that carry the metric, oldest first per
   * entity. A reduction groups the rows by step interval (base + (k − 1)·width, base + k·width] of
   * their stamp (ts plus the tier's width): `newest` keeps each interval's newest row, `buckets` one
   * aggregate row per interval stamped at its end.
   */
  private rowsQuery(
    family: SampleFamily,
    tier: api.Tier,
    column: string,
    ids: string[],
    reduction: Reduction | null,
    bounds: [string, '>' | '>=' | '<' | '<=', number][]
  ): Knex.QueryBuilder {
    const table = tierTable(family, tier);
    const tw = tier === 'raw' ? 0 : TIER_SECONDS[tier];
    const scan = (q: Knex.QueryBuilder, a = '') => {
      q.whereIn(`${a}entity_id`, ids);
      for (const [c, op, v] of bounds) q.where(`${a}${c}`, op, v);
      return tier === 'raw' ? q.whereNotNull(`${a}${column}`) : q.where(`${a}${column}_cnt`, '>', 0);
    };
    const values = (a = '') => {
      if (tier === 'raw') return [this.knex.raw(`${a}${column} as v`)];
      const w = weightedTerms(tier, column, a.replace('.', ''));
      return [`${column}_sum as s`, `${column}_cnt as c`, `${column}_min as lo`, `${column}_max as hi`]
        .map((x) => this.knex.raw(a + x))
        .concat([this.knex.raw(`${w.wsum} as ws`), this.knex.raw(`${w.secs} as sc`)]);
    };
    if (!reduction) return scan(this.knex(table).select('entity_id', 'ts', ...values())).orderBy(['entity_id', 'ts']);
    const { base, width } = reduction;
    if (![base, width, tw].every(Number.isInteger)) throw new Error('a reduction needs whole seconds');
    // Non-negative throughout (stamps are after base), as MariaDB's unsigned ts requires.
    const end = `(ts + ${tw + width - 1} - ((ts + ${tw} - ${base} - 1) % ${width}))`;
    if (reduction.kind === 'buckets') {
      const w = weightedTerms(tier, column);
      const agg =
        tier === 'raw'
          ? {
              s: `SUM(${column})`,
              c: `COUNT(${column})`,
              lo: `MIN(${column})`,
              hi: `MAX(${column})`,
              ws: `SUM(${column})`,
              sc: `COUNT(${column})`,
            }
          : {
              s: `SUM(${column}_sum)`,
              c: `SUM(${column}_cnt)`,
              lo: `MIN(${column}_min)`,
              hi: `MAX(${column}_max)`,
              ws: `SUM(${w.wsum})`,
              sc: `SUM(${w.secs})`,
            };
      return scan(this.knex(table))
        .select('entity_id', this.knex.raw(`${end} - ${tw} as ts`))
        .select(Object.entries(agg).map(([k, e]) => this.knex.raw(`${e} as ${k}`)))
        .groupByRaw(`entity_id, ${end}`)
        .orderByRaw(`entity_id, ${end}`);
    }
    const newest = scan(this.knex(table).select('entity_id', this.knex.raw('MAX(ts) as mts')))
      .groupByRaw(`entity_id, ${end}`)
      .as('m');
    return this.knex(`${table} as r`)
      .join(newest, (j) => j.on('r.entity_id', '=', 'm.entity_id').andOn('r.ts', '=', 'm.mts'))
      .select('r.entity_id', 'r.ts', ...values('r.'))
      .orderBy(['r.entity_id', 'r.ts']);
  }
}

/** Drops null and empty values, as Prometheus has no empty labels. */
function compact(o: Record<string, unknown>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined && v !== '') out[k] = String(v);
  return out;
}

export const sampleKey = (r: SeriesRef) => `${r.entityId}\u0000${r.column}`;

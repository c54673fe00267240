import type { Knex } from 'knex';
import type { ContainerReport, IngestBatch, IngestReply, NodeReport } from '@fleetlens/protocol';
import { isDbUnavailable, withConflictRetry, type Db } from '../db/connection';
import * as ids from '../db/ids';
import {
  CONTAINER_METRICS,
  MAX_SPAN_SECONDS,
  NODE_METRICS,
  SPAN_COLUMN,
  TABLES,
  type MetricDef,
  type SampleFamily,
} from '../db/metrics';
import { insertIgnore, upsertRows, upsertIfNewer } from '../db/writes';
import { containerRisks, risksColumn } from './posture';
import { writeServiceHealth } from './service-ingest';
import { networkRows, writeNetworks } from './network-ingest';
import type { ActionsService } from './actions';
import { WriteCombiner } from './write-combiner';

type Row = Record<string, unknown>;
type Accepted = IngestReply['accepted'];

const json = (v: unknown) => JSON.stringify(v ?? {});

/** Newest time a report speaks for: its newest sample, else the batch's send time. */
const reportTs = (samples: { ts: number }[], sentAt: number) =>
  samples.reduce((m, s) => (s.ts > m ? s.ts : m), samples.length ? 0 : sentAt);

/** How far behind a batch a cluster's `last_seen` may fall before the batch writes it (an agent interval). */
export const CLUSTER_SEEN_STEP_SECONDS = 10;

/** Raised when a token bound to one cluster sends another cluster's data. */
export class ForbiddenClusterError extends Error {}

/** How far from the server clock an ingested timestamp may be (seconds). */
export interface IngestWindow {
  /** Samples (and inventories, workloads) older than this are refused: the raw retention. */
  maxSampleAgeSeconds: number;
  /** Events older than this are refused: their retention. */
  maxEventAgeSeconds: number;
  /** Log lines older than this are refused: their retention. */
  maxLogAgeSeconds: number;
  /** Anything stamped further ahead of the server clock than this is refused. */
  maxFutureSeconds: number;
}

/** One bad field of a batch, by its path (as the 400 reply names it). */
export interface TimestampIssue {
  path: string;
  message: string;
}

/**
 * Rows a batch writes, about: entities, their samples (raw and latest), inventory entries,
 * workloads, events and log lines. What the ingest row limit (INGEST_MAX_ROWS) counts.
 */
export function batchRows(batch: IngestBatch): number {
  let n = batch.workloads.length + batch.events.length + batch.logs.length + 1;
  // A probe run also updates its probe's and its service's row; a request stat its service's.
  n += 3 * batch.probeResults.length + 2 * batch.requestStats.length;
  for (const x of batch.nodes) n += 2 + x.samples.length;
  for (const x of batch.containers) n += 2 + x.samples.length;
  for (const x of batch.inventories) n += 1 + x.containerIds.length;
  n += networkRows(batch);
  return n;
}

/** Most issues listed in one reply (a batch with 100,000 bad samples would otherwise answer megabytes). */
const MAX_ISSUES = 20;

/**
 * Timestamps outside the window around the server clock `now`, by field path: a sample at ts=0
 * would make rollups walk from 1970, one in 2100 would pin a node's current values for ever.
 * Nothing of a batch with such a timestamp is stored (the agent is told why, and its clock skew).
 */
export function timestampIssues(batch: IngestBatch, now: number, w: IngestWindow): TimestampIssue[] {
  const out: TimestampIssue[] = [];
  const ahead = now + w.maxFutureSeconds;
  const skew = batch.sentAt - now;
  const check = (path: string, ts: number, maxAge: number, what: string) => {
    if (out.length >= MAX_ISSUES) return;
    if (ts > ahead)
      out.push({
        path,
        message: `${ts} is ${ts - now} s ahead of the server clock (at most ${w.maxFutureSeconds} s, INGEST_MAX_FUTURE_SECONDS); the batch's sentAt is ${skew} s from the server clock`,
      });
    else if (ts < now - maxAge)
      out.push({
        path,
        message: `${ts} is ${now - ts} s old, older than the ${what} retention of ${maxAge} s; such data would be deleted at once`,
      });
  };
  if (batch.sentAt > ahead) check('sentAt', batch.sentAt, Infinity, '');
  batch.nodes.forEach((n, i) =>
    n.samples.forEach((s, j) => check(`nodes.${i}.samples.${j}.ts`, s.ts, w.maxSampleAgeSeconds, 'raw sample'))
  );
  batch.containers.forEach((c, i) =>
    c.samples.forEach((s, j) => check(`containers.${i}.samples.${j}.ts`, s.ts, w.maxSampleAgeSeconds, 'raw sample'))
  );
  batch.inventories.forEach((v, i) => check(`inventories.${i}.ts`, v.ts, w.maxSampleAgeSeconds, 'raw sample'));
  batch.workloads.forEach((v, i) => check(`workloads.${i}.ts`, v.ts, w.maxSampleAgeSeconds, 'raw sample'));
  batch.events.forEach((e, i) => check(`events.${i}.ts`, e.ts, w.maxEventAgeSeconds, 'event'));
  batch.logs.forEach((l, i) => check(`logs.${i}.ts`, l.ts, w.maxLogAgeSeconds, 'log'));
  batch.probeResults.forEach((p, i) => check(`probeResults.${i}.ts`, p.ts, w.maxSampleAgeSeconds, 'raw sample'));
  batch.requestStats.forEach((r, i) => check(`requestStats.${i}.ts`, r.ts, w.maxSampleAgeSeconds, 'raw sample'));
  batch.networks?.forEach((v, i) => check(`networks.${i}.ts`, v.ts, w.maxSampleAgeSeconds, 'raw sample'));
  if (batch.networkPolicies) check('networkPolicies.ts', batch.networkPolicies.ts, w.maxSampleAgeSeconds, 'raw sample');
  return out;
}

/** A batch refused before anything is stored: `status` 413 (too large: split it) or 400 (bad timestamps). */
export class BatchRefusedError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
    readonly issues: TimestampIssue[] = []
  ) {
    super(message);
  }
}

/** What one batch may hold: rows it writes (INGEST_MAX_ROWS) and the timestamp window. */
export interface IngestLimits {
  maxRows: number;
  window: IngestWindow;
}

/** Stores agent batches: entities, samples, latest values, inventories, events and logs, in one transaction. */
export class IngestService {
  /** Per cluster id, its description and `last_seen` as last committed or read here. */
  private readonly clusters = new Map<string, ClusterSeen>();
  /** Batches that arrive while others are written go in together (decision 39). */
  private readonly combiner: WriteCombiner<IngestBatch, Accepted>;

  constructor(
    private readonly db: Db,
    private readonly limits: IngestLimits,
    /** One line per retried deadlock (MariaDB). */
    private readonly warn: (line: string) => void = () => {},
    /** Applies the batch's container action results in the same transaction (issue 15). */
    private readonly actions?: Pick<ActionsService, 'applyResults'>
  ) {
    const groupRows = Math.min(limits.maxRows, GROUP_MAX_ROWS);
    this.combiner = new WriteCombiner(
      (batches) => withConflictRetry('ingest transaction', () => this.store(batches), this.warn),
      groupRows,
      // SQLite has one writer; on MariaDB a second group is prepared while one commits.
      db.dialect === 'mysql' ? 2 : 1,
      GROUPS_WAITING * groupRows,
      isDbUnavailable
    );
  }

  /**
   * Stores one validated batch atomically and returns what it stored. Replays are idempotent.
   * Refuses, before storing anything, a batch too large to store within an agent's request
   * timeout (413: the agent splits it, agent/src/transport/sender.ts) or with timestamps outside
   * the window around the server clock `now` (400 naming each field). Batches that arrive
   * together are stored in one transaction; each caller is answered when it has committed.
   */
  async ingest(batch: IngestBatch, boundCluster: string | null | undefined, now: number): Promise<Accepted> {
    if (boundCluster && boundCluster !== batch.cluster.name) {
      throw new ForbiddenClusterError(`this agent token may only send data for cluster "${boundCluster}"`);
    }
    const rows = batchRows(batch);
    if (rows > this.limits.maxRows)
      throw new BatchRefusedError(
        413,
        `batch writes ${rows} rows, more than the ${this.limits.maxRows} one request may store (INGEST_MAX_ROWS); split it into smaller batches`
      );
    const bad = timestampIssues(batch, now, this.limits.window);
    if (bad.length) throw new BatchRefusedError(400, 'timestamps outside the accepted window; nothing was stored', bad);
    return this.combiner.submit(batch, rows);
  }

  /** Stores batches in one transaction: each table is read and written once for all of them. */
  private async store(batches: IngestBatch[]): Promise<Accepted[]> {
    const seen = new Map<string, ClusterSeen>();
    const accepted = await this.db.knex.transaction(async (trx): Promise<Accepted[]> => {
      const group = batches.map(prepare);
      // What is stored of the batches' entities, each table read once (statements are the cost).
      const nodes = await this.stored(trx, 'node', unique(group.flatMap((p) => [...p.nodeIds.values()])));
      const containers = await this.stored(trx, 'container', unique(group.flatMap((p) => p.containerIds)));
      const watermarks = await this.watermarks(trx, batches);
      await this.writeNodes(trx, group, nodes);
      await this.writeContainers(trx, group, containers);
      await this.writeSamples(
        trx,
        'node',
        group.flatMap((p) => p.batch.nodes.map((n) => ({ id: p.nodeIds.get(n.name)!, samples: n.samples }))),
        nodes,
        watermarks.node
      );
      await this.writeSamples(
        trx,
        'container',
        group.flatMap((p) => p.batch.containers.map((c, i) => ({ id: p.containerIds[i], samples: c.samples }))),
        containers,
        watermarks.container
      );
      await this.applyInventories(trx, group, nodes);
      await this.writeWorkloads(trx, group);
      await this.writeAgents(trx, group);
      await this.writeEvents(trx, group);
      await this.writeLogs(trx, group);
      const out: Accepted[] = [];
      for (const { batch, clusterId } of group) {
        // Each a no-op without its kind of data, which live batches seldom carry.
        const health = await writeServiceHealth(this.db, trx, batch, clusterId);
        const actionResults = (await this.actions?.applyResults(trx, batch)) ?? 0;
        const networks = await writeNetworks(this.db, trx, batch);
        out.push({
          nodes: batch.nodes.length,
          nodeSamples: sampleCount(batch.nodes),
          containers: batch.containers.length,
          containerSamples: sampleCount(batch.containers),
          workloads: batch.workloads.length,
          events: batch.events.length,
          logs: batch.logs.length,
          ...health,
          ...(batch.actionResults.length ? { actionResults } : {}),
          ...networks,
        });
      }
      // Last: every agent of a cluster writes this one row, and its lock is held until commit.
      for (const [id, p] of newestPer(
        group,
        (p) => p.clusterId,
        (p) => p.batch.sentAt
      )) {
        const s = await this.writeCluster(trx, p.batch, id);
        if (s) seen.set(id, s);
      }
      return out;
    });
    // Only what committed is remembered (a rolled-back first batch must not hide a new cluster).
    for (const [id, s] of seen) {
      if (this.clusters.size >= MAX_CLUSTERS_REMEMBERED) this.clusters.clear();
      this.clusters.set(id, s);
    }
    return accepted;
  }

  /**
   * Per stored node or container: its `last_seen`, `gone_at` (containers) or `inventory_ts`
   * (nodes), and the time of its newest sample (the latest table), in one statement per 5,000 ids.
   */
  private async stored(
    trx: Knex.Transaction,
    family: SampleFamily,
    idList: string[]
  ): Promise<Map<string, StoredEntity>> {
    const out = new Map<string, StoredEntity>();
    const table = family === 'node' ? 'nodes' : 'containers';
    const extra = family === 'node' ? 'e.inventory_ts' : 'e.gone_at';
    for (let i = 0; i < idList.length; i += 5000) {
      const rows: Row[] = await trx(`${table} as e`)
        .leftJoin(`${TABLES[family].latest} as l`, 'l.entity_id', 'e.id')
        .select('e.id', 'e.last_seen', extra, 'l.ts as latest_ts')
        .whereIn('e.id', idList.slice(i, i + 5000));
      for (const r of rows)
        out.set(String(r.id), {
          lastSeen: Number(r.last_seen),
          goneAt: r.gone_at === null || r.gone_at === undefined ? null : Number(r.gone_at),
          inventoryTs: Number(r.inventory_ts ?? 0),
          latestTs: r.latest_ts === null || r.latest_ts === undefined ? null : Number(r.latest_ts),
        });
    }
    return out;
  }

  /** The 1-minute rollup watermarks of the families the batches have samples of, in one statement. */
  private async watermarks(
    trx: Knex.Transaction,
    batches: IngestBatch[]
  ): Promise<Record<SampleFamily, number | null>> {
    const out: Record<SampleFamily, number | null> = { node: null, container: null };
    const names = [
      ...(batches.some((b) => sampleCount(b.nodes)) ? ['node_1m'] : []),
      ...(batches.some((b) => sampleCount(b.containers)) ? ['container_1m'] : []),
    ];
    if (!names.length) return out;
    const rows: Row[] = await trx('rollup_state').whereIn('name', names).select('name', 'watermark');
    for (const r of rows) out[String(r.name) === 'node_1m' ? 'node' : 'container'] = Number(r.watermark);
    return out;
  }

  /**
   * The cluster row, written only when its description changed or its `last_seen` is at least
   * CLUSTER_SEEN_STEP_SECONDS behind the batch: every agent of the cluster would otherwise queue on
   * this one row's lock, one transaction at a time (decision 39).
   */
  private async writeCluster(trx: Knex.Transaction, batch: IngestBatch, id: string): Promise<ClusterSeen | undefined> {
    const c = batch.cluster;
    const description = JSON.stringify([c.kind, c.environment, json(c.labels)]);
    const fresh = (lastSeen: number) => lastSeen > batch.sentAt - CLUSTER_SEEN_STEP_SECONDS;
    // What this process last stored or read: most batches need not even read the row.
    const known = this.clusters.get(id);
    if (known && known.description === description && fresh(known.lastSeen)) return undefined;
    const prev = await trx('clusters').where('id', id).first('kind', 'environment', 'labels', 'last_seen');
    if (prev) {
      const seen = Number(prev.last_seen);
      const same = JSON.stringify([prev.kind, prev.environment, prev.labels]) === description;
      if (seen > batch.sentAt) return same ? { description, lastSeen: seen } : undefined;
      if (same && fresh(seen)) return { description, lastSeen: seen };
    }
    const row = {
      id,
      name: c.name,
      kind: c.kind,
      environment: c.environment,
      labels: json(c.labels),
      first_seen: batch.sentAt,
      last_seen: batch.sentAt,
    };
    await upsertIfNewer(this.db, trx, 'clusters', [row], 'id', 'last_seen', ['kind', 'environment', 'labels']);
    return { description, lastSeen: batch.sentAt };
  }

  private async writeNodes(trx: Knex.Transaction, group: Prepared[], stored: Map<string, StoredEntity>) {
    const rows: Row[] = [];
    const placeholders: Row[] = [];
    const touches: { id: string; sentAt: number }[] = [];
    for (const { batch, clusterId, nodeIds } of group) {
      const reported = new Set<string>();
      for (const n of batch.nodes) {
        const id = nodeIds.get(n.name)!;
        const ts = reportTs(n.samples, batch.sentAt);
        reported.add(n.name);
        if ((stored.get(id)?.lastSeen ?? -1) > ts) continue;
        rows.push(nodeRow(n, id, clusterId, ts));
      }
      // Containers can name a node no agent has described yet (cluster mode); give it a placeholder.
      for (const [name, id] of nodeIds)
        if (!reported.has(name) && !stored.has(id))
          placeholders.push(
            nodeRow(
              {
                name,
                role: 'worker',
                os: '',
                kernel: '',
                arch: '',
                cores: 0,
                memoryBytes: 0,
                bootTime: null,
                status: 'unknown',
                labels: {},
                samples: [],
              },
              id,
              clusterId,
              batch.sentAt
            )
          );
      // A node agent that reports only containers (FLEETLENS_COLLECTORS=docker) still speaks for its
      // own node: the push keeps that node from reading silent. A cluster agent naming nodes does not.
      const own = batch.agent.mode === 'node' ? nodeIds.get(batch.agent.hostname) : undefined;
      const ownSeen = own ? stored.get(own)?.lastSeen : undefined;
      if (own && !reported.has(batch.agent.hostname) && ownSeen !== undefined && ownSeen < batch.sentAt)
        touches.push({ id: own, sentAt: batch.sentAt });
    }
    // The skip above only saves bytes; the condition in SQL is what keeps a newer report when a
    // concurrent group (MariaDB runs two) stored it after this group's read.
    await upsertIfNewer(this.db, trx, 'nodes', newestPerRow(rows, 'last_seen'), 'id', 'last_seen', NODE_UPDATE);
    await insertIgnore(this.db, trx, 'nodes', newestPerRow(placeholders, 'last_seen'));
    for (const t of touches)
      await trx('nodes').where('id', t.id).where('last_seen', '<', t.sentAt).update({ last_seen: t.sentAt });
  }

  private async writeContainers(trx: Knex.Transaction, group: Prepared[], stored: Map<string, StoredEntity>) {
    const rows: Row[] = [];
    for (const { batch, clusterId, nodeIds, containerIds } of group)
      batch.containers.forEach((c, i) => {
        const id = containerIds[i];
        const ts = reportTs(c.samples, batch.sentAt);
        const was = stored.get(id);
        if ((was?.lastSeen ?? -1) > ts) return; // saves bytes; SQL's condition is what holds (writeNodes)
        const row = containerRow(c, id, clusterId, nodeIds.get(c.nodeName)!, ts);
        // A report no newer than the inventory that found it missing does not bring it back.
        if (was?.goneAt != null && ts <= was.goneAt) row.gone_at = was.goneAt;
        rows.push(row);
      });
    await upsertIfNewer(
      this.db,
      trx,
      'containers',
      newestPerRow(rows, 'last_seen'),
      'id',
      'last_seen',
      CONTAINER_UPDATE
    );
  }

  /**
   * Writes raw samples (idempotent on entity+ts) with the seconds each covers, updates `latest`,
   * and flags late data for re-rollup.
   */
  private async writeSamples(
    trx: Knex.Transaction,
    family: SampleFamily,
    reports: { id: string; samples: Record<string, unknown>[] }[],
    stored: Map<string, StoredEntity>,
    watermark: number | null
  ): Promise<void> {
    const defs = (family === 'node' ? NODE_METRICS : CONTAINER_METRICS) as MetricDef<Record<string, unknown>>[];
    const rows: Row[] = [];
    const newest = new Map<string, Row>();
    let minTs = Infinity;
    const spans = await this.spans(trx, family, reports, stored);
    for (const r of reports) {
      for (const s of r.samples) {
        const row: Row = { entity_id: r.id, ts: s.ts };
        for (const d of defs) row[d.column] = s[d.field] ?? null;
        const cur = newest.get(r.id);
        if (!cur || (cur.ts as number) <= (s.ts as number)) newest.set(r.id, { ...row });
        row[SPAN_COLUMN] = spans.get(`${r.id}/${s.ts}`) ?? null;
        rows.push(row);
        if ((s.ts as number) < minTs) minTs = s.ts as number;
      }
    }
    if (!rows.length) return;
    // In key order, so that two transactions writing the same rows lock them in the same order.
    const raw = lastPerKey(rows, (r) => `${r.entity_id}/${r.ts}`).sort(
      (a, b) => cmp(a.entity_id as string, b.entity_id as string) || (a.ts as number) - (b.ts as number)
    );
    await upsertRows(this.db, trx, TABLES[family].raw, raw, ['entity_id', 'ts']);
    const latest = [...newest.values()].sort((a, b) => cmp(a.entity_id as string, b.entity_id as string));
    await upsertIfNewer(this.db, trx, TABLES[family].latest, latest, 'entity_id');
    if (watermark !== null && minTs < watermark) {
      await trx('rollup_dirty').insert({ family, ts_from: minTs });
    }
  }

  /**
   * The seconds each sample covers, by `entity/ts`: the agent's `intervalSeconds` where sent, else
   * the time since the entity's previous sample (in the batch, else stored), at most
   * MAX_SPAN_SECONDS; absent when unknown (an entity's first sample), read as the nominal interval.
   */
  private async spans(
    trx: Knex.Transaction,
    family: SampleFamily,
    reports: { id: string; samples: Record<string, unknown>[] }[],
    stored: Map<string, StoredEntity>
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const cap = (s: number) => Math.min(MAX_SPAN_SECONDS, s);
    // Per entity, its samples oldest first (an entity may appear in several reports of a batch).
    const byEntity = new Map<string, { ts: number; interval?: number }[]>();
    for (const r of reports)
      for (const s of r.samples) {
        const list = byEntity.get(r.id) ?? [];
        list.push({ ts: s.ts as number, interval: s.intervalSeconds as number | undefined });
        byEntity.set(r.id, list);
      }
    const firstWithout = new Map<string, number>();
    for (const [id, list] of byEntity) {
      list.sort((a, b) => a.ts - b.ts);
      if (list[0].interval === undefined) firstWithout.set(id, list[0].ts);
    }
    const before = await this.previousTs(trx, family, firstWithout, stored);
    for (const [id, list] of byEntity)
      list.forEach((s, i) => {
        const prev = i > 0 ? list[i - 1].ts : before.get(id);
        const span = s.interval ?? (prev !== undefined && prev < s.ts ? s.ts - prev : undefined);
        if (span !== undefined) out.set(`${id}/${s.ts}`, cap(span));
      });
    return out;
  }

  /**
   * Per entity, the newest stored sample time before `firstTs` (within MAX_SPAN_SECONDS): its
   * latest sample (read with the entity) when that is older than the batch (the usual case), else
   * from the raw table (a replayed or late batch), one statement per distinct first time.
   */
  private async previousTs(
    trx: Knex.Transaction,
    family: SampleFamily,
    firstTs: Map<string, number>,
    stored: Map<string, StoredEntity>
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const late = new Map<number, string[]>();
    for (const [id, first] of firstTs) {
      const latest = stored.get(id)?.latestTs;
      if (latest === null || latest === undefined) continue;
      if (latest < first) out.set(id, latest);
      else {
        const list = late.get(first);
        if (list) list.push(id);
        else late.set(first, [id]);
      }
    }
    for (const [first, list] of late)
      for (let i = 0; i < list.length; i += 5000) {
        const rows: Row[] = await trx(TABLES[family].raw)
          .select('entity_id')
          .max({ ts: 'ts' })
          .whereIn('entity_id', list.slice(i, i + 5000))
          .where('ts', '<', first)
          .where('ts', '>=', first - MAX_SPAN_SECONDS)
          .groupBy('entity_id');
        for (const r of rows) out.set(String(r.entity_id), Number(r.ts));
      }
    return out;
  }

  /**
   * Marks containers missing from a node's newest full inventory as gone, and present ones as not
   * gone: per node, its inventories newer than the stored one, applied oldest first to the
   * containers as this transaction left them (one read for all nodes, one update per new value).
   */
  private async applyInventories(trx: Knex.Transaction, group: Prepared[], nodes: Map<string, StoredEntity>) {
    const byNode = new Map<string, { ts: number; present: Set<string> }[]>();
    for (const { batch, nodeIds } of group)
      for (const inv of batch.inventories) {
        const nodeId = nodeIds.get(inv.nodeName)!;
        if (inv.ts <= (nodes.get(nodeId)?.inventoryTs ?? 0)) continue; // an older (replayed) inventory
        const present = new Set(inv.containerIds.map((r) => ids.containerId(batch.cluster.name, r)));
        byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), { ts: inv.ts, present }]);
      }
    if (!byNode.size) return;
    const nodeList = [...byNode.keys()];
    const read = new Map<string, Map<string, number | null>>();
    for (let i = 0; i < nodeList.length; i += 5000) {
      const rows: Row[] = await trx('containers')
        .whereIn('node_id', nodeList.slice(i, i + 5000))
        .select('id', 'node_id', 'gone_at');
      for (const r of rows) {
        const m = read.get(String(r.node_id)) ?? new Map<string, number | null>();
        m.set(String(r.id), r.gone_at === null ? null : Number(r.gone_at));
        read.set(String(r.node_id), m);
      }
    }
    const changed = new Map<string, number | null>();
    const inventoryTs: [string, number][] = [];
    for (const [nodeId, list] of byNode) {
      const was = read.get(nodeId) ?? new Map<string, number | null>();
      const now = new Map(was);
      let done = nodes.get(nodeId)?.inventoryTs ?? 0;
      for (const inv of list.sort((a, b) => a.ts - b.ts)) {
        if (inv.ts <= done) continue;
        done = inv.ts;
        for (const [id, gone] of now)
          if (gone === null && !inv.present.has(id)) now.set(id, inv.ts);
          else if (gone !== null && inv.present.has(id)) now.set(id, null);
      }
      for (const [id, gone] of now) if (gone !== was.get(id)) changed.set(id, gone);
      inventoryTs.push([nodeId, done]);
    }
    const byValue = new Map<number | null, string[]>();
    for (const [id, gone] of changed) byValue.set(gone, [...(byValue.get(gone) ?? []), id]);
    for (const [gone, list] of byValue)
      for (let i = 0; i < list.length; i += 5000)
        await trx('containers')
          .whereIn('id', list.slice(i, i + 5000).sort())
          .update({ gone_at: gone });
    for (let i = 0; i < inventoryTs.length; i += 1000) {
      const part = inventoryTs.slice(i, i + 1000).sort(([a], [b]) => (a < b ? -1 : 1));
      await trx('nodes')
        .whereIn(
          'id',
          part.map(([id]) => id)
        )
        .update({
          inventory_ts: trx.raw(`CASE id ${part.map(() => 'WHEN ? THEN ?').join(' ')} END`, part.flat()),
        });
    }
  }

  private async writeWorkloads(trx: Knex.Transaction, group: Prepared[]) {
    const rows: Row[] = group.flatMap(({ batch, clusterId }) =>
      batch.workloads.map((w) => ({
        id: ids.workloadId(batch.cluster.name, w.kind, w.namespace, w.name),
        cluster_id: clusterId,
        kind: w.kind,
        namespace: w.namespace,
        name: w.name,
        desired_replicas: w.desiredReplicas,
        ready_replicas: w.readyReplicas,
        labels: json(w.labels),
        last_seen: w.ts,
      }))
    );
    if (!rows.length) return;
    // A replayed (older) report leaves a newer stored row as it is: the condition is in SQL.
    await upsertIfNewer(this.db, trx, 'workloads', newestPerRow(rows, 'last_seen'), 'id', 'last_seen');
  }

  private async writeAgents(trx: Knex.Transaction, group: Prepared[]) {
    const rows: Row[] = group.map(({ batch, clusterId }) => ({
      id: batch.agent.id,
      cluster_id: clusterId,
      hostname: batch.agent.hostname,
      version: batch.agent.version,
      mode: batch.agent.mode,
      status: batch.agent.status ? JSON.stringify(batch.agent.status) : null,
      last_seen: batch.sentAt,
    }));
    // One statement: a stored row stays where it is newer (a replayed batch).
    await upsertIfNewer(this.db, trx, 'agents', newestPerRow(rows, 'last_seen'), 'id', 'last_seen');
  }

  private async writeEvents(trx: Knex.Transaction, group: Prepared[]) {
    const rows: Row[] = group.flatMap(({ batch, clusterId }) => {
      const cluster = batch.cluster.name;
      return batch.events.map((e) => ({
        id: ids.eventId(
          cluster,
          String(e.ts),
          e.source,
          e.reason,
          e.objectKind,
          e.objectName,
          e.containerId ?? '',
          e.message
        ),
        cluster_id: clusterId,
        ts: e.ts,
        source: e.source,
        type: e.type,
        reason: e.reason,
        message: e.message,
        object_kind: e.objectKind,
        object_name: e.objectName,
        namespace: e.namespace,
        node_name: e.nodeName,
        container_id: e.containerId ? ids.containerId(cluster, e.containerId) : null,
        exit_code: e.exitCode,
        count: e.count,
        category: e.category ?? null,
      }));
    });
    await insertIgnore(this.db, trx, 'events', sortedById(lastPerId(rows)));
  }

  private async writeLogs(trx: Knex.Transaction, group: Prepared[]) {
    const rows: Row[] = group.flatMap(({ batch }) =>
      batch.logs.map((l) => {
        const container = ids.containerId(batch.cluster.name, l.containerId);
        return {
          id: ids.logId(container, String(l.ts), String(l.nanos), l.stream, l.message),
          container_id: container,
          ts: l.ts,
          nanos: l.nanos,
          stream: l.stream,
          level: l.level,
          message: l.message,
        };
      })
    );
    await insertIgnore(this.db, trx, 'logs', sortedById(lastPerId(rows)));
  }
}

const NODE_UPDATE = [
  'cluster_id',
  'name',
  'role',
  'os',
  'kernel',
  'arch',
  'cores',
  'memory_bytes',
  'boot_time',
  'status',
  'labels',
  'last_seen',
];
const CONTAINER_UPDATE = [
  'cluster_id',
  'node_id',
  'runtime_id',
  'name',
  'image',
  'state',
  'health',
  'status_text',
  'created_at',
  'started_at',
  'exit_code',
  'oom_killed',
  'restart_count',
  'host_network',
  'labels',
  'namespace',
  'pod',
  'pod_uid',
  'workload_kind',
  'workload_name',
  'last_seen',
  'gone_at',
  'security',
  'risks',
  'risk_count',
];

function nodeRow(n: NodeReport, id: string, clusterId: string, ts: number): Row {
  return {
    id,
    cluster_id: clusterId,
    name: n.name,
    role: n.role,
    os: n.os,
    kernel: n.kernel,
    arch: n.arch,
    cores: n.cores,
    memory_bytes: n.memoryBytes,
    boot_time: n.bootTime,
    status: n.status,
    labels: json(n.labels),
    first_seen: ts,
    last_seen: ts,
    inventory_ts: 0,
  };
}

function containerRow(c: ContainerReport, id: string, clusterId: string, nodeId: string, ts: number): Row {
  const k = c.kubernetes;
  return {
    id,
    cluster_id: clusterId,
    node_id: nodeId,
    runtime_id: c.id,
    name: c.name,
    image: c.image,
    state: c.state,
    health: c.health,
    status_text: c.statusText,
    created_at: c.createdAt,
    started_at: c.startedAt,
    exit_code: c.exitCode,
    oom_killed: c.oomKilled,
    restart_count: c.restartCount,
    host_network: c.hostNetwork,
    labels: json(c.labels),
    namespace: k?.namespace ?? null,
    pod: k?.pod ?? null,
    pod_uid: k?.podUid ?? null,
    workload_kind: k?.workloadKind ?? null,
    workload_name: k?.workloadName ?? null,
    first_seen: ts,
    last_seen: ts,
    gone_at: null,
    ...securityColumns(c),
  };
}

/** Posture facts and the risks computed from them (issue 17); no facts from older agents. */
function securityColumns(c: ContainerReport): Row {
  const risks = containerRisks(c.security, c.image);
  return { security: c.security ? json(c.security) : null, risks: risksColumn(risks), risk_count: risks.length };
}

/** A cluster row as the ingest last saw it: kind, environment and labels, and its `last_seen`. */
interface ClusterSeen {
  description: string;
  lastSeen: number;
}

/** Clusters remembered at most (the map is emptied beyond: a token may name any cluster). */
const MAX_CLUSTERS_REMEMBERED = 10_000;

/** What the ingest reads of a stored node or container before writing it (IngestService.stored). */
interface StoredEntity {
  lastSeen: number;
  /** Containers: when the inventory found it gone. */
  goneAt: number | null;
  /** Nodes: the time of the newest inventory applied. */
  inventoryTs: number;
  /** Its newest sample's time (the latest table), null before its first. */
  latestTs: number | null;
}

/** Node ids by name of every node the batch names: reported, named by a container or an inventory. */
function nodeIdsOf(batch: IngestBatch): Map<string, string> {
  const cluster = batch.cluster.name;
  const byName = new Map<string, string>();
  for (const n of batch.nodes) byName.set(n.name, ids.nodeId(cluster, n.name));
  for (const c of batch.containers) byName.set(c.nodeName, ids.nodeId(cluster, c.nodeName));
  for (const inv of batch.inventories) byName.set(inv.nodeName, ids.nodeId(cluster, inv.nodeName));
  return byName;
}

/** Rows one ingest transaction writes at most (fewer when INGEST_MAX_ROWS is lower). */
const GROUP_MAX_ROWS = 10_000;
/** Groups' worth of rows that may wait for a write before batches are answered 503. */
const GROUPS_WAITING = 4;

/** A batch with the ids it names, worked out once. */
interface Prepared {
  batch: IngestBatch;
  clusterId: string;
  nodeIds: Map<string, string>;
  /** Of `batch.containers`, in their order. */
  containerIds: string[];
}

function prepare(batch: IngestBatch): Prepared {
  return {
    batch,
    clusterId: ids.clusterId(batch.cluster.name),
    nodeIds: nodeIdsOf(batch),
    containerIds: batch.containers.map((c) => ids.containerId(batch.cluster.name, c.id)),
  };
}

const unique = (xs: string[]) => [...new Set(xs)];
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sampleCount = (reports: { samples: unknown[] }[]) => reports.reduce((n, r) => n + r.samples.length, 0);

/** Per key, the item with the greatest time (the later one of equals). */
function newestPer<T>(items: T[], key: (x: T) => string, ts: (x: T) => number): Map<string, T> {
  const out = new Map<string, T>();
  for (const x of items) {
    const cur = out.get(key(x));
    if (!cur || ts(cur) <= ts(x)) out.set(key(x), x);
  }
  return out;
}

/** Per id, the row with the greatest `tsColumn` (the later one of equals), in id order. */
const newestPerRow = (rows: Row[], tsColumn: string): Row[] =>
  sortedById([
    ...newestPer(
      rows,
      (r) => String(r.id),
      (r) => Number(r[tsColumn])
    ).values(),
  ]);

/** Rows in id order: concurrent transactions then lock shared rows in one order (no deadlock). */
const sortedById = (rows: Row[]) => [...rows].sort((a, b) => cmp(String(a.id), String(b.id)));

/**
 * Keeps the last row per id, for rows without a time to compare (events, logs: a replay repeats
 * the same row, so which copy stays does not matter). Rows with a time use `newestPerRow`.
 */
const lastPerId = (rows: Row[]) => lastPerKey(rows, (r) => String(r.id));

/** Keeps the last row per key (raw samples: one per entity and time). */
function lastPerKey(rows: Row[], key: (r: Row) => string): Row[] {
  const m = new Map<string, Row>();
  for (const r of rows) m.set(key(r), r);
  return m.size === rows.length ? rows : [...m.values()];
}

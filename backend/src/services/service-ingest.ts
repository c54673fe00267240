import type { Knex } from 'knex';
import type { IngestBatch, ProbeResult, RequestStats } from '@fleetlens/protocol';
import type { Db } from '../db/connection';
import * as ids from '../db/ids';
import { LATENCY_BUCKET_COLUMNS } from '../db/migrations/0010_service_health';
import { upsertRows } from '../db/writes';

type Row = Record<string, unknown>;

/** Reads `cols` of the given ids in chunks (SQLite's variable limit). */
async function readColumns(trx: Knex.Transaction, table: string, cols: string[], idList: string[]) {
  const out = new Map<string, Row>();
  for (let i = 0; i < idList.length; i += 5000) {
    const rows = await trx(table)
      .select('id', ...cols)
      .whereIn('id', idList.slice(i, i + 5000));
    for (const r of rows) out.set(String(r.id), r);
  }
  return out;
}

/** Keeps the last row per key. */
function dedupeBy(rows: Row[], key: (r: Row) => string): Row[] {
  const m = new Map<string, Row>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}

/**
 * Stores a batch's probe runs and access-log request stats (issue 16; decision 29) in the batch's
 * transaction: services (first/last seen widened, never narrowed by a replay), probes (newest
 * state only moves forward), runs keyed (probe, ts) and stats keyed (container, ts), so a replayed
 * batch overwrites itself and never counts twice. Returns the counts for `accepted`.
 */
export async function writeServiceHealth(
  db: Db,
  trx: Knex.Transaction,
  batch: IngestBatch,
  clusterId: string
): Promise<{ probeResults: number; requestStats: number }> {
  const cluster = batch.cluster.name;
  const { probeResults, requestStats } = batch;
  if (!probeResults.length && !requestStats.length) return { probeResults: 0, requestStats: 0 };
  const serviceOf = (x: ProbeResult | RequestStats) => ids.serviceId(cluster, x.service.namespace, x.service.name);

  // Services: the span of time they were seen in, widened by this batch.
  const spans = new Map<string, Row>();
  for (const x of [...probeResults, ...requestStats]) {
    const id = serviceOf(x);
    const cur = spans.get(id);
    if (!cur)
      spans.set(id, {
        id,
        cluster_id: clusterId,
        namespace: x.service.namespace,
        name: x.service.name,
        first_seen: x.ts,
        last_seen: x.ts,
      });
    else {
      cur.first_seen = Math.min(cur.first_seen as number, x.ts);
      cur.last_seen = Math.max(cur.last_seen as number, x.ts);
    }
  }
  const stored = await readColumns(trx, 'services', ['first_seen', 'last_seen'], [...spans.keys()]);
  for (const [id, r] of spans) {
    const s = stored.get(id);
    if (!s) continue;
    r.first_seen = Math.min(r.first_seen as number, Number(s.first_seen));
    r.last_seen = Math.max(r.last_seen as number, Number(s.last_seen));
  }
  await upsertRows(db, trx, 'services', [...spans.values()], ['id'], ['first_seen', 'last_seen']);

  // Probes: the newest description of each, unless a newer one is stored.
  const probes = new Map<string, Row>();
  const runs: Row[] = [];
  for (const p of probeResults) {
    const id = ids.probeId(cluster, p.key);
    const service_id = serviceOf(p);
    const cur = probes.get(id);
    if (!cur || (cur.last_ts as number) <= p.ts)
      probes.set(id, {
        id,
        cluster_id: clusterId,
        service_id,
        probe_key: p.key,
        source: p.source,
        definition_id: p.definitionId,
        kind: p.kind,
        target: p.target,
        node_name: p.nodeName,
        container_id: p.containerId ? ids.containerId(cluster, p.containerId) : null,
        last_ts: p.ts,
      });
    runs.push({
      probe_id: id,
      ts: p.ts,
      service_id,
      up: p.up,
      status_code: p.statusCode,
      error: p.error,
      dns_seconds: p.dnsSeconds,
      connect_seconds: p.connectSeconds,
      tls_seconds: p.tlsSeconds,
      first_byte_seconds: p.firstByteSeconds,
      total_seconds: p.totalSeconds,
      cert_not_after: p.certNotAfter,
    });
  }
  const known = await readColumns(trx, 'probes', ['last_ts'], [...probes.keys()]);
  const newer = [...probes.values()].filter(
    (r) => Number(known.get(r.id as string)?.last_ts ?? -1) <= (r.last_ts as number)
  );
  await upsertRows(db, trx, 'probes', newer, ['id']);
  await upsertRows(
    db,
    trx,
    'probe_runs',
    dedupeBy(runs, (r) => `${r.probe_id}/${r.ts}`),
    ['probe_id', 'ts']
  );

  const stats = requestStats.map((r) => {
    const row: Row = {
      container_id: ids.containerId(cluster, r.containerId),
      ts: r.ts,
      service_id: serviceOf(r),
      interval_seconds: r.intervalSeconds,
      format: r.format,
      requests: r.requests,
      status_2xx: r.status2xx,
      status_3xx: r.status3xx,
      status_4xx: r.status4xx,
      status_5xx: r.status5xx,
      latency_count: r.latencyCount,
      latency_sum: r.latencySumSeconds,
    };
    LATENCY_BUCKET_COLUMNS.forEach((c, i) => (row[c] = r.latencyBuckets ? r.latencyBuckets[i] : null));
    return row;
  });
  await upsertRows(
    db,
    trx,
    'request_stats',
    dedupeBy(stats, (r) => `${r.container_id}/${r.ts}`),
    ['container_id', 'ts']
  );
  return { probeResults: probeResults.length, requestStats: requestStats.length };
}

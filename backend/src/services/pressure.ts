import type { api } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import { num } from './shapes';

/**
 * A container's memory parts and CPU throttling from its latest sample, and its OOM kills (one
 * event each). `live`: the container row shows usage (running, fresh sample); otherwise the sample
 * parts are null, as the row's usage is. The caller has already checked the container is in scope.
 */
export async function containerPressure(
  knex: Knex,
  c: { id: string; clusterId: string; memBytes: number | null; memLimitBytes: number | null },
  live: boolean
): Promise<api.ContainerPressure> {
  const l = live
    ? await knex('container_latest')
        .where('entity_id', c.id)
        .first(
          'mem_usage_bytes',
          'mem_anon_bytes',
          'mem_active_file_bytes',
          'mem_inactive_file_bytes',
          'cpu_throttled_pct',
          'cpu_throttled_sps'
        )
    : undefined;
  const kills = await knex('events')
    .where({ cluster_id: c.clusterId, container_id: c.id, reason: 'oom', object_kind: 'container' })
    .first(knex.raw('count(*) as n'), knex.raw('max(ts) as last'));
  const ws = live ? c.memBytes : null;
  const limit = live ? c.memLimitBytes : null;
  return {
    memory: {
      usageBytes: num(l?.mem_usage_bytes),
      anonBytes: num(l?.mem_anon_bytes),
      activeFileBytes: num(l?.mem_active_file_bytes),
      inactiveFileBytes: num(l?.mem_inactive_file_bytes),
      workingSetBytes: ws,
      limitBytes: limit,
      workingSetPercentOfLimit: ws !== null && limit ? (ws / limit) * 100 : null,
    },
    cpuThrottledPercent: num(l?.cpu_throttled_pct),
    cpuThrottledSecondsPerSecond: num(l?.cpu_throttled_sps),
    oomKills: Number(kills?.n ?? 0),
    lastOomKillAt: num(kills?.last),
  };
}

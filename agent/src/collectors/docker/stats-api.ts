import type { ContainerStats, DockerEngine } from './engine';
import type { CgroupUsage } from './cgroups';

/** Network counters of a container, summed over its interfaces. */
export interface NetCounters {
  rx: number;
  tx: number;
}

/**
 * Reads usage through one one-shot stats call, for hosts whose cgroup files the agent cannot
 * see; `at` is when the engine read them.
 */
export async function readStatsApi(
  docker: DockerEngine,
  id: string,
  hostMemBytes: number | null
): Promise<{ usage: CgroupUsage; net: NetCounters | null; at: number | null }> {
  const s = (await docker.stats(id)) as ContainerStats & {
    memory_stats: { stats?: Record<string, number>; usage?: number; limit?: number };
  };
  const ms = s.memory_stats ?? {};
  const st = ms.stats ?? {};
  // Same as the docker CLI: v1 subtracts total_inactive_file, v2 inactive_file.
  const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (e.op.toLowerCase() === 'read') read += e.value;
    else if (e.op.toLowerCase() === 'write') write += e.value;
  }
  let net: NetCounters | null = null;
  if (s.networks) {
    net = { rx: 0, tx: 0 };
    for (const n of Object.values(s.networks)) {
      net.rx += n.rx_bytes;
      net.tx += n.tx_bytes;
    }
  }
  const limit = ms.limit ?? null;
  const thr = s.cpu_stats?.throttling_data;
  // v1 passes both local and hierarchical (total_*) fields; v2 has no total_* ones.
  const v2 = st.total_inactive_file === undefined && st.total_rss === undefined;
  return {
    usage: {
      cpuNs: s.cpu_stats?.cpu_usage?.total_usage ?? null,
      memWorkingSet: ms.usage == null ? null : Math.max(0, ms.usage - inactive),
      // The API reports host memory as the limit of an unlimited container; report that as no limit,
      // as the cgroup path does.
      memLimit: limit === null || (hostMemBytes !== null && limit >= hostMemBytes) ? null : limit,
      blkReadBytes: read,
      blkWriteBytes: write,
      pids: s.pids_stats?.current ?? null,
      // The engine passes memory.stat through: v1 names with total_ prefixes, v2 without.
      memUsage: ms.usage ?? null,
      memAnon: (v2 ? st.anon : st.total_rss) ?? null,
      memActiveFile: (v2 ? st.active_file : st.total_active_file) ?? null,
      memInactiveFile: (v2 ? st.inactive_file : st.total_inactive_file) ?? null,
      oomKills: null,
      // throttling_data is in nanoseconds on both versions (the engine converts v2's microseconds).
      cpuPeriods: thr?.periods ?? null,
      cpuThrottledPeriods: thr?.throttled_periods ?? null,
      cpuThrottledNs: thr?.throttled_time ?? null,
    },
    net,
    // When the engine read the counters (epoch ms; the same host clock as the agent's).
    at: Number.isFinite(Date.parse(s.read)) && Date.parse(s.read) > 0 ? Date.parse(s.read) : null,
  };
}

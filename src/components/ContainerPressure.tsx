import React from 'react';
import type { ContainerMemoryParts, ContainerPressure as Pressure } from '@fleetlens/protocol/api';
import { StatCard } from './StatCard';
import { formatPercent, formatTime, formatUnit } from '../utils/format';

const bytes = (v: number | null) => formatUnit('bytes', v);

/**
 * What a container's memory is, in words: "390 MiB used, of which 340 MiB reclaimable cache;
 * working set 50 MiB, 7.8% of its 640 MiB limit". Reclaimable cache is the inactive page cache,
 * the part the working set leaves out (working set = used − inactive file, as docker stats and
 * kubectl top count it). Null when the agent sent no memory parts (older agents, not running).
 */
export function memorySentence(m: ContainerMemoryParts): string | null {
  if (m.usageBytes === null || m.workingSetBytes === null) {
    return null;
  }
  const cache = m.inactiveFileBytes === null ? '' : `, of which ${bytes(m.inactiveFileBytes)} reclaimable cache`;
  const limit =
    m.limitBytes && m.workingSetPercentOfLimit !== null
      ? `${formatPercent(m.workingSetPercentOfLimit)} of its ${bytes(m.limitBytes)} limit`
      : 'no memory limit';
  return `${bytes(m.usageBytes)} used${cache}; working set ${bytes(m.workingSetBytes)}, ${limit}`;
}

/** The parts behind the sentence: anonymous memory and the page cache's active and inactive lists. */
export function memoryParts(m: ContainerMemoryParts): string | null {
  if (m.anonBytes === null && m.activeFileBytes === null && m.inactiveFileBytes === null) {
    return null;
  }
  return (
    `anonymous ${bytes(m.anonBytes)} · page cache: active ${bytes(m.activeFileBytes)}, ` +
    `inactive ${bytes(m.inactiveFileBytes)}`
  );
}

/** The throttling and OOM-kill cards of the container page. */
export function ContainerPressureCards({ pressure }: { pressure: Pressure }) {
  const sps = pressure.cpuThrottledSecondsPerSecond;
  return (
    <>
      <StatCard
        title="CPU throttled"
        testId="cpu-throttled"
        value={formatPercent(pressure.cpuThrottledPercent)}
        sub={
          sps === null
            ? 'of CFS periods (no reading)'
            : `of CFS periods; ${formatUnit('short', sps, 2)} s throttled per second`
        }
      />
      <StatCard
        title="OOM kills"
        testId="oom-kills"
        value={String(pressure.oomKills)}
        tone={pressure.oomKills > 0 ? 'bad' : 'normal'}
        sub={pressure.lastOomKillAt === null ? 'none stored' : `last ${formatTime(pressure.lastOomKillAt)}`}
      />
    </>
  );
}

import type { Event } from '@fleetlens/protocol';
import { toEpochSeconds } from '../types';
import type { ContainerStatus } from './types';
import { kubeEventCategory } from './event-category';

/** Terminations older than this when first seen are history, not reported. */
const MAX_AGE_SECONDS = 3600;

/** Where a container sits, for the events of its kills. */
export interface KubeOomSubject {
  namespace: string;
  pod: string;
  container: string;
  nodeName: string;
  /** The container's current runtime id: the entity the kill is reported on. */
  runtimeId: string;
}

function epoch(iso?: string): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? toEpochSeconds(ms) : null;
}

/**
 * OOM kills that Kubernetes reports as a container's termination reason `OOMKilled` (in `state`
 * while it is down, in `lastState` after the kubelet restarted it). Each termination (by the id
 * of the instance that was killed and its finish time) becomes one `oom` event, once. The
 * terminations present when the agent started are the baseline, not reported again. Kills of
 * other processes of a container that survives are not in the pod status: the node collector
 * counts them from the cgroup's counter (KubeCgroups), and a termination whose kill that counter
 * already counted is not sent again.
 */
export class KubeOomTracker {
  private readonly seen = new Set<string>();
  private started = false;

  /** The keys of the OOMKilled terminations of one container status. */
  private terminations(cs: ContainerStatus): Array<{ key: string; finishedAt: number | null; instance: string }> {
    const out: Array<{ key: string; finishedAt: number | null; instance: string }> = [];
    const cur = cs.state?.terminated;
    if (cur?.reason === 'OOMKilled')
      out.push({
        key: `${cs.containerID ?? cs.name}/${cur.finishedAt ?? ''}`,
        finishedAt: epoch(cur.finishedAt),
        instance: cs.containerID ?? '',
      });
    const last = cs.lastState?.terminated;
    if (last?.reason === 'OOMKilled')
      out.push({
        key: `${last.containerID ?? `${cs.name}#${cs.restartCount ?? 0}`}/${last.finishedAt ?? ''}`,
        finishedAt: epoch(last.finishedAt),
        instance: last.containerID ?? '',
      });
    return out;
  }

  /** Records the terminations already there when the agent starts. */
  baseline(statuses: ContainerStatus[]): void {
    for (const cs of statuses) for (const t of this.terminations(cs)) this.seen.add(t.key);
    this.started = true;
  }

  /**
   * Events for the OOMKilled terminations of this status not reported yet (`now`: epoch seconds).
   * `counted` says whether the cgroup counter already counted a termination's kill (by the killed
   * instance's runtime id and finish time; see KubeOomMerge): then it is marked seen, not sent again.
   */
  observe(
    cs: ContainerStatus,
    subject: KubeOomSubject,
    now: number,
    counted?: (instanceId: string, finishedAt: number | null) => boolean
  ): Event[] {
    const out: Event[] = [];
    for (const t of this.terminations(cs)) {
      if (this.seen.has(t.key)) continue;
      this.seen.add(t.key);
      // Not before the agent started, and no history: the backend refuses events past their retention.
      if (!this.started || (t.finishedAt !== null && t.finishedAt < now - MAX_AGE_SECONDS)) continue;
      const bare = t.instance.replace(/^[a-z-]+:\/\//, '');
      if (counted && bare && counted(bare, t.finishedAt)) continue;
      const short = bare.slice(0, 12);
      out.push({
        ts: t.finishedAt ?? now,
        source: 'kubernetes',
        type: 'warning',
        reason: 'oom',
        message: `OOM kill: container instance ${short || 'unknown'} terminated OOMKilled (restart count ${cs.restartCount ?? 0})`,
        objectKind: 'container',
        objectName: `${subject.pod}/${subject.container}`.slice(0, 512),
        namespace: subject.namespace,
        nodeName: subject.nodeName,
        containerId: subject.runtimeId,
        exitCode: null,
        count: 1,
        // An OOM kill is a security event (issue 17), by the same rule as the cluster's events.
        category: kubeEventCategory('kubernetes', 'warning', 'oom', ''),
      });
    }
    return out;
  }

  /** Keeps the memory bounded: forgets terminations no longer in any status. */
  retain(statuses: ContainerStatus[]): void {
    const keep = new Set(statuses.flatMap((cs) => this.terminations(cs).map((t) => t.key)));
    for (const k of this.seen) if (!keep.has(k)) this.seen.delete(k);
  }
}

import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import type { DisplayState, NodeRow } from '@fleetlens/protocol/api';
import { formatTime } from '../utils/format';

const CONTAINER: Record<DisplayState, { color: BadgeColor; icon: IconName; text: string }> = {
  running: { color: 'green', icon: 'play', text: 'running' },
  stopped: { color: 'darkgrey', icon: 'square-shape', text: 'stopped' },
  paused: { color: 'blue', icon: 'pause', text: 'paused' },
  restarting: { color: 'orange', icon: 'sync', text: 'restarting' },
  unhealthy: { color: 'red', icon: 'exclamation-triangle', text: 'unhealthy' },
  // On a silent node: its last reported state is not current.
  unknown: { color: 'darkgrey', icon: 'question-circle', text: 'no data' },
  gone: { color: 'darkgrey', icon: 'trash-alt', text: 'gone' },
};

/** A container's state as a coloured badge ("no data" in grey when its node is silent). */
export function ContainerStateBadge({ state }: { state: DisplayState }) {
  const s = CONTAINER[state] ?? CONTAINER.stopped;
  return (
    <Badge
      color={s.color}
      icon={s.icon}
      text={s.text}
      tooltip={state === 'unknown' ? 'Its node has sent no data recently: the state is not known' : undefined}
    />
  );
}

type NodeStatus = NodeRow['status'];

/**
 * How a node's status reads (for a node that is not silent): Ready, NotReady, or Warning (status
 * unknown, or usage over the critical threshold).
 */
export function nodeStatusLabel(status: NodeStatus, warning = false): 'Ready' | 'NotReady' | 'Warning' {
  if (status === 'not_ready') {
    return 'NotReady';
  }
  return status === 'unknown' || warning ? 'Warning' : 'Ready';
}

const NODE: Record<ReturnType<typeof nodeStatusLabel>, { color: BadgeColor; icon: IconName }> = {
  Ready: { color: 'green', icon: 'check-circle' },
  NotReady: { color: 'red', icon: 'times-circle' },
  Warning: { color: 'orange', icon: 'exclamation-triangle' },
};

/**
 * A node's status badge. A silent node (nothing received for a few agent intervals) reads "No data
 * since <time>" in grey, whatever its last usage was: Warning is for usage only.
 */
export function NodeStatusBadge({
  status,
  warning,
  silent,
  lastSeen,
}: {
  status: NodeStatus;
  warning?: boolean;
  silent?: boolean;
  lastSeen?: number;
}) {
  if (silent) {
    return (
      <Badge
        color="darkgrey"
        icon="clock-nine"
        text={`No data since ${formatSince(lastSeen)}`}
        tooltip={lastSeen ? `Last report ${formatTime(lastSeen)}` : undefined}
        data-testid="node-silent"
      />
    );
  }
  const label = nodeStatusLabel(status, warning);
  return <Badge color={NODE[label].color} icon={NODE[label].icon} text={label} />;
}

/** A last-seen time as short as it reads unambiguously: the time today, else date and time. */
export function formatSince(epochSeconds: number | undefined, now = Date.now()): string {
  if (!epochSeconds) {
    return 'never';
  }
  const d = new Date(epochSeconds * 1000);
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return new Date(now).toDateString() === d.toDateString()
    ? time
    : `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${time}`;
}

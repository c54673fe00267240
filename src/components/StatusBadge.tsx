import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import type { DisplayState, NodeRow } from '@fleetlens/protocol/api';

const CONTAINER: Record<DisplayState, { color: BadgeColor; icon: IconName; text: string }> = {
  running: { color: 'green', icon: 'play', text: 'running' },
  stopped: { color: 'darkgrey', icon: 'square-shape', text: 'stopped' },
  paused: { color: 'blue', icon: 'pause', text: 'paused' },
  restarting: { color: 'orange', icon: 'sync', text: 'restarting' },
  unhealthy: { color: 'red', icon: 'exclamation-triangle', text: 'unhealthy' },
  gone: { color: 'darkgrey', icon: 'trash-alt', text: 'gone' },
};

/** A container's state as a coloured badge. */
export function ContainerStateBadge({ state }: { state: DisplayState }) {
  const s = CONTAINER[state] ?? CONTAINER.stopped;
  return <Badge color={s.color} icon={s.icon} text={s.text} />;
}

type NodeStatus = NodeRow['status'];

/**
 * How a node's status reads: Ready, NotReady, or Warning (reachable status unknown, or usage
 * over the critical threshold).
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

/** A node's status badge. */
export function NodeStatusBadge({ status, warning }: { status: NodeStatus; warning?: boolean }) {
  const label = nodeStatusLabel(status, warning);
  return <Badge color={NODE[label].color} icon={NODE[label].icon} text={label} />;
}

import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { ClusterSummary } from '@fleetlens/protocol/api';

type Environment = ClusterSummary['environment'];

const LABELS: Record<Environment, string> = {
  'on-prem': 'On-premises',
  'private-cloud': 'Private cloud',
  'public-cloud': 'Public cloud',
};
const COLORS: Record<Environment, BadgeColor> = {
  'on-prem': 'purple',
  'private-cloud': 'blue',
  'public-cloud': 'orange',
};

/** Human label of an environment. */
export function environmentLabel(env: Environment): string {
  return LABELS[env] ?? env;
}

/** A small tag naming where a cluster runs (on-premises, private or public cloud). */
export function EnvironmentTag({ environment }: { environment: Environment }) {
  return <Badge text={environmentLabel(environment)} color={COLORS[environment] ?? 'blue'} />;
}

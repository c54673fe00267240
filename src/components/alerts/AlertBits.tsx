import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { Alert, AlertMetric, AlertState, Severity } from '@fleetlens/protocol/api/alerts';
import { appUrl, ROUTES } from '../../constants';
import { formatAgo, formatMetric, formatTime, formatUnit } from '../../utils/format';
import type { Column } from '../DataTable';
import { SERVICES_ROUTE } from '../services/routes';

const SEVERITY: Record<Severity, { color: BadgeColor; icon: IconName }> = {
  critical: { color: 'red', icon: 'exclamation-circle' },
  warning: { color: 'orange', icon: 'exclamation-triangle' },
  info: { color: 'blue', icon: 'info-circle' },
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  const s = SEVERITY[severity];
  return <Badge color={s.color} icon={s.icon} text={severity} />;
}

const STATE: Record<AlertState, BadgeColor> = { pending: 'orange', firing: 'red', resolved: 'green' };

export function AlertStateBadge({ state, silenced }: { state: AlertState; silenced?: boolean }) {
  return (
    <>
      <Badge color={STATE[state]} text={state} />
      {silenced && <Badge color="darkgrey" icon="bell-slash" text="silenced" />}
    </>
  );
}

/** Metric names as people say them. */
export const METRIC_LABELS: Record<AlertMetric, string> = {
  cpuPercent: 'CPU %',
  memPercent: 'Memory %',
  diskPercent: 'Disk %',
  netRxBps: 'Network receive',
  netTxBps: 'Network transmit',
  restartCount: 'Restart count',
  restarts: 'Restarts in window',
  nodeNotReady: 'Nodes not ready',
  exitedNonZero: 'Exited non-zero',
  oomKilled: 'OOM-killed',
  oomKills: 'OOM kills in window',
  cpuThrottledPercent: 'CPU throttled %',
  execSessions: 'Exec sessions in window',
  privilegedStarts: 'Privileged starts in window',
  sensitiveMountStarts: 'Sensitive-mount starts in window',
  imageChanges: 'Image changes in window',
  latencyAvgSeconds: 'Response time avg',
  latencyP95Seconds: 'Response time p95',
  errorPercent: 'Error % (5xx)',
  probeDown: 'Probe down',
  certDaysLeft: 'Certificate days left',
};

/** Service metrics (issue 16): computed over the rule's window, as GET /services does. */
export const SERVICE_WINDOW_METRICS: readonly AlertMetric[] = [
  'latencyAvgSeconds',
  'latencyP95Seconds',
  'errorPercent',
];

/** Which metrics each target supports (the protocol's table; zod-free module). */
export { METRICS_BY_TARGET } from '@fleetlens/protocol/api/alert-metrics';

/** A metric value with its unit: percentages, byte rates, or plain counts (thresholds: as many decimals as they have). */
export function formatAlertValue(metric: AlertMetric, value: number | null | undefined, exact = false): string {
  switch (metric) {
    case 'cpuPercent':
    case 'memPercent':
    case 'diskPercent':
    case 'cpuThrottledPercent':
    case 'errorPercent':
      return formatUnit('percent', value, exact ? undefined : 1);
    case 'latencyAvgSeconds':
    case 'latencyP95Seconds':
      return formatUnit('s', value);
    case 'netRxBps':
    case 'netTxBps':
      return formatMetric(metric, value);
    default:
      return formatUnit('none', value, exact ? undefined : 0);
  }
}

/** The entity an alert is about, linked to its page where the plugin has one. */
export function EntityLink({ entity }: { entity: Alert['entity'] }) {
  const where = [entity.clusterName, entity.namespace].filter(Boolean).join(' / ');
  const label = `${entity.kind} ${entity.name}`;
  const route =
    entity.kind === 'node'
      ? appUrl(ROUTES.nodes, entity.id)
      : entity.kind === 'container'
        ? appUrl(ROUTES.containers, entity.id)
        : entity.kind === 'workload'
          ? appUrl(ROUTES.workloads, entity.id)
          : entity.kind === 'service'
            ? appUrl(SERVICES_ROUTE, entity.id)
            : undefined;
  return (
    <span title={where}>
      {route ? <Link to={route}>{label}</Link> : label}
      {where && <span style={{ opacity: 0.7 }}> · {where}</span>}
    </span>
  );
}

/** The columns every alert table shares (active triage, history), by id. */
export const ALERT_COLUMNS = {
  severity: { id: 'severity', header: 'Severity', render: (a) => <SeverityBadge severity={a.severity} /> },
  state: { id: 'state', header: 'State', render: (a) => <AlertStateBadge state={a.state} silenced={a.silenced} /> },
  rule: { id: 'rule', header: 'Rule', render: (a) => a.ruleName },
  entity: { id: 'entity', header: 'Entity', render: (a) => <EntityLink entity={a.entity} /> },
  value: {
    id: 'value',
    header: 'Value',
    align: 'right',
    render: (a) => (
      <span title={`threshold ${a.operator} ${formatAlertValue(a.metric, a.threshold, true)}`}>
        {formatAlertValue(a.metric, a.value)}
      </span>
    ),
  },
  since: {
    id: 'since',
    header: 'Since',
    render: (a) => {
      const since = a.firedAt ?? a.startedAt;
      return <span title={formatTime(since)}>{formatAgo(since)}</span>;
    },
  },
} satisfies Record<string, Column<Alert>>;

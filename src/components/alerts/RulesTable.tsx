import React, { useMemo } from 'react';
import { InlineSwitch } from '@grafana/ui';
import type { AlertRule } from '@fleetlens/protocol/api/alerts';
import { DataTable, type Column } from '../DataTable';
import { editDeleteColumn } from '../RowActions';
import { formatDuration } from '../../utils/format';
import { formatAlertValue, METRIC_LABELS, SeverityBadge } from './AlertBits';

interface Props {
  rules: AlertRule[];
  canEdit: boolean;
  /** Rule ids whose enable/disable is on its way to the backend. */
  busy: Set<string>;
  onToggle(rule: AlertRule, enabled: boolean): void;
  onEdit(rule: AlertRule): void;
  onDelete(rule: AlertRule): void;
}

function filtersText(r: AlertRule): string {
  const f = r.filters;
  const parts = [
    f.clusters.length ? `clusters: ${f.clusters.join(', ')}` : '',
    f.namespaces.length ? `namespaces: ${f.namespaces.join(', ')}` : '',
    f.nodes.length ? `nodes: ${f.nodes.join(', ')}` : '',
    f.namePattern ? `name: ${f.namePattern}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'everything';
}

/** Alert rules with their condition, scope, timing, and (for editors) enable, edit and delete. */
export function RulesTable({ rules, canEdit, busy, onToggle, onEdit, onDelete }: Props) {
  const columns = useMemo<Array<Column<AlertRule>>>(
    () => [
      {
        id: 'enabled',
        header: 'Enabled',
        render: (r) => (
          <InlineSwitch
            aria-label={`${r.enabled ? 'Disable' : 'Enable'} rule ${r.name}`}
            value={r.enabled}
            disabled={!canEdit || busy.has(r.id)}
            onChange={(e) => onToggle(r, e.currentTarget.checked)}
            transparent
          />
        ),
      },
      { id: 'name', header: 'Rule', render: (r) => <span title={r.description}>{r.name}</span> },
      { id: 'severity', header: 'Severity', render: (r) => <SeverityBadge severity={r.severity} /> },
      {
        id: 'condition',
        header: 'Condition',
        render: (r) => (
          <span>
            {r.target} {METRIC_LABELS[r.metric]} {r.operator} {formatAlertValue(r.metric, r.threshold, true)}
            {r.metric === 'restarts' ? ` within ${formatDuration(r.windowSeconds)}` : ''}
          </span>
        ),
      },
      { id: 'for', header: 'For', render: (r) => (r.forSeconds ? formatDuration(r.forSeconds) : 'at once') },
      { id: 'scope', header: 'Applies to', render: (r) => filtersText(r) },
      {
        id: 'cooldown',
        header: 'Cooldown',
        render: (r) => (r.cooldownSeconds ? formatDuration(r.cooldownSeconds) : 'none'),
      },
      { id: 'channels', header: 'Channels', align: 'right', render: (r) => r.channelIds.length },
      ...(canEdit ? [editDeleteColumn<AlertRule>('rule', onEdit, onDelete)] : []),
    ],
    [canEdit, busy, onToggle, onEdit, onDelete]
  );
  return <DataTable label="Alert rules" testId="rules-table" columns={columns} rows={rules} rowKey={(r) => r.id} />;
}

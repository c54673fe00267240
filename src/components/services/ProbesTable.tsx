import React from 'react';
import { Badge } from '@grafana/ui';
import type { ProbeState } from '@fleetlens/protocol/api';
import { DataTable, type Column } from '../DataTable';
import { DeleteButton, EditButton } from '../RowActions';
import { formatPercent, formatTime, NO_VALUE } from '../../utils/format';
import { CertExpiry } from './Bits';
import { formatLatency } from './format';

const SOURCE_LABELS: Record<ProbeState['source'], string> = {
  'docker-label': 'Docker label',
  'pod-annotation': 'pod annotation',
  defined: 'defined',
};

/** A probe's newest run: up/down with the status code (TCP: none), or "no run" in the window. */
function LastStatus({ p }: { p: ProbeState }) {
  if (p.up === null) {
    return <span data-status="none">no run</span>;
  }
  const text = `${p.up ? 'up' : 'down'}${p.statusCode !== null ? ` ${p.statusCode}` : ''}`;
  return (
    <span data-status={p.up ? 'up' : 'down'} title={p.lastTs ? `Last run ${formatTime(p.lastTs)}` : undefined}>
      <Badge color={p.up ? 'green' : 'red'} icon={p.up ? 'check-circle' : 'times-circle'} text={text} />
    </span>
  );
}

/**
 * A service's probes: target, source, node, newest status, its error, total time, uptime in the
 * window and certificate expiry; defined probes get Edit and delete for editors.
 */
export function ProbesTable({
  probes,
  onEdit,
  onDelete,
}: {
  probes: ProbeState[];
  /** Present for editors: the row's definition is edited or deleted (defined probes only). */
  onEdit?(p: ProbeState): void;
  onDelete?(p: ProbeState): void;
}) {
  const columns: Array<Column<ProbeState>> = [
    { id: 'target', header: 'Target', render: (p) => <code>{p.target}</code> },
    { id: 'kind', header: 'Kind', render: (p) => p.kind },
    { id: 'source', header: 'Source', render: (p) => SOURCE_LABELS[p.source] ?? p.source },
    { id: 'node', header: 'Node', render: (p) => p.nodeName },
    { id: 'status', header: 'Last status', render: (p) => <LastStatus p={p} /> },
    { id: 'error', header: 'Error', render: (p) => p.error ?? NO_VALUE },
    { id: 'total', header: 'Total time', align: 'right', render: (p) => formatLatency(p.totalSeconds) },
    { id: 'uptime', header: 'Uptime', align: 'right', render: (p) => formatPercent(p.uptimePercent) },
    { id: 'cert', header: 'Certificate', render: (p) => <CertExpiry notAfter={p.certNotAfter} /> },
  ];
  if (onEdit && onDelete) {
    columns.push({
      id: 'actions',
      header: '',
      render: (p) =>
        p.definitionId ? (
          <>
            <EditButton label={`Edit probe ${p.target}`} onClick={() => onEdit(p)} />{' '}
            <DeleteButton label={`Delete probe ${p.target}`} onClick={() => onDelete(p)} />
          </>
        ) : null,
    });
  }
  return <DataTable label="Probes" testId="probes-table" columns={columns} rows={probes} rowKey={(p) => p.id} />;
}

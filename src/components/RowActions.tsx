import React from 'react';
import { Button } from '@grafana/ui';
import type { Column } from './DataTable';

/** A table row's Edit button; `label` names the row for screen readers, e.g. "Edit rule cpu". */
export function EditButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <Button size="sm" variant="secondary" icon="pen" onClick={onClick} aria-label={label}>
      Edit
    </Button>
  );
}

/** A table row's delete button: a bin icon, named by `label`. */
export function DeleteButton({ label, onClick }: { label: string; onClick(): void }) {
  return <Button size="sm" variant="destructive" fill="text" icon="trash-alt" onClick={onClick} aria-label={label} />;
}

/** The trailing column with Edit and delete, for rows named `what` (e.g. "rule") by their `name`. */
export function editDeleteColumn<Row extends { name: string }>(
  what: string,
  onEdit: (row: Row) => void,
  onDelete: (row: Row) => void
): Column<Row> {
  return {
    id: 'actions',
    header: '',
    render: (row) => (
      <>
        <EditButton label={`Edit ${what} ${row.name}`} onClick={() => onEdit(row)} />{' '}
        <DeleteButton label={`Delete ${what} ${row.name}`} onClick={() => onDelete(row)} />
      </>
    ),
  };
}

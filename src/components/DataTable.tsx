import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';

export interface Column<Row, K extends string = string> {
  id: string;
  header: string;
  /** The server-side sort key of this column; columns without one do not sort. */
  sortKey?: K;
  align?: 'left' | 'right';
  width?: number | string;
  render(row: Row): React.ReactNode;
}

export interface SortState<K extends string = string> {
  key: K;
  order: 'asc' | 'desc';
}

interface Props<Row, K extends string> {
  /** Accessible name of the table. */
  label: string;
  columns: Array<Column<Row, K>>;
  rows: Row[];
  rowKey(row: Row): string;
  sort?: SortState<K>;
  onSort?(key: K): void;
  /** Makes a row clickable (keyboard too), e.g. to open the entity's page. */
  onRowClick?(row: Row): void;
  testId?: string;
}

/**
 * A plain, theme-styled table whose sortable headers are buttons with a sort indicator and
 * aria-sort. Sorting itself happens where the data comes from (the backend). Rows are memoised,
 * so a refresh that leaves a row's object unchanged does not render it again.
 */
export function DataTable<Row, K extends string>({
  label,
  columns,
  rows,
  rowKey,
  sort,
  onSort,
  onRowClick,
  testId,
}: Props<Row, K>) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.scroll}>
      <table className={styles.table} aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((col) => {
              const active = !!col.sortKey && sort?.key === col.sortKey;
              const ariaSort = active
                ? sort!.order === 'asc'
                  ? 'ascending'
                  : 'descending'
                : col.sortKey
                  ? 'none'
                  : undefined;
              return (
                <th
                  key={col.id}
                  className={cx(styles.th, col.align === 'right' && styles.right)}
                  style={{ width: col.width }}
                  aria-sort={ariaSort}
                >
                  {col.sortKey && onSort ? (
                    <button
                      type="button"
                      className={cx(styles.sortButton, active && styles.sortActive)}
                      onClick={() => onSort(col.sortKey!)}
                    >
                      {col.header}
                      {active ? (
                        <Icon name={sort!.order === 'asc' ? 'arrow-up' : 'arrow-down'} size="sm" aria-hidden />
                      ) : (
                        <Icon name="sort-amount-down" size="sm" className={styles.sortIdle} aria-hidden />
                      )}
                    </button>
                  ) : (
                    col.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <MemoRow key={rowKey(row)} row={row} columns={columns} onRowClick={onRowClick} styles={styles} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps<Row> {
  row: Row;
  columns: Array<Column<Row, string>>;
  onRowClick?(row: Row): void;
  styles: ReturnType<typeof getStyles>;
}

function TableRow<Row>({ row, columns, onRowClick, styles }: RowProps<Row>) {
  return (
    <tr
      className={cx(styles.tr, onRowClick && styles.clickable)}
      onClick={onRowClick ? () => onRowClick(row) : undefined}
    >
      {columns.map((col) => (
        <td key={col.id} className={cx(styles.td, col.align === 'right' && styles.right)}>
          {col.render(row)}
        </td>
      ))}
    </tr>
  );
}
const MemoRow = React.memo(TableRow) as typeof TableRow;

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({
    overflowX: 'auto',
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  table: css({ width: '100%', borderCollapse: 'collapse', fontSize: theme.typography.bodySmall.fontSize }),
  th: css({
    textAlign: 'left',
    padding: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightMedium,
    borderBottom: `1px solid ${theme.colors.border.medium}`,
    whiteSpace: 'nowrap',
    position: 'sticky',
    top: 0,
    background: theme.colors.background.primary,
  }),
  right: css({ textAlign: 'right' }),
  sortButton: css({
    all: 'unset',
    cursor: 'pointer',
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    '&:hover': { color: theme.colors.text.primary },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  sortActive: css({ color: theme.colors.text.primary }),
  sortIdle: css({ opacity: 0.4 }),
  tr: css({
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    '&:hover': { background: theme.colors.action.hover },
  }),
  clickable: css({ cursor: 'pointer' }),
  td: css({ padding: theme.spacing(0.75, 1), verticalAlign: 'middle', whiteSpace: 'nowrap' }),
});

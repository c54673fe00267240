import React, { useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Checkbox, Icon, Pagination, RadioButtonGroup, useStyles2 } from '@grafana/ui';

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
  /** Id of a column that stays in view (sticky) when the table scrolls sideways, e.g. the name. */
  stickyColumn?: string;
  /** Ids of the columns to show (e.g. useTableState's `columns`); default every column. */
  visibleColumns?: readonly string[];
}

/**
 * A plain, theme-styled table whose sortable headers are buttons with a sort indicator and
 * aria-sort. Sorting itself happens where the data comes from (the backend). Rows are memoised,
 * so a refresh that leaves a row's object unchanged does not render it again. Optionally one
 * column is pinned while scrolling sideways and only chosen columns show (see ColumnPicker).
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
  stickyColumn,
  visibleColumns,
}: Props<Row, K>) {
  const styles = useStyles2(getStyles);
  const shown = useMemo(
    () => (visibleColumns ? columns.filter((c) => visibleColumns.includes(c.id)) : columns),
    [columns, visibleColumns]
  );
  return (
    <div className={styles.scroll}>
      <table className={styles.table} aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {shown.map((col) => {
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
                  className={cx(
                    styles.th,
                    col.align === 'right' && styles.right,
                    col.id === stickyColumn && styles.stickyHead
                  )}
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
            <MemoRow
              key={rowKey(row)}
              row={row}
              columns={shown}
              onRowClick={onRowClick}
              styles={styles}
              stickyColumn={stickyColumn}
            />
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
  stickyColumn?: string;
}

function TableRow<Row>({ row, columns, onRowClick, styles, stickyColumn }: RowProps<Row>) {
  return (
    <tr
      className={cx(styles.tr, onRowClick && styles.clickable)}
      onClick={onRowClick ? () => onRowClick(row) : undefined}
    >
      {columns.map((col) => (
        <td
          key={col.id}
          className={cx(styles.td, col.align === 'right' && styles.right, col.id === stickyColumn && styles.stickyCell)}
        >
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
  // The pinned column: above the others when they scroll under it, with a edge to show it.
  stickyHead: css({ left: 0, zIndex: 2, boxShadow: `1px 0 0 ${theme.colors.border.weak}` }),
  stickyCell: css({
    position: 'sticky',
    left: 0,
    zIndex: 1,
    background: theme.colors.background.primary,
    boxShadow: `1px 0 0 ${theme.colors.border.weak}`,
  }),
});

/**
 * A "Columns" button that opens a list of checkboxes, one per column that may be hidden; the
 * choice goes to `onChange` in the columns' own order (at least one column stays).
 */
export function ColumnPicker({
  columns,
  value,
  onChange,
  label = 'Columns',
}: {
  columns: Array<{ id: string; header: string }>;
  value: readonly string[];
  onChange(ids: string[]): void;
  label?: string;
}) {
  const styles = useStyles2(getPickerStyles);
  const [open, setOpen] = useState(false);
  const toggle = (id: string, on: boolean) => {
    const next = columns.map((c) => c.id).filter((c) => (c === id ? on : value.includes(c)));
    if (next.length) {
      onChange(next);
    }
  };
  return (
    <div className={styles.wrap}>
      <button
        type="button"
        className={styles.button}
        aria-expanded={open}
        aria-haspopup="true"
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="sliders-v-alt" size="sm" aria-hidden /> {label}
      </button>
      {open && (
        <div className={styles.menu} role="group" aria-label="Shown columns">
          {columns.map((c) => (
            <Checkbox
              key={c.id}
              label={c.header}
              value={value.includes(c.id)}
              onChange={(e) => toggle(c.id, e.currentTarget.checked)}
            />
          ))}
        </div>
      )}
    </div>
  );
}

/** "1–50 of 990", the page size choice (when offered) and the page links under a paged table. */
export function TablePager({
  page,
  pageSize,
  total,
  shown,
  what,
  sizes,
  onPage,
  onPageSize,
  testId,
}: {
  page: number;
  pageSize: number;
  total: number;
  /** Rows on this page. */
  shown: number;
  /** What the rows are, e.g. "containers". */
  what: string;
  /** Page sizes to choose from; without them (and onPageSize) the size is fixed and not shown. */
  sizes?: readonly number[];
  onPage(page: number): void;
  onPageSize?(size: number): void;
  testId?: string;
}) {
  const styles = useStyles2(getPickerStyles);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  return (
    <div className={styles.pager}>
      <span data-testid={testId}>
        {first}–{(page - 1) * pageSize + shown} of {total} {what}
      </span>
      {sizes && onPageSize && (
        <span className={styles.sizes}>
          <span aria-hidden>Rows per page</span>
          <RadioButtonGroup
            size="sm"
            options={sizes.map((s) => ({ label: String(s), value: s }))}
            value={pageSize}
            onChange={onPageSize}
            aria-label="Rows per page"
          />
        </span>
      )}
      <Pagination currentPage={page} numberOfPages={pages} onNavigate={onPage} hideWhenSinglePage />
    </div>
  );
}

const getPickerStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ position: 'relative', display: 'inline-block' }),
  button: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    height: theme.spacing(theme.components.height.md),
    padding: theme.spacing(0, 1.5),
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    background: theme.components.input.background,
    color: theme.colors.text.primary,
    cursor: 'pointer',
  }),
  menu: css({
    position: 'absolute',
    zIndex: theme.zIndex.dropdown,
    top: '100%',
    right: 0,
    marginTop: theme.spacing(0.5),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.75),
    padding: theme.spacing(1, 1.5),
    minWidth: 180,
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z3,
  }),
  pager: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  }),
  sizes: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(1) }),
});

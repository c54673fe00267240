import { useCallback, useState } from 'react';
import type { SortState } from '../components/DataTable';

/**
 * Sort state of a table: clicking the active column flips the order; a new column starts
 * ascending for text and descending for numbers (the biggest users first).
 */
export function useSort<K extends string>(
  initial: SortState<K>,
  numeric: readonly K[]
): [SortState<K>, (key: K) => void] {
  const [sort, setSort] = useState<SortState<K>>(initial);
  const onSort = useCallback(
    (key: K) =>
      setSort((s) =>
        s.key === key
          ? { key, order: s.order === 'asc' ? 'desc' : 'asc' }
          : { key, order: numeric.includes(key) ? 'desc' : 'asc' }
      ),
    [numeric]
  );
  return [sort, onSort];
}

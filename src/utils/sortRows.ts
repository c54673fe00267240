import type { ContainerRow, ContainerSortKey } from '@fleetlens/protocol/api';
import type { SortState } from '../components/DataTable';

const CONTAINER_FIELDS: Record<ContainerSortKey, (c: ContainerRow) => string | number | null> = {
  name: (c) => c.name,
  image: (c) => c.image,
  state: (c) => c.displayState,
  cpu: (c) => c.cpuCores,
  memory: (c) => c.memBytes,
  netRx: (c) => c.netRxBps,
  netTx: (c) => c.netTxBps,
  diskRead: (c) => c.diskReadBps,
  diskWrite: (c) => c.diskWriteBps,
  node: (c) => c.nodeName,
  cluster: (c) => c.clusterName,
  namespace: (c) => c.namespace,
  created: (c) => c.createdAt,
  restarts: (c) => c.restartCount,
};

/**
 * Sorts containers already in the browser (a node's own containers come in one reply), by the
 * same keys the backend sorts by; missing values go last in either order.
 */
export function sortContainers(rows: ContainerRow[], sort: SortState<ContainerSortKey>): ContainerRow[] {
  const get = CONTAINER_FIELDS[sort.key];
  const dir = sort.order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    if (x === null || y === null) {
      return x === y ? 0 : x === null ? 1 : -1;
    }
    const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return cmp * dir || a.name.localeCompare(b.name);
  });
}

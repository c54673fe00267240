import { nextSort, parseTableState, withTableState, type TableSpec } from './viewState';

type Key = 'name' | 'cpu' | 'memory';

const SPEC: TableSpec<Key> = {
  sortKeys: ['name', 'cpu', 'memory'],
  defaultSort: { key: 'name', order: 'asc' },
  numeric: ['cpu', 'memory'],
  pageSizes: [25, 50, 100],
  defaultPageSize: 50,
  columns: ['name', 'image', 'cpu', 'memory'],
  filters: ['q', 'state'],
};

describe('table view state in the URL', () => {
  it('reads sort, page, page size, columns and filters, and writes them back unchanged', () => {
    const search =
      '?q=web&state=paused&sort=cpu&order=desc&page=3&size=100&cols=name%2Ccpu&from=now-1h&to=now&refresh=';
    const s = parseTableState(search, SPEC);
    expect(s).toEqual({
      sort: { key: 'cpu', order: 'desc' },
      page: 3,
      pageSize: 100,
      columns: ['name', 'cpu'],
      filters: { q: 'web', state: 'paused' },
    });
    expect(withTableState(search, SPEC, s)).toBe(search);
  });

  it('leaves defaults out of the URL and keeps the view parameters last, as ViewStateUrlSync writes them', () => {
    const search = '?from=now-6h&to=now&refresh=&cluster=a';
    const s = parseTableState(search, SPEC);
    expect(withTableState(search, SPEC, s)).toBe(search);
    expect(withTableState(search, SPEC, { ...s, sort: { key: 'memory', order: 'desc' }, page: 2 })).toBe(
      '?sort=memory&order=desc&page=2&from=now-6h&to=now&refresh=&cluster=a'
    );
  });

  it('takes the defaults for invalid values instead of failing', () => {
    const s = parseTableState('?sort=drop+table&order=sideways&page=-4&size=7&cols=nope&state=%01x', SPEC);
    expect(s).toEqual({
      sort: { key: 'name', order: 'asc' },
      page: 1,
      pageSize: 50,
      columns: ['name', 'image', 'cpu', 'memory'],
      filters: {},
    });
    // A known key without an order starts as a click would: numbers biggest first.
    expect(parseTableState('?sort=memory', SPEC).sort).toEqual({ key: 'memory', order: 'desc' });
  });

  it('keeps the columns in the table order whatever order the URL lists them in', () => {
    expect(parseTableState('?cols=memory,name', SPEC).columns).toEqual(['name', 'memory']);
  });

  it('a prefix keeps two tables of one page apart', () => {
    const other: TableSpec<Key> = { ...SPEC, prefix: 'c.' };
    const search = '?sort=cpu&order=desc&c.sort=memory&c.order=asc';
    expect(parseTableState(search, SPEC).sort).toEqual({ key: 'cpu', order: 'desc' });
    expect(parseTableState(search, other).sort).toEqual({ key: 'memory', order: 'asc' });
  });

  it('a click on the active column flips it; a new numeric column starts descending, text ascending', () => {
    expect(nextSort({ key: 'name', order: 'asc' }, 'name', SPEC.numeric)).toEqual({ key: 'name', order: 'desc' });
    expect(nextSort({ key: 'name', order: 'asc' }, 'cpu', SPEC.numeric)).toEqual({ key: 'cpu', order: 'desc' });
    expect(nextSort({ key: 'cpu', order: 'desc' }, 'name', SPEC.numeric)).toEqual({ key: 'name', order: 'asc' });
  });
});

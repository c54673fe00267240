import { DEFAULT_LOG_FILTERS, parseLogFilters, withLogFilters } from './viewState';

describe('Logs filters in the URL', () => {
  it('reads container, levels, keyword and order, and ignores what is not valid', () => {
    expect(parseLogFilters('?container=abc123&level=warning,error,loud,error&q=time%20out&order=asc')).toEqual({
      ...DEFAULT_LOG_FILTERS,
      container: 'abc123',
      // Canonical order, once each, unknown levels dropped.
      levels: ['error', 'warning'],
      q: 'time out',
      order: 'asc',
    });
    expect(parseLogFilters('?source=pod&pod=uid-1&order=sideways&container=%3Cscript%3E')).toEqual({
      ...DEFAULT_LOG_FILTERS,
      source: 'pod',
      pod: 'uid-1',
    });
    expect(parseLogFilters('')).toEqual(DEFAULT_LOG_FILTERS);
  });

  it('writes only what differs from the defaults and keeps the other parameters in place', () => {
    const search = '?from=now-1h&to=now&refresh=&level=info';
    const out = withLogFilters(search, {
      ...DEFAULT_LOG_FILTERS,
      container: 'c1',
      levels: ['warning', 'error'],
      order: 'asc',
    });
    expect(out).toBe('?from=now-1h&to=now&refresh=&container=c1&level=error%2Cwarning&order=asc');
    expect(parseLogFilters(out)).toMatchObject({ container: 'c1', levels: ['error', 'warning'], order: 'asc' });
    expect(withLogFilters(out, DEFAULT_LOG_FILTERS)).toBe('?from=now-1h&to=now&refresh=');
    // The picked container only while picking by container.
    expect(withLogFilters('', { ...DEFAULT_LOG_FILTERS, source: 'pod', container: 'c1', pod: 'p1' })).toBe(
      '?source=pod&pod=p1'
    );
  });
});

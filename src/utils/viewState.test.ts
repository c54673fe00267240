import { dateTime } from '@grafana/data';
import { parseViewState, viewKey, withViewState } from './viewState';

const DEFAULTS = { rawRange: { from: 'now-1h', to: 'now' }, refresh: '5s', refreshIntervals: ['5s', '1m'] };

describe('view state query parameters', () => {
  it('a URL without view parameters says nothing (the current state stays)', () => {
    expect(parseViewState('', DEFAULTS)).toBeUndefined();
    expect(parseViewState('?orgId=1&tab=rules', DEFAULTS)).toBeUndefined();
  });

  it('reads Grafana-style parameters; a missing `to` is now', () => {
    expect(parseViewState('?from=now-6h&timezone=utc&cluster=a,b&cluster=c&refresh=', DEFAULTS)).toEqual({
      rawRange: { from: 'now-6h', to: 'now' },
      refresh: '',
      timeZone: 'utc',
      clusters: ['a', 'b', 'c'],
    });
    expect(parseViewState('?timezone=Europe%2FBerlin', DEFAULTS)?.timeZone).toBe('Europe/Berlin');
  });

  it('accepts ISO 8601 instants and writes them back as epoch milliseconds', () => {
    const s = parseViewState('?from=2024-05-01T10:00:00Z&to=2024-05-01T12:00:00Z', DEFAULTS)!;
    expect(withViewState('', s)).toBe('?from=1714557600000&to=1714564800000&refresh=5s');
  });

  it('replaces only its own parameters, keeping the others in order', () => {
    const state = {
      rawRange: { from: dateTime(1000), to: dateTime(2000) },
      refresh: '1m',
      timeZone: 'browser',
      clusters: ['x'],
    };
    expect(withViewState('?orgId=1&from=now-2d&kiosk', state)).toBe(
      '?orgId=1&kiosk=&from=1000&to=2000&refresh=1m&cluster=x'
    );
    expect(viewKey(parseViewState(withViewState('', state), DEFAULTS)!)).toBe(viewKey(state));
  });
});

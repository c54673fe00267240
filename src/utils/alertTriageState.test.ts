import { DEFAULT_ALERT_TRIAGE, parseAlertTriage, withAlertTriage } from './viewState';

describe('Alerts page triage state in the URL (issue 14 item 4)', () => {
  it('reads filters, sort, grouping and page; invalid values take the defaults', () => {
    expect(parseAlertTriage('')).toEqual(DEFAULT_ALERT_TRIAGE);
    expect(parseAlertTriage('?severity=info,critical,bogus&rule=r-1&ack=no&asort=newest&group=rule&apage=3')).toEqual({
      severities: ['critical', 'info'],
      rule: 'r-1',
      ack: 'no',
      sort: 'newest',
      group: true,
      page: 3,
    });
    expect(parseAlertTriage('?severity=loud&rule=a%20b&ack=maybe&asort=x&group=yes&apage=0x1')).toEqual(
      DEFAULT_ALERT_TRIAGE
    );
    expect(parseAlertTriage(`?rule=${'x'.repeat(65)}`).rule).toBe('');
  });

  it('writes only what differs from the default and keeps the other parameters in place', () => {
    expect(withAlertTriage('?from=now-1h&to=now&refresh=', DEFAULT_ALERT_TRIAGE)).toBe('?from=now-1h&to=now&refresh=');
    const s = withAlertTriage('?from=now-1h&severity=info&to=now', {
      ...DEFAULT_ALERT_TRIAGE,
      severities: ['info', 'critical'],
      ack: 'yes',
      group: true,
      page: 2,
    });
    expect(s).toBe('?from=now-1h&to=now&severity=critical%2Cinfo&ack=yes&group=rule&apage=2');
    // A round trip gives back the state.
    expect(parseAlertTriage(s)).toEqual({
      ...DEFAULT_ALERT_TRIAGE,
      severities: ['critical', 'info'],
      ack: 'yes',
      group: true,
      page: 2,
    });
  });
});

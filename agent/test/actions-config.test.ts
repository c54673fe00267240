import { ConfigError, loadConfig } from '../src/config';

// FLEETLENS_ACTIONS (issue 15): off unless set; a comma list of the allowed kinds, validated
// like the other settings (the error names the setting and its variable).
const base = { FLEETLENS_BACKEND_URL: 'http://127.0.0.1:1', FLEETLENS_AGENT_TOKEN: 't' };

describe('FLEETLENS_ACTIONS', () => {
  it('allows no action unless set', () => {
    expect(loadConfig({ ...base }).actions).toEqual([]);
  });
  it('reads a comma list of kinds, without duplicates', () => {
    expect(loadConfig({ ...base, FLEETLENS_ACTIONS: 'stop, start,stop' }).actions).toEqual(['stop', 'start']);
  });
  it('refuses an unknown kind, naming the setting', () => {
    expect(() => loadConfig({ ...base, FLEETLENS_ACTIONS: 'stop,explode' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, FLEETLENS_ACTIONS: 'stop,explode' })).toThrow(
      /actions \(FLEETLENS_ACTIONS\): expected a list of start, stop, restart, pause, unpause, remove, compose\.scale, .*, got "stop,explode"/
    );
  });
});

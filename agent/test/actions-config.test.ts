import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionHandlersFor } from '../src/actions';
import { ActionExecutor } from '../src/actions/executor';
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

describe('the kinds an agent reports it runs (status.allowedActions)', () => {
  const runs = async (env: Record<string, string>) => {
    const config = loadConfig({ ...base, FLEETLENS_STATE_DIR: mkdtempSync(join(tmpdir(), 'fl-kinds-')), ...env });
    const ex = await ActionExecutor.open({
      allowed: config.actions,
      socketPath: config.dockerSocket,
      stateDir: config.stateDir,
      handlers: actionHandlersFor(config),
      log: () => undefined,
    });
    try {
      return ex.runs;
    } finally {
      ex.close();
      rmSync(config.stateDir, { recursive: true, force: true });
    }
  };
  const ALL = 'restart,stop,compose.scale,pod.delete,workload.scale';

  it('a node agent: the Docker kinds it was allowed, not the Kubernetes API ones', async () => {
    const r = await runs({ FLEETLENS_ACTIONS: ALL });
    expect(r).toEqual(expect.arrayContaining(['restart', 'stop']));
    expect(r.filter((k) => k === 'pod.delete' || k === 'workload.scale')).toEqual([]);
  });

  it('a cluster agent: only the Kubernetes API kinds it was allowed (it has no Docker engine)', async () => {
    expect((await runs({ FLEETLENS_ACTIONS: ALL, FLEETLENS_MODE: 'cluster' })).sort()).toEqual([
      'pod.delete',
      'workload.scale',
    ]);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const base = { FLEETLENS_BACKEND_URL: 'http://backend:8480', FLEETLENS_AGENT_TOKEN: 'secret-token' };

describe('agent configuration', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'fl-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the documented defaults: 10 s interval, node mode, auto-detected collectors', () => {
    const c = loadConfig(base);
    expect(c.intervalSeconds).toBe(10);
    expect(c.mode).toBe('node');
    expect(c.collectors).toBe('auto');
    expect(c.environment).toBe('on-prem');
    expect(c.hostProc).toBe('/proc');
  });

  it('reads a YAML file and lets the environment override single settings', () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'backendUrl: https://fleet.example.com',
        'agentToken: from-file',
        'clusterName: prod-eu',
        'intervalSeconds: 30',
        'labels:',
        '  team: payments',
        'collectors: [host, docker]',
      ].join('\n')
    );
    const c = loadConfig({ FLEETLENS_INTERVAL_SECONDS: '5', FLEETLENS_ENVIRONMENT: 'public-cloud' }, file);
    expect(c.backendUrl).toBe('https://fleet.example.com');
    expect(c.intervalSeconds).toBe(5);
    expect(c.clusterName).toBe('prod-eu');
    expect(c.environment).toBe('public-cloud');
    expect(c.labels).toEqual({ team: 'payments' });
    expect(c.collectors).toEqual(['host', 'docker']);
    expect(loadConfig({ ...base, FLEETLENS_LABELS: 'a=1, b = two' }).labels).toEqual({ a: '1', b: 'two' });
  });

  it.each([
    [{ FLEETLENS_INTERVAL_SECONDS: '0.5' }, 'intervalSeconds (FLEETLENS_INTERVAL_SECONDS)'],
    [{ FLEETLENS_INTERVAL_SECONDS: '0' }, 'intervalSeconds (FLEETLENS_INTERVAL_SECONDS)'],
    [{ FLEETLENS_BACKEND_URL: 'ftp://x' }, 'backendUrl (FLEETLENS_BACKEND_URL)'],
    [{ FLEETLENS_ENVIRONMENT: 'moon' }, 'environment (FLEETLENS_ENVIRONMENT)'],
    [{ FLEETLENS_CLUSTER_NAME: 'bad name!' }, 'clusterName (FLEETLENS_CLUSTER_NAME)'],
    [{ FLEETLENS_COLLECTORS: 'host,podman' }, 'collectors (FLEETLENS_COLLECTORS)'],
    [{ FLEETLENS_LABELS: 'novalue' }, 'labels (FLEETLENS_LABELS)'],
    [{ FLEETLENS_SPOOL_MAX_BYTES: 'lots' }, 'spoolMaxBytes (FLEETLENS_SPOOL_MAX_BYTES)'],
  ])('fails at start naming the bad setting: %j', (bad, named) => {
    expect(() => loadConfig({ ...base, ...bad })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...bad })).toThrow(named);
  });

  it('names missing required settings and unknown keys in the file', () => {
    expect(() => loadConfig({})).toThrow(
      /backendUrl \(FLEETLENS_BACKEND_URL\)[\s\S]*agentToken \(FLEETLENS_AGENT_TOKEN\)/
    );
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'backendUrl: http://x\nagentToken: t\nintervalSecs: 5\n');
    expect(() => loadConfig({}, file)).toThrow('unknown setting(s) intervalSecs');
  });

  it('the entry point exits with status 2 and the message on bad config', () => {
    const r = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')],
      {
        env: {
          PATH: process.env.PATH,
          ...base,
          FLEETLENS_INTERVAL_SECONDS: 'abc',
          TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        },
        encoding: 'utf8',
        timeout: 60_000,
      }
    );
    expect(r.stderr).toContain('intervalSeconds (FLEETLENS_INTERVAL_SECONDS)');
    expect(r.status).toBe(2);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { alerts as wire, api } from '@fleetlens/protocol';
import { PROBE_DOWN_RULE } from '../../backend/src/db/migrations/0010_service_health';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';
import { httpdWebRoot } from './helpers/www';

// Issue 16 end to end: the real backend (temporary SQLite file), a real agent process (src/main.ts,
// Docker collector, logs on) and real busybox containers: httpd serving a page, httpd whose CGI
// sleeps 1 s, httpd whose CGI answers 503 (each probed through its `fleetlens.probe.url` label),
// and a container that prints a known mix of nginx `combined` lines. What GET /services shows must
// equal those inputs, computed by hand below, and the default "Service probe down" rule must fire
// for the failing service only.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const TOKEN = 'e2e16-agent-token-0123456789';
const SERVICE_KEY = 'e2e16-service-key-0123456789';
const CLUSTER = 'e2e16';

/** status, count, $request_time of the nginx lines the `shop` container prints. */
const MIX: Array<[number, number, string]> = [
  [200, 37, '0.020'],
  [301, 5, '0.001'],
  [404, 8, '0.004'],
  [500, 3, '2.000'],
];
// By hand: 53 requests; 5xx 3 → error 3 / 53 × 100 = 5.6604 %. Latency sum 37 × 0.020 + 5 × 0.001 +
// 8 × 0.004 + 3 × 2.000 = 6.777 s → avg 6.777 / 53 = 0.127868 s. Histogram (le): 0.005: 13,
// 0.025: 37, 2.5: 3. p50: rank 0.5 × 53 = 26.5, in (0.01, 0.025] after 13 → 0.01 + 0.015 × 13.5 / 37
// = 0.015473 s. p95: rank 50.35, in (1, 2.5] after 50 → 1 + 1.5 × 0.35 / 3 = 1.175 s.
const HAND = {
  statusCounts: { '2xx': 37, '3xx': 5, '4xx': 8, '5xx': 3 },
  errorPercent: (3 / 53) * 100,
  avg: 6.777 / 53,
  p50: 0.01 + (0.015 * 13.5) / 37,
  p95: 1 + (1.5 * 0.35) / 3,
};

function nginxLines(): string {
  const out: string[] = [];
  let i = 0;
  for (const [status, count, t] of MIX)
    for (let k = 0; k < count; k++, i++) {
      out.push(
        `172.17.0.${(i % 200) + 2} - - [02/Dec/2026:03:04:${String(i % 60).padStart(2, '0')} +0000] "GET /item/${i} HTTP/1.1" ${status} ${100 + i} "-" "curl/8.0" ${t}`
      );
      if (i % 9 === 0) out.push('worker ready, queue depth 3'); // an ordinary line: not a request
    }
  return out.join('\n') + '\n';
}

describeDocker('service health: containers → agent process → backend → GET /services (SQLite, real Docker)', () => {
  const run = runLabel('e2e16');
  const label = `fleetlens.test=${run}`;
  let dir: string;
  let www: string;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let agent: ChildProcess;
  let stderr = '';
  let admin: Record<string, string>;
  let rows: api.ServiceRow[] = [];

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${backend.url}/api/v1${path}`, { headers: admin });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const row = (name: string) => {
    const r = rows.find((x) => x.name === name);
    if (!r) throw new Error(`no service ${name} among ${rows.map((x) => x.name).join(', ')}`);
    return r;
  };

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'e2e16-'));
    www = httpdWebRoot('e2e16-www-', 'e2e16 page\n');
    writeFileSync(join(dir, 'access.log'), nginxLines());

    backend = await startBackend({
      databaseUrl: join(dir, 'monitor.db'),
      port: 0,
      host: '127.0.0.1',
      agentToken: TOKEN,
      serviceKey: SERVICE_KEY,
      jobsEnabled: false,
      dataDir: join(dir, 'backend'),
    });
    admin = (await adminApiKeyViaApp(backend.url, SERVICE_KEY)).headers;
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_CLUSTER_NAME: CLUSTER,
        FLEETLENS_NODE_NAME: `${run}-node`,
        FLEETLENS_COLLECTORS: 'docker',
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'true',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    // The containers start after the agent reported once, so their whole logs are new to it.
    for (let i = 0; i < 300; i++) {
      const nodes = await get<api.NodeListReply>(`/nodes?cluster=${CLUSTER}`);
      if (nodes.items.length) break;
      if (i === 299) throw new Error(`the agent never reported; it said:\n${stderr.slice(-2000)}`);
      await sleep(200);
    }
    const httpd = (name: string, url: string, extra: string[] = []) =>
      docker(
        'run',
        '-d',
        '--name',
        `${run}-${name}`,
        '--label',
        label,
        '--label',
        `fleetlens.service=${name}`,
        '--label',
        `fleetlens.probe.url=${url}`,
        '--label',
        'fleetlens.probe.interval=5',
        ...extra,
        '-v',
        `${www}:/www:ro`,
        IMAGE,
        'httpd',
        '-f',
        '-p',
        '8080',
        '-h',
        '/www'
      );
    httpd('web', 'http://{ip}:8080/index.html');
    httpd('slow', 'http://{ip}:8080/cgi-bin/slow', ['--label', 'fleetlens.probe.timeout=3']);
    httpd('fail', 'http://{ip}:8080/cgi-bin/fail');
    docker(
      'run',
      '-d',
      '--name',
      `${run}-shop`,
      '--label',
      label,
      '--label',
      'fleetlens.service=shop',
      '-v',
      `${dir}:/data:ro`,
      IMAGE,
      'sh',
      '-c',
      'cat /data/access.log; exec sleep 3600'
    );
    // Until every line is counted and each probed service has its newest run in.
    for (let i = 0; i < 120; i++) {
      rows = (await get<api.ServiceListReply>(`/services?cluster=${CLUSTER}&pageSize=50`)).items;
      const ready =
        rows.find((r) => r.name === 'shop')?.statusCounts['2xx'] === 37 &&
        ['web', 'slow', 'fail'].every((n) => rows.find((r) => r.name === n)?.probeStatus);
      if (ready) break;
      await sleep(1000);
    }
  }, 240_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await new Promise((r) => (agent?.exitCode !== null ? r(null) : agent.once('exit', r)));
    await backend?.stop();
    removeLabelled(label);
    rmSync(dir, { recursive: true, force: true });
    rmSync(www, { recursive: true, force: true });
  });

  it("counts the access-log container's requests exactly, with the hand-computed error rate and latencies", () => {
    const shop = row('shop');
    expect(shop.sources).toEqual(['logs']);
    expect(shop.statusCounts).toEqual(HAND.statusCounts);
    expect(shop.errorPercent).toBeCloseTo(HAND.errorPercent, 6);
    expect(shop.latencySource).toBe('logs');
    expect(shop.avgSeconds).toBeCloseTo(HAND.avg, 6);
    expect(shop.p50Seconds).toBeCloseTo(HAND.p50, 6);
    expect(shop.p95Seconds).toBeCloseTo(HAND.p95, 6);
    expect(shop.probeStatus).toBeNull();
  });

  it('shows the probes as the containers answer: up, up after the CGI sleep, down with the 503', async () => {
    expect(row('web')).toMatchObject({ probeStatus: 'up', latencySource: 'probe', sources: ['probe'] });
    expect(row('web').avgSeconds!).toBeLessThan(1);
    expect(row('slow').probeStatus).toBe('up');
    // The CGI sleeps 1 s before it answers; the probe's timeout is 3 s.
    expect(row('slow').p50Seconds!).toBeGreaterThanOrEqual(1);
    expect(row('slow').p50Seconds!).toBeLessThan(3);
    expect(row('fail').probeStatus).toBe('down');
    const fail = await get<api.ServiceDetailReply>(`/services/${row('fail').id}`);
    expect(fail.probes).toHaveLength(1);
    expect(fail.probes[0]).toMatchObject({ source: 'docker-label', up: false, statusCode: 503 });
    expect(fail.probes[0].error).toContain('503');
  });

  it('fires the default probe-down rule for the failing service only', async () => {
    await backend.deps.alerts.evaluator.evaluate(Math.floor(Date.now() / 1000));
    const alerts = await get<wire.AlertListReply>(`/alerts?ruleId=${PROBE_DOWN_RULE.id}&state=firing&pageSize=100`);
    expect(alerts.items.map((a) => [a.entity.kind, a.entity.name])).toEqual([['service', 'fail']]);
  });
});

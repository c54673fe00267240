import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LogLine, RequestStats } from '@fleetlens/protocol';
import { DockerCollector } from '../src/collectors/docker';
import { AccessLogStats } from '../src/services/access-log/stats';
import { OnceLog } from '../src/services/discovery';
import {
  IMAGE,
  SOCKET,
  docker,
  dockerAvailable,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';

// Real Docker engine: a busybox container prints a known mix of nginx `combined` lines with
// `$request_time`, between ordinary application lines, to stdout; the agent reads them through
// the engine's log API as it does every container's logs. The expected counts and sums are the
// seeded ones, computed by hand below.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

/** The seeded mix: status, count, request_time of each of those lines. */
const MIX: Array<[number, number, string]> = [
  [200, 37, '0.020'],
  [301, 5, '0.001'],
  [404, 8, '0.004'],
  [500, 3, '2.000'],
];
// By hand: 37 + 5 + 8 + 3 = 53 requests; 37×0.020 + 5×0.001 + 8×0.004 + 3×2.000 = 0.740 + 0.005 +
// 0.032 + 6.000 = 6.777 s. Buckets (le): 0.001 and 0.004 → 0.005 (13); 0.020 → 0.025 (37); 2.0 → 2.5 (3).
const HAND = { requests: 53, s2: 37, s3: 5, s4: 8, s5: 3, sum: 6.777, buckets: [13, 0, 37, 0, 0, 0, 0, 0, 3, 0, 0, 0] };

const ORDINARY = [
  '2026/12/02 03:04:05 [notice] 1#1: using the "epoll" event method',
  'server listening on :8080, health status 200',
  '{"level":"info","msg":"request done","status":200,"duration":0.5}',
  '127.0.0.1 - - "GET / HTTP/1.1" 200 12',
];

function accessLines(): string[] {
  const out: string[] = [];
  let i = 0;
  for (const [status, count, t] of MIX)
    for (let k = 0; k < count; k++, i++) {
      out.push(
        `172.17.0.${(i % 200) + 2} - - [02/Dec/2026:03:04:${String(i % 60).padStart(2, '0')} +0000] "GET /item/${i} HTTP/1.1" ${status} ${100 + i} "-" "Mozilla/5.0 (h16a)" ${t}`
      );
      // An ordinary line every few requests.
      if (i % 7 === 0) out.push(ORDINARY[(i / 7) % ORDINARY.length]);
    }
  return out;
}

describeDocker('access-log request stats from a real container’s nginx lines', () => {
  const run = runLabel('h16a-alog');
  const label = `fleetlens.test=${run}`;
  const ids: Record<string, string> = {};
  let dir: string;
  let stateDir: string;
  let collector: DockerCollector;
  const stats: RequestStats[] = [];
  const shipped: LogLine[] = [];
  const logs: string[] = [];
  const CAP = 10;

  const sum = (id: string) => {
    const own = stats.filter((s) => s.containerId === id);
    const buckets = new Array(12).fill(0);
    for (const s of own) s.latencyBuckets?.forEach((v, i) => (buckets[i] += v));
    return {
      requests: own.reduce((a, s) => a + s.requests, 0),
      s2: own.reduce((a, s) => a + s.status2xx, 0),
      s3: own.reduce((a, s) => a + s.status3xx, 0),
      s4: own.reduce((a, s) => a + s.status4xx, 0),
      s5: own.reduce((a, s) => a + s.status5xx, 0),
      count: own.reduce((a, s) => a + s.latencyCount, 0),
      sum: own.reduce((a, s) => a + s.latencySumSeconds, 0),
      buckets,
    };
  };

  beforeAll(async () => {
    ensureTestImage();
    dir = mkdtempSync(join(tmpdir(), 'h16a-alog-'));
    stateDir = mkdtempSync(join(tmpdir(), 'h16a-alog-state-'));
    const lines = accessLines();
    writeFileSync(join(dir, 'access.log'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'app.log'), [...ORDINARY, ...ORDINARY].join('\n') + '\n');
    const once = new OnceLog((m) => logs.push(m));
    collector = new DockerCollector({
      nodeName: 'h16a-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      stateDir,
      logsEnabled: true,
      logLinesPerCycle: CAP,
      labelFilter: { 'fleetlens.test': run },
      services: { probes: null, accessLogs: new AccessLogStats({ custom: null, once }), once },
    });
    await collector.start(Date.now());
    // Started after the agent: their whole logs are new. Each prints its file once, then idles.
    const start = (name: string, file: string, extra: string[]) =>
      (ids[name] = docker(
        'run',
        '-d',
        '--name',
        `${run}-${name}`,
        '--label',
        label,
        ...extra,
        '-v',
        `${dir}:/data:ro`,
        IMAGE,
        'sh',
        '-c',
        `cat /data/${file}; exec sleep 3600`
      ));
    start('nginx', 'access.log', [
      '--label',
      'com.docker.compose.project=h16a',
      '--label',
      'com.docker.compose.service=web',
    ]);
    start('app', 'app.log', []);
    start('off', 'access.log', ['--label', 'fleetlens.access-log=off']);
    start('badlabel', 'access.log', ['--label', 'fleetlens.access-log=nginxx']);
    const until = Date.now() + 40_000;
    let extra = 3; // a few cycles past the full count: nothing may be counted twice
    while (Date.now() < until && extra > 0) {
      await sleep(1200);
      const parts = await collector.collect(Date.now());
      stats.push(...(parts.requestStats ?? []));
      shipped.push(...(parts.logs ?? []));
      if (sum(ids.nginx).requests >= HAND.requests) extra--;
    }
  }, 90_000);

  afterAll(async () => {
    await collector?.stop();
    removeLabelled(label);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('sums to the seeded counts exactly, over the batches, though the line cap held lines back', () => {
    const s = sum(ids.nginx);
    expect({ requests: s.requests, s2: s.s2, s3: s.s3, s4: s.s4, s5: s.s5, count: s.count }).toEqual({
      requests: HAND.requests,
      s2: HAND.s2,
      s3: HAND.s3,
      s4: HAND.s4,
      s5: HAND.s5,
      count: HAND.requests,
    });
    expect(s.sum).toBeCloseTo(HAND.sum, 9);
    expect(s.buckets).toEqual(HAND.buckets);
    // The cap applied to the shipped lines (a marker says how many were skipped) and not to the counts.
    const own = shipped.filter((l) => l.containerId === ids.nginx);
    expect(own.some((l) => /log lines skipped: over the limit of 10/.test(l.message))).toBe(true);
    expect(own.filter((l) => !l.message.startsWith('[fleetlens-agent]')).length).toBeLessThan(HAND.requests);
  });

  it('names the service from the Compose labels and the format nginx; every item is valid on the wire', () => {
    const own = stats.filter((s) => s.containerId === ids.nginx);
    expect(own.length).toBeGreaterThan(0);
    for (const s of own) {
      expect(RequestStats.parse(s)).toEqual(s);
      expect(s).toMatchObject({ format: 'nginx', service: { namespace: null, name: 'h16a/web' } });
      expect(s.intervalSeconds).toBeGreaterThan(0);
    }
  });

  it('counts no ordinary application line, and nothing for access-log off or a bad value', () => {
    for (const name of ['app', 'off', 'badlabel'])
      expect([name, stats.filter((s) => s.containerId === ids[name])]).toEqual([name, []]);
    expect(logs.filter((l) => l.includes(`${run}-badlabel`))).toEqual([
      `fleetlens-agent: access log of container ${run}-badlabel not read: fleetlens.access-log "nginxx" is not auto, off, nginx, apache, traefik, caddy, custom`,
    ]);
  });
});

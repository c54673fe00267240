import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IngestBatch, ProbeResult } from '@fleetlens/protocol';
import { Agent } from '../src/agent';
import { DockerCollector } from '../src/collectors/docker';
import { validateConfig } from '../src/config';
import { buildServices } from '../src/services';
import { OnceLog } from '../src/services/discovery';
import { runProbe } from '../src/services/probe';
import { ProbeRunner } from '../src/services/runner';
import type { ProbeTarget } from '../src/services/target';
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
import { startReceiver } from './helpers/receiver';
import { httpdWebRoot } from './helpers/www';
import { TestPki, startHttpsServer } from './helpers/tls';

// Real Docker engine, real busybox httpd containers carrying `fleetlens.probe.*` labels; the
// expected answers are what the test seeded (a page, a CGI that sleeps 1 s, one that answers
// `Status: 503`, a port nothing listens on) and the IPs `docker inspect` reports.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const PAGE = 'fleetlens h16a probe page\n';

describeDocker('probes discovered from Docker labels, run against real busybox httpd containers', () => {
  const run = runLabel('h16a-probe');
  const label = `fleetlens.test=${run}`;
  const ids: Record<string, string> = {};
  const ips: Record<string, string> = {};
  const logs: string[] = [];
  let www: string;
  let stateDir: string;
  let runner: ProbeRunner;
  let collector: DockerCollector;
  const results: ProbeResult[] = [];

  /** Each container serves the web root on 8080 and carries one probe's labels. */
  const probes: Record<string, Record<string, string>> = {
    web: { url: 'http://{ip}:8080/index.html', 'body-match': 'h16a probe page' },
    nomatch: { url: 'http://{ip}:8080/index.html', 'body-match': '^nothing like this' },
    slow: { url: 'http://{ip}:8080/cgi-bin/slow', timeout: '3' },
    slowtimeout: { url: 'http://{ip}:8080/cgi-bin/slow', timeout: '0.5' },
    fail: { url: 'http://{ip}:8080/cgi-bin/fail' },
    closed: { url: 'http://{ip}:8081/' },
    tcpup: { url: 'tcp://{ip}:8080' },
    tcpdown: { url: 'tcp://{ip}:8081' },
    bad: { url: 'http://{ip}:8080/', interval: 'fast' },
  };

  const resultOf = (name: string): ProbeResult => {
    const r = results.find((x) => x.containerId === ids[name]);
    if (!r) throw new Error(`no probe result for ${name}`);
    return r;
  };

  beforeAll(async () => {
    ensureTestImage();
    www = httpdWebRoot('h16a-www-', PAGE);
    stateDir = mkdtempSync(join(tmpdir(), 'h16a-state-'));
    for (const [name, settings] of Object.entries(probes)) {
      const labels = Object.entries(settings).flatMap(([k, v]) => ['--label', `fleetlens.probe.${k}=${v}`]);
      ids[name] = docker(
        'run',
        '-d',
        '--name',
        `${run}-${name}`,
        '--label',
        label,
        ...labels,
        ...(name === 'web' ? ['--label', 'fleetlens.service=h16a-web'] : []),
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
      ips[name] = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', ids[name]);
    }
    const once = new OnceLog((m) => logs.push(m));
    runner = new ProbeRunner({ nodeName: 'h16a-node', concurrency: 16, maxProbes: 1000, log: (m) => logs.push(m) });
    collector = new DockerCollector({
      nodeName: 'h16a-node',
      socketPath: SOCKET,
      hostProc: '/proc',
      hostSys: '/sys',
      stateDir,
      logsEnabled: false,
      logLinesPerCycle: 0,
      labelFilter: { 'fleetlens.test': run },
      services: { probes: runner, accessLogs: null, once },
    });
    await collector.start(Date.now());
    await collector.collect(Date.now());
    await collector.collect(Date.now()); // a second cycle: the bad label must not be logged again
    runner.start();
    const want = Object.keys(probes).filter((n) => n !== 'bad');
    const until = Date.now() + 30_000;
    while (Date.now() < until && !want.every((n) => results.some((r) => r.containerId === ids[n]))) {
      await sleep(250);
      results.push(...runner.take());
    }
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await collector?.stop();
    removeLabelled(label);
    rmSync(www, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('probes the page through {ip}: up, 200, phases ordered, key and target from docker inspect', () => {
    const r = resultOf('web');
    expect(ProbeResult.parse(r)).toEqual(r);
    const target = `http://${ips.web}:8080/index.html`;
    expect(r).toMatchObject({
      key: `ctr:${ids.web}:${target}`,
      source: 'docker-label',
      definitionId: null,
      service: { namespace: null, name: 'h16a-web' },
      nodeName: 'h16a-node',
      kind: 'http',
      target,
      up: true,
      statusCode: 200,
      error: null,
      tlsSeconds: null,
      certNotAfter: null,
      dnsSeconds: 0, // an IP literal: no lookup
    });
    for (const k of ['connectSeconds', 'firstByteSeconds', 'totalSeconds'] as const) expect(r[k]).not.toBeNull();
    expect(r.connectSeconds!).toBeLessThanOrEqual(r.firstByteSeconds!);
    expect(r.firstByteSeconds!).toBeLessThanOrEqual(r.totalSeconds!);
    expect(r.totalSeconds!).toBeLessThan(5);
  });

  it('records a body that does not match as down with its status', () => {
    expect(resultOf('nomatch')).toMatchObject({ up: false, statusCode: 200, error: 'body did not match' });
  });

  it('measures the CGI that sleeps 1 s: total at least 1 s and under its 3 s timeout', () => {
    const r = resultOf('slow');
    expect(r).toMatchObject({ up: true, statusCode: 200, error: null });
    expect(r.totalSeconds!).toBeGreaterThanOrEqual(1);
    expect(r.totalSeconds!).toBeLessThan(3);
    expect(r.firstByteSeconds!).toBeGreaterThanOrEqual(1); // the CGI's headers come after its sleep
  });

  it('reports the same CGI with a 0.5 s timeout as down: timeout', () => {
    const r = resultOf('slowtimeout');
    expect(r).toMatchObject({ up: false, statusCode: null, totalSeconds: null });
    expect(r.error).toMatch(/^timeout after 0.5 s$/);
  });

  it('reports the CGI answering Status: 503 as down with status 503', () => {
    expect(resultOf('fail')).toMatchObject({ up: false, statusCode: 503, error: 'unexpected status 503' });
  });

  it('reports a port nothing listens on as refused', () => {
    expect(resultOf('closed')).toMatchObject({ up: false, statusCode: null, error: 'connection refused' });
  });

  it('runs TCP probes: up on the listening port, refused on the closed one', () => {
    expect(resultOf('tcpup')).toMatchObject({
      kind: 'tcp',
      target: `${ips.tcpup}:8080`,
      up: true,
      statusCode: null,
      error: null,
      firstByteSeconds: null,
    });
    expect(resultOf('tcpup').connectSeconds).not.toBeNull();
    expect(resultOf('tcpdown')).toMatchObject({ kind: 'tcp', up: false, error: 'connection refused' });
  });

  it('skips a probe with a bad label and says so once', () => {
    expect(runner.keys().some((k) => k.startsWith(`ctr:${ids.bad}:`))).toBe(false);
    expect(results.some((r) => r.containerId === ids.bad)).toBe(false);
    const said = logs.filter((l) => l.includes(`${run}-bad`));
    expect(said).toEqual([
      `fleetlens-agent: probe of container ${run}-bad skipped: interval "fast" is not a whole number of seconds within 5-3600`,
    ]);
  });

  it('stops probing a container once it stops', async () => {
    expect(runner.keys()).toContain(`ctr:${ids.tcpdown}:${ips.tcpdown}:8081`);
    docker('stop', '-t', '0', ids.tcpdown);
    await collector.collect(Date.now());
    expect(runner.keys().some((k) => k.startsWith(`ctr:${ids.tcpdown}:`))).toBe(false);
    expect(runner.keys()).toContain(`ctr:${ids.tcpup}:${ips.tcpup}:8080`);
  });
});

/** A CA and a server certificate for 127.0.0.1 whose validity the test sets (openssl ca -startdate/-enddate). */
function certWithNotAfter(pki: TestPki, notAfter: Date): { ca: string; cert: Buffer; key: Buffer } {
  const ca = pki.selfSigned('ca', 'h16a test CA');
  const dir = pki.dir;
  const run = (...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca=d',
      '[d]',
      'database=index.txt',
      'new_certs_dir=.',
      'serial=serial',
      'default_md=sha256',
      'policy=p',
      'unique_subject=no',
      '[p]',
      'commonName=supplied',
      '[ext]',
      'basicConstraints=CA:FALSE',
      'subjectAltName=IP:127.0.0.1',
      'extendedKeyUsage=serverAuth',
    ].join('\n') + '\n'
  );
  run(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'srv.key',
    '-out',
    'srv.csr',
    '-subj',
    '/CN=127.0.0.1'
  );
  const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  run(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    ca.certFile,
    '-keyfile',
    ca.keyFile,
    '-in',
    'srv.csr',
    '-out',
    'srv.crt',
    '-startdate',
    stamp(new Date(Date.now() - 3600_000)),
    '-enddate',
    stamp(notAfter),
    '-extensions',
    'ext',
    '-notext'
  );
  return { ca: ca.cert.toString(), cert: readFileSync(join(dir, 'srv.crt')), key: readFileSync(join(dir, 'srv.key')) };
}

describe('https probe against a local TLS server', () => {
  const pki = new TestPki();
  // A notAfter the test chose, on a whole second (X.509 UTCTime has no fractions).
  const notAfter = new Date(Date.UTC(2027, 2, 15, 12, 0, 0));
  let server: Awaited<ReturnType<typeof startHttpsServer>>;
  let ca: string;

  beforeAll(async () => {
    const c = certWithNotAfter(pki, notAfter);
    ca = c.ca;
    server = await startHttpsServer({ cert: c.cert, key: c.key }, (_req, res) => res.writeHead(204).end());
  });
  afterAll(async () => {
    await server?.close();
    pki.cleanup();
  });

  const target = (): ProbeTarget => ({
    key: 'def:tls',
    source: 'defined',
    definitionId: 'tls',
    service: { namespace: null, name: 'tls' },
    containerId: null,
    kind: 'http',
    target: `${server.url}/health`,
    method: 'GET',
    intervalSeconds: 30,
    timeoutSeconds: 5,
    expectStatus: '204',
    bodyMatch: null,
  });

  it('reports the certificate notAfter the test chose, with the TLS phase', async () => {
    const r = await runProbe(target(), { ca: [ca] });
    expect(r).toMatchObject({ up: true, statusCode: 204, error: null, certNotAfter: notAfter.getTime() / 1000 });
    expect(r.tlsSeconds).not.toBeNull();
    expect(r.connectSeconds! + r.tlsSeconds!).toBeLessThanOrEqual(r.firstByteSeconds! + 1e-6);
    expect(server.seen.map((s) => s.path)).toContain('/health');
  });

  it('is down with a TLS error when the CA is not trusted, still naming the notAfter, and sends no request', async () => {
    const before = server.seen.length;
    const r = await runProbe(target());
    expect(r).toMatchObject({ up: false, statusCode: null, certNotAfter: notAfter.getTime() / 1000 });
    expect(r.error).toMatch(/^TLS error: /);
    expect(server.seen.length).toBe(before);
  });

  it('is down with a TLS error when the certificate does not name the host', async () => {
    const r = await runProbe({ ...target(), target: `https://localhost:${server.port}/health` }, { ca: [ca] });
    expect(r).toMatchObject({ up: false, error: 'TLS error: ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describeDocker('defined probes from the ingest reply (test receiver, real agent loop)', () => {
  const run = runLabel('h16a-def');
  const label = `fleetlens.test=${run}`;
  let ip: string;
  let stateDir: string;

  beforeAll(() => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'h16a-def-'));
    const id = docker(
      'run',
      '-d',
      '--name',
      `${run}-web`,
      '--label',
      label,
      IMAGE,
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      '/www'
    );
    ip = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);
  });
  afterAll(() => {
    removeLabelled(label);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs the probes a reply defines, and drops one a later reply leaves out', async () => {
    const a = { id: 'a', service: { name: 'shop' }, kind: 'http', target: `http://${ip}:8080/`, intervalSeconds: 5 };
    const b = { id: 'b', service: { name: 'db' }, kind: 'tcp', target: `${ip}:8080`, intervalSeconds: 5 };
    let withB = true;
    let droppedAt: number | null = null;
    const receiver = await startReceiver((n, body) => {
      if (!withB && droppedAt === null) droppedAt = Date.now();
      return {
        status: 200,
        body: { batchId: body?.batchId ?? '', serverTime: Math.floor(Date.now() / 1000), probes: withB ? [a, b] : [a] },
      };
    });
    const config = validateConfig({
      backendUrl: receiver.url,
      agentToken: 'h16a-token',
      intervalSeconds: 1,
      stateDir,
      nodeName: 'h16a-node',
      clusterName: 'h16a',
    });
    const services = buildServices(config, () => {});
    const agent = new Agent({
      config,
      collectors: [services.collector!],
      clusterKind: 'docker',
      onDefinedProbes: (p) => services.setDefined(p),
      log: () => {},
    });
    const batches = () => receiver.received.map((r) => r.body as unknown as IngestBatch).filter(Boolean);
    const resultsOf = (id: string) =>
      batches()
        .flatMap((x) => x.probeResults ?? [])
        .filter((r) => r.definitionId === id);
    const waitFor = async (cond: () => boolean, ms: number) => {
      const until = Date.now() + ms;
      while (!cond() && Date.now() < until) await sleep(200);
      return cond();
    };
    await agent.start();
    try {
      expect(await waitFor(() => resultsOf('a').length > 0 && resultsOf('b').length > 0, 20_000)).toBe(true);
      expect(resultsOf('a')[0]).toMatchObject({
        key: 'def:a',
        source: 'defined',
        up: true,
        statusCode: 200,
        service: { name: 'shop' },
      });
      expect(resultsOf('b')[0]).toMatchObject({
        key: 'def:b',
        source: 'defined',
        kind: 'tcp',
        up: true,
        target: `${ip}:8080`,
      });
      withB = false;
      const aBefore = resultsOf('a').length;
      // Long enough for both to have run again at their 5 s interval, had b stayed.
      expect(
        await waitFor(
          () => droppedAt !== null && Date.now() - droppedAt > 7000 && resultsOf('a').length >= aBefore + 1,
          25_000
        )
      ).toBe(true);
      // Every b run started before the reply that left it out; none after.
      const lastB = Math.max(...resultsOf('b').map((r) => r.ts));
      expect(lastB).toBeLessThanOrEqual(Math.floor(droppedAt! / 1000));
      expect(resultsOf('a').some((r) => r.ts * 1000 > droppedAt! + 1000)).toBe(true);
    } finally {
      await agent.stop();
      await receiver.close();
    }
  }, 90_000);
});

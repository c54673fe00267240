import { LATENCY_BUCKETS_SECONDS, RequestStats } from '@fleetlens/protocol';
import { customParser, parseCaddy, parseCombined, parseTraefik } from '../src/services/access-log/formats';
import { AccessLogStats, bucketOf } from '../src/services/access-log/stats';
import { OnceLog, definedTarget, parseProbeSettings, type ProbeHost } from '../src/services/discovery';
import { dockerService, podService } from '../src/services/identity';
import { statusMatcher } from '../src/services/target';
import { probesOf } from '../src/transport/client';
import { validateConfig } from '../src/config';

// Sample lines come from each project's documentation:
//  - Apache: httpd.apache.org/docs/2.4/logs.html, "Combined Log Format" (the line shown there).
//  - nginx: nginx.org/en/docs/http/ngx_http_log_module.html defines `combined` as
//    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//    "$http_referer" "$http_user_agent"'; the line below is that format filled in, with
//    `$request_time` (seconds, millisecond resolution) appended as the docs' log_format allows.
//  - Traefik: doc.traefik.io "Access Logs", format json; the field names (DownstreamStatus,
//    Duration in nanoseconds, RequestMethod, …) are those of the docs' list of fields.
//  - Caddy: caddyserver.com/docs/caddyfile/directives/log, the example access log entry.
const APACHE_DOC =
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
const NGINX =
  '192.0.2.10 - - [02/Dec/2026:03:04:05 +0000] "GET /api/items?page=2 HTTP/1.1" 404 153 "-" "curl/8.5.0" 0.012';
const TRAEFIK =
  '{"ClientAddr":"192.0.2.7:51234","ClientHost":"192.0.2.7","DownstreamContentSize":1543,"DownstreamStatus":502,"Duration":1234567890,"OriginStatus":502,"RequestAddr":"whoami.localhost","RequestMethod":"GET","RequestPath":"/","RequestProtocol":"HTTP/1.1","RouterName":"whoami@docker","StartUTC":"2026-12-02T03:04:05.123456789Z","level":"info","msg":"","time":"2026-12-02T03:04:06Z"}';
const CADDY =
  '{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Encoding":["gzip"],"Content-Type":["text/html; charset=utf-8"],"Vary":["Accept-Encoding"]}}';

/** Ordinary application lines, some of which look a little like access logs: none is a request. */
const ORDINARY = [
  '2026/12/02 03:04:05 [notice] 1#1: start worker processes',
  'Listening on http://0.0.0.0:8080 status 200',
  '{"level":"info","msg":"request done","status":200,"duration":0.5}',
  '{"level":"info","status":503,"logger":"app"}',
  '127.0.0.1 - - "GET / HTTP/1.1" 200 12',
  '127.0.0.1 - - [02/Dec/2026:03:04:05 +0000] "GET / HTTP/1.1" 200 12 "-" "curl" trailing words',
  'ERROR connection refused to db:5432',
  '',
];

describe('access-log formats', () => {
  it('reads the Apache documentation line: status 200, no duration', () => {
    expect(parseCombined(APACHE_DOC, 'auto')).toEqual({ request: { status: 200, seconds: null }, format: 'nginx' });
    expect(parseCombined(APACHE_DOC, 'apache')).toEqual({ request: { status: 200, seconds: null }, format: 'apache' });
  });

  it('reads Apache %D (microseconds) after the combined fields', () => {
    expect(parseCombined(`${APACHE_DOC} 250000`, 'apache')?.request).toEqual({ status: 200, seconds: 0.25 });
    // auto: a whole number after the user agent is Apache's %D.
    expect(parseCombined(`${APACHE_DOC} 1500`, 'auto')).toEqual({
      request: { status: 200, seconds: 0.0015 },
      format: 'apache',
    });
  });

  it('reads nginx combined with $request_time in seconds', () => {
    expect(parseCombined(NGINX, 'nginx')?.request).toEqual({ status: 404, seconds: 0.012 });
    expect(parseCombined(NGINX, 'auto')?.format).toBe('nginx');
    // %D is whole microseconds: a decimal is not Apache's.
    expect(parseCombined(NGINX, 'apache')).toBeNull();
  });

  it('reads Traefik JSON: DownstreamStatus and Duration in nanoseconds', () => {
    expect(parseTraefik(TRAEFIK)).toEqual({ status: 502, seconds: 1.23456789 });
  });

  it('reads Caddy JSON: status and duration in seconds', () => {
    expect(parseCaddy(CADDY)).toEqual({ status: 200, seconds: 0.000929675 });
  });

  it('reads none of the formats from ordinary application lines', () => {
    for (const line of ORDINARY) {
      expect([line, parseCombined(line, 'auto'), parseTraefik(line), parseCaddy(line)]).toEqual([
        line,
        null,
        null,
        null,
      ]);
    }
    // Each JSON format refuses the other's lines.
    expect(parseTraefik(CADDY)).toBeNull();
    expect(parseCaddy(TRAEFIK)).toBeNull();
  });

  it('reads a configured RE2 pattern with status and duration groups, in the configured unit', () => {
    const p = customParser('^(?P<method>[A-Z]+) \\S+ -> (?P<status>\\d{3}) in (?P<duration>[0-9.]+)ms$', 'ms');
    expect(p('GET /x -> 201 in 12.5ms')).toEqual({ status: 201, seconds: 0.0125 });
    expect(p('GET /x -> 201 in fast')).toBeNull();
    expect(customParser('status=(?P<status>\\d+)', 's')('status=700')).toBeNull();
    expect(() => customParser('(?P<code>\\d{3})', 's')).toThrow(/named group "status"/);
  });

  it('puts a duration in the first bucket whose bound it does not exceed (le), +Inf last', () => {
    expect(bucketOf(0.005)).toBe(0);
    expect(bucketOf(0.0051)).toBe(1);
    expect(bucketOf(10)).toBe(LATENCY_BUCKETS_SECONDS.length - 1);
    expect(bucketOf(10.5)).toBe(LATENCY_BUCKETS_SECONDS.length);
  });
});

describe('access-log stats per container', () => {
  const svc = { namespace: null, name: 'web' };

  it('counts only lines of the format auto recognised, with the hand sums', () => {
    const logs: string[] = [];
    const stats = new AccessLogStats({ custom: null, once: new OnceLog((m) => logs.push(m)), now: 0 });
    stats.track('c1', svc, 'auto');
    const line = (status: number, t: string) =>
      `10.0.0.1 - - [02/Dec/2026:03:04:05 +0000] "GET / HTTP/1.1" ${status} 5 "-" "probe" ${t}`;
    stats.observe('c1', [ORDINARY[0], line(200, '0.020'), line(301, '0.001'), ORDINARY[2], line(503, '2.000')]);
    const [r] = stats.take(10_000);
    expect(RequestStats.parse(r)).toEqual(r);
    expect(r).toMatchObject({
      containerId: 'c1',
      format: 'nginx',
      intervalSeconds: 10,
      requests: 3,
      status2xx: 1,
      status3xx: 1,
      status4xx: 0,
      status5xx: 1,
      latencyCount: 3,
    });
    expect(r.latencySumSeconds).toBeCloseTo(2.021, 9);
    // 0.001 → le 0.005; 0.020 → le 0.025; 2.0 → le 2.5.
    expect(r.latencyBuckets).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    // The next interval: the container still reports, with zeros (rates are over covered time).
    stats.track('c1', svc, 'auto');
    expect(stats.take(20_000)).toEqual([
      expect.objectContaining({
        containerId: 'c1',
        requests: 0,
        latencyCount: 0,
        latencyBuckets: null,
        intervalSeconds: 10,
      }),
    ]);
    expect(logs).toEqual([]);
  });

  it('reports nothing for a container whose lines are not an access log, and nothing with off', () => {
    const stats = new AccessLogStats({ custom: null, once: new OnceLog(() => {}), now: 0 });
    stats.track('app', svc, 'auto');
    stats.track('off', svc, 'off');
    stats.observe('app', ORDINARY);
    stats.observe('off', [NGINX]);
    expect(stats.take(1000)).toEqual([]);
  });

  it('reads a bad label value as off and says so once', () => {
    const logs: string[] = [];
    const stats = new AccessLogStats({ custom: null, once: new OnceLog((m) => logs.push(m)), now: 0 });
    expect(stats.mode('nginxx', 'c1', 'container web')).toBe('off');
    expect(stats.mode('nginxx', 'c1', 'container web')).toBe('off');
    expect(stats.mode('custom', 'c2', 'container api')).toBe('off'); // no pattern configured
    expect(stats.mode(undefined, 'c3', 'container x')).toBe('auto');
    expect(stats.mode('Caddy', 'c3', 'container x')).toBe('caddy');
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/container web.*fleetlens\.access-log "nginxx"/);
    expect(logs[1]).toMatch(/FLEETLENS_ACCESS_LOG_PATTERN/);
  });
});

describe('probe discovery settings', () => {
  const host: ProbeHost = {
    source: 'docker-label',
    owner: 'ctr:abc',
    containerId: 'abc',
    service: { namespace: null, name: 'web' },
    ip: '172.17.0.5',
  };

  it('puts the container IP for {ip} and applies the defaults', () => {
    const t = parseProbeSettings({ url: 'http://{ip}:8080/health' }, host);
    expect(t).toEqual({
      key: 'ctr:abc:http://172.17.0.5:8080/health',
      source: 'docker-label',
      definitionId: null,
      service: { namespace: null, name: 'web' },
      containerId: 'abc',
      kind: 'http',
      target: 'http://172.17.0.5:8080/health',
      method: 'GET',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      expectStatus: null,
      bodyMatch: null,
    });
    expect(parseProbeSettings({ url: 'tcp://{ip}:5432', interval: '10', timeout: '0.5' }, host)).toMatchObject({
      kind: 'tcp',
      target: '172.17.0.5:5432',
      intervalSeconds: 10,
      timeoutSeconds: 0.5,
    });
    expect(parseProbeSettings({ url: 'https://{ip}:8443/' }, { ...host, ip: 'fd00::5' }).target).toBe(
      'https://[fd00::5]:8443/'
    );
  });

  it.each([
    [{ url: 'ftp://{ip}/' }, /must start with http/],
    [{ url: 'http://{ip}:8080/', method: 'DELETE' }, /method "DELETE"/],
    [{ url: 'http://{ip}:8080/', interval: '2' }, /interval "2"/],
    [{ url: 'http://{ip}:8080/', interval: '10s' }, /interval "10s"/],
    [{ url: 'http://{ip}:8080/', timeout: '0' }, /timeout "0"/],
    [{ url: 'http://{ip}:8080/', 'expect-status': '2xx' }, /expect-status "2xx"/],
    [{ url: 'http://{ip}:8080/', 'body-match': '(unclosed' }, /body-match is not an RE2 pattern/],
    [{ url: 'tcp://{ip}' }, /host:port/],
    [{ url: 'tcp://{ip}:80', 'expect-status': '200' }, /http\(s\) probes only/],
  ])('refuses %j whole', (settings, reason) => {
    expect(() => parseProbeSettings(settings, host)).toThrow(reason);
  });

  it('refuses {ip} when the container has no address', () => {
    expect(() => parseProbeSettings({ url: 'http://{ip}/' }, { ...host, ip: null })).toThrow(/no IP address/);
  });

  it('matches ExpectStatus syntax; 200-399 by default', () => {
    const def = statusMatcher(null);
    expect([199, 200, 302, 399, 400].map(def)).toEqual([false, true, true, true, false]);
    const m = statusMatcher('200, 204,300-302');
    expect([200, 201, 204, 301, 303].map(m)).toEqual([true, false, true, true, false]);
  });

  it('logs each problem once per container, again once it changes', () => {
    const logs: string[] = [];
    const once = new OnceLog((m) => logs.push(m));
    once.report('ctr:a', 'x');
    once.report('ctr:a', 'x');
    once.report('ctr:a', 'y');
    once.retain(new Set());
    once.report('ctr:a', 'y');
    expect(logs).toEqual(['x', 'y', 'y']);
  });
});

describe('defined probes and service identity', () => {
  it('reads an ingest reply: probes when present and valid, else no opinion', () => {
    const def = { id: 'p1', service: { name: 'shop' }, kind: 'http', target: 'http://shop/' };
    expect(probesOf(JSON.stringify({ batchId: 'b', probes: [def] }))).toEqual([
      {
        id: 'p1',
        service: { namespace: null, name: 'shop' },
        kind: 'http',
        target: 'http://shop/',
        method: 'GET',
        intervalSeconds: 30,
        timeoutSeconds: 5,
        expectStatus: null,
        bodyMatch: null,
      },
    ]);
    expect(probesOf(JSON.stringify({ batchId: 'b', probes: [] }))).toEqual([]);
    expect(probesOf(JSON.stringify({ batchId: 'b' }))).toBeUndefined();
    expect(probesOf(JSON.stringify({ batchId: 'b', probes: [{ ...def, intervalSeconds: 1 }] }))).toBeUndefined();
    expect(probesOf('not json')).toBeUndefined();
  });

  it('keys a defined probe def:<id> and keeps a tcp target host:port', () => {
    const t = definedTarget({
      id: 'db',
      service: { namespace: 'prod', name: 'pg' },
      kind: 'tcp',
      target: 'tcp://db.internal:5432',
      method: 'GET',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      expectStatus: null,
      bodyMatch: null,
    });
    expect(t).toMatchObject({ key: 'def:db', source: 'defined', definitionId: 'db', target: 'db.internal:5432' });
  });

  it('names Docker services by label, then Compose project/service, then container name', () => {
    expect(dockerService({ 'fleetlens.service': 'checkout' }, '/x')).toEqual({ namespace: null, name: 'checkout' });
    expect(
      dockerService({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' }, '/shop-api-1')
    ).toEqual({ namespace: null, name: 'shop/api' });
    expect(dockerService({}, '/lonely')).toEqual({ namespace: null, name: 'lonely' });
  });

  it('names pod services by annotation or label, then workload, then pod, in the namespace', () => {
    const ref = { namespace: 'prod', pod: 'api-7d9f-abcde', workloadName: 'api' };
    expect(podService(ref, {}, { 'fleetlens.io/service': 'payments' })).toEqual({
      namespace: 'prod',
      name: 'payments',
    });
    expect(podService(ref, { 'fleetlens.service': 'pay' }, {})).toEqual({ namespace: 'prod', name: 'pay' });
    expect(podService(ref, {}, {})).toEqual({ namespace: 'prod', name: 'api' });
    expect(podService({ ...ref, workloadName: null }, {}, {})).toEqual({ namespace: 'prod', name: 'api-7d9f-abcde' });
  });
});

describe('service health settings', () => {
  const base = { backendUrl: 'http://b:8480', agentToken: 't' };

  it('has the documented defaults', () => {
    expect(validateConfig(base)).toMatchObject({
      probesEnabled: true,
      probeConcurrency: 16,
      probeMax: 1000,
      accessLogsEnabled: true,
      accessLogDurationUnit: 's',
    });
  });

  it.each([
    [{ probeConcurrency: '0' }, /probeConcurrency \(FLEETLENS_PROBE_CONCURRENCY\)/],
    [{ probeMax: '-1' }, /probeMax \(FLEETLENS_PROBE_MAX\)/],
    [
      { accessLogPattern: '(?P<code>\\d+)' },
      /accessLogPattern \(FLEETLENS_ACCESS_LOG_PATTERN\): .*named group "status"/,
    ],
    [{ accessLogPattern: '(' }, /accessLogPattern \(FLEETLENS_ACCESS_LOG_PATTERN\): .*missing closing/],
    [{ accessLogDurationUnit: 'minutes' }, /accessLogDurationUnit \(FLEETLENS_ACCESS_LOG_DURATION_UNIT\)/],
    [{ probesEnabled: 'maybe' }, /probesEnabled \(FLEETLENS_PROBES_ENABLED\)/],
  ])('refuses %j naming the setting and its variable', (bad, message) => {
    expect(() => validateConfig({ ...base, ...bad })).toThrow(message);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult, RequestStats } from '@fleetlens/protocol';
import { KubeClient } from '../src/collectors/kubernetes/client';
import { KubeNodeCollector } from '../src/collectors/kubernetes/node';
import { PodLogTailer, type PodLogCursors } from '../src/collectors/kubernetes/podlogs';
import { AccessLogStats } from '../src/services/access-log/stats';
import { OnceLog } from '../src/services/discovery';
import { ProbeRunner } from '../src/services/runner';
import { JsonState } from '../src/state';
import { CriLogDir } from './helpers/cri-logs';
import { IMAGE, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel, sleep } from './helpers/docker';
import { startApiStandin, type StandinServer } from './helpers/kube-standin';

// No API server or kubelet can run here: the pods come from the API server stand-in
// (helpers/kube-standin.ts, each rule naming its Kubernetes source file) and their log files from
// the CRI log stand-in (helpers/cri-logs.ts). The pod IP is a real busybox httpd container's, so
// the annotated probe runs against a real server.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;
const TOKEN = 'h16a-kube-token';

describeDocker('pod annotations and pod logs on Kubernetes (stand-in API server and CRI log files)', () => {
  const run = runLabel('h16a-kube');
  const label = `fleetlens.test=${run}`;
  let ip: string;
  let root: string;
  let api: StandinServer;
  let runner: ProbeRunner;
  let col: KubeNodeCollector;
  let web: CriLogDir;
  const logs: string[] = [];
  const stats: RequestStats[] = [];
  const results: ProbeResult[] = [];

  const pod = (name: string, annotations: Record<string, string>, containerId: string) => ({
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      annotations,
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9f', controller: true }],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'web' }] },
    status: {
      phase: 'Running',
      podIP: ip,
      containerStatuses: [
        {
          name: 'web',
          containerID: `containerd://${containerId}`,
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: '2026-12-02T00:00:00Z' } },
        },
      ],
    },
  });

  beforeAll(async () => {
    ensureTestImage();
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
    root = mkdtempSync(join(tmpdir(), 'h16a-kube-'));
    web = new CriLogDir(join(root, 'pods'), {
      namespace: 'shop',
      pod: 'web-7d9f-abcde',
      podUid: 'uid-web-7d9f-abcde',
      container: 'web',
    });
    api = await startApiStandin({
      token: TOKEN,
      pods: () => [
        pod(
          'web-7d9f-abcde',
          {
            'fleetlens.io/probe-url': 'http://{ip}:8080/',
            'fleetlens.io/probe-interval': '5',
            'fleetlens.io/access-log': 'nginx',
          },
          web.id
        ),
        pod(
          'web-7d9f-broken',
          { 'fleetlens.io/probe-url': 'http://{ip}:8080/', 'fleetlens.io/probe-timeout': '90' },
          'other-c0'
        ),
      ],
      nodes: [{ metadata: { name: 'node-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
      objects: {
        '/apis/apps/v1/namespaces/shop/replicasets/web-7d9f': {
          metadata: {
            name: 'web-7d9f',
            namespace: 'shop',
            ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
          },
        },
      },
    });
    const client = new KubeClient({ server: api.url, token: () => TOKEN }, 5000);
    const tailer = new PodLogTailer(
      join(root, 'pods'),
      await JsonState.open<PodLogCursors>(join(root, 'cursors.json'), {}),
      5
    );
    const once = new OnceLog((m) => logs.push(m));
    runner = new ProbeRunner({ nodeName: 'node-1', concurrency: 4, maxProbes: 100, log: (m) => logs.push(m) });
    col = new KubeNodeCollector({ nodeName: 'node-1', api: client, kubelet: null, logs: tailer, log: () => {} });
    col.useServices({ probes: runner, accessLogs: new AccessLogStats({ custom: null, once }), once });
    await col.start(Date.now());
    stats.push(...((await col.collect(Date.now())).requestStats ?? []));
    runner.start();
    // After the first cycle (which starts a pre-existing container's log at its end): 12 requests.
    for (let i = 0; i < 12; i++)
      web.write(
        'stdout',
        `10.0.0.9 - - [02/Dec/2026:03:00:00 +0000] "GET /p/${i} HTTP/1.1" ${i < 9 ? 200 : 502} 10 "-" "k6" 0.050`
      );
    web.write('stdout', 'app: cache warmed in 12ms');
    const until = Date.now() + 20_000;
    while (Date.now() < until && (results.length === 0 || stats.reduce((a, s) => a + s.requests, 0) < 12)) {
      await sleep(500);
      stats.push(...((await col.collect(Date.now())).requestStats ?? []));
      results.push(...runner.take());
    }
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await col?.stop();
    await api?.close();
    removeLabelled(label);
    rmSync(root, { recursive: true, force: true });
  });

  it('probes the pod IP from its annotation, as the Deployment’s service in the pod’s namespace', () => {
    expect(results[0]).toMatchObject({
      key: `pod:uid-web-7d9f-abcde:http://${ip}:8080/`,
      source: 'pod-annotation',
      containerId: null,
      service: { namespace: 'shop', name: 'web' },
      up: true,
      statusCode: 200,
    });
    expect(runner.keys()).toEqual([`pod:uid-web-7d9f-abcde:http://${ip}:8080/`]);
    expect(logs.filter((l) => l.includes('web-7d9f-broken'))).toEqual([
      'fleetlens-agent: probe of pod shop/web-7d9f-broken skipped: timeout "90" is not seconds within 0.1-60',
    ]);
  });

  it('counts every access line of the pod’s log, past the cap of 5 lines per cycle', () => {
    const own = stats.filter((s) => s.containerId === web.id);
    expect(own.every((s) => s.format === 'nginx' && s.service.name === 'web' && s.service.namespace === 'shop')).toBe(
      true
    );
    expect({
      requests: own.reduce((a, s) => a + s.requests, 0),
      s2: own.reduce((a, s) => a + s.status2xx, 0),
      s5: own.reduce((a, s) => a + s.status5xx, 0),
      count: own.reduce((a, s) => a + s.latencyCount, 0),
    }).toEqual({ requests: 12, s2: 9, s5: 3, count: 12 });
    expect(own.reduce((a, s) => a + s.latencySumSeconds, 0)).toBeCloseTo(12 * 0.05, 9);
  });
});

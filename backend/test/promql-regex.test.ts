import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

// Issue 11 item 2: PromQL regular expressions are RE2 (linear time, Prometheus' syntax), bounded in
// length. Real SQLite and MariaDB behind a live backend; equivalence with a real Prometheus is in
// prometheus-api.test.ts.

const NOW = Math.floor(Date.now() / 1000);
const POD = 'kube-apiserver-control-plane-node-0001-abcdefghijklmnop';

describe.each(DIALECTS)('PromQL regular expressions (%s)', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    const r = await live.ingest({
      version: 'v1',
      batchId: 're2-seed',
      sentAt: NOW,
      agent: { id: 'agent-re2', version: '1', mode: 'node', hostname: 'n1' },
      cluster: { name: 'k', kind: 'kubernetes', environment: 'on-prem' },
      nodes: [{ name: 'n1', cores: 2, memoryBytes: 4e9, samples: [{ ts: NOW, cpuCores: 1 }] }],
      containers: [
        {
          id: 'a'.repeat(64),
          nodeName: 'n1',
          name: 'kube-apiserver',
          image: 'k8s/apiserver',
          state: 'running',
          kubernetes: { namespace: 'kube-system', pod: POD, podUid: 'uid-1' },
          samples: [{ ts: NOW, cpuCores: 0.25, memBytes: 1e8 }],
        },
      ],
    });
    expect(r.status).toBe(202);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const query = async (q: string): Promise<{ status: number; body: any }> =>
    live.getRaw(`/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${NOW}`);

  it('answers a catastrophic-backtracking pattern at once (RE2 is linear), with the right result', async () => {
    const started = Date.now();
    const r = await query('fleetlens_container_cpu_usage_cores{pod=~"ku(.*.*)*Z"}');
    expect(r.status).toBe(200);
    expect(r.body.data.result).toEqual([]);
    const hit = await query('fleetlens_container_cpu_usage_cores{pod=~"ku(.*.*)*p"}');
    expect(hit.body.data.result.map((s: { metric: { pod: string } }) => s.metric.pod)).toEqual([POD]);
    expect(Date.now() - started).toBeLessThan(5000); // a JavaScript RegExp takes minutes here
    expect((await live.getRaw('/healthz')).status).toBe(200);
  });

  it('uses RE2 syntax as Prometheus does: inline flags and classes work, lookaround and backreferences are bad_data', async () => {
    const names = async (q: string) =>
      ((await query(q)).body.data.result as { metric: { container: string } }[]).map((s) => s.metric.container);
    expect(await names('fleetlens_container_cpu_usage_cores{container=~"(?i)KUBE-.*"}')).toEqual(['kube-apiserver']);
    expect(await names('fleetlens_container_cpu_usage_cores{container=~"[[:alpha:]]+-[[:alpha:]]+"}')).toEqual([
      'kube-apiserver',
    ]);
    // Fully anchored: a match inside the value is not a match.
    expect(await names('fleetlens_container_cpu_usage_cores{container=~"apiserver"}')).toEqual([]);
    for (const bad of ['(?=kube)kube-apiserver', '(k)\\\\1', '(?<!x)kube-apiserver']) {
      const r = await query(`fleetlens_container_cpu_usage_cores{container=~"${bad}"}`);
      expect({ bad, status: r.status, type: r.body.errorType }).toEqual({ bad, status: 400, type: 'bad_data' });
      expect(r.body.error).toMatch(/invalid regular expression/);
    }
  });

  it('refuses a regular expression longer than the limit, as bad_data', async () => {
    const r = await query(`fleetlens_container_cpu_usage_cores{container=~"${'a|'.repeat(2500)}b"}`);
    expect(r.status).toBe(400);
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toMatch(/more than the limit of 4096/);
  });
});

import { alerts as wire, api, type ContainerSecurityInput } from '@fleetlens/protocol';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type IngestBatchInput, type Live } from './helpers/backend';

// Security posture (issue 17): posture facts stored with the container, the risks the backend
// names, the risky-containers listing and counts within the caller's scope, security events and
// their default alert rules. Every expected risk list below is written by hand from the facts
// sent (docs/security.md), never read back from the code under test.

const NOW = Math.floor(Date.now() / 1000);
const TS = NOW - 30;
const MiB = 1024 ** 2;

/** Facts of a container that has no risk at all (read-only, non-root, limited). */
const SAFE: ContainerSecurityInput = {
  privileged: false,
  user: '1000',
  runsAsRoot: false,
  readOnlyRootfs: true,
  memoryLimitBytes: 64 * MiB,
  cpuLimitCores: 0.5,
};

interface Spec {
  id: string;
  name: string;
  namespace: string | null;
  image: string;
  security?: ContainerSecurityInput;
  /** Written by hand from the facts above. */
  risks: string[];
}

const SPECS: Spec[] = [
  {
    id: 'a1',
    name: 'shop-priv',
    namespace: 'shop',
    image: 'shop/api:2.1',
    security: { ...SAFE, privileged: true, user: '', runsAsRoot: true, readOnlyRootfs: false },
    risks: ['privileged', 'root', 'writableRootfs'],
  },
  {
    id: 'a2',
    name: 'shop-sock',
    namespace: 'shop',
    image: 'shop/agent',
    security: {
      ...SAFE,
      hostMounts: [{ source: '/var/run/docker.sock', destination: '/var/run/docker.sock', readOnly: false }],
      memoryLimitBytes: null,
    },
    risks: ['sensitiveMount', 'noMemoryLimit', 'latestImage'],
  },
  {
    id: 'a3',
    name: 'shop-safe',
    namespace: 'shop',
    image: 'shop/web:1.0',
    // A host path that is not sensitive: /data is not on the list.
    security: { ...SAFE, hostMounts: [{ source: '/data/shop', destination: '/data' }] },
    risks: [],
  },
  {
    id: 'b1',
    name: 'ops-hostnet',
    namespace: 'ops',
    image: 'ops/probe:latest',
    security: { ...SAFE, hostNetwork: true, hostPid: true, capAdd: ['NET_ADMIN'], cpuLimitCores: null },
    risks: ['capabilities', 'hostNetwork', 'hostPid', 'noCpuLimit', 'latestImage'],
  },
  {
    id: 'b2',
    name: 'ops-etc',
    namespace: 'ops',
    image: 'registry:5000/ops/tool',
    security: { ...SAFE, hostIpc: true, hostMounts: [{ source: '/etc/', destination: '/host-etc', readOnly: true }] },
    risks: ['hostIpc', 'sensitiveMount', 'latestImage'],
  },
  // An agent from before posture reporting: no facts, no risks, not in the listing.
  { id: 'c1', name: 'old-agent', namespace: 'shop', image: 'busybox', risks: [] },
];

function batch(specs: Spec[], extra: Partial<IngestBatchInput> = {}): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `sec-${specs.map((s) => s.id).join('')}-${Math.random()}`,
    sentAt: TS,
    agent: { id: 'agent-sec', version: '1.0.0', mode: 'node', hostname: 'sec-node' },
    cluster: { name: 'cl-sec', kind: 'kubernetes', environment: 'on-prem', labels: {} },
    nodes: [{ name: 'sec-node', cores: 4, memoryBytes: 8 * 1024 * MiB, samples: [] }],
    containers: specs.map((s) => ({
      id: s.id.repeat(32),
      nodeName: 'sec-node',
      name: s.name,
      image: s.image,
      state: 'running' as const,
      kubernetes: s.namespace ? { namespace: s.namespace, pod: `${s.name}-pod`, podUid: `uid-${s.id}` } : null,
      samples: [{ ts: TS, cpuCores: 0.1, memBytes: 10 * MiB }],
      ...(s.security ? { security: s.security } : {}),
    })),
    ...extra,
  };
}

const risky = SPECS.filter((s) => s.risks.length > 0);

describe.each(DIALECTS)('security posture on %s', (dialect) => {
  let live: Live;
  let viewer: Record<string, string>;
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    live = await liveBackend(dialect);
    expect((await live.ingest(batch(SPECS))).status).toBe(202);
    const all = api.ContainerListReply.parse(await live.get('/api/v1/containers?pageSize=500'));
    for (const c of all.items) idOf.set(c.name, c.id);
    viewer = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'shop-viewer@example.com',
        role: 'viewer',
        scopes: { clusters: null, namespaces: ['shop'], nodes: null },
      })
    ).headers;
  });
  afterAll(async () => {
    await live?.close();
  });

  it('stores the posture facts with the container and names the risks on its rows', async () => {
    for (const s of SPECS) {
      const c = api.ContainerDetailReply.parse(await live.get(`/api/v1/containers/${idOf.get(s.name)}`));
      expect(c.risks).toEqual(s.risks);
      if (s.security) expect(c.security).toEqual(api.ContainerSecurity.parse(s.security));
      else expect(c.security).toBeNull();
    }
    // The table rows carry them too.
    const list = api.ContainerListReply.parse(await live.get('/api/v1/containers?pageSize=500'));
    expect(Object.fromEntries(list.items.map((c) => [c.name, c.risks]))).toEqual(
      Object.fromEntries(SPECS.map((s) => [s.name, s.risks]))
    );
    // Stored once at ingest: the columns hold the same list and its length.
    const row = await live.backend.db('containers').where('name', 'ops-hostnet').first();
    expect(row.risks).toBe(',capabilities,hostNetwork,hostPid,noCpuLimit,latestImage,');
    expect(Number(row.risk_count)).toBe(5);
  });

  it('lists risky containers most risks first, filters by risk, namespace and text, pages', async () => {
    const all = api.ContainerListReply.parse(await live.get('/api/v1/security/containers'));
    expect(all.total).toBe(risky.length);
    expect(all.items.map((c) => c.name)).toEqual(
      [...risky].sort((a, b) => b.risks.length - a.risks.length || a.name.localeCompare(b.name)).map((s) => s.name)
    );
    const sock = api.ContainerListReply.parse(await live.get('/api/v1/security/containers?risk=sensitiveMount'));
    expect(sock.items.map((c) => c.name).sort()).toEqual(['ops-etc', 'shop-sock']);
    const both = api.ContainerListReply.parse(
      await live.get('/api/v1/security/containers?risk=sensitiveMount,noMemoryLimit')
    );
    expect(both.items.map((c) => c.name)).toEqual(['shop-sock']);
    const ops = api.ContainerListReply.parse(
      await live.get('/api/v1/security/containers?namespace=ops&sort=name&order=asc')
    );
    expect(ops.items.map((c) => c.name)).toEqual(['ops-etc', 'ops-hostnet']);
    const text = api.ContainerListReply.parse(await live.get('/api/v1/security/containers?q=SOCK'));
    expect(text.items.map((c) => c.name)).toEqual(['shop-sock']);
    const p2 = api.ContainerListReply.parse(
      await live.get('/api/v1/security/containers?sort=name&order=asc&pageSize=3&page=2')
    );
    expect(p2).toMatchObject({ total: 4, page: 2, pageSize: 3 });
    expect(p2.items.map((c) => c.name)).toEqual(['shop-sock']);
  });

  it('counts containers per risk', async () => {
    const counts = api.RiskCountsReply.parse(await live.get('/api/v1/security/counts'));
    const expected: Record<string, number> = Object.fromEntries(api.RiskKind.options.map((k) => [k, 0]));
    for (const s of SPECS) for (const r of s.risks) expected[r] += 1;
    expect(counts).toEqual({ assessed: 5, risky: 4, byRisk: expected });
    expect(expected).toMatchObject({ latestImage: 3, sensitiveMount: 2, privileged: 1 });
  });

  it('a viewer scoped to namespace shop sees only its risky containers and counts; a filter never widens', async () => {
    const get = async (path: string) => {
      const r = await live.getRaw(path, viewer);
      expect(r.status).toBe(200);
      return r.body;
    };
    const list = api.ContainerListReply.parse(await get('/api/v1/security/containers'));
    expect(list.items.map((c) => c.name).sort()).toEqual(['shop-priv', 'shop-sock']);
    expect(list.total).toBe(2);
    const ops = api.ContainerListReply.parse(await get('/api/v1/security/containers?namespace=ops'));
    expect(ops.total).toBe(0);
    const counts = api.RiskCountsReply.parse(await get('/api/v1/security/counts'));
    expect(counts.assessed).toBe(3); // shop-priv, shop-sock, shop-safe (old-agent has no facts)
    expect(counts.risky).toBe(2);
    expect(counts.byRisk).toMatchObject({ privileged: 1, sensitiveMount: 1, hostNetwork: 0, latestImage: 1 });
  });

  it('has the risks as labels on the Prometheus-compatible API, one series per container and risk, value 1', async () => {
    type Vector = {
      status: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    const q = (expr: string, headers = live.admin) =>
      live.getRaw(`/prometheus/api/v1/query?query=${encodeURIComponent(expr)}&time=${NOW}`, headers);
    const all = (await q('fleetlens_container_security_risk')).body as Vector;
    const pairs = all.data.result.map((r) => `${r.metric.container}/${r.metric.risk}`).sort();
    expect(pairs).toEqual(SPECS.flatMap((s) => s.risks.map((r) => `${s.name}/${r}`)).sort());
    expect(all.data.result.every((r) => r.value[1] === '1' && r.metric.cluster === 'cl-sec')).toBe(true);
    const priv = (await q('fleetlens_container_security_risk{risk="privileged"}')).body as Vector;
    expect(priv.data.result.map((r) => [r.metric.container, r.metric.namespace])).toEqual([['shop-priv', 'shop']]);
    // What an alert rule would ask: how many containers per namespace have a sensitive mount.
    const byNs = (await q('count by (namespace) (fleetlens_container_security_risk{risk="sensitiveMount"})'))
      .body as Vector;
    expect(Object.fromEntries(byNs.data.result.map((r) => [r.metric.namespace, r.value[1]]))).toEqual({
      ops: '1',
      shop: '1',
    });
    // Scoped like every other series: the shop viewer sees none of ops.
    const scoped = (await q('fleetlens_container_security_risk', viewer)).body as Vector;
    expect([...new Set(scoped.data.result.map((r) => r.metric.namespace))]).toEqual(['shop']);
  });

  it('answers 400 naming the field on bad input', async () => {
    for (const [q, field] of [
      ['risk=bogus', 'risk'],
      ['pageSize=501', 'pageSize'],
      ['page=0', 'page'],
      ['sort=size', 'sort'],
      ['order=up', 'order'],
    ]) {
      const r = await live.getRaw(`/api/v1/security/containers?${q}`);
      expect(r.status).toBe(400);
      // "risk.0" for the first bad name of the list.
      expect(issuesOf(r.body).some((i) => i.path === field || i.path.startsWith(`${field}.`))).toBe(true);
    }
    const bad = batch([{ ...SPECS[0], security: { ...SAFE, privileged: 'yes' as unknown as boolean } }]);
    const r = await live.ingest(bad);
    expect(r.status).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toContain('containers.0.security.privileged');
  });

  it('stores security events with their category, lists them by category and container, and the default rules fire', async () => {
    const runtime = 'a1'.repeat(32);
    const ev = (reason: string, ts: number, message: string) => ({
      ts,
      source: 'docker' as const,
      type: 'warning' as const,
      reason,
      message,
      objectKind: 'container',
      objectName: 'shop-priv',
      namespace: 'shop',
      nodeName: 'sec-node',
      containerId: runtime,
      category: 'security' as const,
    });
    const events = [
      ev('exec_start', TS, 'exec started: sh -c id (user root)'),
      ev('privileged_start', TS - 5, 'started privileged'),
      ev('sensitive_mount_start', TS - 5, 'started with host mounts /var/run/docker.sock'),
      ev('image_changed', TS - 6, 'image changed from shop/api:2.0 (aaaaaaaaaaaa) to shop/api:2.1 (bbbbbbbbbbbb)'),
      // Not a security event: stays out of the category.
      { ...ev('die', TS - 1, 'exited with code 0'), type: 'normal' as const, category: undefined },
    ];
    expect((await live.ingest(batch([SPECS[0]], { events }))).status).toBe(202);
    const sec = wire.EventListReply.parse(await live.get('/api/v1/events?category=security&pageSize=100'));
    expect(sec.items.map((e) => e.reason).sort()).toEqual(
      ['exec_start', 'image_changed', 'privileged_start', 'sensitive_mount_start'].sort()
    );
    expect(sec.items.every((e) => e.category === 'security' && e.containerId === idOf.get('shop-priv'))).toBe(true);
    const mine = wire.EventListReply.parse(
      await live.get(`/api/v1/events?container=${idOf.get('shop-priv')}&pageSize=100`)
    );
    expect(mine.total).toBe(5);
    expect(mine.items.find((e) => e.reason === 'die')?.category).toBeNull();

    const rules = wire.AlertRuleListReply.parse(await live.get('/api/v1/alert-rules'));
    const defaults = rules.items.filter((r) => r.id.startsWith('builtin-security-'));
    expect(defaults.map((r) => r.metric).sort()).toEqual(
      ['execSessions', 'imageChanges', 'privilegedStarts', 'sensitiveMountStarts'].sort()
    );
    expect(defaults.every((r) => r.enabled && r.builtin)).toBe(true);

    await live.backend.deps.alerts.evaluator.evaluate(NOW);
    const firing = wire.AlertListReply.parse(await live.get('/api/v1/alerts?state=firing&pageSize=100'));
    const byRule = new Map(
      firing.items.filter((a) => a.ruleId.startsWith('builtin-security-')).map((a) => [a.ruleId, a])
    );
    expect([...byRule.keys()].sort()).toEqual(defaults.map((r) => r.id).sort());
    for (const a of byRule.values()) {
      expect(a.entity).toMatchObject({ kind: 'container', name: 'shop-priv' });
      expect(a.value).toBe(1);
    }
  });
});

import { access, api, IngestReply, type IngestBatchInput } from '@fleetlens/protocol';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Probes editors define (issue 16): validation, scope and audit of the writes, and which agent the
// ingest reply hands each one to. The test backend counts an agent silent 300 s after its newest
// batch (helpers/backend.ts: 10 s × 30 intervals).

const NOW = Math.floor(Date.now() / 1000);

const push = (
  agent: string,
  hostname: string,
  mode: 'node' | 'cluster',
  sentAt: number,
  cluster = 'cl-pr'
): IngestBatchInput => ({
  version: 'v1',
  batchId: `b-${agent}-${sentAt}-${Math.random()}`,
  sentAt,
  agent: { id: agent, version: '1.0.0', mode, hostname },
  cluster: { name: cluster, kind: 'kubernetes', environment: 'on-prem', labels: {} },
});

const DEF = {
  cluster: 'cl-pr',
  service: { namespace: 'shop', name: 'web' },
  kind: 'http',
  target: 'https://web.shop.svc:8443/health',
  expectStatus: '200-299',
  bodyMatch: 'ok|ready',
};

describe.each(DIALECTS)('defined probes on %s', (dialect) => {
  let live: Live;
  let shopEditor: Record<string, string>;
  let shopViewer: Record<string, string>;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = live.admin) => {
    const res = await fetch(`${live.backend.url}/api/v1${path}`, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const defs = async () => api.ProbeDefinitionListReply.parse((await call('GET', '/probes')).body).items;

  beforeAll(async () => {
    live = await liveBackend(dialect);
    shopEditor = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'probe-editor@example.com',
        role: 'editor',
        scopes: { clusters: ['cl-pr'], namespaces: ['shop'], nodes: null },
      })
    ).headers;
    shopViewer = (
      await scopedApiKey(live.backend.url, live.admin, {
        email: 'probe-viewer@example.com',
        role: 'viewer',
        scopes: { clusters: ['cl-pr'], namespaces: ['shop'], nodes: null },
      })
    ).headers;
  });
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a bad definition with 400 naming the field and stores nothing', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['target', { target: 'ftp://web/health' }],
      ['target', { target: 'not a url' }],
      ['target', { kind: 'tcp', target: 'db.internal', expectStatus: null, bodyMatch: null }],
      ['target', { kind: 'tcp', target: 'db.internal:70000', expectStatus: null, bodyMatch: null }],
      ['bodyMatch', { kind: 'tcp', target: 'db.internal:5432', expectStatus: null }],
      // Look-behind is not RE2.
      ['bodyMatch', { bodyMatch: '(?<=a)b' }],
      ['expectStatus', { expectStatus: '200-abc' }],
      ['expectStatus', { expectStatus: '399-200' }],
      ['method', { method: 'PATCH' }],
      ['intervalSeconds', { intervalSeconds: 2 }],
      ['timeoutSeconds', { intervalSeconds: 5, timeoutSeconds: 10 }],
      ['service.name', { service: { namespace: 'shop', name: '' } }],
      ['cluster', { cluster: undefined }],
    ];
    for (const [field, change] of cases) {
      const r = await call('POST', '/probes', { ...DEF, ...change });
      expect([field, r.status]).toEqual([field, 400]);
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    expect(await defs()).toEqual([]);
  });

  it('lets a scoped editor define and change probes only within its scope; a viewer not at all; audited', async () => {
    expect((await call('POST', '/probes', DEF, shopViewer)).status).toBe(403);
    const out1 = await call('POST', '/probes', { ...DEF, cluster: 'cl-other' }, shopEditor);
    expect(out1.status).toBe(400);
    expect(issuesOf(out1.body).map((i) => i.path)).toEqual(['cluster']);
    const out2 = await call('POST', '/probes', { ...DEF, service: { namespace: 'ops', name: 'api' } }, shopEditor);
    expect(out2.status).toBe(400);
    expect(issuesOf(out2.body).map((i) => i.path)).toEqual(['service.namespace']);

    const mine = await call('POST', '/probes', DEF, shopEditor);
    expect(mine.status).toBe(201);
    const row = api.ProbeDefinitionRow.parse(mine.body);
    expect(row).toMatchObject({
      ...DEF,
      method: 'GET',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      enabled: true,
      nodeName: null,
    });
    expect(row.createdBy).toBe('probe-editor@example.com');

    const ops = api.ProbeDefinitionRow.parse(
      (
        await call('POST', '/probes', {
          ...DEF,
          service: { namespace: 'ops', name: 'api' },
          target: 'http://api:8080/',
        })
      ).body
    );
    // Outside the editor's scope: not listed, not readable, not changeable (404 as if absent).
    const seen = api.ProbeDefinitionListReply.parse((await call('GET', '/probes', undefined, shopEditor)).body);
    expect(seen.items.map((d) => d.id)).toEqual([row.id]);
    expect((await call('GET', `/probes/${ops.id}`, undefined, shopEditor)).status).toBe(404);
    expect((await call('PUT', `/probes/${ops.id}`, DEF, shopEditor)).status).toBe(404);
    expect((await call('DELETE', `/probes/${ops.id}`, undefined, shopEditor)).status).toBe(404);
    // Its own one cannot be moved out of scope either.
    const moved = await call(
      'PUT',
      `/probes/${row.id}`,
      { ...DEF, service: { namespace: 'ops', name: 'web' } },
      shopEditor
    );
    expect(moved.status).toBe(400);
    expect(issuesOf(moved.body).map((i) => i.path)).toEqual(['service.namespace']);
    const changed = await call('PUT', `/probes/${row.id}`, { ...DEF, intervalSeconds: 60 }, shopEditor);
    expect(changed.status).toBe(200);
    expect(api.ProbeDefinitionRow.parse(changed.body).intervalSeconds).toBe(60);
    expect((await call('DELETE', `/probes/${ops.id}`)).status).toBe(204);
    expect((await defs()).map((d) => d.id)).toEqual([row.id]);

    const audit = access.AuditListReply.parse((await call('GET', '/audit?targetType=probe&pageSize=50')).body);
    expect(audit.items.map((e) => [e.action, e.targetId]).reverse()).toEqual([
      ['probe.create', row.id],
      ['probe.create', ops.id],
      ['probe.update', row.id],
      ['probe.delete', ops.id],
    ]);
    await call('DELETE', `/probes/${row.id}`);
  });

  it('hands each definition to one live agent, and moves it when that agent falls silent', async () => {
    const pinned = api.ProbeDefinitionRow.parse((await call('POST', '/probes', { ...DEF, nodeName: 'n-b' })).body);
    const floating = api.ProbeDefinitionRow.parse(
      (await call('POST', '/probes', { ...DEF, target: 'http://web/' })).body
    );
    const off = api.ProbeDefinitionRow.parse(
      (await call('POST', '/probes', { ...DEF, target: 'http://off/', enabled: false })).body
    );
    const got = async (agent: string, host: string, mode: 'node' | 'cluster' = 'node', sentAt = NOW) => {
      const r = await live.ingest(push(agent, host, mode, sentAt));
      expect(r.status).toBe(202);
      const probes = IngestReply.parse(r.body).probes;
      return probes === undefined ? undefined : probes.map((p) => p.id).sort();
    };
    // n-a pushed last 400 s ago: silent. Its old batch is a replay: the reply says nothing.
    expect(await got('ag-a', 'n-a', 'node', NOW - 400)).toBeUndefined();
    // n-b is the only live agent: it runs its pinned probe and the floating one; never the disabled one.
    expect(await got('ag-b', 'n-b')).toEqual([pinned.id, floating.id].sort());
    // n-a is back: the floating probe goes to the smallest live node name, n-a.
    expect(await got('ag-a', 'n-a')).toEqual([floating.id]);
    expect(await got('ag-b', 'n-b')).toEqual([pinned.id]);
    const listed = Object.fromEntries((await defs()).map((d) => [d.id, d.assignedNode]));
    expect(listed).toEqual({ [pinned.id]: 'n-b', [floating.id]: 'n-a', [off.id]: null });
    // A live cluster agent takes the floating probe.
    expect(await got('ag-c', 'cluster-agent', 'cluster')).toEqual([floating.id]);
    expect(await got('ag-a', 'n-a')).toEqual([]);
    // Another cluster's agent gets none of them.
    const other = await live.ingest(push('ag-x', 'n-a', 'node', NOW, 'cl-else'));
    expect(IngestReply.parse(other.body).probes).toEqual([]);
  });
  it('answers a stored batch 202 without probes when the definitions cannot be read, and keeps the batch', async () => {
    const spy = jest.spyOn(live.backend.deps.probes, 'forAgent').mockRejectedValueOnce(new Error('lost connection'));
    try {
      const sentAt = NOW + 1;
      const r = await live.ingest(push('ag-fail', 'n-fail', 'node', sentAt));
      expect(r.status).toBe(202);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(IngestReply.parse(r.body).probes).toBeUndefined();
      // The batch was stored: the agent is known, with this push's time.
      const row = await live.backend.db('agents').where({ id: 'ag-fail' }).first('last_seen');
      expect(Number(row.last_seen)).toBeGreaterThanOrEqual(NOW);
      // The next push gets its probes again.
      const next = await live.ingest(push('ag-fail', 'n-fail', 'node', sentAt + 1));
      expect(IngestReply.parse(next.body).probes).toBeDefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a definition beyond 1000 per cluster (the most an ingest reply hands an agent), naming cluster', async () => {
    // 999 definitions of cluster cl-cap: one through the API, 998 seeded straight into this file's own database.
    const clusterId = api.ProbeDefinitionRow.parse(
      (await call('POST', '/probes', { ...DEF, cluster: 'cl-cap' })).body
    ).clusterId;
    const now = Math.floor(Date.now() / 1000);
    const rows = Array.from({ length: 998 }, (_, i) => ({
      id: `cap${String(i).padStart(29, '0')}`,
      cluster_id: clusterId,
      cluster_name: 'cl-cap',
      node_name: null,
      namespace: 'shop',
      service_name: 'web',
      kind: 'http',
      target: `http://web/${i}`,
      method: 'GET',
      interval_seconds: 30,
      timeout_seconds: 5,
      expect_status: null,
      body_match: null,
      enabled: true,
      created_by: 'seed',
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 100)
      await live.backend.db('probe_definitions').insert(rows.slice(i, i + 100));
    expect((await call('POST', '/probes', { ...DEF, cluster: 'cl-cap' })).status).toBe(201); // the 1000th
    const over = await call('POST', '/probes', { ...DEF, cluster: 'cl-cap' });
    expect(over.status).toBe(400);
    expect(issuesOf(over.body).map((i) => i.path)).toEqual(['cluster']);
    // Another cluster is not affected.
    expect((await call('POST', '/probes', { ...DEF, cluster: 'cl-other-cap' })).status).toBe(201);
  });
});

import { containerId } from '../src/db/ids';
import { scopedApiKey } from '../src/testing/credentials';
import { DIALECTS } from './helpers/databases';
import { issuesOf, liveBackend, type Live } from './helpers/backend';

// Issue 15, container actions on Docker: who may ask (viewer 403, out-of-scope editor 404),
// audited request and result, handed out once (racing pushes, replayed batches, old spool
// batches), results only from the agent it was handed to, expiry, bad input 400 naming the field
// with nothing stored. Real SQLite and MariaDB, through the HTTP API.

const RUNTIME = 'a1'.padEnd(64, 'f');
const OTHER_RUNTIME = 'b2'.padEnd(64, 'e');
const K8S_RUNTIME = 'c3'.padEnd(64, 'd');

/** A Docker node agent's batch at `t` (node `node` of cluster `cluster`) reporting `containers`. */
function batch(
  t: number,
  o: {
    cluster?: string;
    node?: string;
    kind?: 'docker' | 'kubernetes';
    containers?: string[];
    results?: unknown[];
    batchId?: string;
  } = {}
) {
  const node = o.node ?? 'h1';
  return {
    version: 'v1',
    batchId: o.batchId ?? `b-${node}-${t}-${Math.random().toString(36).slice(2)}`,
    sentAt: t,
    agent: { id: `node:${node}`, version: '1', mode: 'node', hostname: node },
    cluster: { name: o.cluster ?? 'alpha', kind: o.kind ?? 'docker', environment: 'on-prem' },
    nodes: [{ name: node, cores: 2, memoryBytes: 8e9, samples: [] }],
    containers: (o.containers ?? []).map((id) => ({
      id,
      nodeName: node,
      name: `ctr-${id.slice(0, 4)}`,
      state: 'running',
    })),
    actionResults: o.results ?? [],
  };
}

const now = () => Math.floor(Date.now() / 1000);

describe.each(DIALECTS)('container actions (%s)', (dialect) => {
  let live: Live;
  let viewer: Record<string, string>;
  let editor: Record<string, string>;
  let outsider: Record<string, string>;
  const target = containerId('alpha', RUNTIME);
  const onH2 = containerId('alpha', OTHER_RUNTIME);
  const k8s = containerId('kube', K8S_RUNTIME);

  const post = async (id: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${live.backend.url}/api/v1/containers/${id}/actions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Reply = { status: number; body: any };
  const ingest = async (b: unknown) => (await live.ingest(b)) as Reply;
  const raw = async (path: string, headers: Record<string, string>) => (await live.getRaw(path, headers)) as Reply;
  const actionRow = (id: string) => live.backend.db('actions').where('id', id).first();

  beforeAll(async () => {
    live = await liveBackend(dialect);
    const t = now();
    expect((await ingest(batch(t, { containers: [RUNTIME] }))).status).toBe(202);
    expect((await ingest(batch(t, { node: 'h2', containers: [OTHER_RUNTIME] }))).status).toBe(202);
    expect(
      (await ingest(batch(t, { cluster: 'kube', kind: 'kubernetes', node: 'k1', containers: [K8S_RUNTIME] }))).status
    ).toBe(202);
    const url = live.backend.url;
    const all = { clusters: null, namespaces: null, nodes: null };
    viewer = (await scopedApiKey(url, live.admin, { email: 'v@example.com', role: 'viewer', scopes: all })).headers;
    editor = (
      await scopedApiKey(url, live.admin, {
        email: 'ed@example.com',
        role: 'editor',
        scopes: { clusters: ['alpha', 'kube'], namespaces: null, nodes: null },
      })
    ).headers;
    outsider = (
      await scopedApiKey(url, live.admin, {
        email: 'out@example.com',
        role: 'editor',
        scopes: { clusters: ['gamma'], namespaces: null, nodes: null },
      })
    ).headers;
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it('refuses a viewer (403) and an editor outside the scope (404), storing nothing', async () => {
    expect((await post(target, { kind: 'stop' }, viewer)).status).toBe(403);
    const out = await post(target, { kind: 'stop' }, outsider);
    expect(out.status).toBe(404);
    expect(await live.backend.db('actions').where('container_id', target).first()).toBeUndefined();
  });

  it('refuses bad input with 400 naming the field, storing nothing', async () => {
    const cases: [unknown, string][] = [
      [{ kind: 'explode' }, 'kind'],
      [{}, 'kind'],
      [{ kind: 'stop', options: { removeVolumes: true } }, 'options.removeVolumes'],
      [{ kind: 'remove', options: { timeoutSeconds: 5 } }, 'options.timeoutSeconds'],
      [{ kind: 'stop', options: { timeoutSeconds: -1 } }, 'options.timeoutSeconds'],
      [{ kind: 'stop', options: { bogus: 1 } }, 'options'],
      [{ kind: 'stop', expiresInSeconds: 5 }, 'expiresInSeconds'],
      [{ kind: 'stop', extra: true }, '(root)'],
    ];
    for (const [body, field] of cases) {
      const r = await post(target, body, editor);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(issuesOf(r.body).map((i) => i.path)).toContain(field);
    }
    expect(await live.backend.db('actions').where('container_id', target).first()).toBeUndefined();
  });

  it('refuses a Kubernetes container whose pod has no controller (409; decision 38)', async () => {
    const r = await post(k8s, { kind: 'restart' }, editor);
    expect(r.status).toBe(409);
    expect(await live.backend.db('actions').where('container_id', k8s).first()).toBeUndefined();
  });

  it('queues, audits, hands out once to the right node only, and applies only that agent’s result', async () => {
    const asked = await post(target, { kind: 'stop', options: { timeoutSeconds: 3 } }, editor);
    expect(asked.status).toBe(202);
    const id = asked.body.id as string;
    expect(asked.body).toMatchObject({ state: 'queued', kind: 'stop', containerId: target, runtimeId: RUNTIME });
    expect(asked.body.requestedBy).toContain('ed@example.com');

    // Audited: who, what, target.
    const audit = await live.get(`/api/v1/audit?action=container.stop`);
    expect(audit.items).toEqual([
      expect.objectContaining({ actor: expect.stringContaining('ed@example.com'), targetId: target }),
    ]);

    // Scoped reads: the outsider cannot see it.
    expect((await raw(`/api/v1/actions/${id}`, outsider)).status).toBe(404);
    expect((await raw(`/api/v1/actions?container=${target}`, outsider)).body.items).toEqual([]);
    expect((await raw(`/api/v1/actions/${id}`, viewer)).body.state).toBe('queued');

    // Another node's agent, and a replay from the spool (sent long ago), get nothing.
    expect((await ingest(batch(now(), { node: 'h2' }))).body.actions).toBeUndefined();
    expect((await ingest(batch(now() - 3600, {}))).body.actions).toBeUndefined();
    expect((await actionRow(id)).state).toBe('queued');

    // Two pushes of the container's agent race: exactly one reply carries the action.
    const t = now();
    const [a, b] = await Promise.all([ingest(batch(t)), ingest(batch(t))]);
    const handed = [a, b].flatMap((r) => (r.body.actions ?? []) as { id: string }[]);
    expect(handed).toEqual([
      {
        id,
        kind: 'stop',
        containerId: RUNTIME,
        target: { containerId: RUNTIME },
        options: { timeoutSeconds: 3 },
        expiresAt: asked.body.expiresAt,
      },
    ]);
    const running = await actionRow(id);
    expect(running).toMatchObject({ state: 'running', agent_id: 'node:h1' });

    // Replaying a batch of the same agent (same id, same body) does not hand it out again.
    const again = batch(now(), { batchId: 'replayed-1' });
    expect((await ingest(again)).body.actions).toBeUndefined();
    expect((await ingest(again)).body.actions).toBeUndefined();

    // A result from another agent is ignored; from the agent it was handed to, applied and audited.
    const result = { id, state: 'failed', message: 'Error response from daemon: boom', ts: now() };
    const wrong = await ingest(batch(now(), { node: 'h2', results: [result] }));
    expect(wrong.status).toBe(202);
    expect(wrong.body.accepted.actionResults).toBe(0);
    expect((await actionRow(id)).state).toBe('running');
    const right = batch(now(), { results: [result] });
    const applied = await ingest(right);
    expect(applied.body.accepted.actionResults).toBe(1);
    const shown = (await raw(`/api/v1/actions/${id}`, editor)).body;
    expect(shown).toMatchObject({
      state: 'failed',
      message: 'Error response from daemon: boom',
      finishedAt: result.ts,
    });

    // The same result again (a replayed batch) changes nothing and is not audited twice.
    expect((await ingest(right)).body.accepted.actionResults).toBe(0);
    const results = await live.get(`/api/v1/audit?action=container.stop.result`);
    expect(results.items).toEqual([
      expect.objectContaining({ actor: 'agent:node:h1', targetId: id, targetType: 'container-action' }),
    ]);

    // Listing by container and state.
    const listed = (await raw(`/api/v1/actions?container=${target}&state=failed`, editor)).body.items;
    expect(listed.map((x: { id: string }) => x.id)).toEqual([id]);
    expect((await raw(`/api/v1/actions?state=done`, editor)).body.items).toEqual([]);
    expect((await raw(`/api/v1/actions?state=nope`, editor)).status).toBe(400);
  });

  it('expires an action no agent picked up, which is then never handed out', async () => {
    const asked = await post(onH2, { kind: 'restart', expiresInSeconds: 10 }, editor);
    expect(asked.status).toBe(202);
    const id = asked.body.id as string;
    // The sweep as the leader runs it, at a time past the expiry (no waiting in the test).
    await live.backend.deps.actions.expire(asked.body.expiresAt);
    expect(await actionRow(id)).toMatchObject({ state: 'expired', message: 'no agent picked it up before it expired' });
    expect((await ingest(batch(now(), { node: 'h2' }))).body.actions).toBeUndefined();
    expect((await raw(`/api/v1/actions/${id}`, editor)).body.state).toBe('expired');
  });

  it('expires an action handed out but never reported, as outcome unknown; a late result from its agent still lands', async () => {
    const asked = await post(target, { kind: 'pause', expiresInSeconds: 10 }, editor);
    const id = asked.body.id as string;
    expect((await ingest(batch(now()))).body.actions?.map((a: { id: string }) => a.id)).toEqual([id]);
    // Within the grace after expiry it stays running; past it, expired.
    await live.backend.deps.actions.expire(asked.body.expiresAt + 60);
    expect((await actionRow(id)).state).toBe('running');
    await live.backend.deps.actions.expire(asked.body.expiresAt + 600);
    expect(await actionRow(id)).toMatchObject({
      state: 'expired',
      message: 'handed to the agent, which reported no result (outcome unknown)',
    });
    const late = await ingest(batch(now(), { results: [{ id, state: 'done', message: 'paused', ts: now() }] }));
    expect(late.body.accepted.actionResults).toBe(1);
    expect(await actionRow(id)).toMatchObject({ state: 'done', message: 'paused' });
  });

  it('hands out an action at the next push even when the push before found none queued (decision 39)', async () => {
    const none = await ingest(batch(now(), { cluster: 'quiet', node: 'q1', containers: ['q1'.padEnd(64, 'a')] }));
    expect(none.body.actions).toBeUndefined();
    // Queued on this replica: the very next push carries it.
    const quiet = containerId('quiet', 'q1'.padEnd(64, 'a'));
    const asked = await post(quiet, { kind: 'restart' }, live.admin);
    expect(asked.status).toBe(202);
    const next = await ingest(batch(now(), { cluster: 'quiet', node: 'q1' }));
    expect(next.body.actions?.map((a: { id: string }) => a.id)).toEqual([asked.body.id]);
    // Queued by another replica (a row this process did not write): handed out within a second.
    expect((await ingest(batch(now(), { cluster: 'quiet', node: 'q1' }))).body.actions).toBeUndefined();
    const row = await actionRow(asked.body.id);
    await live.backend
      .db('actions')
      .insert({ ...row, id: 'other-replica-action', state: 'queued', agent_id: null, picked_at: null });
    await new Promise((r) => setTimeout(r, 1100));
    const later = await ingest(batch(now(), { cluster: 'quiet', node: 'q1' }));
    expect(later.body.actions?.map((a: { id: string }) => a.id)).toEqual(['other-replica-action']);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${live.backend.url}/api/v1/openapi.json`)).json()) as Reply['body'];
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/containers/{id}/actions', '/api/v1/actions', '/api/v1/actions/{id}'])
    );
    expect(doc.paths['/api/v1/containers/{id}/actions'].post.responses['202']).toBeDefined();
  });
});

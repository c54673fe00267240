import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionKind, ActionOptions, ActionTarget } from '@fleetlens/protocol';
import { startBackend } from '../../backend/src/server';
import { adminApiKeyViaApp } from '../../backend/src/testing/credentials';
import { RESTARTED_AT } from '../src/actions/kubernetes';
import { EventStore, ObjectStore, startApiStandin, type StandinServer } from './helpers/kube-standin';
import { NS, seed } from './helpers/kube-objects';
import { sleep } from './helpers/docker';

// Issue 15 on Kubernetes, end to end against a stand-in API server (no cluster can run here;
// helpers/kube-standin.ts follows the API server's source): the real backend (temporary SQLite
// file), a real cluster-agent process (src/main.ts, FLEETLENS_MODE=cluster, its kubeconfig pointing
// at the stand-in, FLEETLENS_ACTIONS=pod.delete,workload.restart,workload.scale). A Kubernetes
// container's restart is asked for over the HTTP API, workload.scale and workload.restart are
// queued through ActionsService.queue (their endpoints are another module's); the outcome is read
// from the stand-in's stored objects, the action's state from GET /actions/:id, and the audit log.
// The node agent of the pod's node is played by batches posted to the ingest API while the
// actions wait: its replies must never carry a cluster action.

const TOKEN = 'k8s-e2e-agent-token-0123456789';
const SERVICE_KEY = 'k8s-e2e-service-key-0123456789';
const KUBE_TOKEN = 'cluster-agent-sa-token';
const CLUSTER = 'k8s-e2e';
const RUNTIME = 'containerd-' + 'ab'.repeat(26);

describe('Kubernetes actions: backend → cluster-agent process → stand-in API server → backend (SQLite)', () => {
  let dir: string;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let kube: StandinServer;
  let store: ObjectStore;
  let agent: ChildProcess;
  let stderr = '';
  let admin: Record<string, string>;
  let entityId: string;
  /** Actions found in replies to the node agent's pushes (must stay empty). */
  const handedToNode: unknown[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${backend.url}/api/v1${path}`, {
      method,
      headers: { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  /** One push of the node agent of node-1 reporting the pod's container; records any actions in the reply. */
  const nodePush = async () => {
    const t = Math.floor(Date.now() / 1000);
    const res = await fetch(`${backend.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: 'v1',
        batchId: `node-${t}-${Math.random().toString(36).slice(2)}`,
        sentAt: t,
        agent: { id: 'node:node-1', version: 'test', mode: 'node', hostname: 'node-1' },
        cluster: { name: CLUSTER, kind: 'kubernetes', environment: 'on-prem' },
        nodes: [{ name: 'node-1', cores: 2, memoryBytes: 8e9, samples: [] }],
        containers: [
          {
            id: RUNTIME,
            nodeName: 'node-1',
            name: 'web',
            state: 'running',
            kubernetes: {
              namespace: NS,
              pod: 'web-7d9f-abcde',
              podUid: 'uid-web-7d9f-abcde',
              workloadKind: 'Deployment',
              workloadName: 'web',
            },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { actions?: unknown[] };
    handedToNode.push(...(body.actions ?? []));
  };

  /** Polls GET /actions/:id until it is done, failed or expired (at most 60 s), pushing as the node agent meanwhile. */
  const settle = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      await nodePush();
      const r = await api('GET', `/actions/${id}`);
      if (['done', 'failed', 'expired'].includes(r.body?.state)) return r.body;
      await sleep(200);
    }
    throw new Error(`action ${id} did not finish; the cluster agent said:\n${stderr.slice(-2000)}`);
  };

  /** Queues a workload action the way the scaling service does: through ActionsService.queue. */
  const queueWorkload = (kind: ActionKind, target: ActionTarget, options: ActionOptions = {}) =>
    backend.deps.actions.queue(
      { actor: 'e2e-admin', actorId: null },
      {
        kind,
        target,
        targetName: `${target.namespace}/${target.workloadKind}/${target.name}`,
        options,
        expiresInSeconds: 120,
        cluster: CLUSTER,
        node: '',
        namespace: target.namespace!,
        audit: { action: kind, entityType: 'workload', entityId: `${target.namespace}/${target.name}` },
      }
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8s-actions-e2e-'));
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
    store = new ObjectStore();
    seed(store);
    kube = await startApiStandin({
      token: KUBE_TOKEN,
      store,
      events: new EventStore(),
      pods: () => store.list('Pod') as Array<{ spec: { nodeName?: string } }>,
      nodes: [{ metadata: { name: 'node-1' }, status: { capacity: { cpu: '2', memory: '8Gi' }, conditions: [] } }],
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: standin',
        'clusters: [{name: standin, cluster: {server: "' + kube.url + '"}}]',
        'users: [{name: agent, user: {token: "' + KUBE_TOKEN + '"}}]',
        'contexts: [{name: standin, context: {cluster: standin, user: agent}}]',
        '',
      ].join('\n')
    );
    agent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(__dirname, '../tsconfig.json'),
        FLEETLENS_BACKEND_URL: backend.url,
        FLEETLENS_AGENT_TOKEN: TOKEN,
        FLEETLENS_MODE: 'cluster',
        FLEETLENS_CLUSTER_NAME: CLUSTER,
        FLEETLENS_NODE_NAME: 'cluster-agent-0',
        KUBECONFIG: kubeconfig,
        FLEETLENS_INTERVAL_SECONDS: '3',
        FLEETLENS_LOGS_ENABLED: 'false',
        FLEETLENS_STATE_DIR: join(dir, 'agent'),
        FLEETLENS_ACTIONS: 'pod.delete,workload.restart,workload.scale',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await nodePush();
    // The cluster agent has pushed once (its status says what it runs) and the container is known.
    for (let i = 0; i < 300; i++) {
      const a = await backend.db('agents').where({ mode: 'cluster' }).first();
      const c = await api('GET', `/containers?q=web`);
      entityId = c.body?.items?.find((x: { runtimeId: string }) => x.runtimeId === RUNTIME)?.id;
      if (a && entityId) break;
      await sleep(200);
    }
    if (!entityId || !(await backend.db('agents').where({ mode: 'cluster' }).first()))
      throw new Error(`the cluster agent never pushed; it said:\n${stderr.slice(-2000)}`);
  }, 120_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await new Promise((r) => (agent?.exitCode !== null ? r(null) : agent.once('exit', r)));
    await backend?.stop();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the cluster agent reports exactly the Kubernetes kinds it runs', async () => {
    const row = await backend.db('agents').where({ mode: 'cluster' }).first();
    expect(JSON.parse(row.status).allowedActions).toEqual(['pod.delete', 'workload.restart', 'workload.scale']);
  });

  it("restarting a Kubernetes container deletes its pod in the API server (its controller's job to recreate), and the action reads done", async () => {
    expect(store.get('Pod', NS, 'web-7d9f-abcde')).toBeDefined();
    const asked = await api('POST', `/containers/${entityId}/actions`, { kind: 'restart' });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ kind: 'pod.delete', executor: 'cluster', nodeName: '' });
    const done = await settle(asked.body.id);
    expect(done).toMatchObject({
      state: 'done',
      message: `deleted pod ${NS}/web-7d9f-abcde; its ReplicaSet web-7d9f recreates it`,
    });
    expect(store.get('Pod', NS, 'web-7d9f-abcde')).toBeUndefined();
    expect(store.deletedPods).toEqual([`${NS}/web-7d9f-abcde`]);
    expect(store.get('Pod', NS, 'web-7d9f-fghij')).toBeDefined();
  }, 90_000);

  it('workload.scale sets the Deployment’s replicas through the scale subresource', async () => {
    const queued = await queueWorkload(
      'workload.scale',
      { namespace: NS, workloadKind: 'Deployment', name: 'web' },
      {
        replicas: 5,
      }
    );
    const done = await settle(queued.id);
    expect(done).toMatchObject({ state: 'done', message: `scaled ${NS}/Deployment/web from 2 to 5` });
    expect(store.get('Deployment', NS, 'web')!.spec.replicas).toBe(5);
    expect(kube.requests.filter((r) => r.path.endsWith('/deployments/web/scale')).map((r) => r.method)).toEqual([
      'GET',
      'PUT',
    ]);
  }, 90_000);

  it('workload.restart sets the restartedAt annotation on the pod template to the time it ran', async () => {
    const before = Math.floor(Date.now() / 1000);
    const queued = await queueWorkload('workload.restart', { namespace: NS, workloadKind: 'Deployment', name: 'web' });
    const done = await settle(queued.id);
    expect(done.state).toBe('done');
    const at = store.get('Deployment', NS, 'web')!.spec.template.metadata.annotations[RESTARTED_AT] as string;
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const t = Date.parse(at) / 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(done.message).toBe(`restarted ${NS}/Deployment/web (restartedAt ${at})`);
  }, 90_000);

  it('workload.restart without the patch verb fails with the API server’s 403 message, and the Deployment is unchanged', async () => {
    store.deny('patch', 'deployments');
    const before = store.get('Deployment', NS, 'web');
    const queued = await queueWorkload('workload.restart', { namespace: NS, workloadKind: 'Deployment', name: 'web' });
    const failed = await settle(queued.id);
    expect(failed.state).toBe('failed');
    expect(failed.message).toContain(
      `deployments.apps "web" is forbidden: User "system:serviceaccount:fleetlens:fleetlens-cluster-agent" cannot patch resource "deployments" in API group "apps" in the namespace "${NS}"`
    );
    expect(failed.message).toContain('deploy/kubernetes/agent-actions-rbac.yaml');
    expect(store.get('Deployment', NS, 'web')).toEqual(before);
    store.allowAll();
  }, 90_000);

  it('every request and every result is in the audit log; the node agent was never handed a cluster action', async () => {
    const audit = await api('GET', '/audit?limit=100');
    const actions = audit.body.items.map((e: { action: string }) => e.action).sort();
    expect(actions).toEqual(
      expect.arrayContaining([
        'pod.delete',
        'pod.delete.result',
        'workload.scale',
        'workload.scale.result',
        'workload.restart',
        'workload.restart.result',
      ])
    );
    expect(actions.filter((a: string) => a === 'workload.restart.result')).toHaveLength(2);
    expect(handedToNode).toEqual([]);
    const rows = await backend.db('actions').select('kind', 'executor', 'agent_id', 'state');
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).toMatchObject({ executor: 'cluster', agent_id: 'cluster:cluster-agent-0' });
  });
});

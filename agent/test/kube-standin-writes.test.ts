import { ObjectStore, startApiStandin, type StandinServer } from './helpers/kube-standin';
import { NS, seed } from './helpers/kube-objects';

// The stand-in API server's write paths (no cluster can run here) refuse what the real API
// server refuses, with its Status messages; each rule names its source file in
// helpers/kube-standin.ts (ObjectStore). These tests call it over HTTP, as the agent does, and
// check the stored object after every refusal: a refused write changes nothing.

const TOKEN = 'cluster-agent-token';
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
const SCALE = `${DEPLOY}/scale`;
const POD = `/api/v1/namespaces/${NS}/pods/web-7d9f-abcde`;

describe('stand-in API server: writes refused as the real API server refuses them', () => {
  let store: ObjectStore;
  let api: StandinServer;
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  };
  const web = () => store.get('Deployment', NS, 'web')!;

  beforeEach(async () => {
    store = new ObjectStore();
    seed(store);
    api = await startApiStandin({ token: TOKEN, pods: () => [], store });
  });
  afterEach(async () => {
    await api.close();
  });

  it('stand-in: GET scale is an autoscaling/v1 Scale of the Deployment (replicas, status, selector, resourceVersion)', async () => {
    const r = await call('GET', SCALE);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: 'web',
        namespace: NS,
        uid: web().metadata.uid,
        resourceVersion: web().metadata.resourceVersion,
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    });
  });

  it('stand-in: PUT scale moves replicas to the Deployment, bumps resourceVersion and generation', async () => {
    const before = web();
    const r = await call('PUT', SCALE, {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: NS, resourceVersion: before.metadata.resourceVersion },
      spec: { replicas: 5 },
    });
    expect(r.status).toBe(200);
    expect(r.body.spec).toEqual({ replicas: 5 });
    const after = web();
    expect(after.spec.replicas).toBe(5);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    // An int32 without a pointer: a Scale without spec.replicas scales to 0.
    expect((await call('PUT', SCALE, { kind: 'Scale', metadata: { name: 'web' }, spec: {} })).status).toBe(200);
    expect(web().spec.replicas).toBe(0);
  });

  it('stand-in: a negative replicas count is 422 Invalid (ValidateScale), a stale resourceVersion 409 Conflict, a wrong name 400; nothing changes', async () => {
    const before = web();
    const neg = await call('PUT', SCALE, { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } });
    expect(neg).toEqual({
      status: 422,
      body: expect.objectContaining({
        kind: 'Status',
        reason: 'Invalid',
        code: 422,
        message:
          'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      }),
    });
    const negPatch = await call('PATCH', SCALE, { spec: { replicas: -3 } }, 'application/merge-patch+json');
    expect(negPatch.status).toBe(422);
    const stale = await call('PUT', SCALE, {
      kind: 'Scale',
      metadata: { name: 'web', resourceVersion: '1' },
      spec: { replicas: 4 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    });
    const uid = await call('PUT', SCALE, {
      kind: 'Scale',
      metadata: { name: 'web', uid: 'other' },
      spec: { replicas: 4 },
    });
    expect(uid.status).toBe(409);
    expect(uid.body.message).toContain('Precondition failed: UID in precondition: other');
    const renamed = await call('PUT', SCALE, { kind: 'Scale', metadata: { name: 'api' }, spec: { replicas: 4 } });
    expect(renamed).toMatchObject({
      status: 400,
      body: { reason: 'BadRequest', message: 'the name of the object (api) does not match the name on the URL (web)' },
    });
    expect(web()).toEqual(before);
  });

  it('stand-in: PATCH accepts the three patch types and refuses others with 415, listing the accepted ones', async () => {
    const smp = await call(
      'PATCH',
      DEPLOY,
      { spec: { template: { metadata: { annotations: { a: '1' } } } } },
      'application/strategic-merge-patch+json; charset=utf-8'
    );
    expect(smp.status).toBe(200);
    expect(web().spec.template.metadata).toEqual({ labels: { app: 'web' }, annotations: { a: '1' } });
    const merge = await call(
      'PATCH',
      DEPLOY,
      { metadata: { labels: { tier: 'front' } } },
      'application/merge-patch+json'
    );
    expect(merge.status).toBe(200);
    expect(web().metadata.labels).toEqual({ app: 'web', tier: 'front' });
    const jp = await call(
      'PATCH',
      DEPLOY,
      [{ op: 'replace', path: '/spec/template/metadata/annotations/a', value: '2' }],
      'application/json-patch+json'
    );
    expect(jp.status).toBe(200);
    expect(web().spec.template.metadata.annotations).toEqual({ a: '2' });
    const before = web();
    const failing = await call(
      'PATCH',
      DEPLOY,
      [{ op: 'test', path: '/spec/replicas', value: 9 }],
      'application/json-patch+json'
    );
    expect(failing.status).toBe(422);
    // A patch that names a resourceVersion is a precondition (store.go's optimistic lock).
    const stalePatch = await call(
      'PATCH',
      DEPLOY,
      { metadata: { resourceVersion: '1' }, spec: { replicas: 9 } },
      'application/merge-patch+json'
    );
    expect(stalePatch.status).toBe(409);
    expect(stalePatch.body.message).toContain('the object has been modified');
    for (const ct of ['application/json', 'text/plain']) {
      const r = await call('PATCH', DEPLOY, { spec: { replicas: 9 } }, ct);
      expect(r.status).toBe(415);
      expect(r.body).toMatchObject({ reason: 'UnsupportedMediaType' });
      expect(r.body.message).toBe(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml'
      );
    }
    expect(web()).toEqual(before);
  });

  it('stand-in: a DaemonSet has no scale subresource (404), and scale answers no DELETE (405)', async () => {
    const ds = await call('GET', `/apis/apps/v1/namespaces/${NS}/daemonsets/logs/scale`);
    expect(ds).toMatchObject({ status: 404, body: { reason: 'NotFound' } });
    expect((await call('DELETE', SCALE)).status).toBe(405);
    expect(web().spec.replicas).toBe(2);
  });

  it('stand-in: DELETE of a pod answers 200 with the pod marked for deletion, then 404; a uid precondition that does not match is 409', async () => {
    const wrong = await call('DELETE', POD, { kind: 'DeleteOptions', preconditions: { uid: 'not-it' } });
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toMatch(/^Operation cannot be fulfilled on pods "web-7d9f-abcde": Precondition failed/);
    expect(store.get('Pod', NS, 'web-7d9f-abcde')).toBeDefined();
    const uid = store.get('Pod', NS, 'web-7d9f-abcde')!.metadata.uid;
    const ok = await call('DELETE', POD, { kind: 'DeleteOptions', preconditions: { uid } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'web-7d9f-abcde', deletionGracePeriodSeconds: 30 },
    });
    expect(ok.body.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(store.get('Pod', NS, 'web-7d9f-abcde')).toBeUndefined();
    const again = await call('DELETE', POD);
    expect(again).toMatchObject({
      status: 404,
      body: { kind: 'Status', reason: 'NotFound', message: 'pods "web-7d9f-abcde" not found' },
    });
  });

  it('stand-in: a verb RBAC does not grant is 403 Forbidden naming user, verb, resource and namespace, before the object is looked up', async () => {
    store.deny('patch', 'deployments');
    store.deny('update', 'deployments/scale');
    const before = web();
    const p = await call('PATCH', DEPLOY, { spec: { paused: true } }, 'application/merge-patch+json');
    expect(p).toMatchObject({
      status: 403,
      body: {
        reason: 'Forbidden',
        message:
          'deployments.apps "web" is forbidden: User "system:serviceaccount:fleetlens:fleetlens-cluster-agent" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
      },
    });
    const s = await call('PUT', SCALE, { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 7 } });
    expect(s.status).toBe(403);
    expect(s.body.message).toContain('cannot update resource "deployments/scale" in API group "apps"');
    // Authorization comes first: a missing object is still 403, not 404.
    const missing = await call(
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/nope`,
      {},
      'application/merge-patch+json'
    );
    expect(missing.status).toBe(403);
    // What is not denied still works: reading the scale.
    expect((await call('GET', SCALE)).status).toBe(200);
    expect(web()).toEqual(before);
  });

  it('stand-in: the request log records method and path of each call', async () => {
    await call('GET', SCALE);
    await call('DELETE', POD);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${SCALE}`, `DELETE ${POD}`]);
  });
});

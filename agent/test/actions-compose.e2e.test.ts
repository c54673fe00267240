import { docker, dockerAvailable, ensureTestImage, IMAGE, removeLabelled, runLabel } from './helpers/docker';
import { runComposeReplica } from './helpers/compose';
import { startStack, type Stack } from './helpers/stack';

// Issue 15 (decision 35) end to end: the real backend (temporary SQLite file), a real agent
// process (src/main.ts, Docker collector, FLEETLENS_ACTIONS=compose.scale) and a Compose-labelled
// busybox container. GET /compose/services comes from what the agent reported; an admin scales
// over the HTTP API; the outcome is read with `docker ps`, then in the backend's list again.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

describeDocker('compose.scale: backend → agent process → Docker engine → backend (SQLite, real Docker)', () => {
  const run = runLabel('h35-e2e');
  const label = `fleetlens.test=${run}`;
  const project = run;
  const node = `${run}-node`;
  let stack: Stack;

  /** The service as GET /compose/services lists it, once its counts are these. */
  const listedAs = (running: number, total: number) =>
    stack.until(`the service listed as ${running}/${total}`, async () => {
      const r = await stack.api('GET', `/compose/services?cluster=h35`);
      const s = r.body?.items?.find((x: { project: string }) => x.project === project);
      return s && s.running === running && s.total === total ? s : undefined;
    });
  /** Containers of the service by `docker ps` (running; `-a`: every state), by name. */
  const dockerPs = (...flags: string[]) =>
    docker('ps', ...flags, '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}')
      .split('\n')
      .filter(Boolean)
      .sort();
  const scale = (replicas: number) =>
    stack.api('POST', '/compose/services/scale', { cluster: 'h35', node, project, service: 'web', replicas });

  beforeAll(async () => {
    ensureTestImage();
    runComposeReplica(project, 'web', 1, label);
    stack = await startStack('h35-e2e-', {
      FLEETLENS_CLUSTER_NAME: 'h35',
      FLEETLENS_NODE_NAME: node,
      FLEETLENS_ACTIONS: 'compose.scale',
    });
    await listedAs(1, 1);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    removeLabelled(label);
  });

  it('scales 1 → 3 on request: docker ps shows three, and the next push lists 3 / 3', async () => {
    const asked = await scale(3);
    expect(asked.status).toBe(202);
    expect(await stack.settle(asked.body.id)).toMatchObject({
      state: 'done',
      message: `scaled ${project}/web from 1 to 3`,
    });
    expect(dockerPs()).toEqual([1, 2, 3].map((n) => `${project}-web-${n}`));
    expect(await listedAs(3, 3)).toMatchObject({ nodeName: node, service: 'web', image: IMAGE });
  }, 90_000);

  it('scales 3 → 1: the newest two are gone by docker ps and from the list; asks and results audited', async () => {
    const asked = await scale(1);
    expect(await stack.settle(asked.body.id)).toMatchObject({
      state: 'done',
      message: `scaled ${project}/web from 3 to 1`,
    });
    expect(dockerPs('-a')).toEqual([`${project}-web-1`]);
    await listedAs(1, 1);
    const results = await stack.api('GET', '/audit?targetType=container-action');
    expect(results.body.items.map((e: { action: string }) => e.action)).toEqual([
      'compose.scale.result',
      'compose.scale.result',
    ]);
    expect((await stack.api('GET', '/audit?action=compose.scale')).body.items).toHaveLength(2);
  }, 90_000);
});

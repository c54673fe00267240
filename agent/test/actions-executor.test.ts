import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionKind, ActionResult, ContainerAction } from '@fleetlens/protocol';
import { ActionExecutor } from '../src/actions/executor';
import { IMAGE, SOCKET, docker, dockerAvailable, ensureTestImage, removeLabelled, runLabel } from './helpers/docker';

// Issue 15: the agent's action executor against the real Docker engine and real busybox
// containers (named h15-…). Every outcome is checked with `docker inspect` / `docker volume
// inspect`, not with the executor's own result alone.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

const ALL: ActionKind[] = ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'];

interface Inspected {
  State: { Status: string; Running: boolean; Paused: boolean; StartedAt: string };
  Mounts: { Name?: string; Type: string }[];
}
const inspect = (id: string) => JSON.parse(docker('inspect', id))[0] as Inspected;
const exists = (what: 'container' | 'volume', name: string) => {
  try {
    docker(what, 'inspect', name);
    return true;
  } catch {
    return false;
  }
};

describeDocker('container actions against the real Docker engine', () => {
  const run = runLabel('h15');
  const label = `fleetlens.test=${run}`;
  let stateDir: string;
  let n = 0;
  const action = (
    kind: ActionKind,
    containerId: string,
    options: ContainerAction['options'] = {}
  ): ContainerAction => ({
    id: `${run}-${++n}`,
    kind,
    containerId,
    target: { containerId },
    options,
    expiresAt: Math.floor(Date.now() / 1000) + 300,
  });
  /** Runs the actions on a fresh executor over the same state dir and returns their results. */
  const runAll = async (actions: ContainerAction[], allowed: ActionKind[] = ALL): Promise<ActionResult[]> => {
    const ex = await ActionExecutor.open({ allowed, socketPath: SOCKET, stateDir, log: () => undefined });
    ex.submit(actions);
    await ex.idle();
    const out = ex.take();
    await ex.commit();
    ex.close();
    return out;
  };
  const start = (name: string, ...args: string[]) =>
    docker('run', '-d', '--name', `${run}-${name}`, '--label', label, ...args, IMAGE, 'sh', '-c', 'sleep 3600');

  beforeAll(() => {
    ensureTestImage();
    stateDir = mkdtempSync(join(tmpdir(), 'h15-actions-'));
  });
  afterAll(() => {
    removeLabelled(label);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('pauses, unpauses, restarts, stops and starts a real container', async () => {
    const id = start('life');
    const firstStart = inspect(id).State.StartedAt;

    let [r] = await runAll([action('pause', id)]);
    expect(r).toMatchObject({ state: 'done' });
    expect(inspect(id).State).toMatchObject({ Status: 'paused', Paused: true });

    [r] = await runAll([action('unpause', id)]);
    expect(r.state).toBe('done');
    expect(inspect(id).State).toMatchObject({ Status: 'running', Paused: false });

    [r] = await runAll([action('restart', id, { timeoutSeconds: 1 })]);
    expect(r.state).toBe('done');
    const afterRestart = inspect(id).State;
    expect(afterRestart.Running).toBe(true);
    expect(afterRestart.StartedAt).not.toBe(firstStart);

    [r] = await runAll([action('stop', id, { timeoutSeconds: 1 })]);
    expect(r.state).toBe('done');
    expect(inspect(id).State).toMatchObject({ Status: 'exited', Running: false });

    // Stopping a stopped container: the engine answers 304, reported as done "already stopped".
    [r] = await runAll([action('stop', id, { timeoutSeconds: 1 })]);
    expect(r).toMatchObject({ state: 'done', message: 'already stopped' });

    [r] = await runAll([action('start', id)]);
    expect(r.state).toBe('done');
    const started = inspect(id).State;
    expect(started.Running).toBe(true);
    expect(started.StartedAt).not.toBe(afterRestart.StartedAt);
  }, 60_000);

  it('removes a container and keeps its anonymous volume unless asked to remove volumes', async () => {
    const keep = start('keepvol', '-v', '/data');
    const keepVol = inspect(keep).Mounts.find((m) => m.Type === 'volume')!.Name!;
    const drop = start('dropvol', '-v', '/data');
    const dropVol = inspect(drop).Mounts.find((m) => m.Type === 'volume')!.Name!;
    try {
      const [a, b] = await runAll([
        action('remove', keep, { force: true }),
        action('remove', drop, { force: true, removeVolumes: true }),
      ]);
      expect([a.state, b.state]).toEqual(['done', 'done']);
      expect(exists('container', keep)).toBe(false);
      expect(exists('container', drop)).toBe(false);
      expect(exists('volume', keepVol)).toBe(true);
      expect(exists('volume', dropVol)).toBe(false);
    } finally {
      if (exists('volume', keepVol)) docker('volume', 'rm', keepVol);
    }
  }, 60_000);

  it('reports the engine’s own message when the engine refuses', async () => {
    const running = start('refuse');
    // Removing a running container without force: the engine says why.
    const [r] = await runAll([action('remove', running)]);
    expect(r.state).toBe('failed');
    expect(r.message).toMatch(/running/i);
    expect(exists('container', running)).toBe(true);
    const [missing] = await runAll([action('start', 'h15-no-such-container')]);
    expect(missing).toMatchObject({ state: 'failed', message: expect.stringMatching(/no such container/i) });
  }, 60_000);

  it('refuses a kind FLEETLENS_ACTIONS does not allow, naming the setting, and leaves the container alone', async () => {
    const id = start('refused');
    const [r] = await runAll([action('stop', id)], ['start', 'restart']);
    expect(r.state).toBe('failed');
    expect(r.message).toContain('FLEETLENS_ACTIONS=start,restart');
    expect(inspect(id).State.Running).toBe(true);
    const [none] = await runAll([action('pause', id)], []);
    expect(none.message).toContain('FLEETLENS_ACTIONS=(empty)');
    expect(inspect(id).State.Paused).toBe(false);
  }, 60_000);

  it('never runs the same action id twice, also after a restart of the agent (same state dir)', async () => {
    const id = start('once');
    const restart = action('restart', id, { timeoutSeconds: 1 });
    const results = await runAll([restart, restart]);
    expect(results.map((r) => r.id)).toEqual([restart.id]);
    const startedAt = inspect(id).State.StartedAt;
    // A new executor over the same state dir (the agent restarted) is handed the same id again.
    expect(await runAll([restart])).toEqual([]);
    expect(inspect(id).State.StartedAt).toBe(startedAt);
  }, 60_000);

  it('keeps a result in the state dir until a spooled batch took it, so a restart before that loses nothing', async () => {
    const id = start('kept');
    const first = await ActionExecutor.open({ allowed: ALL, socketPath: SOCKET, stateDir, log: () => undefined });
    const pause = action('pause', id);
    first.submit([pause]);
    await first.idle();
    first.close(); // the agent dies before any batch carried the result
    expect(inspect(id).State.Paused).toBe(true);
    const second = await ActionExecutor.open({ allowed: ALL, socketPath: SOCKET, stateDir, log: () => undefined });
    expect(second.take()).toEqual([expect.objectContaining({ id: pause.id, state: 'done' })]);
    await second.commit();
    second.close();
    const third = await ActionExecutor.open({ allowed: ALL, socketPath: SOCKET, stateDir, log: () => undefined });
    expect(third.take()).toEqual([]);
    third.close();
  }, 60_000);
});

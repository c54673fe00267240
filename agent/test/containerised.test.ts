import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IngestBatch } from '@fleetlens/protocol';
import {
  IMAGE,
  docker,
  dockerAvailable,
  engineCounters,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from './helpers/docker';
import { startReceiver } from './helpers/receiver';

// The agent as it runs in production on a Docker host: inside a container, reading the host
// through HOST_PROC / HOST_SYS / HOST_ROOT mounts and the Docker socket. No registry is reachable
// here, so the container image is made from this machine's node binary and its shared libraries;
// the compiled agent (agent/dist, built by `npx tsc -b agent`) is mounted read-only.
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;
const ROOT = join(__dirname, '..', '..');
const NODE_IMAGE = 'fleetlens-nodeonly:test';

/** An image holding only busybox, node and node's shared libraries (idempotent). */
function ensureNodeImage(): void {
  try {
    docker('image', 'inspect', NODE_IMAGE);
    return;
  } catch {
    // build it below
  }
  const w = mkdtempSync(join(tmpdir(), 'fl-nodeimg-'));
  try {
    const root = join(w, 'root');
    const put = (src: string, dst = src) => {
      mkdirSync(dirname(join(root, dst)), { recursive: true });
      copyFileSync(src, join(root, dst));
      chmodSync(join(root, dst), 0o755);
    };
    put(process.execPath, '/usr/bin/node');
    put('/bin/busybox', '/bin/busybox');
    for (const lib of execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).matchAll(/(\/\S+\.so[.\d]*)/g))
      put(lib[1]);
    mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
    writeFileSync(join(w, 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    mkdirSync(join(root, 'etc'));
    copyFileSync(join(w, 'passwd'), join(root, 'etc', 'passwd'));
    execFileSync('tar', ['-C', root, '-cf', join(w, 'root.tar'), '.']);
    docker('import', join(w, 'root.tar'), NODE_IMAGE);
  } finally {
    rmSync(w, { recursive: true, force: true });
  }
}

describeDocker('the agent in a container, reading the host through HOST_* mounts (real Docker)', () => {
  const label = `fleetlens.test=${runLabel('fltest-incontainer')}`;
  afterAll(() => {
    if (HAVE_DOCKER) removeLabelled(label);
  });

  it('reports the host (not its own container) and the containers next to it', async () => {
    ensureTestImage();
    ensureNodeImage();
    execFileSync('npx', ['tsc', '-b', 'agent'], { cwd: ROOT, stdio: 'ignore' });
    const rx = await startReceiver(undefined, '0.0.0.0');
    try {
      const burner = docker('run', '-d', '--label', label, '--cpus', '0.5', IMAGE, 'sh', '-c', 'yes > /dev/null');
      // The host as containers on the default bridge reach it.
      const gateway = docker('inspect', '-f', '{{.NetworkSettings.Gateway}}', burner);
      const agentId = docker(
        'run',
        '-d',
        '--label',
        label,
        '-v',
        `${ROOT}:/app:ro`,
        '-v',
        '/proc:/host/proc:ro',
        '-v',
        '/sys:/host/sys:ro',
        '-v',
        '/:/host/root:ro',
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock:ro',
        '--tmpfs',
        '/state',
        '-e',
        `FLEETLENS_BACKEND_URL=http://${gateway}:${rx.port}`,
        '-e',
        'FLEETLENS_AGENT_TOKEN=in-container-token',
        '-e',
        'FLEETLENS_INTERVAL_SECONDS=2',
        '-e',
        'FLEETLENS_STATE_DIR=/state',
        '-e',
        'FLEETLENS_NODE_NAME=the-host',
        '-e',
        'HOST_PROC=/host/proc',
        '-e',
        'HOST_SYS=/host/sys',
        '-e',
        'HOST_ROOT=/host/root',
        NODE_IMAGE,
        'node',
        '/app/agent/dist/main.js'
      );
      for (let i = 0; i < 100 && rx.received.length < 3; i++) await sleep(100);
      const before = await engineCounters(burner);
      const n0 = rx.received.length;
      for (let i = 0; i < 60 && rx.received.length < n0 + 2; i++) await sleep(100);
      const after = await engineCounters(burner);
      expect(rx.received.length).toBeGreaterThanOrEqual(n0 + 2);
      const batches = rx.received.map((r) => IngestBatch.parse(r.body));
      const last = batches[batches.length - 1];
      const node = last.nodes[0];
      // The host's view, not the agent container's: filesystem size as statfs('/') here,
      // the host's OS name, all of the host's cores and memory.
      const fs = statfsSync('/');
      expect(node.samples[0].fsTotalBytes).toBeGreaterThanOrEqual(fs.blocks * fs.bsize);
      const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
      expect(node.os).toBe(pretty);
      expect(node.memoryBytes).toBe(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024);
      // Containers through the mounted cgroup tree: the burner at its 0.5-core cap (±0.05 vs
      // the engine's own counters over about the same time).
      const b = last.containers.find((c) => c.id === burner)!;
      const ref = (after.cpuNs - before.cpuNs) / 1e9 / ((after.at - before.at) / 1000);
      expect(Math.abs(b.samples[0].cpuCores! - ref)).toBeLessThan(0.05);
      expect(last.containers.some((c) => c.id === agentId)).toBe(true); // it sees itself as a container too
      expect(last.inventories[0].containerIds).toContain(burner);
    } finally {
      await rx.close();
    }
  }, 90_000);
});

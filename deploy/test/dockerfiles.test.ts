/**
 * Dockerfiles of the backend and the agent. No registry is reachable here, so an image is built
 * only when every base image is already in the local Docker engine (never pulled, never faked);
 * each test's name says whether `docker build` ran or only the structural checks did. The
 * structural checks run in both cases.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  dockerAvailable,
  dockerignore,
  exists,
  externalBases,
  instructionWords,
  localImage,
  parseDockerfile,
  read,
  stageEnv,
  tryRun,
  type Dockerfile,
  type Stage,
} from './helpers';

const ignored = dockerignore(read('.dockerignore'));
const docker = dockerAvailable();

/** Paths that a route file serves, from string literals like '/healthz'. */
function servedPaths(rel: string): string[] {
  return [...read(rel).matchAll(/'(\/[a-z]+)'/g)].map((m) => m[1]);
}

const finalStage = (df: Dockerfile) => df.stages[df.stages.length - 1];
const all = (s: Stage, cmd: string) => s.instructions.filter((i) => i.cmd === cmd);
const last = (s: Stage, cmd: string) => all(s, cmd).pop();

/** COPY/ADD sources from the build context must exist and must not be excluded by .dockerignore. */
function checkContextCopies(df: Dockerfile, file: string) {
  const stageNames = new Set(df.stages.map((s) => s.name));
  let copies = 0;
  for (const stage of df.stages) {
    for (const ins of stage.instructions.filter((i) => i.cmd === 'COPY' || i.cmd === 'ADD')) {
      const { flags, words } = instructionWords(ins);
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const sources = words.slice(0, -1);
      expect(sources.length).toBeGreaterThan(0);
      if (from) {
        expect({ file, line: ins.line, from, known: stageNames.has(from) }).toEqual({
          file,
          line: ins.line,
          from,
          known: true,
        });
        continue;
      }
      for (const src of sources) {
        copies++;
        const problem = !exists(src) ? 'missing' : ignored(src) ? 'excluded by .dockerignore' : 'ok';
        expect({ file, line: ins.line, src, problem }).toEqual({ file, line: ins.line, src, problem: 'ok' });
      }
    }
  }
  expect(copies).toBeGreaterThan(0);
}

/** Builds the image with the local engine; returns the image id. Only called when bases are local. */
function build(dockerfile: string, tag: string): string {
  execFileSync('docker', ['build', '--pull=false', '-f', dockerfile, '-t', tag, '.'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { encoding: 'utf8' }).trim();
}

function inspect(tag: string): {
  User: string;
  ExposedPorts?: Record<string, unknown>;
  Healthcheck?: { Test: string[] };
  Volumes?: Record<string, unknown>;
} {
  return JSON.parse(
    execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config}}', tag], { encoding: 'utf8' })
  );
}

describe('.dockerignore', () => {
  test('keeps host builds, installs and secrets out of the context, keeps the sources in', () => {
    for (const p of [
      'node_modules/x',
      'backend/node_modules/x',
      'backend/dist/main.js',
      'backend/tsconfig.tsbuildinfo',
      '.env',
      'data/monitor.db',
      '.git/HEAD',
    ]) {
      expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: true });
    }
    for (const p of [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'backend/src/main.ts',
      'protocol/src/index.ts',
      'agent/src/main.ts',
      'backend/tsconfig.json',
    ]) {
      expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: false });
    }
  });
});

describe('backend/Dockerfile', () => {
  const df = parseDockerfile(read('backend/Dockerfile'));
  const bases = externalBases(df);
  const missing = docker ? bases.filter((b) => !localImage(b)) : bases;
  const canBuild = docker && missing.length === 0;

  test('structural: multi-stage, node:20 bookworm build with build tools, slim runtime, dev dependencies pruned', () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    expect(df.stages[0].from).toMatch(/^node:20-bookworm$/);
    expect(finalStage(df).from).toMatch(/^node:20-bookworm-slim$/);
    // Compiling TypeScript happens in a build stage, not in the runtime stage.
    const runs = (s: Stage) =>
      all(s, 'RUN')
        .map((r) => r.args)
        .join('\n');
    expect(df.stages.slice(0, -1).some((s) => /tsc -b backend/.test(runs(s)))).toBe(true);
    expect(runs(finalStage(df))).not.toMatch(/npm (ci|install)|tsc/);
    // The production install: lockfile-exact, dev dependencies omitted, install scripts on (native modules).
    const prod = df.stages.find((s) => /npm ci[^\n]*--omit=dev/.test(runs(s)));
    expect(prod).toBeDefined();
    expect(runs(prod!)).not.toMatch(/--ignore-scripts/);
    // better-sqlite3 compiles from source there: python3, make and g++ must be installed or come with the full image.
    expect(
      prod!.from === 'node:20-bookworm' || /apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/.test(runs(prod!))
    ).toBe(true);
    // The runtime stage takes node_modules from that stage and compiled JavaScript from a build stage.
    const fromCopies = all(finalStage(df), 'COPY').map((c) => instructionWords(c));
    expect(
      fromCopies.some((c) => c.flags.includes(`--from=${prod!.name}`) && c.words[0].endsWith('node_modules'))
    ).toBe(true);
    expect(fromCopies.some((c) => c.words[0].endsWith('backend/dist'))).toBe(true);
    expect(fromCopies.some((c) => c.words[0].endsWith('protocol/dist'))).toBe(true);
  });

  test('structural: non-root numeric USER, HEALTHCHECK on a served path, EXPOSE 8480, VOLUME /data with DATA_DIR=/data, CMD on the compiled entry point', () => {
    const fin = finalStage(df);
    const user = last(fin, 'USER')!.args;
    expect(user).toMatch(/^[1-9][0-9]*(:[0-9]+)?$/); // numeric, so Kubernetes' runAsNonRoot can verify it
    const hc = last(fin, 'HEALTHCHECK')!.args;
    const path = /\/(healthz|readyz)\b/.exec(hc)?.[0];
    expect(servedPaths('backend/src/routes/health.ts')).toContain(path);
    expect(hc).toMatch(/process\.env\.PORT\|\|8480|:8480\//);
    expect(all(fin, 'EXPOSE').map((e) => e.args)).toContain('8480');
    expect(all(fin, 'VOLUME').map((v) => v.args.replace(/[[\]"]/g, '').trim())).toContain('/data');
    const env = stageEnv(fin);
    expect(env).toMatchObject({ DATA_DIR: '/data', PORT: '8480', NODE_ENV: 'production' });
    expect(env.DATABASE_URL.startsWith('/data/')).toBe(true);
    const cmd = instructionWords(last(fin, 'CMD')!);
    expect(cmd.json).toBe(true); // exec form: node is PID 1 and receives SIGTERM
    expect(cmd.words).toEqual(['node', 'backend/dist/main.js']);
    expect(exists('backend/src/main.ts')).toBe(true);
    // The runtime reads backend/package.json (version) next to dist/.
    expect(all(fin, 'COPY').some((c) => c.args.includes('backend/package.json'))).toBe(true);
  });

  test('structural: every COPY source exists in the build context and is not excluded by .dockerignore', () => {
    checkContextCopies(df, 'backend/Dockerfile');
  });

  test(
    canBuild
      ? `docker build ran: backend image built from local base images ${bases.join(', ')}; runs as non-root with HEALTHCHECK and port 8480`
      : `docker build NOT run: ${docker ? `base image(s) ${missing.join(', ')} not present locally and no registry is reachable` : 'no Docker engine answers'}; structural checks above only`,
    () => {
      if (!canBuild) {
        // What this test can still assert: the reason is real, not assumed.
        if (docker) for (const b of missing) expect(localImage(b)).toBe(false);
        else expect(dockerAvailable()).toBe(false);
        return;
      }
      build('backend/Dockerfile', 'fleetlens/backend:deploy-test');
      const cfg = inspect('fleetlens/backend:deploy-test');
      expect(cfg.User).not.toMatch(/^(root|0)?(:.*)?$/);
      expect(Object.keys(cfg.ExposedPorts ?? {})).toContain('8480/tcp');
      expect(cfg.Healthcheck?.Test.join(' ')).toContain('/healthz');
      expect(Object.keys(cfg.Volumes ?? {})).toContain('/data');
    },
    35 * 60_000
  );
});

describe('agent/Dockerfile (written by the agent engineer; checked here for the stack)', () => {
  const present = existsSync(join(ROOT, 'agent/Dockerfile'));
  const df = present ? parseDockerfile(read('agent/Dockerfile')) : null;
  const bases = df ? externalBases(df) : [];
  const missing = docker ? bases.filter((b) => !localImage(b)) : bases;
  const canBuild = present && docker && missing.length === 0;

  test('structural: exists, multi-stage, HEALTHCHECK on a path the agent serves, entry point compiled from agent/src/main.ts', () => {
    expect(present).toBe(true);
    expect(df!.stages.length).toBeGreaterThanOrEqual(2);
    const fin = finalStage(df!);
    const hc = last(fin, 'HEALTHCHECK')!.args;
    const path = /\/(healthz|readyz)\b/.exec(hc)?.[0];
    expect(servedPaths('agent/src/health.ts')).toContain(path);
    const entry = [...instructionWords(last(fin, 'ENTRYPOINT') ?? last(fin, 'CMD')!).words];
    expect(entry).toContain('agent/dist/main.js');
    expect(exists('agent/src/main.ts')).toBe(true);
    expect(all(fin, 'EXPOSE').map((e) => e.args)).toContain(stageEnv(fin).FLEETLENS_HEALTH_PORT ?? '8481');
  });

  test('structural: every COPY source exists in the build context and is not excluded by .dockerignore', () => {
    checkContextCopies(df!, 'agent/Dockerfile');
  });

  test(
    canBuild
      ? `docker build ran: agent image built from local base images ${bases.join(', ')}`
      : `docker build NOT run: ${!present ? 'agent/Dockerfile missing' : docker ? `base image(s) ${missing.join(', ')} not present locally and no registry is reachable` : 'no Docker engine answers'}; structural checks above only`,
    () => {
      if (!canBuild) {
        expect(present).toBe(true);
        if (docker) for (const b of missing) expect(localImage(b)).toBe(false);
        else expect(tryRun('docker', ['info'])?.ok).not.toBe(true);
        return;
      }
      build('agent/Dockerfile', 'fleetlens/agent:deploy-test');
      const cfg = inspect('fleetlens/agent:deploy-test');
      expect(cfg.Healthcheck?.Test.join(' ')).toContain('/healthz');
    },
    35 * 60_000
  );
});

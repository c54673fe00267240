import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ActionKind, ClusterInfo, Environment } from '@fleetlens/protocol';
import { customParser } from './services/access-log/formats';

/**
 * Every setting, its environment variable and its YAML key. Environment wins over the file so
 * that a DaemonSet can override one value of a shared ConfigMap.
 */
const ENV: Record<string, string> = {
  backendUrl: 'FLEETLENS_BACKEND_URL',
  agentToken: 'FLEETLENS_AGENT_TOKEN',
  mode: 'FLEETLENS_MODE',
  clusterName: 'FLEETLENS_CLUSTER_NAME',
  clusterKind: 'FLEETLENS_CLUSTER_KIND',
  environment: 'FLEETLENS_ENVIRONMENT',
  labels: 'FLEETLENS_LABELS',
  nodeName: 'FLEETLENS_NODE_NAME',
  intervalSeconds: 'FLEETLENS_INTERVAL_SECONDS',
  collectors: 'FLEETLENS_COLLECTORS',
  stateDir: 'FLEETLENS_STATE_DIR',
  spoolMaxBytes: 'FLEETLENS_SPOOL_MAX_BYTES',
  dockerSocket: 'FLEETLENS_DOCKER_SOCKET',
  logsEnabled: 'FLEETLENS_LOGS_ENABLED',
  logLinesPerCycle: 'FLEETLENS_LOG_LINES_PER_CYCLE',
  healthPort: 'FLEETLENS_HEALTH_PORT',
  hostProc: 'HOST_PROC',
  hostSys: 'HOST_SYS',
  hostRoot: 'HOST_ROOT',
  hostCgroup: 'FLEETLENS_HOST_CGROUP',
  kubeconfig: 'KUBECONFIG',
  kubeletUrl: 'FLEETLENS_KUBELET_URL',
  kubeletInsecureTls: 'FLEETLENS_KUBELET_INSECURE_TLS',
  requestTimeoutSeconds: 'FLEETLENS_REQUEST_TIMEOUT_SECONDS',
  batchLog: 'FLEETLENS_BATCH_LOG',
  probesEnabled: 'FLEETLENS_PROBES_ENABLED',
  probeConcurrency: 'FLEETLENS_PROBE_CONCURRENCY',
  probeMax: 'FLEETLENS_PROBE_MAX',
  probeCaFile: 'FLEETLENS_PROBE_CA_FILE',
  accessLogsEnabled: 'FLEETLENS_ACCESS_LOGS_ENABLED',
  accessLogPattern: 'FLEETLENS_ACCESS_LOG_PATTERN',
  accessLogDurationUnit: 'FLEETLENS_ACCESS_LOG_DURATION_UNIT',
  actions: 'FLEETLENS_ACTIONS',
};

const CollectorName = z.enum(['host', 'docker', 'kubernetes']);

/** "a=1,b=2" (environment) or a YAML mapping (file). */
const LabelsSetting = z.union([
  z.record(z.string().min(1), z.string()),
  z.string().transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const part of s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      if (eq <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected key=value, got "${part}"` });
        return z.NEVER;
      }
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return out;
  }),
]);

/**
 * "https://fd00::1:10250" → "https://[fd00::1]:10250". Kubernetes substitutes $(NODE_IP) as is
 * (status.hostIP is a bare IPv6 address on IPv6 clusters), which is not a URL; the last ":<digits>"
 * is taken as the port, as in the manifests' form. Anything else is left to the URL check.
 */
export function bracketIpv6Host(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(https?:\/\/)([0-9A-Fa-f:.]+):(\d{1,5})(\/.*)?$/.exec(v.trim());
  if (!m || !isIPv6(m[2])) return v;
  return `${m[1]}[${m[2]}]:${m[3]}${m[4] ?? ''}`;
}

const Bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const AgentConfigSchema = z.object({
  backendUrl: z.url({ protocol: /^https?$/ }),
  agentToken: z.string().min(1),
  mode: z.enum(['node', 'cluster']).default('node'),
  clusterName: ClusterInfo.shape.name.default('default'),
  /** Empty means: "kubernetes" when a Kubernetes collector runs, else "docker". */
  clusterKind: z.enum(['docker', 'kubernetes']).optional(),
  environment: Environment.default('on-prem'),
  labels: LabelsSetting.default({}),
  nodeName: z
    .string()
    .min(1)
    .max(253)
    .default(() => hostname()),
  intervalSeconds: z.coerce.number().int().min(1).max(3600).default(10),
  /** "auto" detects what is present; otherwise a comma list of host, docker, kubernetes. */
  collectors: z
    .union([z.array(CollectorName), z.string()])
    .default('auto')
    .transform((v, ctx) => {
      if (Array.isArray(v)) return v;
      if (v.trim() === 'auto') return 'auto' as const;
      const names = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const parsed = z.array(CollectorName).min(1).safeParse(names);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `expected "auto" or a list of host, docker, kubernetes, got "${v}"` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  stateDir: z.string().min(1).default('/var/lib/fleetlens-agent'),
  spoolMaxBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(100 * 1024 * 1024),
  dockerSocket: z.string().min(1).default('/var/run/docker.sock'),
  logsEnabled: Bool.default(true),
  logLinesPerCycle: z.coerce.number().int().min(0).max(100_000).default(500),
  healthPort: z.coerce.number().int().min(0).max(65535).optional(),
  hostProc: z.string().min(1).default('/proc'),
  hostSys: z.string().min(1).default('/sys'),
  hostRoot: z.string().min(1).default('/'),
  /**
   * The host's cgroup hierarchy as mounted in the agent, read per container by the Kubernetes node
   * agent (memory parts, CPU throttling, OOM kills). Unset: `<hostSys>/fs/cgroup`, i.e.
   * /sys/fs/cgroup without HOST_SYS (the DaemonSet's /sys mount already holds it).
   */
  hostCgroup: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  /**
   * The kubelet (https://<node ip>:10250); unset: through the API server's node proxy. An IPv6
   * address from `https://$(NODE_IP):10250` arrives unbracketed and is bracketed here.
   */
  kubeletUrl: z.preprocess(bracketIpv6Host, z.url()).optional(),
  /** Kubelet serving certificates are often self-signed (like metrics-server's --kubelet-insecure-tls). */
  kubeletInsecureTls: Bool.default(false),
  requestTimeoutSeconds: z.coerce.number().min(1).max(600).default(30),
  /**
   * Debugging: a file to which the agent appends one JSON line per queued batch (its id and the
   * (entity, ts) of every sample in it), written apart from the spool. The fault suite reads it.
   */
  batchLog: z.string().min(1).optional(),
  /** Service health (issue 16): run the probes discovered on containers and defined on the backend. */
  probesEnabled: Bool.default(true),
  /** Probes in flight at once at most. */
  probeConcurrency: z.coerce.number().int().min(1).max(256).default(16),
  /** Probes this agent runs at most (defined first, then discovered); the rest are counted and logged. */
  probeMax: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** PEM file of extra CA certificates that https probes trust beside Node's bundled roots. */
  probeCaFile: z.string().min(1).optional(),
  /** Request stats from the container logs the agent reads (needs logsEnabled). */
  accessLogsEnabled: Bool.default(true),
  /**
   * An RE2 pattern for a custom access-log format, with a named group `status` and optionally
   * `duration` (in accessLogDurationUnit); used by `fleetlens.access-log: custom` and tried first by `auto`.
   */
  accessLogPattern: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        customParser(v, 's');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  accessLogDurationUnit: z.enum(['s', 'ms', 'us', 'ns']).default('s'),
  /**
   * Actions this agent may run when the backend hands them out (issue 15; decisions 32, 33): a
   * comma list of kinds — start, stop, restart, pause, unpause, remove (Docker containers),
   * compose.scale, network.create, network.remove, network.connect, network.disconnect (node
   * agents), pod.delete, workload.restart, workload.scale (the cluster agent). Empty (the
   * default): none; the agent then answers every action with a failed result naming this setting.
   */
  actions: z
    .union([z.array(ActionKind), z.string()])
    .default([])
    .transform((v, ctx) => {
      if (Array.isArray(v)) return v;
      const names = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const parsed = z.array(ActionKind).safeParse(names);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `expected a list of ${ActionKind.options.join(', ')}, got "${v}"` });
        return z.NEVER;
      }
      return [...new Set(parsed.data)];
    }),
});

export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

/** Thrown when a setting is invalid; the message names each bad setting and its variable. */
export class ConfigError extends Error {}

/** Reads the optional YAML file named by FLEETLENS_CONFIG (or `file`), overlays the environment, validates. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file = env.FLEETLENS_CONFIG): AgentConfig {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
    }
    // Loaded only when a file is used: keeps the parser out of the agent's memory otherwise.
    const { parse: parseYaml } = require('yaml') as typeof import('yaml'); // eslint-disable-line @typescript-eslint/no-require-imports
    const doc: unknown = parseYaml(text);
    if (doc != null && (typeof doc !== 'object' || Array.isArray(doc))) {
      throw new ConfigError(`config file ${file}: expected a mapping of settings`);
    }
    fromFile = (doc ?? {}) as Record<string, unknown>;
    const unknownKeys = Object.keys(fromFile).filter((k) => !(k in ENV));
    if (unknownKeys.length) throw new ConfigError(`config file ${file}: unknown setting(s) ${unknownKeys.join(', ')}`);
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, variable] of Object.entries(ENV)) {
    const v = env[variable];
    if (v !== undefined && v !== '') merged[key] = v;
  }
  return validateConfig(merged);
}

/** Validates already-merged settings (used by tests and by loadConfig). */
export function validateConfig(input: Record<string, unknown>): AgentConfig {
  const r = AgentConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    const variable = ENV[key];
    return `  ${key}${variable ? ` (${variable})` : ''}: ${i.message}`;
  });
  throw new ConfigError(`invalid agent configuration:\n${lines.join('\n')}`);
}

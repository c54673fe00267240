import type { ContainerSecurityInput, IngestBatchInput } from '@fleetlens/protocol';

/**
 * A small Docker cluster whose containers report security posture (issue 17), for the Risky
 * containers page tests: one privileged (and as root, writable, unlimited), one with the Docker
 * socket mounted (otherwise locked down), one with no risk. The risk lists are written by hand
 * from these facts (docs/security.md).
 */
const LOCKED: ContainerSecurityInput = {
  privileged: false,
  user: '1000',
  runsAsRoot: false,
  readOnlyRootfs: true,
  memoryLimitBytes: 64 * 1024 * 1024,
  cpuLimitCores: 0.5,
};

export const SECURITY_CONTAINERS = [
  {
    name: 'sec-priv',
    security: {
      ...LOCKED,
      privileged: true,
      user: '',
      runsAsRoot: true,
      readOnlyRootfs: false,
      memoryLimitBytes: null,
      cpuLimitCores: null,
    },
    risks: ['privileged', 'root', 'writableRootfs', 'noMemoryLimit', 'noCpuLimit'],
  },
  {
    name: 'sec-sock',
    security: { ...LOCKED, hostMounts: [{ source: '/var/run/docker.sock', destination: '/var/run/docker.sock' }] },
    risks: ['sensitiveMount'],
  },
  { name: 'sec-safe', security: LOCKED, risks: [] as string[] },
];

/**
 * Events of those containers, `offset` seconds from the batch's time, worded as the agent words
 * them (agent/src/collectors/docker/security.ts): an exec session and a sensitive-mount start of
 * sec-sock, a privileged start of sec-priv (security), and a plain start of sec-sock (no category),
 * so that a container's security events are exactly its three.
 */
export const SECURITY_EVENTS = [
  {
    container: 'sec-sock',
    offset: -600,
    type: 'warning' as const,
    reason: 'sensitive_mount_start',
    message: 'started with host mounts /var/run/docker.sock',
    category: 'security' as const,
  },
  { container: 'sec-sock', offset: -599, type: 'normal' as const, reason: 'start', message: '' },
  {
    container: 'sec-priv',
    offset: -540,
    type: 'warning' as const,
    reason: 'privileged_start',
    message: 'started privileged',
    category: 'security' as const,
  },
  {
    container: 'sec-sock',
    offset: -301,
    type: 'normal' as const,
    reason: 'exec_create',
    message: 'exec created: sh -c id (user 1000)',
    category: 'security' as const,
  },
  {
    container: 'sec-sock',
    offset: -300,
    type: 'warning' as const,
    reason: 'exec_start',
    message: 'exec started: sh -c id (user 1000)',
    category: 'security' as const,
  },
];

const runtimeId = (i: number) => `5ec${i}`.padEnd(64, 'f');
const indexOf = (name: string) => SECURITY_CONTAINERS.findIndex((c) => c.name === name);

/**
 * The batch a node agent of cluster `sec-docker` would send for them at `now`: a sample a minute
 * over the last quarter of an hour each, every chart's metric in it (so the charts have lines to
 * mark), and SECURITY_EVENTS.
 */
export function securityBatch(now = Math.floor(Date.now() / 1000)): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `security-${now}`,
    sentAt: now,
    agent: { id: 'agent-sec-node-01', version: 'test', mode: 'node', hostname: 'sec-node-01' },
    cluster: { name: 'sec-docker', kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: 'sec-node-01', cores: 2, memoryBytes: 4 * 1024 ** 3, samples: [] }],
    containers: SECURITY_CONTAINERS.map((c, i) => ({
      id: runtimeId(i),
      nodeName: 'sec-node-01',
      name: c.name,
      image: 'fleetlens-busybox:test',
      state: 'running' as const,
      samples: Array.from({ length: 16 }, (_, k) => ({
        ts: now - 5 - (15 - k) * 60,
        cpuCores: 0.01 + 0.002 * (k % 4),
        memBytes: (1 + (k % 3)) * 1024 * 1024,
        netRxBps: 2000 + 100 * (k % 5),
        netTxBps: 1000 + 50 * (k % 5),
        diskReadBps: 4096 * (k % 2),
        diskWriteBps: 8192 * (k % 3),
      })),
      security: c.security,
    })),
    events: SECURITY_EVENTS.map((e) => ({
      ts: now + e.offset,
      source: 'docker' as const,
      type: e.type,
      reason: e.reason,
      message: e.message,
      objectKind: 'container',
      objectName: e.container,
      nodeName: 'sec-node-01',
      containerId: runtimeId(indexOf(e.container)),
      ...('category' in e ? { category: e.category } : {}),
    })),
  };
}

/** When each backend (by URL) got the batch: the events' times are relative to it. */
const seededAt = new Map<string, number>();

/** The time (epoch seconds) the security batch was sent to the backend at `url`. */
export function securitySeededAt(url: string): number {
  const at = seededAt.get(url);
  if (at === undefined) throw new Error(`no security batch was sent to ${url} from this process`);
  return at;
}

/** Pushes the batch to a backend's ingest API with an agent token; returns the batch's time. */
export async function ingestSecurityFleet(url: string, agentToken: string): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(securityBatch(now)),
  });
  if (res.status !== 202) {
    throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
  seededAt.set(url, now);
  return now;
}

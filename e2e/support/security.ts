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

/** The batch a node agent of cluster `sec-docker` would send for them (one sample each, now). */
export function securityBatch(now = Math.floor(Date.now() / 1000)): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `security-${now}`,
    sentAt: now,
    agent: { id: 'agent-sec-node-01', version: 'test', mode: 'node', hostname: 'sec-node-01' },
    cluster: { name: 'sec-docker', kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: 'sec-node-01', cores: 2, memoryBytes: 4 * 1024 ** 3, samples: [] }],
    containers: SECURITY_CONTAINERS.map((c, i) => ({
      id: `5ec${i}`.padEnd(64, 'f'),
      nodeName: 'sec-node-01',
      name: c.name,
      image: 'fleetlens-busybox:test',
      state: 'running' as const,
      samples: [{ ts: now - 5, cpuCores: 0.01, memBytes: 1024 * 1024 }],
      security: c.security,
    })),
  };
}

/** Pushes the batch to a backend's ingest API with an agent token. */
export async function ingestSecurityFleet(url: string, agentToken: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(securityBatch()),
  });
  if (res.status !== 202) {
    throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
}

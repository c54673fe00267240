import type { FleetSpec } from '../../backend/src/testing/fleet';
import { startSeededBackend as seed } from '../../backend/src/testing/seeded';

export const SERVICE_KEY = 'e2e-service-key-0123456789abcdef';
export const AGENT_TOKEN = 'e2e-agent-token-0123456789abcdef';

/** A hybrid fleet: Docker hosts on premises, Kubernetes in a private and a public cloud. */
export const E2E_FLEET: FleetSpec = {
  seed: 11,
  clusters: [
    { name: 'dc1-docker', kind: 'docker', environment: 'on-prem', nodes: 4, containersPerNode: 6 },
    { name: 'openstack-k8s', kind: 'kubernetes', environment: 'private-cloud', nodes: 5, containersPerNode: 12 },
    { name: 'gke-prod', kind: 'kubernetes', environment: 'public-cloud', nodes: 6, containersPerNode: 15 },
  ],
};

export interface SeededBackend {
  url: string;
  stop(): Promise<void>;
}

/** The real backend on a fresh SQLite file, seeded through POST /api/v1/ingest with `fleet` over the last `windowSeconds`. */
export async function startSeededBackend(
  fleet: FleetSpec | null,
  windowSeconds = 3600,
  interval = 30
): Promise<SeededBackend> {
  const { url, stop } = await seed(fleet, {
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    windowSeconds,
    interval,
    intervalsPerBatch: 30,
    tmpPrefix: 'fleetlens-e2e-',
  });
  return { url, stop };
}

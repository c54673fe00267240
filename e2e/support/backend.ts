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
  /** An admin API key (sent as `X-Api-Key`): what the tests read the backend with directly. */
  adminApiKey: string;
  /**
   * The datasource's credential (a viewer API key with every scope), for the host's datasource
   * instance: `startHost({ datasource: { secureJsonData: { apiKey } } })`.
   */
  datasourceApiKey: string;
  /** Headers for reading the backend's API directly as an admin. */
  adminHeaders: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The real backend on a fresh SQLite file, seeded through POST /api/v1/ingest with `fleet` over
 * the last `windowSeconds`, as Grafana runs it: the bare service key is no one
 * (SERVICE_KEY_ANONYMOUS_ROLE=none, the backend's default), so the app reaches it as the Grafana
 * user its proxy asserts and the datasource with its own API key.
 */
export async function startSeededBackend(
  fleet: FleetSpec | null,
  windowSeconds = 3600,
  interval = 30
): Promise<SeededBackend> {
  const b = await seed(fleet, {
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    windowSeconds,
    interval,
    intervalsPerBatch: 30,
    tmpPrefix: 'fleetlens-e2e-',
    serviceKeyAnonymousRole: 'none',
  });
  return {
    url: b.url,
    adminApiKey: b.adminApiKey,
    datasourceApiKey: b.datasourceApiKey,
    adminHeaders: { 'X-Api-Key': b.adminApiKey },
    stop: b.stop,
  };
}

import './resolveProtocol';
import type { startBackend } from '../../backend/src/server';
import type { FleetSpec } from '../../backend/src/testing/fleet';
import { startSeededBackend as seed } from '../../backend/src/testing/seeded';

/** The fleet the plugin's Jest tests see: a Docker site on premises and a Kubernetes cluster in a public cloud. */
export const TEST_FLEET: FleetSpec = {
  seed: 7,
  clusters: [
    { name: 'onprem-docker', kind: 'docker', environment: 'on-prem', nodes: 3, containersPerNode: 4 },
    { name: 'aws-k8s', kind: 'kubernetes', environment: 'public-cloud', nodes: 3, containersPerNode: 20 },
  ],
};

export const SERVICE_KEY = 'plugin-test-service-key-0123456789';
export const AGENT_TOKEN = 'plugin-test-agent-token-0123456789';

export interface StartedBackend {
  url: string;
  /** An admin API key (made as a Grafana org Admin gets one through the app). */
  adminApiKey: string;
  /** The datasource's credential: a fleet-wide viewer's API key (secureJsonData.apiKey). */
  datasourceApiKey: string;
  /** The running backend, for setups that call its services directly (alert evaluation). */
  backend?: Awaited<ReturnType<typeof startBackend>>;
  stop(): Promise<void>;
}

/** Starts the real backend on a fresh SQLite file; seeds it through the ingest API when a fleet is given. */
export async function startSeededBackend(
  fleet: FleetSpec | null,
  windowSeconds = 1800,
  expose = false
): Promise<StartedBackend> {
  const seeded = await seed(fleet, {
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    windowSeconds,
    intervalsPerBatch: 20,
    tmpPrefix: 'fleetlens-plugin-',
    // Seeding: the page tests' harness (src/test/harness.tsx backendGet) still reads expected
    // values with the bare service key, so it acts as admin here, explicitly. The datasource
    // authenticates with datasourceApiKey, as in Grafana.
    serviceKeyAnonymousRole: 'admin',
  });
  return {
    url: seeded.url,
    adminApiKey: seeded.adminApiKey,
    datasourceApiKey: seeded.datasourceApiKey,
    backend: expose ? seeded.backend : undefined,
    stop: seeded.stop,
  };
}

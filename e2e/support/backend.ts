import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend } from '../../backend/src/server';
import { RollupService } from '../../backend/src/services/rollup';
import { fleetBatches, pushFleet, type FleetSpec } from '../../backend/src/testing/fleet';

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetlens-e2e-'));
  const backend = await startBackend({
    databaseUrl: path.join(dir, 'monitor.db'),
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    serviceKey: SERVICE_KEY,
    agentToken: AGENT_TOKEN,
    jobsEnabled: false,
    // The fleet is seeded once per run; keep its newest samples "current" however long the run takes.
    goneAfterSeconds: 86_400,
  });
  if (fleet) {
    const now = Math.floor(Date.now() / 1000);
    await pushFleet(
      backend.url,
      AGENT_TOKEN,
      fleetBatches(fleet, { from: now - windowSeconds, to: now, interval, intervalsPerBatch: 30 })
    );
    // What the backend's rollup job would have done by now (jobs are off in tests for determinism):
    // the minute and hour tiers that top-N and longer ranges read.
    await new RollupService(backend.deps.db).run(now + 60);
  }
  return {
    url: backend.url,
    stop: async () => {
      await backend.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

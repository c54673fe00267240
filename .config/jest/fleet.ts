import './resolveProtocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend } from '../../backend/src/server';
import { RollupService } from '../../backend/src/services/rollup';
import { fleetBatches, pushFleet, type FleetSpec } from '../../backend/src/testing/fleet';

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetlens-plugin-'));
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
      fleetBatches(fleet, { from: now - windowSeconds, to: now, interval: 30, intervalsPerBatch: 20 })
    );
    // What the backend's rollup job would have done by now (jobs are off in tests for determinism):
    // the minute and hour tiers that top-N and longer ranges read.
    await new RollupService(backend.deps.db).run(now + 60);
  }
  return {
    url: backend.url,
    backend: expose ? backend : undefined,
    stop: async () => {
      await backend.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

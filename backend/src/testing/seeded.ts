import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend, type RunningBackend } from '../server';
import { RollupService } from '../services/rollup';
import { fleetBatches, pushFleet, type FleetSpec } from './fleet';

export interface SeedOptions {
  serviceKey: string;
  agentToken: string;
  /** Seconds of history up to now (default 1800). */
  windowSeconds?: number;
  /** Seconds between samples (default 30). */
  interval?: number;
  intervalsPerBatch?: number;
  /** Prefix of the temporary directory holding the SQLite file. */
  tmpPrefix?: string;
}

/**
 * A real backend on a fresh SQLite file, seeded through POST /api/v1/ingest with `fleet` (for
 * UI tests and demos). Jobs are off for determinism, so the rollup runs once after seeding, and
 * samples stay "current" for a day however long the test run takes.
 */
export async function startSeededBackend(
  fleet: FleetSpec | null,
  opts: SeedOptions
): Promise<{ url: string; backend: RunningBackend; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix ?? 'fleetlens-seeded-'));
  const backend = await startBackend({
    databaseUrl: path.join(dir, 'monitor.db'),
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    serviceKey: opts.serviceKey,
    agentToken: opts.agentToken,
    jobsEnabled: false,
    goneAfterSeconds: 86_400,
  });
  if (fleet) {
    const now = Math.floor(Date.now() / 1000);
    const window = { from: now - (opts.windowSeconds ?? 1800), to: now, interval: opts.interval ?? 30 };
    await pushFleet(
      backend.url,
      opts.agentToken,
      fleetBatches(fleet, { ...window, intervalsPerBatch: opts.intervalsPerBatch ?? 20 })
    );
    await new RollupService(backend.deps.db).run(now + 60);
  }
  return {
    url: backend.url,
    backend,
    stop: async () => {
      await backend.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { startBackend, type RunningBackend } from '../server';
import type { access } from '@fleetlens/protocol';
import { RollupService } from '../services/rollup';
import { ALL_SCOPES, adminApiKeyViaApp, scopedApiKey } from './credentials';
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
  /**
   * SERVICE_KEY_ANONYMOUS_ROLE of the seeded backend. Default `admin`, so that existing callers
   * that read with the bare service key keep working; this is a seeding helper for tests and
   * demos. Pass `none` (the backend's own default) to test as Grafana runs it, and read with
   * `adminApiKey` instead.
   */
  serviceKeyAnonymousRole?: 'admin' | 'viewer' | 'none';
  /** Where the backend verifies X-Grafana-Id (a stand-in for Grafana's signing keys); unset: ignored. */
  grafanaId?: { jwksUrl: string; issuer: string; audiences: string[] };
}

/** What a seeded backend hands its caller besides its URL. */
export interface SeededCredentials {
  /** An admin API key (`X-Api-Key`), made as a Grafana org Admin gets one through the app. */
  adminApiKey: string;
  /**
   * The datasource's credential: an API key of the viewer `grafana-datasource@fleetlens.test`
   * with every scope (put it in the datasource's secureJsonData.apiKey).
   */
  datasourceApiKey: string;
  /** A user with this role and these scopes and an API key acting as them (e.g. a scoped datasource). */
  createApiKey(user: {
    email: string;
    role: access.Role;
    scopes: access.Scopes;
    login?: string | null;
  }): Promise<{ key: string; userId: string }>;
}

/**
 * A real backend on a fresh SQLite file, seeded through POST /api/v1/ingest with `fleet` (for
 * UI tests and demos). Jobs are off for determinism, so the rollup runs once after seeding, and
 * samples stay "current" (nodes not silent) for a day however long the test run takes.
 */
export async function startSeededBackend(
  fleet: FleetSpec | null,
  opts: SeedOptions
): Promise<{ url: string; backend: RunningBackend; stop(): Promise<void> } & SeededCredentials> {
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
    // A node is silent after a day without data (30 s × 2,880), so the seeded fleet stays live.
    agentIntervalSeconds: 30,
    silentAfterIntervals: 2_880,
    access: {
      ...loadConfig({}).access,
      serviceKeyAnonymousRole: opts.serviceKeyAnonymousRole ?? 'admin',
      grafanaId: opts.grafanaId ?? null,
    },
  });
  const admin = await adminApiKeyViaApp(backend.url, opts.serviceKey, undefined, 'seeded admin key');
  const createApiKey: SeededCredentials['createApiKey'] = (user) => scopedApiKey(backend.url, admin.headers, user);
  const datasource = await createApiKey({
    email: 'grafana-datasource@fleetlens.test',
    role: 'viewer',
    scopes: ALL_SCOPES,
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
    adminApiKey: admin.key,
    datasourceApiKey: datasource.key,
    createApiKey,
    stop: async () => {
      await backend.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

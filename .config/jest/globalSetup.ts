import { SERVICE_KEY, startSeededBackend, TEST_FLEET, type StartedBackend } from './fleet';

/**
 * Starts two real backends for the plugin's page tests: one seeded with TEST_FLEET through the
 * ingest API, one empty. Their URLs reach the test workers through the environment.
 */
export default async function globalSetup() {
  const [fleet, empty] = await Promise.all([startSeededBackend(TEST_FLEET), startSeededBackend(null)]);
  (globalThis as unknown as { __fleetlensBackends: StartedBackend[] }).__fleetlensBackends = [fleet, empty];
  process.env.FLEETLENS_TEST_FLEET_URL = fleet.url;
  process.env.FLEETLENS_TEST_EMPTY_URL = empty.url;
  process.env.FLEETLENS_TEST_SERVICE_KEY = SERVICE_KEY;
}

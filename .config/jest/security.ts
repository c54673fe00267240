import { ingestSecurityFleet } from '../../e2e/support/security';
import { AGENT_TOKEN, startSeededBackend, type StartedBackend } from './fleet';

/**
 * The backend of the Risky containers and container-page security tests (issue 17): three
 * containers with posture facts and their events (e2e/support/security.ts), nothing else. The
 * batch's time reaches the test workers as FLEETLENS_TEST_SECURITY_SEEDED_AT (epoch seconds), so
 * tests read an explicit range around the events however long the run has lasted.
 */
export async function startSecurityBackend(): Promise<StartedBackend> {
  const b = await startSeededBackend(null);
  process.env.FLEETLENS_TEST_SECURITY_SEEDED_AT = String(await ingestSecurityFleet(b.url, AGENT_TOKEN));
  return b;
}

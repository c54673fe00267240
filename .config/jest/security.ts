import { ingestSecurityFleet } from '../../e2e/support/security';
import { AGENT_TOKEN, startSeededBackend, type StartedBackend } from './fleet';

/** The backend of the Risky containers page tests (issue 17): three containers with posture facts, nothing else. */
export async function startSecurityBackend(): Promise<StartedBackend> {
  const b = await startSeededBackend(null);
  await ingestSecurityFleet(b.url, AGENT_TOKEN);
  return b;
}

import { ingestServicesFleet } from '../../e2e/support/services';
import { AGENT_TOKEN, startSeededBackend, type StartedBackend } from './fleet';

/**
 * The backend of the service-health page tests (issue 16): the three services of
 * e2e/support/services.ts, nothing else, and the anchor their times are relative to.
 */
export async function startServicesBackend(): Promise<StartedBackend & { anchor: number }> {
  const b = await startSeededBackend(null);
  const anchor = await ingestServicesFleet(b.url, AGENT_TOKEN);
  return { ...b, anchor };
}

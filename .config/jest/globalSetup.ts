import { startAutoscalingBackend } from './autoscaling';
import { startOpsBackend } from './ops';
import { startSecurityBackend } from './security';
import { startServicesBackend } from './services';
import { AGENT_TOKEN, SERVICE_KEY, startSeededBackend, TEST_FLEET, type StartedBackend } from './fleet';

/**
 * Starts the real backends of the plugin's page tests: one seeded with TEST_FLEET through the
 * ingest API, one empty, one for the alerting, events, logs and admin pages (./ops.ts), one for
 * the Risky containers page (./security.ts) and one for the service-health pages (./services.ts). Their URLs reach the test workers through the environment.
 */
export default async function globalSetup() {
  const [fleet, empty, ops, security, services, autoscaling] = await Promise.all([
    startSeededBackend(TEST_FLEET),
    startSeededBackend(null),
    startOpsBackend(),
    startSecurityBackend(),
    startServicesBackend(),
    startAutoscalingBackend(),
  ]);
  (globalThis as unknown as { __fleetlensBackends: StartedBackend[] }).__fleetlensBackends = [
    fleet,
    empty,
    ops,
    security,
    services,
    autoscaling,
  ];
  process.env.FLEETLENS_TEST_FLEET_URL = fleet.url;
  process.env.FLEETLENS_TEST_EMPTY_URL = empty.url;
  process.env.FLEETLENS_TEST_OPS_URL = ops.url;
  // The Risky containers page's backend (./security.ts).
  process.env.FLEETLENS_TEST_SECURITY_URL = security.url;
  // The service-health pages' backend (./services.ts) and the anchor of its seeded times.
  process.env.FLEETLENS_TEST_SERVICES_URL = services.url;
  process.env.FLEETLENS_TEST_SERVICES_ANCHOR = String(services.anchor);
  // The autoscaling pages' backend (./autoscaling.ts) and the anchor of its decisions.
  process.env.FLEETLENS_TEST_AUTOSCALING_URL = autoscaling.url;
  process.env.FLEETLENS_TEST_AUTOSCALING_ANCHOR = String(autoscaling.anchor);
  process.env.FLEETLENS_TEST_SERVICE_KEY = SERVICE_KEY;
  process.env.FLEETLENS_TEST_AGENT_TOKEN = AGENT_TOKEN;
  // Each backend's credentials, by URL: the datasource's API key and an admin API key.
  process.env.FLEETLENS_TEST_DATASOURCE_KEYS = JSON.stringify(
    Object.fromEntries([fleet, empty, ops, security, services, autoscaling].map((b) => [b.url, b.datasourceApiKey]))
  );
  process.env.FLEETLENS_TEST_ADMIN_KEYS = JSON.stringify(
    Object.fromEntries([fleet, empty, ops, security, services, autoscaling].map((b) => [b.url, b.adminApiKey]))
  );
}

import type { StartedBackend } from './fleet';

/** Stops the backends globalSetup started. */
export default async function globalTeardown() {
  const list = (globalThis as unknown as { __fleetlensBackends?: StartedBackend[] }).__fleetlensBackends ?? [];
  await Promise.all(list.map((b) => b.stop()));
}

import Module from 'node:module';
import path from 'node:path';

// Jest's moduleNameMapper does not apply to globalSetup, which loads the backend in plain Node.
// Point the workspace package at its TypeScript source (as the test projects do) so the setup
// does not depend on a prior `tsc -b protocol`.
const ROOT = path.resolve(__dirname, '..', '..');
const mapped: Record<string, string> = {
  '@fleetlens/protocol': path.join(ROOT, 'protocol', 'src', 'index.ts'),
};
type Resolve = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve };
const original = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return original.call(this, mapped[request] ?? request, ...rest);
};

import type { Config } from 'jest';

// One configuration, one project per part. SWC strips types; `npm run typecheck` checks them.
const swc = (tsx: boolean): Config['transform'] => ({
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', tsx, decorators: false },
        transform: tsx ? { react: { runtime: 'automatic' } } : undefined,
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
});

const shared = {
  moduleNameMapper: { '^@fleetlens/protocol$': '<rootDir>/protocol/src/index.ts' },
};

const config: Config = {
  testTimeout: 60_000,
  // The plugin's tests first: their seeded data is the 30 minutes before the run (see the file).
  testSequencer: '<rootDir>/.config/jest/sequencer.js',
  projects: [
    {
      ...shared,
      displayName: 'protocol',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/protocol/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'backend',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/backend/test/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'agent',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/agent/test/**/*.test.ts'],
    },
    {
      displayName: 'plugin',
      testEnvironment: 'jsdom',
      // .tsx as TSX; .ts as plain TypeScript (backend code loaded by globalSetup uses `<T>` casts).
      transform: {
        '^.+\\.(t|j)sx$': swc(true)!['^.+\\.(t|j)sx?$'],
        // .mjs too: some of @grafana/data's dependencies (d3-*) ship ES modules only.
        '^.+\\.m?(t|j)s$': swc(false)!['^.+\\.(t|j)sx?$'],
      },
      testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
      moduleNameMapper: {
        '\\.(css|scss|sass)$': 'identity-obj-proxy',
        '^@fleetlens/protocol$': '<rootDir>/protocol/src/index.ts',
        '^@fleetlens/protocol/api$': '<rootDir>/protocol/src/api/v1.ts',
        '^@fleetlens/protocol/api/units$': '<rootDir>/protocol/src/api/units.ts',
        '^@fleetlens/protocol/api/metrics$': '<rootDir>/protocol/src/api/metrics.ts',
        '^@fleetlens/protocol/api/risks$': '<rootDir>/protocol/src/api/risks.ts',
        '^@fleetlens/protocol/api/alerts$': '<rootDir>/protocol/src/api/alerts.ts',
        '^@fleetlens/protocol/api/alert-metrics$': '<rootDir>/protocol/src/api/alert-metrics.ts',
        '^@fleetlens/protocol/api/access$': '<rootDir>/protocol/src/api/access.ts',
      },
      // ES-module-only packages @grafana/ui pulls in (the scaffold's list plus what 12.4 needs).
      transformIgnorePatterns: [
        'node_modules/(?!(ol|d3|d3-.*|@grafana|marked|uuid|react-calendar|@wojtekmaj|get-user-locale|memoize|mimic-function|react-colorful)/)',
      ],
      setupFilesAfterEnv: ['<rootDir>/.config/jest/setup.ts'],
      // Real backends (seeded through ingest, and empty) for the page tests; see .config/jest/.
      globalSetup: '<rootDir>/.config/jest/globalSetup.ts',
      globalTeardown: '<rootDir>/.config/jest/globalTeardown.ts',
    },
    {
      ...shared,
      displayName: 'e2e',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'deploy',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/deploy/test/**/*.test.ts'],
    },
  ],
};

export default config;

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
      transform: swc(true),
      testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
      moduleNameMapper: { '\\.(css|scss|sass)$': 'identity-obj-proxy' },
      transformIgnorePatterns: ['node_modules/(?!(ol|d3|d3-.*|@grafana|marked|uuid)/)'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testEnvironment: 'node',
      transform: swc(false),
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
    },
  ],
};

export default config;

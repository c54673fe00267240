import { GRAFANA_12_4_SHARED_DEPENDENCIES } from './grafana-12.4';
import { GRAFANA_13_SHARED_DEPENDENCIES } from './grafana-13';

/**
 * The Grafana lines the test host emulates. Each is built into its own host bundle from the same
 * host source (e2e/host/build.ts): 12.4 with React 18 and @grafana/* 12.4 (the root
 * node_modules), 13 with React 19 and @grafana/* 13.2 (e2e/grafana-13/node_modules).
 * Plain data: the Jest side (tests, server) and the browser side both import it.
 */
export const GRAFANA_LINES = ['12.4', '13'] as const;
export type GrafanaLine = (typeof GRAFANA_LINES)[number];

export const SHARED_DEPENDENCIES: Record<GrafanaLine, readonly string[]> = {
  '12.4': GRAFANA_12_4_SHARED_DEPENDENCIES,
  '13': GRAFANA_13_SHARED_DEPENDENCIES,
};

/** The prefix Grafana registers shared modules under (`SHARED_DEPENDENCY_PREFIX` in loader/constants.ts). */
export const SHARED_DEPENDENCY_PREFIX = 'package';

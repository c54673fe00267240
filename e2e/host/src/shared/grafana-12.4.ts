import { GRAFANA_13_SHARED_DEPENDENCIES } from './grafana-13';

/**
 * The modules Grafana 12.4 shares with plugins: the keys of `sharedDependenciesMap` in
 * grafana/grafana `public/app/features/plugins/loader/sharedDependencies.ts`, from the older
 * version in the search index (blob fea2b469, the one with `@grafana/i18n/internal`, the
 * `/unstable` entries and no jsx-runtime), plus the two keys added before 12.4:
 *
 *  - `react/jsx-runtime`, `react/jsx-dev-runtime`: grafana/grafana PR #108478 "Plugins: externalise
 *    jsx-runtime", released in 12.3.0 (backported to 11.6.11, 12.0.10, 12.1.7, 12.2.5;
 *    grafana/plugin-tools PR #2448 makes create-plugin externalise them for `>=12.3.0`).
 *
 * Not in 12.4 (inferred): `react-dom/client` and `react-dom/server`. They came with
 * grafana/grafana PR #118852 (merged 2026-02-27, after the 12.4 branch); no release-12.4 backport
 * of it is in the index. So a plugin that asks Grafana 12.4 for `react-dom/client` fails.
 * Also inferred: that no other key was added between the indexed file and 12.4 (the index holds
 * no file tagged 12.4). `react-router` is the v5-compat package (v6 API), `react-router-dom` is
 * v5, and there is no `react-router-dom-v5-compat` key.
 *
 * So the list is 13.x's (./grafana-13.ts, the newest file's keys) without those two entries: the
 * older file's keys, which 13.x keeps, plus the jsx runtimes.
 */
export const GRAFANA_12_4_SHARED_DEPENDENCIES: readonly string[] = GRAFANA_13_SHARED_DEPENDENCIES.filter(
  (key) => key !== 'react-dom/client' && key !== 'react-dom/server'
);

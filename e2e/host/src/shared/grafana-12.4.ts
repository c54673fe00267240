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
 */
export const GRAFANA_12_4_SHARED_DEPENDENCIES = [
  '@emotion/css',
  '@emotion/react',
  '@grafana/data',
  '@grafana/data/unstable',
  '@grafana/runtime',
  '@grafana/runtime/unstable',
  '@grafana/slate-react',
  '@grafana/ui',
  '@grafana/ui/unstable',
  '@kusto/monaco-kusto',
  'app/core/app_events',
  'app/core/config',
  'app/core/core',
  'app/core/services/backend_srv',
  'app/core/table_model',
  'app/core/time_series',
  'app/core/time_series2',
  'app/core/utils/datemath',
  'app/core/utils/flatten',
  'app/core/utils/kbn',
  'app/core/utils/ticks',
  'app/features/dashboard/impression_store',
  'd3',
  'emotion',
  'i18next',
  'jquery',
  // jQueryFlotDeps, spread into the map
  'jquery.flot.crosshair',
  'jquery.flot.events',
  'jquery.flot.fillbelow',
  'jquery.flot.gauge',
  'jquery.flot.pie',
  'jquery.flot.selection',
  'jquery.flot.stack',
  'jquery.flot.stackpercent',
  'jquery.flot.time',
  'jquery.flot',
  'lodash',
  'moment',
  'prismjs',
  'react',
  // PR #108478 (12.3.0)
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-inlinesvg',
  'react-redux',
  'react-router-dom',
  'react-router',
  'redux',
  'rxjs',
  'rxjs/operators',
  'slate',
  'slate-plain-serializer',
  'slate-react',
] as const;

/**
 * The modules Grafana 13.x shares with plugins: exactly the keys of `sharedDependenciesMap` in
 * grafana/grafana `public/app/features/plugins/loader/sharedDependencies.ts`, newest version in
 * the search index (blob 0274a43c, the one that shares `react-dom/client` and wraps
 * `react-router-dom` with `withV5UsageTelemetry`). Only the keys are taken; what the test host
 * gives for each key is in ../hostModules.ts.
 *
 * Where these keys came from:
 *  - `react/jsx-runtime`, `react/jsx-dev-runtime`: grafana/grafana PR #108478 "Plugins: externalise
 *    jsx-runtime" (in 12.3.0, backported to 11.6.11, 12.0.10, 12.1.7, 12.2.5).
 *  - `react-dom/client`, `react-dom/server`: grafana/grafana PR #118852 "Plugins: Share
 *    react-dom/client and react-dom/server" (merged end of February 2026, i.e. Grafana 13.0).
 *  - `react-router` is Grafana's react-router-dom-v5-compat (the v6 API); `react-router-dom` is
 *    React Router v5. There is no `react-router-dom-v5-compat` key: a plugin asking for it fails.
 * Inferred: that the 13.2.x release (the one whose @grafana/* packages the host runs, see
 * e2e/grafana-13/package.json) has this same key set as the indexed main-branch file.
 */
export const GRAFANA_13_SHARED_DEPENDENCIES = [
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
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-dom/client',
  'react-dom/server',
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

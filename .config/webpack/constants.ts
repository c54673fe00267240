import path from 'path';

/** Repository root (two levels above this file). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const SOURCE_DIR = path.join(ROOT, 'src');
export const DIST_DIR = path.join(ROOT, 'dist');

/**
 * Modules Grafana provides to plugins at run time (its SystemJS shared dependencies,
 * public/app/features/plugins/loader/sharedDependencies.ts). They must not be bundled: a second
 * React or @grafana/ui copy breaks hooks, theme and context. The list follows the
 * @grafana/create-plugin template (.config/bundler/externals.ts) for a plugin on React Router v6:
 * `react-router` is external (Grafana maps it to its react-router-dom-v5-compat, the v6 API),
 * `react-router-dom` is not (Grafana's is v5): the plugin bundles react-router-dom 6, whose
 * `react-router` imports then reach Grafana's single router instance.
 * `react/jsx-runtime` and `react/jsx-dev-runtime` are shared from Grafana 12.3.0 (grafana/grafana
 * PR #108478, backported to 12.0.10, 12.1.7, 12.2.5): bundling React 18's jsx-runtime breaks on
 * React 19 (Grafana 13), so every admitted Grafana version (grafanaDependency >=12.4.0) gets its own.
 */
export const EXTERNALS: Array<string | RegExp> = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react-dom',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUIraw from '@grafana/ui';

/**
 * What the test host gives plugins for a shared-module name, whichever Grafana line it is built
 * for (the bundle's react, @grafana/* … are that line's copies, see ../webpack.config.ts). Which
 * names are registered at all comes from the line's list (./shared/); a listed name the host has
 * nothing for here is registered too, but fails to load with a clear error (./systemjsLoader.ts).
 *
 * As in Grafana's `sharedDependenciesMap` (loader/sharedDependencies.ts): @grafana/data, /runtime
 * and /ui are the app's own instances; the rest are loaded on first use; lodash and moment are
 * marked `__useDefault` (so an AMD plugin gets the function/object itself); `react-router` is the
 * react-router-dom-v5-compat package (the v6 API) and `react-router-dom` is React Router v5.
 */
export type HostModule = { module: object } | { load: () => Promise<object> };

// sharedDependencies.ts also exposes the plugin base classes on @grafana/ui (they moved to
// @grafana/data in 6.5 and old plugins import them from @grafana/ui).
const grafanaUI = {
  ...grafanaUIraw,
  PanelPlugin: grafanaData.PanelPlugin,
  DataSourcePlugin: grafanaData.DataSourcePlugin,
  AppPlugin: grafanaData.AppPlugin,
  DataSourceApi: grafanaData.DataSourceApi,
};

const useDefault = (m: object) => ({ ...m, __useDefault: true });

export const HOST_MODULES: Record<string, HostModule> = {
  '@emotion/css': { load: () => import('@emotion/css') },
  '@emotion/react': { load: () => import('@emotion/react') },
  '@grafana/data': { module: grafanaData },
  '@grafana/data/unstable': { load: () => import('@grafana/data/unstable') },
  '@grafana/runtime': { module: grafanaRuntime },
  '@grafana/runtime/unstable': { load: () => import('@grafana/runtime/unstable') },
  '@grafana/ui': { module: grafanaUI },
  '@grafana/ui/unstable': { load: () => import('@grafana/ui/unstable') },
  emotion: { load: () => import('@emotion/css') },
  lodash: { load: () => import('lodash').then(useDefault) },
  moment: { load: () => import('moment').then(useDefault) },
  react: { load: () => import('react') },
  'react/jsx-runtime': { load: () => import('react/jsx-runtime') },
  'react/jsx-dev-runtime': { load: () => import('react/jsx-dev-runtime') },
  'react-dom': { load: () => import('react-dom') },
  'react-dom/client': { load: () => import('react-dom/client') },
  'react-dom/server': { load: () => import('react-dom/server') },
  'react-inlinesvg': { load: () => import('react-inlinesvg') },
  'react-router-dom': { load: () => import('react-router-dom') },
  'react-router': { load: () => import('react-router-dom-v5-compat') },
  rxjs: { load: () => import('rxjs') },
  'rxjs/operators': { load: () => import('rxjs/operators') },
};

import * as EmotionCss from '@emotion/css';
import * as EmotionReact from '@emotion/react';
import * as GrafanaData from '@grafana/data';
import * as GrafanaRuntime from '@grafana/runtime';
import * as GrafanaUI from '@grafana/ui';
import * as lodash from 'lodash';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as JsxRuntime from 'react/jsx-runtime';
import * as RouterCompat from 'react-router-dom-v5-compat';
import * as Rxjs from 'rxjs';

/**
 * What the host hands to plugins, as Grafana's SystemJS shared dependencies do: the modules the
 * plugin's webpack config lists as externals, resolved to the host's single copies.
 */
export const SHARED_MODULES: Record<string, unknown> = {
  '@emotion/css': EmotionCss,
  '@emotion/react': EmotionReact,
  '@grafana/data': GrafanaData,
  '@grafana/runtime': GrafanaRuntime,
  '@grafana/ui': GrafanaUI,
  lodash,
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': JsxRuntime,
  'react-router-dom-v5-compat': RouterCompat,
  rxjs: Rxjs,
};

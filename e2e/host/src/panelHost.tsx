import React from 'react';
import { createRoot } from 'react-dom/client';
import {
  DataSourcePlugin,
  dateTime,
  LoadingState,
  PanelPlugin,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type GrafanaTheme2,
  type PanelProps,
} from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { GrafanaRouter } from './router';
import { importPluginModule } from './systemjsLoader';

/**
 * Panel mode of the test host, `/panel-host/<panel dir>?query=<json>&options=<json>`: loads the
 * built nested datasource (dist/datasource/module.js), runs the query through the emulated
 * datasource proxy against the live backend, loads the built panel
 * (dist/panels/<dir>/module.js) and renders it with the frames, as a dashboard panel would get them.
 */
export async function startPanelHost(pluginId: string, theme: GrafanaTheme2): Promise<void> {
  const base = `/public/plugins/${pluginId}`;
  const dir = decodeURIComponent(location.pathname.slice('/panel-host/'.length));
  const params = new URLSearchParams(location.search);
  const target = JSON.parse(params.get('query') ?? '{}');
  const options = JSON.parse(params.get('options') ?? '{}');
  const width = Number(params.get('width') ?? 900);
  const height = Number(params.get('height') ?? 480);

  // No dashboard variables here: the template service returns text unchanged.
  const templates: Partial<TemplateSrv> = {
    replace: (t?: string) => t ?? '',
    getVariables: () => [],
    containsTemplate: () => false,
    updateTimeRange: () => undefined,
  };
  setTemplateSrv(templates as TemplateSrv);

  const dsPlugin = (await importPluginModule(`${base}/datasource/module.js`)).plugin;
  if (!(dsPlugin instanceof DataSourcePlugin)) {
    throw new Error('datasource/module.js does not export a DataSourcePlugin named "plugin"');
  }
  const dsMeta = await fetch(`${base}/datasource/plugin.json`).then((r) => r.json());
  const settings = {
    id: 1,
    uid: 'fleetlens',
    type: dsMeta.id,
    name: 'Fleetlens',
    access: 'proxy',
    url: '/api/datasources/proxy/uid/fleetlens',
    readOnly: true,
    jsonData: await fetch('/api/datasources/uid/fleetlens')
      .then((r) => r.json())
      .then((d) => d.jsonData),
    meta: dsMeta,
  } as DataSourceInstanceSettings;
  const ds = new (dsPlugin.DataSourceClass as unknown as new (s: DataSourceInstanceSettings) => DataSourceApi)(
    settings
  );
  const to = dateTime();
  const from = dateTime(to.valueOf() - 3600_000);
  const request = {
    requestId: 'panel-host',
    interval: '10s',
    intervalMs: 10_000,
    maxDataPoints: width,
    range: { from, to, raw: { from: 'now-1h', to: 'now' } },
    scopedVars: {},
    targets: [{ refId: 'A', ...target }],
    timezone: 'browser',
    app: 'dashboard',
    startTime: Date.now(),
  } as DataQueryRequest;
  const reply = (await ds.query(request)) as DataQueryResponse;
  const series = reply.data as DataFrame[];

  const panelPlugin = (await importPluginModule(`${base}/panels/${dir}/module.js`)).plugin;
  if (!(panelPlugin instanceof PanelPlugin) || !panelPlugin.panel) {
    throw new Error(`panels/${dir}/module.js does not export a PanelPlugin named "plugin"`);
  }
  const Panel = panelPlugin.panel as React.ComponentType<PanelProps>;
  const timeRange = request.range;
  const props = {
    id: 1,
    data: { state: LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'browser',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width,
    height,
    renderCounter: 0,
    title: dir,
    eventBus: {
      subscribe: () => ({ unsubscribe: () => undefined }),
      getStream: () => ({ subscribe: () => ({ unsubscribe: () => undefined }) }),
    },
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    replaceVariables: (s: string) => s,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps;

  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <GrafanaRouter>
        <div style={{ padding: 16, background: theme.colors.background.canvas, minHeight: '100vh' }}>
          <section
            aria-label={`Panel ${dir}`}
            style={{
              width: width + 16,
              padding: 8,
              background: theme.colors.background.primary,
              border: `1px solid ${theme.colors.border.weak}`,
              borderRadius: 4,
            }}
          >
            <div style={{ fontWeight: 500, marginBottom: 8 }}>{params.get('title') ?? dir}</div>
            <Panel {...props} />
          </section>
        </div>
      </GrafanaRouter>
    </ThemeContext.Provider>
  );
}

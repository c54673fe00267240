import React, { useEffect, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { css } from '@emotion/css';
import { AppPlugin, createTheme, type AppPluginMeta, type GrafanaTheme2 } from '@grafana/data';
import { config, setBackendSrv } from '@grafana/runtime';
import { GlobalStyles, Icon, ThemeContext, useStyles2, type IconName } from '@grafana/ui';
// Grafana sets the page chrome through this internal setter; the host does the same.
import { setPluginPage } from 'grafana-runtime-plugin-page';
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom-v5-compat';
import { createBackendSrv } from '../backendSrv';
import { startFixtureHost } from './fixtureHost';
import { makeHostPage, type NavInclude } from './HostPage';
import { startPanelHost } from './panelHost';
import { GrafanaRouter } from './router';
import type { GrafanaLine } from './shared/lines';
import { importPluginModule, installPluginLoader } from './systemjsLoader';

/**
 * The browser side of the test host, one bundle per Grafana line (__GRAFANA_LINE__, set by
 * ../webpack.config.ts): loads the built plugin (dist/module.js) through SystemJS with exactly
 * that line's shared modules (./systemjsLoader.ts), fetches the app's settings from the emulated
 * Grafana API, and renders the app root at /a/<id>/* and its config page at /plugins/<id>, inside
 * a Grafana-like frame (theme, global styles, Grafana's router, navigation from plugin.json's
 * includes). /panel-host/… renders a nested panel (./panelHost.tsx), /fixture-host/… loads a
 * loader fixture (./fixtureHost.tsx).
 */

declare const __GRAFANA_LINE__: GrafanaLine;

interface Boot {
  pluginId: string;
  theme: 'dark' | 'light';
  grafanaLine: GrafanaLine;
  /** `npm run preview`: say on every page that this is the test host, not Grafana. */
  preview?: boolean;
}

const boot = (window as unknown as { __hostBoot: Boot }).__hostBoot;
if (boot.grafanaLine !== __GRAFANA_LINE__) {
  throw new Error(`the page is for Grafana ${boot.grafanaLine} but this host bundle is for ${__GRAFANA_LINE__}`);
}
installPluginLoader(__GRAFANA_LINE__);
const theme = createTheme({ colors: { mode: boot.theme } });
(config as unknown as { theme2: GrafanaTheme2 }).theme2 = theme;

// BackendSrv over the browser's fetch, to the host server (emulated Grafana API + plugin proxy).
setBackendSrv(
  createBackendSrv(async ({ method, url, headers, body, signal }) => {
    const res = await fetch(url, { method, headers, body, signal, credentials: 'same-origin' });
    return {
      status: res.status,
      statusText: res.statusText,
      contentType: res.headers.get('content-type') ?? '',
      body: await res.text(),
    };
  })
);

interface PluginInfo {
  includes?: Array<NavInclude & { icon?: string }>;
  name: string;
}

async function start() {
  const base = `public/plugins/${boot.pluginId}`;
  const [info, meta] = await Promise.all([
    fetch(`/${base}/plugin.json`).then((r) => r.json() as Promise<PluginInfo>),
    fetch(`/api/plugins/${boot.pluginId}/settings`).then((r) => r.json() as Promise<AppPluginMeta>),
  ]);
  const exports = await importPluginModule(`${base}/module.js`);
  const plugin = exports.plugin as AppPlugin;
  if (!(plugin instanceof AppPlugin)) {
    throw new Error('module.js does not export an AppPlugin named "plugin"');
  }
  const fullMeta = { ...meta, baseUrl: base, module: `${base}/module.js`, info: {} } as AppPluginMeta;
  plugin.init(fullMeta);
  plugin.meta = fullMeta;
  const includes = (info.includes ?? []).filter((i) => i.addToNav);
  setPluginPage(makeHostPage(includes));

  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <GrafanaRouter>
        <Shell includes={includes} plugin={plugin} meta={fullMeta} />
      </GrafanaRouter>
    </ThemeContext.Provider>
  );
}

function Shell({
  includes,
  plugin,
  meta,
}: {
  includes: Array<NavInclude & { icon?: string }>;
  plugin: AppPlugin;
  meta: AppPluginMeta;
}) {
  const styles = useStyles2(getStyles);
  const { pathname } = useLocation();
  const navigate = useNavigate();
  // In-app navigation for the benchmark (Grafana moves between app pages without reloading).
  useEffect(() => {
    (window as unknown as { __hostNavigate: (to: string) => void }).__hostNavigate = (to) => navigate(to);
  }, [navigate]);
  const appBase = `/a/${meta.id}`;
  const Root = plugin.root!;
  const ConfigBody = plugin.configPages?.[0]?.body;
  const rootProps = useMemo(
    () => ({ meta, basename: appBase, onNavChanged: () => undefined, query: {}, path: appBase }),
    [meta, appBase]
  );
  return (
    <div className={styles.shell}>
      <nav className={styles.nav} aria-label="Fleetlens navigation">
        <div className={styles.brand}>Fleetlens</div>
        {boot.preview && (
          <div className={styles.preview} role="note" aria-label="Preview outside Grafana">
            Preview of the pages outside Grafana, in the test host that loads them as Grafana {boot.grafanaLine} does.
            Install the plugin into Grafana for the real thing.
          </div>
        )}
        {includes.map((i) => (
          <Link key={i.path} to={i.path} className={pathname.startsWith(i.path) ? styles.active : styles.link}>
            <Icon name={(i.icon ?? 'apps') as IconName} /> {i.name}
          </Link>
        ))}
      </nav>
      <main className={styles.main}>
        <Routes>
          <Route path={`${appBase}/*`} element={<Root {...rootProps} />} />
          <Route
            path={`/plugins/${meta.id}`}
            element={
              ConfigBody ? (
                <div className={styles.config}>
                  <h1>Fleetlens configuration</h1>
                  <ConfigBody plugin={plugin} query={{}} />
                </div>
              ) : null
            }
          />
          <Route path="*" element={<Navigate replace to={`${appBase}/overview`} />} />
        </Routes>
      </main>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  shell: css({ display: 'flex', minHeight: '100vh', background: theme.colors.background.canvas }),
  nav: css({
    width: 200,
    flexShrink: 0,
    background: theme.colors.background.primary,
    borderRight: `1px solid ${theme.colors.border.weak}`,
    padding: theme.spacing(2, 1),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  brand: css({ fontWeight: theme.typography.fontWeightBold, padding: theme.spacing(0, 1, 1) }),
  preview: css({
    margin: theme.spacing(0, 0, 1),
    padding: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.warning.text,
    border: `1px solid ${theme.colors.warning.border}`,
    borderRadius: theme.shape.radius.default,
  }),
  link: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(0.5, 1),
    color: theme.colors.text.secondary,
  }),
  active: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(0.5, 1),
    color: theme.colors.text.primary,
    background: theme.colors.action.selected,
    borderRadius: theme.shape.radius.default,
  }),
  main: css({ flex: 1, minWidth: 0, display: 'flex' }),
  config: css({ padding: theme.spacing(2, 3) }),
});

const mode = location.pathname.startsWith('/panel-host/')
  ? startPanelHost(boot.pluginId, theme)
  : location.pathname.startsWith('/fixture-host/')
    ? startFixtureHost(theme)
    : start();
mode.catch((e: unknown) => {
  // Shown in the page and logged: the e2e test fails on console errors.
  console.error('host: plugin failed to load', e);
  document.getElementById('root')!.textContent = `Plugin failed to load: ${e instanceof Error ? e.message : String(e)}`;
});

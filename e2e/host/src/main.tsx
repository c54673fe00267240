import React, { useEffect, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { css } from '@emotion/css';
import { AppPlugin, createTheme, type AppPluginMeta, type GrafanaTheme2 } from '@grafana/data';
import { config, setBackendSrv } from '@grafana/runtime';
import { GlobalStyles, Icon, ThemeContext, useStyles2, type IconName } from '@grafana/ui';
// Grafana sets the page chrome through this internal setter; the host does the same.
import { setPluginPage } from 'grafana-runtime-plugin-page';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom-v5-compat';
import { createBackendSrv } from '../backendSrv';
import { loadAmdModule } from './amdLoader';
import { makeHostPage, type NavInclude } from './HostPage';
import { startPanelHost } from './panelHost';
import { SHARED_MODULES } from './sharedModules';

/**
 * The browser side of the test host: loads the built plugin (dist/module.js) through an AMD
 * loader with the host's shared modules, fetches the app's settings from the emulated Grafana
 * API, and renders the app root at /a/<id>/* and its config page at /plugins/<id>, inside a
 * Grafana-like frame (theme, global styles, navigation from plugin.json's includes).
 */

interface Boot {
  pluginId: string;
  theme: 'dark' | 'light';
}

const boot = (window as unknown as { __hostBoot: Boot }).__hostBoot;
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
  const exports = await loadAmdModule(`/${base}/module.js`, SHARED_MODULES);
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
      <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Shell includes={includes} plugin={plugin} meta={fullMeta} />
      </BrowserRouter>
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

(location.pathname.startsWith('/panel-host/') ? startPanelHost(boot.pluginId, theme) : start()).catch((e: unknown) => {
  // Shown in the page and logged: the e2e test fails on console errors.
  console.error('host: plugin failed to load', e);
  document.getElementById('root')!.textContent = `Plugin failed to load: ${e instanceof Error ? e.message : String(e)}`;
});

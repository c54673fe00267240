import React, { Component, type ComponentType, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { GrafanaTheme2 } from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import { importPluginModule } from './systemjsLoader';

/**
 * Fixture mode, `/fixture-host/<file>`: imports e2e/host/fixtures/<file> (served as
 * `public/plugins/e2e-fixtures/<file>`) through the same loader as the plugin and, when it
 * exports a `Fixture` component, renders it, as Grafana renders an app plugin's root. The
 * outcome goes into #root: `data-state` "loaded" or "failed", and `data-error` with the message.
 */
export const FIXTURE_BASE = 'public/plugins/e2e-fixtures';

class Boundary extends Component<{ onError: (e: Error) => void; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error: Error) {
    this.props.onError(error);
  }
  render() {
    return this.state.failed ? null : this.props.children;
  }
}

export async function startFixtureHost(theme: GrafanaTheme2): Promise<void> {
  const el = document.getElementById('root')!;
  const file = decodeURIComponent(location.pathname.slice('/fixture-host/'.length));
  const report = (state: 'loaded' | 'failed', error?: unknown) => {
    el.dataset.state = state;
    if (error !== undefined) {
      el.dataset.error = error instanceof Error ? error.message : String(error);
    }
  };
  el.dataset.state = 'loading';
  let exports: Record<string, unknown>;
  try {
    exports = await importPluginModule(`${FIXTURE_BASE}/${file}`);
  } catch (e) {
    report('failed', e);
    return;
  }
  const Fixture = exports.Fixture as ComponentType | undefined;
  if (!Fixture) {
    report('loaded');
    return;
  }
  const out = document.createElement('div');
  el.appendChild(out);
  await new Promise<void>((done) => {
    const onError = (e: Error) => {
      report('failed', e);
      done();
    };
    const Done = () => {
      React.useEffect(() => {
        if (el.dataset.state === 'loading') {
          report('loaded');
        }
        done();
      }, []);
      return null;
    };
    createRoot(out).render(
      <ThemeContext.Provider value={theme}>
        <Boundary onError={onError}>
          <Fixture />
          <Done />
        </Boundary>
      </ThemeContext.Provider>
    );
  });
}

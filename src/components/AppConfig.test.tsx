import React from 'react';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AppPlugin } from '@grafana/data';
import type { NodeListReply } from '@fleetlens/protocol/api';
import { appMeta, backendGet, backendUrl, closedUrl, installGrafana, renderAppRoot, serviceKey } from '../test/harness';
import type { AppSettings } from '../types';
import { AppConfig } from './AppConfig';

/** Renders the configuration page as Grafana does, for an app that has never been configured. */
function renderConfig() {
  const grafana = installGrafana({ enabled: false });
  const plugin = new AppPlugin<AppSettings>();
  plugin.meta = appMeta({});
  render(<AppConfig plugin={plugin} query={{}} />);
  return grafana;
}

async function fillIn(user: ReturnType<typeof userEvent.setup>, url: string, key: string) {
  await user.type(screen.getByLabelText(/^Backend URL/), url);
  await user.type(screen.getByLabelText(/^Service key/), key);
}

describe('Configuration page', () => {
  it('saves the URL and key, reports a working connection, and shows the key only as configured', async () => {
    const user = userEvent.setup();
    const { emulator } = renderConfig();
    await fillIn(user, backendUrl('fleet'), serviceKey());
    await user.click(screen.getByRole('button', { name: 'Test connection' }));

    expect(await screen.findByText('Connection works')).toBeInTheDocument();
    expect(
      screen.getByText(/Connected to fleetlens-backend .* \(API v1\)\. 2 clusters reporting\./)
    ).toBeInTheDocument();
    // What Grafana stored: URL in jsonData, key in secureJsonData, app enabled.
    expect(emulator.settings.jsonData.backendUrl).toBe(backendUrl('fleet'));
    expect(emulator.settings.secureJsonData.serviceKey).toBe(serviceKey());
    expect(emulator.settings.enabled).toBe(true);
    // The key is not shown again, only that one is set.
    expect(screen.getByLabelText(/^Service key/)).toHaveValue('configured');
    expect(screen.getByLabelText(/^Service key/)).toBeDisabled();
  });

  it('says "bad service key" in plain words when the backend rejects the key', async () => {
    const user = userEvent.setup();
    renderConfig();
    await fillIn(user, backendUrl('fleet'), 'a-wrong-service-key-123456');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('Bad service key')).toBeInTheDocument();
    expect(screen.getByText(/rejected the service key/)).toBeInTheDocument();
  });

  it('says the backend is unreachable when nothing answers at the URL', async () => {
    const user = userEvent.setup();
    renderConfig();
    const url = await closedUrl();
    await fillIn(user, url, serviceKey());
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('Backend unreachable')).toBeInTheDocument();
    expect(screen.getByText(new RegExp(`Grafana could not reach ${url.replace(/\./g, '\\.')}`))).toBeInTheDocument();
  });

  it('refuses a URL that is not http(s) before anything is sent', async () => {
    const user = userEvent.setup();
    const { requests } = renderConfig();
    await user.type(screen.getByLabelText(/^Backend URL/), 'ftp://backend');
    expect(screen.getByText('The URL must start with http:// or https://')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Test connection' })).toBeDisabled();
    await waitFor(() => expect(requests).toHaveLength(0));
  });
});

describe('Settings saved on the configuration page', () => {
  // Grafana keeps the plugin meta it loaded first (cached) and passes that same object to the app
  // root after a save; these tests hand the app that stale meta, as Grafana would.
  it('apply to the app without a page reload: a first configuration shows data at once', async () => {
    const user = userEvent.setup();
    renderConfig();
    const cachedMeta = appMeta({});
    await fillIn(user, backendUrl('fleet'), serviceKey());
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    cleanup();

    renderAppRoot('overview', cachedMeta);
    const containers = await screen.findByTestId('card-containers');
    expect(within(containers).getByText('72')).toBeInTheDocument();
    expect(screen.queryByText('Fleetlens is not configured')).not.toBeInTheDocument();
  });

  it('apply to the app without a page reload: new usage thresholds colour the bars', async () => {
    const cachedMeta = appMeta({ backendUrl: backendUrl('fleet') });
    const { emulator } = installGrafana({ backendUrl: backendUrl('fleet'), serviceKey: serviceKey() });
    // What "Save settings" stored after the meta was loaded.
    emulator.settings.jsonData = { backendUrl: backendUrl('fleet'), warnPercent: 10, critPercent: 25 };
    renderAppRoot('nodes', cachedMeta);
    await screen.findByRole('table', { name: 'Nodes' });
    const nodes = await backendGet<NodeListReply>('/nodes');
    for (const n of nodes.items) {
      const expected = n.cpuPercent! >= 25 ? 'crit' : n.cpuPercent! >= 10 ? 'warn' : 'ok';
      await waitFor(() =>
        expect(screen.getByRole('meter', { name: `${n.name} CPU` })).toHaveAttribute('data-level', expected)
      );
    }
    // The fleet has nodes in each band, so the default thresholds would have coloured them otherwise.
    expect(
      new Set(nodes.items.map((n) => (n.cpuPercent! >= 25 ? 'crit' : n.cpuPercent! >= 10 ? 'warn' : 'ok'))).size
    ).toBeGreaterThan(1);
  });
});

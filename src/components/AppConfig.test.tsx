import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AppPlugin } from '@grafana/data';
import { appMeta, backendUrl, closedUrl, installGrafana, serviceKey } from '../test/harness';
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

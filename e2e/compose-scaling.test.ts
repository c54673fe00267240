import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  IMAGE,
  docker,
  dockerAvailable,
  ensureTestImage,
  removeLabelled,
  runLabel,
} from '../agent/test/helpers/docker';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { startHost, type RunningHost } from './host/server';
import { GRAFANA_LINES, type GrafanaLine } from './host/src/shared/lines';
import { launchChromium, watchErrors } from './support/browser';
import { ACTION_TIMEOUT, SERVE, startLiveAgent, waitForActionText, type LiveAgent } from './support/live-agent';

/**
 * Issue 15's "scale a Compose service from the plugin pages", in the browser on real parts: the
 * built dist/ in Chromium through the test host (each Grafana line), the real backend, a real
 * agent process allowed `compose.scale`, and a Compose-labelled busybox service on this machine's
 * Docker engine. An editor scales it from 1 to 2 on the Workloads page and back to 1 after the
 * confirmation naming it; each outcome is read from the engine (`docker ps`), not from our API.
 * Without a Docker engine the suite is skipped, unless REQUIRE_DOCKER=1, which makes it fail.
 */
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

jest.setTimeout(300_000);

const APP = '/a/fleetlens-monitor-app';
const SHOTS = path.join(__dirname, 'screenshots');

describeDocker('Compose scaling in a browser (built dist/, test host, real backend, agent and Docker)', () => {
  const run = runLabel('e2e15c');
  const label = `fleetlens.test=${run}`;
  let live: LiveAgent;
  let browser: Browser;

  beforeAll(async () => {
    ensurePluginBuilt();
    ensureHostBuilt();
    ensureTestImage();
    fs.mkdirSync(SHOTS, { recursive: true });
    [live, browser] = await Promise.all([
      startLiveAgent({ name: 'e2e15c', actions: ['compose.scale'] }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await live?.stop();
    removeLabelled(label);
  });

  describe.each(GRAFANA_LINES)('Grafana %s', (line: GrafanaLine) => {
    const project = `${run}-${line.replace('.', '')}`;
    const target = `${project}/web`;
    let context: BrowserContext;
    let host: RunningHost;
    /** The service's running containers, as the engine lists them. */
    const running = () =>
      docker(
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=web'
      )
        .split('\n')
        .filter(Boolean);

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
      // No network: a veth coming and going on docker0 makes Chromium abort requests in flight
      // (net::ERR_NETWORK_CHANGED); the replicas copy this container's configuration, so neither do they.
      const id = docker(
        'run',
        '-d',
        '--name',
        `${project}-web-1`,
        '--label',
        label,
        '--label',
        `com.docker.compose.project=${project}`,
        '--label',
        'com.docker.compose.service=web',
        '--label',
        'com.docker.compose.container-number=1',
        '--network',
        'none',
        IMAGE,
        'sh',
        '-c',
        SERVE
      );
      await live.waitForContainer(id);
      host = await startHost({
        backendUrl: live.backendUrl,
        serviceKey: live.serviceKey,
        theme: 'dark',
        user: await live.grafanaUser('editor', `e2e15c-editor-${line.replace('.', '')}`),
        grafanaLine: line,
      });
    });
    afterAll(async () => {
      await context?.close();
      await host?.stop();
      removeLabelled(`com.docker.compose.project=${project}`);
    });

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: path.join(SHOTS, `${name}${line === '12.4' ? '' : `-${line}`}.png`), fullPage: true });

    it('an editor scales a Compose service from 1 to 2 and back to 1 on the Workloads page', async () => {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${host.url}${APP}/workloads?refresh=5s`);
      const group = page.getByRole('group', { name: `Scale ${target}` });
      const input = group.getByRole('textbox', { name: `Replicas of ${target}` }).or(group.getByRole('spinbutton'));
      const status = group.getByRole('status', { name: `Scaling ${target}` });
      /** Waits until the control's action to `n` reads done; a failure or expiry ends the wait with its message. */
      const done = (n: number) =>
        waitForActionText(
          live,
          async () => (await status.textContent().catch(() => '')) ?? '',
          (t) => t === `to ${n}: done`,
          (t) => t.startsWith(`to ${n}:`) && /: (failed|expired)/.test(t)
        );
      const now = async (n: number) =>
        group.getByText(`${n} now`, { exact: true }).waitFor({ timeout: ACTION_TIMEOUT });

      await now(1);
      expect(running()).toHaveLength(1);
      await input.fill('2');
      await group.getByRole('button', { name: 'Scale', exact: true }).click();
      expect(await done(2)).toBe('to 2: done');
      expect(running()).toHaveLength(2);
      await now(2);
      await shot(page, 'compose-scaled-up');

      // Down: the confirmation names the service and its host first.
      await input.fill('1');
      await group.getByRole('button', { name: 'Scale', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Scale down ${target}?` });
      await dialog.getByText(`${target} on ${live.node}`, { exact: false }).waitFor();
      await shot(page, 'compose-confirm-down');
      await dialog.getByRole('button', { name: 'Scale down', exact: true }).click();
      expect(await done(1)).toBe('to 1: done');
      expect(running()).toHaveLength(1);
      // The one left is the first (the newest goes first).
      expect(docker('inspect', '-f', '{{.Name}}', running()[0])).toBe(`/${project}-web-1`);
      await now(1);
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});

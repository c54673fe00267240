import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  IMAGE,
  docker,
  dockerAvailable,
  ensureTestImage,
  removeLabelled,
  runLabel,
  sleep,
} from '../agent/test/helpers/docker';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { startHost, type RunningHost } from './host/server';
import { GRAFANA_LINES, type GrafanaLine } from './host/src/shared/lines';
import type { GrafanaUser } from './host/grafana/types';
import { launchChromium, watchErrors } from './support/browser';
import { ACTION_TIMEOUT, SERVE, startLiveAgent, waitForActionText, type LiveAgent } from './support/live-agent';

/**
 * Issue 15 in the browser on real parts: the built dist/ in Chromium through the test host (each
 * Grafana line), the real backend (temporary SQLite file), a real agent process allowed every
 * action kind, and real busybox containers on this machine's Docker engine. An editor stops,
 * starts, restarts and removes a container from its row on the Containers page; each outcome is
 * read from the engine (`docker inspect`, `docker ps -a`, `docker volume ls`), not from our API.
 * A viewer sees no action control. Without a Docker engine the suite is skipped, unless
 * REQUIRE_DOCKER=1, which makes it fail.
 */
const HAVE_DOCKER = dockerAvailable();
const describeDocker = HAVE_DOCKER ? describe : describe.skip;

jest.setTimeout(300_000);

const APP = '/a/fleetlens-monitor-app';
const SHOTS = path.join(__dirname, 'screenshots');

describeDocker('Container actions in a browser (built dist/, test host, real backend, agent and Docker)', () => {
  const run = runLabel('e2e15');
  const label = `fleetlens.test=${run}`;
  let live: LiveAgent;
  let browser: Browser;
  let editor: GrafanaUser;
  let viewer: GrafanaUser;

  beforeAll(async () => {
    ensurePluginBuilt();
    ensureHostBuilt();
    ensureTestImage();
    fs.mkdirSync(SHOTS, { recursive: true });
    [live, browser] = await Promise.all([
      startLiveAgent({ name: 'e2e15', actions: ['start', 'stop', 'restart', 'pause', 'unpause', 'remove'] }),
      launchChromium(),
    ]);
    editor = await live.grafanaUser('editor', 'e2e15-editor');
    viewer = await live.grafanaUser('viewer', 'e2e15-viewer');
  });

  afterAll(async () => {
    await browser?.close();
    await live?.stop();
    removeLabelled(label);
    const volumes = docker('volume', 'ls', '-q', '--filter', `label=${label}`).split('\n').filter(Boolean);
    if (volumes.length) docker('volume', 'rm', ...volumes);
  });

  const inspect = (id: string) =>
    JSON.parse(docker('inspect', id))[0].State as { Status: string; Running: boolean; StartedAt: string };

  describe.each(GRAFANA_LINES)('Grafana %s', (line: GrafanaLine) => {
    const tag = line.replace('.', '');
    const name = `${run}-web-${tag}`;
    let context: BrowserContext;
    const hosts: RunningHost[] = [];
    let runtimeId: string;
    let volume: string;

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
      // An anonymous volume (labelled for cleanup): "also remove volumes" left off must keep it.
      // No network: a veth coming and going on docker0 at each start and stop makes Chromium
      // abort its requests in flight (net::ERR_NETWORK_CHANGED).
      runtimeId = docker(
        'run',
        '-d',
        '--name',
        name,
        '--label',
        label,
        '--network',
        'none',
        '--mount',
        `type=volume,dst=/data,volume-label=${label}`,
        IMAGE,
        'sh',
        '-c',
        SERVE
      );
      volume = JSON.parse(docker('inspect', runtimeId))[0].Mounts[0].Name as string;
      await live.waitForContainer(runtimeId);
    });
    afterAll(async () => {
      await context?.close();
      for (const h of hosts) await h.stop();
    });

    async function hostFor(user: GrafanaUser): Promise<RunningHost> {
      const h = await startHost({
        backendUrl: live.backendUrl,
        serviceKey: live.serviceKey,
        theme: 'dark',
        user,
        grafanaLine: line,
      });
      hosts.push(h);
      return h;
    }
    const shot = (page: Page, shotName: string) =>
      page.screenshot({
        path: path.join(SHOTS, `${shotName}${line === '12.4' ? '' : `-${line}`}.png`),
        fullPage: true,
      });

    /** The Containers page searched for this line's container, refreshing every 5 s, once /me has answered. */
    async function openContainers(host: RunningHost): Promise<{ page: Page; errors: string[]; row: Locator }> {
      const page = await context.newPage();
      const errors = watchErrors(page);
      const me = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.ok());
      await page.goto(`${host.url}${APP}/containers?refresh=5s&q=${encodeURIComponent(name)}`);
      await me;
      const row = page
        .getByRole('table', { name: 'Containers' })
        .locator('tbody tr')
        .filter({ has: page.getByRole('link', { name, exact: true }) });
      await row.waitFor();
      return { page, errors, row };
    }

    it('offers a viewer no action control', async () => {
      const { page, errors, row } = await openContainers(await hostFor(viewer));
      await row.getByText('running', { exact: true }).waitFor();
      // /me has answered (openContainers); give the page a moment to render what it allows.
      await sleep(1000);
      await expect(page.getByRole('button', { name: /^Actions for / }).count()).resolves.toBe(0);
      await expect(page.getByRole('status', { name: /^Action state of / }).count()).resolves.toBe(0);
      await shot(page, 'container-actions-viewer');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('an editor stops, starts, restarts and removes a real container from its row', async () => {
      const { page, errors, row } = await openContainers(await hostFor(editor));
      const menuButton = row.getByRole('button', { name: `Actions for ${name}` });
      const state = row.getByRole('status', { name: `Action state of ${name}` });
      const choose = async (item: string) => {
        await menuButton.click();
        await page.getByRole('menu').getByRole('menuitem', { name: item, exact: true }).click();
      };
      /** Waits until the row's state badge reads `text` (the page refreshes every 5 s). */
      const badge = async (text: string) => {
        try {
          await row.getByText(text, { exact: true }).waitFor({ timeout: ACTION_TIMEOUT });
        } catch (err) {
          const seen = await row.textContent().catch(() => '(no row)');
          throw new Error(`the row never read "${text}": ${seen}; the agent said:\n${live.agentLog().slice(-2000)}`, {
            cause: err,
          });
        }
      };
      /** Waits until the row's action state reads `want`; a failure or expiry ends the wait with its message. */
      const finished = (want: string) =>
        waitForActionText(
          live,
          async () => (await state.textContent()) ?? '',
          (t) => t.startsWith(want),
          (t) => /: (failed|expired)/.test(t)
        );

      // Stop: the confirmation names the container and its node.
      await badge('running');
      expect(inspect(runtimeId).Running).toBe(true);
      await choose('Stop');
      const stopDialog = page.getByRole('dialog', { name: `Stop container ${name}?` });
      await stopDialog.getByText(`${name} on ${live.node} will be stopped.`).waitFor();
      await shot(page, 'container-actions-confirm-stop');
      await stopDialog.getByRole('button', { name: 'Stop', exact: true }).click();
      await finished('Stop: done');
      expect(inspect(runtimeId)).toMatchObject({ Running: false, Status: 'exited' });
      await badge('stopped');
      await shot(page, 'container-actions-stopped');

      // Start: no confirmation.
      await choose('Start');
      await finished('Start: done');
      const started = inspect(runtimeId);
      expect(started).toMatchObject({ Running: true, Status: 'running' });
      await badge('running');

      // Restart: running again, started anew.
      await choose('Restart');
      await finished('Restart: done');
      const restarted = inspect(runtimeId);
      expect(restarted.Running).toBe(true);
      expect(Date.parse(restarted.StartedAt)).toBeGreaterThan(Date.parse(started.StartedAt));

      // Remove, with "also remove volumes" left off: the container goes, its volume stays.
      await choose('Remove');
      const removeDialog = page.getByRole('dialog', { name: `Remove container ${name}?` });
      const volumesBox = removeDialog.getByRole('checkbox', { name: 'Also remove volumes' });
      await expect(volumesBox.isChecked()).resolves.toBe(false);
      await shot(page, 'container-actions-confirm-remove');
      await removeDialog.getByRole('button', { name: 'Remove', exact: true }).click();
      // The row leaves the table once the agent no longer reports the container.
      await row.waitFor({ state: 'detached', timeout: ACTION_TIMEOUT });
      expect(docker('ps', '-a', '-q', '--no-trunc', '--filter', `label=${label}`).split('\n')).not.toContain(runtimeId);
      expect(() => docker('inspect', runtimeId)).toThrow(/No such (object|container)/);
      expect(docker('volume', 'ls', '-q', '--filter', `label=${label}`).split('\n')).toContain(volume);
      await shot(page, 'container-actions-removed');
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});

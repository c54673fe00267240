import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { startAutoscalingBackend } from '../.config/jest/autoscaling';
import { SERVICE_KEY } from '../.config/jest/fleet';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { startHost, type RunningHost } from './host/server';
import { GRAFANA_LINES, type GrafanaLine } from './host/src/shared/lines';
import { launchChromium, watchErrors } from './support/browser';

/**
 * The Autoscaling pages (issue 15; decision 37) of the built plugin (dist/) in Chromium, loaded
 * by the test host as Grafana loads it, on each Grafana line, against a live backend whose rule
 * the evaluator decided three times on ingested samples (.config/jest/autoscaling.ts: held, 2 → 4,
 * held). Fails on any console error; leaves screenshots in e2e/screenshots/.
 */
jest.setTimeout(300_000);

const APP = '/a/fleetlens-monitor-app';
const SHOTS = path.join(__dirname, 'screenshots');

let backend: Awaited<ReturnType<typeof startAutoscalingBackend>>;
let browser: Browser;

beforeAll(async () => {
  ensurePluginBuilt();
  ensureHostBuilt();
  [backend, browser] = await Promise.all([startAutoscalingBackend(), launchChromium()]);
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

describe.each(GRAFANA_LINES)('Grafana %s', (line: GrafanaLine) => {
  let host: RunningHost;
  let context: BrowserContext;
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    host = await startHost({ backendUrl: backend.url, serviceKey: SERVICE_KEY, theme: 'dark', grafanaLine: line });
  });
  afterAll(async () => {
    await context?.close();
    await host?.stop();
  });

  it('Autoscaling: the rule with its newest decision, then its chart and decisions', async () => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const range = `from=${(backend.anchor - 600) * 1000}&to=${(backend.anchor + 600) * 1000}&refresh=`;
    await page.goto(`${host.url}${APP}/autoscaling?${range}`);
    const rules = page.getByRole('table', { name: 'Autoscaling rules' });
    await rules.waitFor();
    const row = rules.locator('tbody tr', { hasText: 'web cpu' });
    await expect(row.textContent()).resolves.toContain('shop/web on as-h1');
    await expect(row.textContent()).resolves.toContain('4 → 4 at 0.48 cores');
    const suffix = line === '12.4' ? '' : `-${line}`;
    await page.screenshot({ path: path.join(SHOTS, `autoscaling${suffix}.png`), fullPage: true });
    await page.getByRole('link', { name: 'web cpu' }).click();
    const decisions = page.getByRole('table', { name: 'Decisions' });
    await decisions.waitFor();
    await expect(decisions.locator('tbody tr').count()).resolves.toBe(3);
    await expect(decisions.locator('tbody tr').nth(1).textContent()).resolves.toContain('scaling from 2 to 4');
    // The chart is drawn (uPlot's canvas), with its four series.
    await page.getByTestId('chart-autoscaling').locator('canvas').first().waitFor();
    await expect(page.getByTestId('as-history-chart').getAttribute('data-series')).resolves.toBe(
      'Replicas,Desired,CPU per replica (cores),Target'
    );
    await page.screenshot({ path: path.join(SHOTS, `autoscaling-rule${suffix}.png`), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

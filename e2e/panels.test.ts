import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { NodeListReply, TopReply } from '@fleetlens/protocol/api';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { startHost, type RunningHost } from './host/server';
import { GRAFANA_LINES, type GrafanaLine } from './host/src/shared/lines';
import { pushBatch } from '../backend/src/testing/fleet';
import { AGENT_TOKEN, E2E_FLEET, SERVICE_KEY, startSeededBackend, type SeededBackend } from './support/backend';
import { launchChromium, watchErrors } from './support/browser';

/**
 * The built nested panels (dist/panels/*) in Chromium, each fed with the frames the built nested
 * datasource (dist/datasource) returns from a live seeded backend through the emulated Grafana
 * datasource proxy (the test host's panel mode), on each Grafana line the host emulates (12.4 and
 * 13.x, same dist/; one backend and one browser for both). Fails on console errors; writes
 * e2e/screenshots/panel-*.png (12.4) and panel-*-13.png (13.x).
 */

jest.setTimeout(300_000);

const SHOTS = path.join(__dirname, 'screenshots');
let backend: SeededBackend;
let browser: Browser;

beforeAll(async () => {
  ensurePluginBuilt();
  ensureHostBuilt();
  backend = await startSeededBackend(E2E_FLEET);
  // One more Docker host that reports itself not ready, so the heatmap shows its status icon.
  const now = Math.floor(Date.now() / 1000);
  await pushBatch(backend.url, AGENT_TOKEN, {
    version: 'v1',
    batchId: 'panels-not-ready',
    sentAt: now,
    agent: { id: 'agent-dc1-docker-node-99', version: 'test', mode: 'node', hostname: 'dc1-docker-node-99' },
    cluster: { name: 'dc1-docker', kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [
      {
        name: 'dc1-docker-node-99',
        cores: 4,
        memoryBytes: 16 * 1024 ** 3,
        status: 'not_ready',
        samples: [{ ts: now - 30, cpuCores: 0.2, memUsedBytes: 2 * 1024 ** 3, memTotalBytes: 16 * 1024 ** 3 }],
      },
    ],
  });
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${backend.url}/api/v1${p}`, { headers: backend.adminHeaders });
  if (!res.ok) throw new Error(`${p}: ${res.status}`);
  return (await res.json()) as T;
}

async function openPanel(
  host: RunningHost,
  dir: string,
  query: object,
  options: object,
  title: string
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 980, height: 620 } });
  const errors = watchErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => r.url().includes('/api/') && requests.push(new URL(r.url()).pathname));
  const q = new URLSearchParams({
    query: JSON.stringify(query),
    options: JSON.stringify(options),
    title,
    width: '900',
    height: '520',
  });
  await page.goto(`${host.url}/panel-host/${dir}?${q}`);
  return { page, errors, requests };
}

describe.each(GRAFANA_LINES)(
  'Grafana %s: nested panels in a browser with frames from the nested datasource',
  (line: GrafanaLine) => {
    let host: RunningHost;
    const suffix = line === '12.4' ? '' : `-${line}`;
    beforeAll(async () => {
      host = await startHost({
        backendUrl: backend.url,
        serviceKey: SERVICE_KEY,
        theme: 'dark',
        grafanaLine: line,
        // The datasource authenticates as its own API key (Grafana's datasource proxy sends no user).
        datasource: { secureJsonData: { apiKey: backend.datasourceApiKey } },
      });
    });
    afterAll(async () => {
      await host?.stop();
    });

    it('node heatmap: a tile per node coloured by CPU band, status, link to the node page', async () => {
      const { page, errors, requests } = await openPanel(
        host,
        'node-heatmap',
        { queryType: 'nodes' },
        { metric: 'cpuPercent', warn: 20, crit: 40 },
        'Node heatmap (CPU)'
      );
      const nodes = await api<NodeListReply>('/nodes');
      const tiles = page.getByTestId('heatmap-tile');
      await tiles.first().waitFor();
      expect(await tiles.count()).toBe(nodes.items.length);
      expect(nodes.items.length).toBe(E2E_FLEET.clusters.reduce((a, c) => a + c.nodes, 0) + 1);
      // The not-ready host: its status in the tile's name, and the status icon instead of the value.
      const down = nodes.items.find((n) => n.name === 'dc1-docker-node-99')!;
      const downTile = page.locator(`a[href="/a/fleetlens-monitor-app/nodes/${down.id}"]`);
      await expect(downTile.getAttribute('aria-label')).resolves.toMatch(/, NotReady$/);
      expect(await downTile.locator('svg').count()).toBe(1);
      for (const n of nodes.items) {
        const tile = page.locator(`a[href="/a/fleetlens-monitor-app/nodes/${n.id}"]`);
        await expect(tile.getAttribute('aria-label')).resolves.toMatch(new RegExp(`^${n.name}: CPU `));
        const level = n.cpuPercent === null ? 'none' : n.cpuPercent >= 40 ? 'crit' : n.cpuPercent >= 20 ? 'warn' : 'ok';
        await expect(tile.getAttribute('data-level')).resolves.toBe(level);
      }
      for (const c of E2E_FLEET.clusters) await page.getByRole('region', { name: `Cluster ${c.name}` }).waitFor();
      // The data came through the datasource's proxy route, not the app's.
      expect(requests.some((r) => r.startsWith('/api/datasources/proxy/uid/fleetlens/api/api/v1/nodes'))).toBe(true);
      expect(requests.some((r) => r.startsWith('/api/plugin-proxy/'))).toBe(false);
      await tiles.first().hover();
      await page.screenshot({ path: path.join(SHOTS, `panel-node-heatmap${suffix}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });

    it('top containers: N items with rank badges, the ranking value and the secondary metrics', async () => {
      const { page, errors } = await openPanel(
        host,
        'top-containers',
        { queryType: 'top', metric: 'memBytes', limit: 10 },
        { limit: 8, metric: 'auto' },
        'Top 8 containers by memory'
      );
      const top = await api<TopReply>('/top?metric=memBytes&window=3600&limit=10');
      const items = page.getByTestId('top-item');
      await items.first().waitFor();
      expect(await items.count()).toBe(8);
      for (let i = 0; i < 8; i++) {
        const it = items.nth(i);
        await it.getByLabel(`Rank ${i + 1}`).waitFor();
        await expect(it.getByRole('link', { name: top.items[i].name }).getAttribute('href')).resolves.toBe(
          `/a/fleetlens-monitor-app/containers/${top.items[i].id}`
        );
        await expect(it.textContent()).resolves.toMatch(/CPU.*Mem.*Net.*Disk/);
      }
      await page.getByRole('list', { name: 'Top containers by Memory' }).waitFor();
      await page.screenshot({ path: path.join(SHOTS, `panel-top-containers${suffix}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
);

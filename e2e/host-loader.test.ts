import type { Browser, Page } from 'playwright-core';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { lineVersions } from './host/lines';
import { startHost, type RunningHost } from './host/server';
import { GRAFANA_LINES, SHARED_DEPENDENCIES, type GrafanaLine } from './host/src/shared/lines';
import { launchChromium } from './support/browser';

/**
 * The test host refuses what Grafana refuses, on each Grafana line: its SystemJS loader
 * (host/src/systemjsLoader.ts) registers exactly the line's shared modules
 * (host/src/shared/grafana-<line>.ts) and resolves anything else the way
 * `decorateSystemJSResolve` does (logged, fetched as a URL, 404). The modules are the
 * hand-written AMD fixtures in host/fixtures/ (see its README for the table).
 */

// The first e2e file to run builds both host bundles in beforeAll.
jest.setTimeout(300_000);

let browser: Browser;

beforeAll(async () => {
  ensurePluginBuilt();
  ensureHostBuilt();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('the shared-module lists', () => {
  test.each(GRAFANA_LINES)(
    'Grafana %s: no react-router-dom-v5-compat key; react-router, v5 react-router-dom and the jsx runtimes are shared',
    (line) => {
      const keys = SHARED_DEPENDENCIES[line];
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).not.toContain('react-router-dom-v5-compat');
      expect(keys).toEqual(
        expect.arrayContaining([
          'react',
          'react-dom',
          'react/jsx-runtime',
          'react/jsx-dev-runtime',
          'react-router',
          'react-router-dom',
        ])
      );
    }
  );

  test('react-dom/client and react-dom/server are shared from 13 (PR #118852), not by 12.4; otherwise the lists agree', () => {
    const only13 = SHARED_DEPENDENCIES['13'].filter((k) => !SHARED_DEPENDENCIES['12.4'].includes(k));
    const only124 = SHARED_DEPENDENCIES['12.4'].filter((k) => !SHARED_DEPENDENCIES['13'].includes(k));
    expect(only13.sort()).toEqual(['react-dom/client', 'react-dom/server']);
    expect(only124).toEqual([]);
  });
});

interface Outcome {
  state: string;
  error: string;
  text: string;
  errors: string[];
  warnings: string[];
  notFound: string[];
}

describe.each(GRAFANA_LINES)('Grafana %s: the host loads modules as Grafana does', (line: GrafanaLine) => {
  let host: RunningHost;
  let page: Page;
  const react19 = line === '13';

  beforeAll(async () => {
    // No backend is needed to load modules; the app's settings point nowhere.
    host = await startHost({ backendUrl: 'http://127.0.0.1:9', serviceKey: 'unused', grafanaLine: line });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await page?.close();
    await host?.stop();
  });

  /** Opens /fixture-host/<file> and waits until the module loaded or failed. */
  async function load(file: string): Promise<Outcome> {
    const errors: string[] = [];
    const warnings: string[] = [];
    const notFound: string[] = [];
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    };
    const onError = (e: Error) => errors.push(`page error: ${e.message}`);
    const onResponse = (r: { status(): number; url(): string }) => {
      if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
    };
    page.on('console', onConsole);
    page.on('pageerror', onError);
    page.on('response', onResponse);
    try {
      await page.goto(`${host.url}/fixture-host/${file}`);
      await page.waitForSelector('#root[data-state="loaded"], #root[data-state="failed"]', { state: 'attached' });
      const root = page.locator('#root');
      return {
        state: (await root.getAttribute('data-state')) ?? '',
        error: (await root.getAttribute('data-error')) ?? '',
        text: (await root.textContent()) ?? '',
        errors,
        warnings,
        notFound,
      };
    } finally {
      page.off('console', onConsole);
      page.off('pageerror', onError);
      page.off('response', onResponse);
    }
  }

  test("the import map is exactly the line's shared list; the line's React and Grafana version", async () => {
    await load('shared-only.js');
    const seen = await page.evaluate(async () => {
      const System = (
        window as unknown as {
          System: { getImportMap(): { imports: Record<string, string> }; import(id: string): Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
        }
      ).System;
      const react = await System.import('react');
      const runtime = await System.import('@grafana/runtime');
      return {
        imports: System.getImportMap().imports,
        react: react.version as string,
        grafana: runtime.config.buildInfo.version as string,
      };
    });
    expect(Object.keys(seen.imports).sort()).toEqual([...SHARED_DEPENDENCIES[line]].sort());
    for (const [k, v] of Object.entries(seen.imports)) expect(v).toBe(`package:${k}`);
    expect(seen.react).toBe(lineVersions(line).react);
    expect(seen.react.startsWith(react19 ? '19.' : '18.')).toBe(true);
    expect(seen.grafana).toBe(lineVersions(line).grafana);
    expect(seen.grafana.startsWith(react19 ? '13.' : '12.4.')).toBe(true);
  });

  test('a module asking only for shared names loads and renders with the shared jsx-runtime', async () => {
    const out = await load('shared-only.js');
    expect(out).toMatchObject({ state: 'loaded', errors: [], notFound: [] });
    expect(out.text).toBe('shared only: true,true,true,true,true,true,true,true');
  });

  test.each([
    ['asks-v5-compat.js', 'react-router-dom-v5-compat'],
    ['asks-unlisted.js', '@fleetlens/not-shared'],
  ])('%s: "%s" is not resolved, is fetched as a URL, gets 404, and the module fails to load', async (file, name) => {
    const out = await load(file);
    expect(out.state).toBe('failed');
    expect(out.warnings).toContain(`SystemJS: failed to resolve '${name}'`);
    expect(out.notFound).toContain(`/${name}`);
    expect(out.error).toMatch(/^Could not load plugin: Error: 404 Not Found, loading /);
    expect(out.errors.some((e) => e.startsWith('Error: Could not load plugin'))).toBe(true);
  });

  test(`react-dom/client ${react19 ? 'loads (shared from Grafana 13.0)' : 'fails (not shared by 12.4)'}`, async () => {
    const out = await load('asks-react-dom-client.js');
    if (react19) {
      expect(out).toMatchObject({ state: 'loaded', errors: [], text: 'react-dom/client function' });
    } else {
      expect(out.state).toBe('failed');
      expect(out.warnings).toContain("SystemJS: failed to resolve 'react-dom/client'");
      expect(out.notFound).toContain('/react-dom/client');
    }
  });

  test('a name Grafana shares but the host does not bundle fails with a clear error', async () => {
    const out = await load('asks-jquery.js');
    expect(out.state).toBe('failed');
    expect(out.error).toContain(
      `"jquery" is shared by Grafana ${line} (sharedDependencies.ts), not provided by the test host`
    );
    expect(out.notFound).toEqual([]);
  });

  test(`a module bundling React 18's jsx-runtime ${react19 ? 'fails on React 19' : 'works on React 18'}`, async () => {
    const out = await load('bundled-jsx-runtime-18.js');
    if (react19) {
      expect(out.state).toBe('failed');
      expect(out.error).toMatch(/reading 'ReactCurrentOwner'/);
    } else {
      expect(out).toMatchObject({ state: 'loaded', errors: [], text: 'bundled React 18 jsx-runtime' });
    }
  });
});

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ensureHostBuilt, ensurePluginBuilt } from './host/build';
import { interpolateTemplate } from './host/grafana/goTemplate';
import type { GrafanaUser, PluginJson } from './host/grafana/types';
import { PLUGIN_DIST, startHost, type RunningHost } from './host/server';

/**
 * The test host's Grafana API stand-in as startHost wires it (no browser): the app proxy and the
 * datasource proxy in front of a local echo server, with the datasource's own credential apart
 * from the app's service key, ID forwarding on, and the signing keys at Grafana's JWKS path
 * (pkg/services/signingkeys/signingkeysimpl) — what a backend verifier is pointed at.
 */

let echo: http.Server;
let echoUrl: string;
const received: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
let host: RunningHost;
const VIEWER: GrafanaUser = { id: 7, login: 'viewer', email: 'viewer@example.com', orgRole: 'Viewer' };

beforeAll(async () => {
  ensurePluginBuilt();
  ensureHostBuilt();
  echo = http.createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', () => ok()));
  echoUrl = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  host = await startHost({
    backendUrl: echoUrl,
    serviceKey: 'the-service-key',
    user: VIEWER,
    idForwarding: true,
    datasource: { jsonData: { backendUrl: echoUrl }, secureJsonData: { apiKey: 'the-datasource-key' } },
  });
}, 600_000);

afterAll(async () => {
  await host?.stop();
  await new Promise<void>((ok) => echo.close(() => ok()));
});

const pluginJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(PLUGIN_DIST, rel), 'utf8')) as PluginJson;

describe('startHost: the Grafana API stand-in over HTTP (pluginproxy.go, ds_proxy.go, signingkeysimpl)', () => {
  it('app route: service key, X-Grafana-Context, and an X-Grafana-Id that verifies against <host>/api/signing-keys/keys (iss = the host URL + "/")', async () => {
    const app = pluginJson('plugin.json');
    const route = app.routes![0];
    const prefix = route.path.replace(/\/?\*$/, '');
    const res = await fetch(`${host.url}/api/plugin-proxy/${app.id}/${prefix}/v1/probe`);
    expect(res.status).toBe(200);
    const got = received.at(-1)!;
    for (const h of route.headers ?? []) {
      expect(got.headers[h.name.toLowerCase()]).toBe(
        interpolateTemplate(h.content, {
          JsonData: { backendUrl: echoUrl },
          SecureJsonData: { serviceKey: 'the-service-key' },
        })
      );
    }
    expect(JSON.parse(got.headers['x-grafana-context'] as string)).toMatchObject({
      Login: 'viewer',
      OrgRole: 'Viewer',
    });
    expect(got.headers['x-grafana-user']).toBeUndefined();
    const { payload } = await jwtVerify(
      got.headers['x-grafana-id'] as string,
      createRemoteJWKSet(new URL(host.jwksUrl)),
      {
        issuer: `${host.url}/`,
        audience: 'org:1',
        algorithms: ['ES256'],
      }
    );
    expect(payload).toMatchObject({ sub: 'user:7', username: 'viewer' });
  });

  it("datasource route: the instance's own secureJsonData, no X-Grafana-Context, the same verifiable X-Grafana-Id", async () => {
    const ds = pluginJson('datasource/plugin.json');
    const route = ds.routes![0];
    const res = await fetch(`${host.url}/api/datasources/proxy/uid/fleetlens/${route.path}/v1/probe`);
    expect(res.status).toBe(200);
    const got = received.at(-1)!;
    for (const h of route.headers ?? []) {
      expect(got.headers[h.name.toLowerCase()]).toBe(
        interpolateTemplate(h.content, {
          JsonData: { backendUrl: echoUrl },
          SecureJsonData: { apiKey: 'the-datasource-key' },
        })
      );
    }
    expect(got.headers['x-grafana-context']).toBeUndefined();
    await expect(
      jwtVerify(got.headers['x-grafana-id'] as string, createRemoteJWKSet(new URL(host.jwksUrl)), {
        issuer: `${host.url}/`,
      })
    ).resolves.toBeTruthy();
    const settings = (await (await fetch(`${host.url}/api/datasources/uid/fleetlens`)).json()) as {
      secureJsonFields: Record<string, boolean>;
    };
    expect(settings.secureJsonFields).toEqual({ apiKey: true });
  });
});

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, kubeconfigConnection } from '../src/collectors/kubernetes/client';
import { type StandinServer, startApiStandin } from './helpers/kube-standin';

// Out-of-cluster kubeconfigs whose user runs an `exec` credential plugin (EKS, GKE, AKS logins),
// against a stand-in API server (local HTTP; helpers/kube-standin.ts) and a stand-in plugin: a
// small script that answers as such plugins do. The client side follows client-go's
// plugin/pkg/client/auth/exec/exec.go (named in agent/src/collectors/kubernetes/client.ts).

const PLUGIN = `#!/usr/bin/env node
const fs = require('fs');
const dir = process.env.PLUGIN_DIR;
const n = (fs.existsSync(dir + '/calls') ? Number(fs.readFileSync(dir + '/calls', 'utf8')) : 0) + 1;
fs.writeFileSync(dir + '/calls', String(n));
fs.writeFileSync(dir + '/info-' + n + '.json', process.env.KUBERNETES_EXEC_INFO || '');
fs.writeFileSync(dir + '/args-' + n + '.json', JSON.stringify(process.argv.slice(2)));
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
const mode = fs.existsSync(dir + '/mode') ? fs.readFileSync(dir + '/mode', 'utf8') : 'ok';
const ttl = Number(fs.existsSync(dir + '/ttl') ? fs.readFileSync(dir + '/ttl', 'utf8') : 3600);
const status = { token: 'exec-token-' + n, expirationTimestamp: new Date(Date.now() + ttl * 1000).toISOString() };
if (mode === 'fail') { process.stderr.write('login required\\n'); process.exit(3); }
const out = { apiVersion: info.apiVersion, kind: 'ExecCredential', status };
if (mode === 'wrong-version') out.apiVersion = 'client.authentication.k8s.io/v1alpha1';
if (mode === 'no-status') delete out.status;
if (mode === 'cert-only') out.status = { clientCertificateData: '-----BEGIN CERTIFICATE-----\\n' };
process.stdout.write(JSON.stringify(out));
`;

describe('kubeconfig exec credential plugins, as kubectl runs them, against a stand-in API server and plugin', () => {
  let dir: string;
  let api: StandinServer;
  let accepted: string[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fl-exec-'));
    writeFileSync(join(dir, 'plugin.js'), PLUGIN);
    chmodSync(join(dir, 'plugin.js'), 0o755);
    accepted = ['exec-token-1'];
    api = await startApiStandin({ token: () => accepted, pods: () => [] });
  });
  afterEach(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kubeconfig = (exec: Record<string, unknown>) => {
    const file = join(dir, 'config');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'eks',
        contexts: [{ name: 'eks', context: { cluster: 'c', user: 'u' } }],
        clusters: [{ name: 'c', cluster: { server: api.url, 'certificate-authority-data': 'Q0E=' } }],
        users: [{ name: 'u', user: { exec: { env: [{ name: 'PLUGIN_DIR', value: dir }], ...exec } } }],
      })
    );
    return file;
  };
  const V1 = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' };
  const calls = () => Number(readFileSync(join(dir, 'calls'), 'utf8'));

  it('item 9: a token from the plugin (relative command, args, env, KUBERNETES_EXEC_INFO with the cluster), reused until it expires', async () => {
    const api1 = new KubeClient(
      kubeconfigConnection(
        kubeconfig({ ...V1, command: './plugin.js', args: ['token', '-i', 'prod'], provideClusterInfo: true })
      )
    );
    await api1.get('/api/v1/pods');
    await api1.get('/api/v1/pods');
    expect(calls()).toBe(1);
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer exec-token-1', 'Bearer exec-token-1']);
    expect(JSON.parse(readFileSync(join(dir, 'args-1.json'), 'utf8'))).toEqual(['token', '-i', 'prod']);
    expect(JSON.parse(readFileSync(join(dir, 'info-1.json'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: api.url, 'certificate-authority-data': 'Q0E=' } },
    });
    // Expired: the next request runs the plugin again.
    writeFileSync(join(dir, 'ttl'), '-10');
    accepted = ['exec-token-1', 'exec-token-2', 'exec-token-3'];
    const api2 = new KubeClient(kubeconfigConnection(kubeconfig({ ...V1, command: join(dir, 'plugin.js') })));
    rmSync(join(dir, 'calls'));
    await api2.get('/api/v1/pods');
    await api2.get('/api/v1/pods');
    expect(calls()).toBe(2);
  });

  it('item 9: a 401 makes the next request run the plugin again (the token was revoked or rotated)', async () => {
    const c = new KubeClient(kubeconfigConnection(kubeconfig({ ...V1, command: './plugin.js' })));
    await c.get('/api/v1/pods');
    accepted = ['exec-token-2'];
    await expect(c.get('/api/v1/pods')).rejects.toMatchObject({ status: 401 });
    await c.get('/api/v1/pods');
    expect(calls()).toBe(2);
    expect(api.requests.at(-1)!.authorization).toBe('Bearer exec-token-2');
  });

  it('refuses what kubectl refuses: other apiVersion back, no status, a certificate without key, a failing plugin, v1 without interactiveMode, interactiveMode Always, v1alpha1', async () => {
    const get = (exec: Record<string, unknown>) =>
      new KubeClient(kubeconfigConnection(kubeconfig({ ...V1, command: './plugin.js', ...exec }))).get('/api/v1/pods');
    writeFileSync(join(dir, 'mode'), 'wrong-version');
    await expect(get({})).rejects.toThrow(
      'exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1alpha1'
    );
    writeFileSync(join(dir, 'mode'), 'no-status');
    await expect(get({})).rejects.toThrow("exec plugin didn't return a status field");
    writeFileSync(join(dir, 'mode'), 'cert-only');
    await expect(get({})).rejects.toThrow('exec plugin returned only certificate or key, not both');
    writeFileSync(join(dir, 'mode'), 'fail');
    await expect(get({})).rejects.toThrow('failed with exit code 3');
    await expect(get({ command: 'no-such-plugin', installHint: 'install it with brew' })).rejects.toThrow(
      /not found\s+install it with brew/
    );
    expect(() => kubeconfigConnection(kubeconfig({ apiVersion: V1.apiVersion, command: './plugin.js' }))).toThrow(
      'interactiveMode must be specified'
    );
    expect(() =>
      kubeconfigConnection(kubeconfig({ ...V1, interactiveMode: 'Always', command: './plugin.js' }))
    ).toThrow('cannot support interactive mode');
    expect(() =>
      kubeconfigConnection(kubeconfig({ apiVersion: 'client.authentication.k8s.io/v1alpha1', command: './plugin.js' }))
    ).toThrow('invalid apiVersion');
    // v1beta1 (no interactiveMode needed) works.
    writeFileSync(join(dir, 'mode'), 'ok');
    accepted = Array.from({ length: 20 }, (_, i) => `exec-token-${i + 1}`);
    await get({ apiVersion: 'client.authentication.k8s.io/v1beta1', interactiveMode: undefined });
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestBatch } from '@fleetlens/protocol';
import { Agent } from '../src/agent';
import { validateConfig } from '../src/config';
import { KubeClient, inClusterConnection, kubeconfigConnection } from '../src/collectors/kubernetes/client';
import { buildKubernetesCollectors } from '../src/collectors/kubernetes';
import { KubeNodeCollector } from '../src/collectors/kubernetes/node';
import { startReceiver } from './helpers/receiver';
import { type Pem, TestPki, startHttpsServer } from './helpers/tls';

// No real Kubernetes can run here: these tests use a fake API server and a fake kubelet, local
// HTTPS servers (node:https) answering Kubernetes-shaped replies on the standard paths, with
// certificates made by the openssl CLI at test time (a throw-away cluster CA, serving certificates
// for 127.0.0.1, a client certificate, and certificates the client must refuse).

const TOKEN = 'sa-token-tls-123';
const B64 = (b: Buffer) => b.toString('base64');

const POD = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-web-1', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { nodeName: 'node-1', containers: [{ name: 'web' }] },
  status: {
    containerStatuses: [
      {
        name: 'web',
        containerID: 'containerd://c-web',
        image: 'img/web:1',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      },
    ],
  },
};
const NODE = { metadata: { name: 'node-1', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };

/** Kubernetes-shaped replies; the summary's CPU counter grows by 1e9 ns per call. */
function kubeHandler(opts: { requireToken: boolean }) {
  let summaryCalls = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (opts.requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      return json({ kind: 'Status', code: 401, reason: 'Unauthorized' }, 401);
    }
    const p = url.pathname;
    if (p === '/api/v1/pods' && url.searchParams.get('fieldSelector') === 'spec.nodeName=node-1')
      return json({ kind: 'PodList', items: [POD] });
    if (p === '/api/v1/nodes/node-1') return json(NODE);
    if (p === '/stats/summary' || p === '/api/v1/nodes/node-1/proxy/stats/summary') {
      summaryCalls++;
      return json({
        pods: [
          {
            podRef: { name: 'web-1', namespace: 'shop', uid: 'uid-web-1' },
            network: { rxBytes: 1000 * summaryCalls, txBytes: 500 * summaryCalls },
            containers: [
              { name: 'web', cpu: { usageCoreNanoSeconds: 1e9 * summaryCalls }, memory: { workingSetBytes: 4096 } },
            ],
          },
        ],
      });
    }
    return json({ kind: 'Status', code: 404 }, 404);
  };
}

/** One node-mode cycle: start (baseline) and a collect 2 s later. */
async function nodeCycle(col: KubeNodeCollector) {
  const t0 = Date.now();
  await col.start(t0);
  return col.collect(t0 + 2000);
}

describe('Kubernetes TLS against a fake API server and a fake kubelet (local HTTPS, openssl-made certificates)', () => {
  let pki: TestPki;
  let dir: string;
  /** The cluster CA, and an unrelated CA standing in for "some other cluster" or a MITM. */
  let ca: Pem;
  let otherCa: Pem;
  let apiCert: Pem;
  let otherApiCert: Pem;
  let clientCert: Pem;
  let selfSignedApi: Pem;
  const servers: Array<{ close(): Promise<void> }> = [];
  const serve = async (...args: Parameters<typeof startHttpsServer>) => {
    const s = await startHttpsServer(...args);
    servers.push(s);
    return s;
  };
  const kubeconfig = (name: string, cluster: Record<string, unknown>, user: Record<string, unknown>) => {
    const file = join(dir, name);
    // JSON is valid YAML: kubeconfigs written this way parse like kubectl's.
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'test',
        contexts: [{ name: 'test', context: { cluster: 'fake', user: 'agent' } }],
        clusters: [{ name: 'fake', cluster }],
        users: [{ name: 'agent', user }],
      })
    );
    return file;
  };

  beforeAll(() => {
    pki = new TestPki();
    dir = mkdtempSync(join(tmpdir(), 'fl-kube-tls-'));
    ca = pki.selfSigned('ca', 'fake-cluster-ca');
    otherCa = pki.selfSigned('other-ca', 'some-other-ca');
    const serving = [
      'subjectAltName=IP:127.0.0.1',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
    ];
    apiCert = pki.signed('apiserver', ca, '/CN=kube-apiserver', serving);
    otherApiCert = pki.signed('other-apiserver', otherCa, '/CN=kube-apiserver', serving);
    selfSignedApi = pki.selfSigned('self-apiserver', 'self-signed-apiserver', serving.slice(0, 1));
    clientCert = pki.signed('client', ca, '/O=fleetlens/CN=fleetlens-agent', [
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
    ]);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    jest.restoreAllMocks();
  });
  afterAll(() => {
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('in-cluster config (token + ca.crt) against a fake API server signed by the cluster CA: requests verify and carry the bearer token', async () => {
    const api = await serve({ cert: apiCert.cert, key: apiCert.key }, kubeHandler({ requireToken: true }));
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), `${TOKEN}\n`);
    writeFileSync(join(sa, 'ca.crt'), ca.cert);
    const conn = inClusterConnection(
      { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) },
      sa
    );
    expect(conn.server).toBe(api.url);
    const client = new KubeClient(conn, 5000);
    // Node mode without a kubelet URL: the summary comes through the API server's node proxy.
    const parts = await nodeCycle(new KubeNodeCollector({ nodeName: 'node-1', api: client, kubelet: null }));
    expect(parts.containers!.map((c) => c.id)).toEqual(['c-web']);
    expect(parts.containers![0].samples[0].cpuCores).toBeCloseTo(0.5, 6);
    expect(api.seen.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1',
        '/api/v1/nodes/node-1/proxy/stats/summary',
      ])
    );
    expect(api.seen.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('a fake API server with a certificate from another CA is refused: the error names the server, the token is never sent, the agent logs the failure and keeps cycling', async () => {
    const api = await serve({ cert: otherApiCert.cert, key: otherApiCert.key }, kubeHandler({ requireToken: true }));
    const conn = { server: api.url, ca: ca.cert, token: () => TOKEN };
    const client = new KubeClient(conn, 5000);
    const err = await client.get('/api/v1/nodes/node-1').then(
      () => null,
      (e: Error & { code?: string }) => e
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // Says which server and what is wrong with its certificate.
    expect(err!.message).toContain(`${api.url}/api/v1/nodes/node-1`);
    expect(err!.message).toMatch(/unable to verify the first certificate/);
    expect(api.seen).toEqual([]); // no request (and no bearer token) went to the unverified server

    // In the agent: the collector's failure is logged and counted; the cycle still spools a batch.
    const receiver = await startReceiver();
    servers.push(receiver);
    const stateDir = join(dir, 'state-other-ca');
    const config = validateConfig({
      backendUrl: receiver.url,
      agentToken: 'agent-token-0123456789',
      nodeName: 'node-1',
      intervalSeconds: 3600,
      stateDir,
    });
    const logged: string[] = [];
    const batches: IngestBatch[] = [];
    const agent = new Agent({
      config,
      clusterKind: 'kubernetes',
      collectors: [
        new KubeNodeCollector({ nodeName: 'node-1', api: client, kubelet: null, log: (m) => logged.push(m) }),
      ],
      sender: { baseDelayMs: 50, maxDelayMs: 100, log: () => {} },
      log: (m) => logged.push(m),
      onBatch: (b) => batches.push(b),
    });
    await agent.start();
    try {
      await agent.cycle(Date.now());
      await agent.cycle(Date.now() + 1000);
    } finally {
      await agent.stop();
    }
    expect(agent.collectorErrors).toBe(2);
    expect(batches).toHaveLength(2);
    const failures = logged.filter((m) => m.includes('kubernetes-node collector failed'));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain(`${api.url}/api/v1/pods: unable to verify the first certificate`);
  });

  it('kubeconfig with certificate-authority-data and client-certificate-data/client-key-data: mTLS with a fake API server that requires a client certificate', async () => {
    const api = await serve(
      { cert: apiCert.cert, key: apiCert.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      kubeHandler({ requireToken: false })
    );
    const file = kubeconfig(
      'inline.yaml',
      { server: api.url, 'certificate-authority-data': B64(ca.cert) },
      { 'client-certificate-data': B64(clientCert.cert), 'client-key-data': B64(clientCert.key) }
    );
    const client = new KubeClient(kubeconfigConnection(file), 5000);
    const node = await client.get<{ metadata: { name: string } }>('/api/v1/nodes/node-1');
    expect(node.metadata.name).toBe('node-1');
    expect(api.seen).toEqual([{ path: '/api/v1/nodes/node-1', authorization: undefined, clientCn: 'fleetlens-agent' }]);

    // The server really insists: the same kubeconfig without the client certificate is refused.
    const noCert = kubeconfig('no-cert.yaml', { server: api.url, 'certificate-authority-data': B64(ca.cert) }, {});
    await expect(new KubeClient(kubeconfigConnection(noCert), 5000).get('/api/v1/nodes/node-1')).rejects.toThrow(
      api.url
    );
    expect(api.seen).toHaveLength(1);
  });

  it('kubeconfig with certificate-authority, client-certificate and client-key file paths (absolute, and relative to the kubeconfig as kubectl resolves them): mTLS with a fake API server', async () => {
    const api = await serve(
      { cert: apiCert.cert, key: apiCert.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      kubeHandler({ requireToken: false })
    );
    const absolute = kubeconfig(
      'paths.yaml',
      { server: api.url, 'certificate-authority': ca.certFile },
      { 'client-certificate': clientCert.certFile, 'client-key': clientCert.keyFile }
    );
    await expect(new KubeClient(kubeconfigConnection(absolute), 5000).get('/api/v1/nodes/node-1')).resolves.toEqual(
      NODE
    );
    // Relative paths are relative to the kubeconfig file (kubectl's rule), not to the agent's working directory.
    const kdir = join(dir, 'kube');
    mkdirSync(join(kdir, 'pki'), { recursive: true });
    writeFileSync(join(kdir, 'pki', 'ca.crt'), ca.cert);
    writeFileSync(join(kdir, 'pki', 'agent.crt'), clientCert.cert);
    writeFileSync(join(kdir, 'pki', 'agent.key'), clientCert.key);
    const relative = join(kdir, 'config');
    writeFileSync(
      relative,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        'contexts: [{name: test, context: {cluster: fake, user: agent}}]',
        `clusters: [{name: fake, cluster: {server: "${api.url}", certificate-authority: pki/ca.crt}}]`,
        'users: [{name: agent, user: {client-certificate: pki/agent.crt, client-key: ./pki/agent.key}}]',
      ].join('\n')
    );
    await expect(new KubeClient(kubeconfigConnection(relative), 5000).get('/api/v1/nodes/node-1')).resolves.toEqual(
      NODE
    );
    expect(api.seen.map((r) => r.clientCn)).toEqual(['fleetlens-agent', 'fleetlens-agent']);
  });

  it('insecure-skip-tls-verify: true connects to a self-signed fake API server (with the token); without it the server is refused', async () => {
    const api = await serve({ cert: selfSignedApi.cert, key: selfSignedApi.key }, kubeHandler({ requireToken: true }));
    const insecure = kubeconfig(
      'insecure.yaml',
      { server: api.url, 'insecure-skip-tls-verify': true },
      { token: TOKEN }
    );
    await expect(new KubeClient(kubeconfigConnection(insecure), 5000).get('/api/v1/nodes/node-1')).resolves.toEqual(
      NODE
    );
    expect(api.seen[0].authorization).toBe(`Bearer ${TOKEN}`);
    const strict = kubeconfig('strict.yaml', { server: api.url }, { token: TOKEN });
    await expect(new KubeClient(kubeconfigConnection(strict), 5000).get('/api/v1/nodes/node-1')).rejects.toThrow(
      /self-signed certificate/
    );
    expect(api.seen).toHaveLength(1);
  });

  describe('fake kubelet (summary API over HTTPS, port-10250 style) in node mode, wired as the agent builds it', () => {
    /** The node-mode collectors exactly as the agent builds them from its settings. */
    const build = async (apiUrl: string, kubeletUrl: string, kubeletInsecureTls: boolean) => {
      const file = kubeconfig(
        `node-${Date.now()}.yaml`,
        { server: apiUrl, 'certificate-authority-data': B64(ca.cert) },
        { token: TOKEN }
      );
      const config = validateConfig({
        backendUrl: 'http://127.0.0.1:9',
        agentToken: 'agent-token-0123456789',
        nodeName: 'node-1',
        kubeconfig: file,
        kubeletUrl,
        kubeletInsecureTls,
        logsEnabled: false,
        stateDir: join(dir, 'state-kubelet'),
      });
      const cols = await buildKubernetesCollectors(config, {});
      expect(cols.map((c) => c.name)).toEqual(['kubernetes-node']);
      return cols[0] as KubeNodeCollector;
    };

    it('kubelet serving certificate signed by the cluster CA for the node IP: verified with the cluster CA, bearer token sent, usage samples', async () => {
      const api = await serve({ cert: apiCert.cert, key: apiCert.key }, kubeHandler({ requireToken: true }));
      const kubeletCert = pki.signed('kubelet-ip', ca, '/O=system:nodes/CN=system:node:node-1', [
        'subjectAltName=DNS:node-1,IP:127.0.0.1',
        'extendedKeyUsage=serverAuth',
      ]);
      const kubelet = await serve(
        { cert: kubeletCert.cert, key: kubeletCert.key },
        kubeHandler({ requireToken: true })
      );
      const parts = await nodeCycle(await build(api.url, kubelet.url, false));
      expect(kubelet.seen.map((r) => [r.path, r.authorization])).toEqual([
        ['/stats/summary', `Bearer ${TOKEN}`],
        ['/stats/summary', `Bearer ${TOKEN}`],
      ]);
      expect(api.seen.some((r) => r.path.includes('/proxy/'))).toBe(false); // straight to the kubelet
      expect(parts.containers![0].samples[0]).toMatchObject({ memBytes: 4096, netRxBps: 500 });
      expect(parts.containers![0].samples[0].cpuCores).toBeCloseTo(0.5, 6);
    });

    it("kubelet with its own self-signed certificate (kubelet's default): refused when verifying — pods still reported without usage, and the reason is logged once; accepted with FLEETLENS_KUBELET_INSECURE_TLS", async () => {
      const api = await serve({ cert: apiCert.cert, key: apiCert.key }, kubeHandler({ requireToken: true }));
      // What a kubelet generates without serverTLSBootstrap: its own CA "<host>-ca@<ts>", SAN = hostname.
      const ownCa = pki.selfSigned('kubelet-own-ca', 'node-1-ca@1767225600');
      const own = pki.signed('kubelet-own', ownCa, '/CN=node-1@1767225600', [
        'subjectAltName=DNS:node-1',
        'extendedKeyUsage=serverAuth',
      ]);
      const kubelet = await serve({ cert: own.cert, key: own.key }, kubeHandler({ requireToken: true }));
      const logged: string[] = [];
      jest.spyOn(console, 'error').mockImplementation((m: string) => void logged.push(m));

      const strict = await build(api.url, kubelet.url, false);
      const parts = await nodeCycle(strict);
      await strict.collect(Date.now() + 4000);
      expect(kubelet.seen).toEqual([]); // the token was not handed to the unverified kubelet
      expect(parts.containers!.map((c) => [c.id, c.state, c.samples])).toEqual([['c-web', 'running', []]]);
      const kubeletLines = logged.filter((m) => m.includes(`${kubelet.url}/stats/summary`));
      expect(kubeletLines).toHaveLength(1); // once, not every cycle
      expect(kubeletLines[0]).toMatch(/kubelet summary.*unable to verify the first certificate/);
      expect(kubeletLines[0]).toContain('FLEETLENS_KUBELET_INSECURE_TLS');

      const insecure = await build(api.url, kubelet.url, true);
      const ok = await nodeCycle(insecure);
      expect(ok.containers![0].samples[0].cpuCores).toBeCloseTo(0.5, 6);
      expect(kubelet.seen.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });

    it('kubelet certificate from the cluster CA naming only the node name, reached by IP: refused as a name mismatch (not silently accepted)', async () => {
      const api = await serve({ cert: apiCert.cert, key: apiCert.key }, kubeHandler({ requireToken: true }));
      const nameOnly = pki.signed('kubelet-name', ca, '/O=system:nodes/CN=system:node:node-1', [
        'subjectAltName=DNS:node-1',
        'extendedKeyUsage=serverAuth',
      ]);
      const kubelet = await serve({ cert: nameOnly.cert, key: nameOnly.key }, kubeHandler({ requireToken: true }));
      const logged: string[] = [];
      jest.spyOn(console, 'error').mockImplementation((m: string) => void logged.push(m));
      const parts = await nodeCycle(await build(api.url, kubelet.url, false));
      expect(parts.containers![0].samples).toEqual([]);
      expect(kubelet.seen).toEqual([]);
      expect(logged.join('\n')).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
    });
  });
});

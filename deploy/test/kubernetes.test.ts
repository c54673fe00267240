/**
 * Kubernetes manifests in deploy/kubernetes, validated without a cluster (none can run here):
 * rendered by `kubectl kustomize` when kubectl is installed (else by the built-in renderer; the
 * test names say which), schema-checked against the Kubernetes OpenAPI schemas that the
 * kubernetes-models package ships (offline), plus hand-written structural checks.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../../backend/src/config';
import { validateConfig as validateAgentConfig } from '../../agent/src/config';
import { K8S_DIR, exists, loadYamlDocs, parseDockerfile, read, type Doc } from './helpers';
import {
  CLUSTER_SCOPED,
  CURRENT_KINDS,
  containerEnv,
  find,
  idOf,
  loadKustomization,
  podSpec,
  render,
  workloads,
} from './k8s';

const rendered = render();
const docs = rendered.docs;
// Secrets are templates (*.example.yaml) created once by hand, never applied by the kustomization.
const secretTemplates = readdirSync(K8S_DIR)
  .filter((f) => /\.example\.ya?ml$/.test(f))
  .flatMap((f) => loadYamlDocs(join(K8S_DIR, f)));
const backendSecret = secretTemplates.find((s) => s.metadata.name === 'fleetlens-backend')!;
const NS = 'fleetlens';
/** Manifests applied on their own, deliberately not in kustomization.yaml's resources. */
const OPTIONAL = ['agent-actions-rbac.yaml'];

/** The schema model class for an apiVersion/kind, from kubernetes-models (CommonJS, offline). */
function model(apiVersion: string, kind: string): new (o: Doc) => { validate(): void } {
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`kubernetes-models/${path}/${kind}`);
  return mod[kind];
}

/** Which process a container runs, from its image; decides the health paths and port variable. */
function processOf(image: string): { served: string[]; portVar: string; defaultPort: number } {
  const served = (rel: string) => [...read(rel).matchAll(/'(\/[a-z]+)'/g)].map((m) => m[1]);
  if (image.startsWith('fleetlens/backend:'))
    return { served: served('backend/src/routes/health.ts'), portVar: 'PORT', defaultPort: 8480 };
  if (image.startsWith('fleetlens/agent:'))
    return { served: served('agent/src/health.ts'), portVar: 'FLEETLENS_HEALTH_PORT', defaultPort: NaN };
  throw new Error(`unknown image ${image}`);
}

describe(`Kubernetes manifests (rendered with ${rendered.how})`, () => {
  test('kustomization.yaml: a Kustomization, every listed resource exists, every manifest in deploy/kubernetes is listed (templates *.example.yaml excluded)', () => {
    const k = loadKustomization();
    expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(k.kind).toBe('Kustomization');
    // The built-in renderer supports exactly these fields; anything else must be added there first.
    expect(
      Object.keys(k).filter((f) => !['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images'].includes(f))
    ).toEqual([]);
    for (const r of k.resources) expect({ r, exists: exists(`deploy/kubernetes/${r}`) }).toEqual({ r, exists: true });
    // Optional manifests are applied on their own (actions-rbac.test.ts checks that one).
    const manifests = readdirSync(K8S_DIR).filter(
      (f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml' && !/\.example\.ya?ml$/.test(f) && !OPTIONAL.includes(f)
    );
    expect([...k.resources].sort()).toEqual(manifests.sort());
    expect(new Set(k.resources).size).toBe(k.resources.length);
    // Templates hold placeholders: re-applying the kustomization must never overwrite real secrets.
    expect(k.resources.some((r) => r.includes('example'))).toBe(false);
    expect(docs.filter((d) => d.kind === 'Secret').map(idOf)).toEqual([]);
    // The images rules name images the workloads use.
    const used = new Set(
      workloads(docs).flatMap((w) => podSpec(w).containers.map((c: Doc) => String(c.image).split(':')[0]))
    );
    for (const i of k.images ?? []) expect(used.has(i.newName ?? i.name)).toBe(true);
  });

  test(`renders with ${rendered.how}: objects are unique${rendered.how === 'kubectl kustomize' ? ' and the built-in renderer yields the same objects and images' : ''}`, () => {
    expect(docs.length).toBeGreaterThanOrEqual(10);
    const ids = docs.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    if (rendered.how === 'kubectl kustomize') {
      expect(rendered.builtin.map(idOf).sort()).toEqual([...ids].sort());
      const images = (list: Doc[]) =>
        workloads(list)
          .flatMap((w) => podSpec(w).containers.map((c: Doc) => `${idOf(w)} ${c.image}`))
          .sort();
      expect(images(rendered.builtin)).toEqual(images(docs));
    }
  });

  test('every object (and the Secret templates) has an apiVersion/kind served by current Kubernetes and passes its OpenAPI schema (kubernetes-models, offline)', () => {
    for (const o of [...docs, ...secretTemplates]) {
      const key = `${o.apiVersion}/${o.kind}`;
      expect({ id: idOf(o), kind: CURRENT_KINDS[key] }).toEqual({ id: idOf(o), kind: key });
      const Model = model(o.apiVersion, o.kind);
      let error = '';
      try {
        new Model(o).validate();
      } catch (e) {
        error = (e as Error).message;
      }
      expect({ id: idOf(o), error }).toEqual({ id: idOf(o), error: '' });
      expect(o.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
  });

  test('the schema check can fail: a Deployment without a selector and a string containerPort are rejected', () => {
    const Deployment = model('apps/v1', 'Deployment');
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'http' }] }] } } },
    };
    expect(() => new Deployment(bad).validate()).toThrow(/selector|containerPort/);
  });

  test('namespaced objects are in the fleetlens Namespace, which the kustomization creates', () => {
    expect(find(docs, 'Namespace', NS)).toBeDefined();
    for (const o of docs) {
      if (CLUSTER_SCOPED.has(o.kind))
        expect({ id: idOf(o), ns: o.metadata.namespace }).toEqual({ id: idOf(o), ns: undefined });
      else expect({ id: idOf(o), ns: o.metadata.namespace }).toEqual({ id: idOf(o), ns: NS });
    }
    for (const b of docs.filter((d) => d.kind === 'ClusterRoleBinding')) {
      for (const s of b.subjects) if (s.kind === 'ServiceAccount') expect(s.namespace).toBe(NS);
    }
  });

  test('workloads: selectors match template labels; every container has an image, cpu/memory requests and limits, and liveness/readiness probes on paths its process serves, on a declared port it listens on', () => {
    const ws = workloads(docs);
    expect(ws.map((w) => w.metadata.name).sort()).toEqual([
      'fleetlens-agent',
      'fleetlens-backend',
      'fleetlens-cluster-agent',
    ]);
    for (const w of ws) {
      const labels = w.spec.template.metadata.labels ?? {};
      expect(Object.keys(w.spec.selector.matchLabels).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels))
        expect({ w: idOf(w), k, v: labels[k] }).toEqual({ w: idOf(w), k, v });
      for (const c of podSpec(w).containers) {
        const where = `${idOf(w)} container ${c.name}`;
        expect(c.image).toMatch(/^fleetlens\/(backend|agent):[0-9]+\.[0-9]+\.[0-9]+$/);
        for (const kind of ['requests', 'limits']) {
          for (const r of ['cpu', 'memory'])
            expect({ where, kind, r, set: c.resources?.[kind]?.[r] != null }).toEqual({ where, kind, r, set: true });
        }
        const proc = processOf(c.image);
        const env = containerEnv(c);
        const listenPort = Number(typeof env[proc.portVar] === 'string' ? env[proc.portVar] : proc.defaultPort);
        expect({ where, listenPort: Number.isFinite(listenPort) }).toEqual({ where, listenPort: true });
        for (const probeName of ['livenessProbe', 'readinessProbe']) {
          const probe = c[probeName];
          expect({ where, probeName, httpGet: !!probe?.httpGet }).toEqual({ where, probeName, httpGet: true });
          expect({
            where,
            probeName,
            path: probe.httpGet.path,
            served: proc.served.includes(probe.httpGet.path),
          }).toEqual({ where, probeName, path: probe.httpGet.path, served: true });
          const port = (c.ports ?? []).find(
            (p: Doc) => p.name === probe.httpGet.port || p.containerPort === probe.httpGet.port
          );
          expect({ where, probeName, port: port?.containerPort }).toEqual({ where, probeName, port: listenPort });
        }
      }
    }
    // Readiness must reflect the database; liveness must not (a DB outage must not restart every backend).
    const backend = podSpec(find(docs, 'Deployment', 'fleetlens-backend')).containers[0];
    expect(backend.readinessProbe.httpGet.path).toBe('/readyz');
    expect(backend.livenessProbe.httpGet.path).toBe('/healthz');
  });

  test('workloads: no privilege escalation, all capabilities dropped, read-only root filesystem; backend runs as non-root with the numeric USER of backend/Dockerfile and writable /data and /tmp volumes', () => {
    for (const w of workloads(docs)) {
      const spec = podSpec(w);
      const volumes = new Set((spec.volumes ?? []).map((v: Doc) => v.name));
      for (const c of spec.containers) {
        const where = `${idOf(w)} container ${c.name}`;
        expect({ where, sc: c.securityContext }).toMatchObject({
          where,
          sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        });
        expect(c.securityContext.privileged).not.toBe(true);
        for (const m of c.volumeMounts ?? [])
          expect({ where, mount: m.name, defined: volumes.has(m.name) }).toEqual({
            where,
            mount: m.name,
            defined: true,
          });
      }
    }
    const dep = find(docs, 'Deployment', 'fleetlens-backend');
    const spec = podSpec(dep);
    const df = parseDockerfile(read('backend/Dockerfile'));
    const user = df.stages[df.stages.length - 1].instructions.filter((i) => i.cmd === 'USER').pop()!.args;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user.split(':')[0]) });
    expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(spec.automountServiceAccountToken).toBe(false); // the backend never calls the API server
    const c = spec.containers[0];
    const mounted = (path: string) => {
      const m = c.volumeMounts.find((v: Doc) => v.mountPath === path);
      return m && !m.readOnly ? spec.volumes.find((v: Doc) => v.name === m.name) : undefined;
    };
    expect(containerEnv(c).DATA_DIR).toBe('/data');
    expect(mounted('/data')?.emptyDir).toBeDefined();
    expect(mounted('/tmp')?.emptyDir).toBeDefined();
  });

  test('references resolve: ServiceAccounts and ConfigMaps come from the kustomization, Secrets fleetlens-backend and fleetlens-agent-token from their templates (*.example.yaml) with every key the workloads read', () => {
    const outOfBand = new Map<string, Doc>(secretTemplates.map((s) => [s.metadata.name, s]));
    expect([...outOfBand.keys()].sort()).toEqual(['fleetlens-agent-token', 'fleetlens-backend']);
    for (const w of workloads(docs)) {
      const spec = podSpec(w);
      const sa = spec.serviceAccountName ?? 'default';
      if (sa !== 'default')
        expect({ w: idOf(w), sa: !!find(docs, 'ServiceAccount', sa) }).toEqual({ w: idOf(w), sa: true });
      for (const v of spec.volumes ?? []) {
        if (v.configMap)
          expect({ w: idOf(w), cm: v.configMap.name, found: !!find(docs, 'ConfigMap', v.configMap.name) }).toEqual({
            w: idOf(w),
            cm: v.configMap.name,
            found: true,
          });
        if (v.secret)
          expect({
            w: idOf(w),
            s: v.secret.secretName,
            found: !!(find(docs, 'Secret', v.secret.secretName) ?? outOfBand.get(v.secret.secretName)),
          }).toEqual({
            w: idOf(w),
            s: v.secret.secretName,
            found: true,
          });
      }
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
          if (!ref) continue;
          const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
          const obj = find(docs, kind, ref.name) ?? (kind === 'Secret' ? outOfBand.get(ref.name) : undefined);
          const keys = Object.keys({ ...(obj?.data ?? {}), ...(obj?.stringData ?? {}) });
          expect({ w: idOf(w), env: e.name, ref: `${kind}/${ref.name}`, hasKey: keys.includes(ref.key) }).toEqual({
            w: idOf(w),
            env: e.name,
            ref: `${kind}/${ref.name}`,
            hasKey: true,
          });
        }
      }
    }
  });

  test('Secret templates commit placeholders only (CHANGE-ME), never a value', () => {
    for (const t of secretTemplates)
      for (const [k, v] of Object.entries({ ...(t.data ?? {}), ...(t.stringData ?? {}) }))
        expect({ secret: t.metadata.name, k, marked: String(v).includes('CHANGE-ME') }).toEqual({
          secret: t.metadata.name,
          k,
          marked: true,
        });
  });

  test('backend: 2 replicas, rolling update that keeps capacity, Service and PodDisruptionBudget select its pods, Service targets the probe port', () => {
    const dep = find(docs, 'Deployment', 'fleetlens-backend');
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const podLabels = dep.spec.template.metadata.labels;
    const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
    const svc = find(docs, 'Service', 'fleetlens-backend');
    expect(selects(svc.spec.selector)).toBe(true);
    const pdb = find(docs, 'PodDisruptionBudget', 'fleetlens-backend');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(dep.spec.replicas);
    const c = podSpec(dep).containers[0];
    const target = c.ports.find(
      (p: Doc) => p.name === svc.spec.ports[0].targetPort || p.containerPort === svc.spec.ports[0].targetPort
    );
    expect(target?.containerPort).toBe(8480);
    expect(svc.spec.ports[0].port).toBe(8480);
  });

  test("backend settings (Deployment env + Secret template with its placeholders replaced) pass the backend's own config validation; the placeholders themselves are refused", () => {
    const c = podSpec(find(docs, 'Deployment', 'fleetlens-backend')).containers[0];
    const secret = backendSecret.stringData as Record<string, string>;
    // Every placeholder is marked as such.
    for (const [k, v] of Object.entries(secret))
      expect({ k, marked: v.includes('CHANGE-ME') }).toEqual({ k, marked: true });
    const env = (values: Record<string, string>) =>
      Object.fromEntries(
        (c.env as Doc[]).map((e) => [e.name, e.valueFrom ? values[e.valueFrom.secretKeyRef.key] : String(e.value)])
      ) as Record<string, string>;
    const real = Object.fromEntries(
      Object.entries(secret).map(([k, v]) => [k, v.replace(/CHANGE-ME(-[a-z-]+)?/g, 'x7Qp2Lm9Zt4Rw8Vb3Nc6')])
    );
    const cfg = loadConfig(env(real));
    expect(cfg.port).toBe(8480);
    expect(cfg.dataDir).toBe('/data');
    expect(cfg.databaseUrl).toMatch(/^mysql:\/\//); // several replicas need one shared database
    expect(cfg.jobsEnabled).toBe(true);
    expect(() => loadConfig(env(secret))).toThrow(ConfigError);
  });

  test("agents: their settings (ConfigMap + env) pass the agent's config validation and their backendUrl is the backend Service's in-cluster address", () => {
    const cm = find(docs, 'ConfigMap', 'fleetlens-agent');
    const fileSettings = YAML.parse(cm.data['agent.yaml']);
    const svc = find(docs, 'Service', 'fleetlens-backend');
    const url = new URL(fileSettings.backendUrl);
    expect([
      svc.metadata.name,
      `${svc.metadata.name}.${NS}`,
      `${svc.metadata.name}.${NS}.svc`,
      `${svc.metadata.name}.${NS}.svc.cluster.local`,
    ]).toContain(url.hostname);
    expect(Number(url.port)).toBe(svc.spec.ports[0].port);
    const agents = workloads(docs).filter((w) => podSpec(w).containers[0].image.startsWith('fleetlens/agent:'));
    expect(agents.length).toBe(2);
    // The agent's own table of settings and their variables (agent/src/config.ts, `ENV`).
    const VARS = Object.fromEntries(
      [...read('agent/src/config.ts').matchAll(/^\s+([a-zA-Z]+): '([A-Z][A-Z0-9_]+)',$/gm)].map((m) => [m[2], m[1]])
    ) as Record<string, string>;
    expect(VARS.FLEETLENS_MODE).toBe('mode');
    const modes = new Set<string>();
    // status.hostIP (NODE_IP) is an IPv4 address on IPv4 and dual-stack-IPv4-primary clusters and a
    // bare IPv6 address on IPv6-only ones; $(NODE_IP) is substituted as is (issue 18 item 2).
    for (const nodeIp of ['192.0.2.10', '2001:db8::10']) {
      for (const w of agents) {
        const c = podSpec(w).containers[0];
        const merged: Record<string, unknown> = { ...fileSettings };
        for (const e of c.env ?? []) {
          // Downward-API and secret values are only known in the cluster: stand-ins of the right shape.
          const value = e.valueFrom
            ? e.valueFrom.fieldRef
              ? 'node-1'
              : 'token-from-secret'
            : String(e.value).replace(/\$\([A-Z_]+\)/g, nodeIp);
          if (VARS[e.name]) merged[VARS[e.name]] = value;
        }
        const cfg = validateAgentConfig(merged);
        modes.add(cfg.mode);
        if (cfg.mode === 'node') {
          const host = nodeIp.includes(':') ? `[${nodeIp}]` : nodeIp;
          expect({ nodeIp, url: cfg.kubeletUrl }).toEqual({ nodeIp, url: `https://${host}:10250` });
          expect(new URL(cfg.kubeletUrl!).hostname).toBe(host);
        }
      }
    }
    expect([...modes].sort()).toEqual(['cluster', 'node']);
  });

  /**
   * GKE's rule for the system priority classes, as the ResourceQuota admission plugin applies it
   * with GKE's configuration (limitedResources: pods, matchScopes PriorityClass In
   * [system-node-critical, system-cluster-critical]; the Kubernetes docs' "Limit Priority Class
   * consumption by default"): plugin/pkg/admission/resourcequota/controller.go CheckRequest
   * collects the scope requirements of every ResourceQuota in the pod's namespace that match the
   * pod (pkg/quota/v1/evaluator/core/pods.go MatchingScopes, podMatchesScopeFunc: PriorityClass
   * In/NotIn/Exists/DoesNotExist on spec.priorityClassName; `spec.scopes` entries act as Exists)
   * and refuses the pod when a limited scope it matches has no such requirement
   * (UncoveredQuotaScopes) or a matching quota's hard `pods` is used up.
   */
  function gkeAdmits(pod: { namespace: string; priorityClassName?: string }, all: Doc[], existingPods = 0): string {
    const LIMITED = {
      scopeName: 'PriorityClass',
      operator: 'In',
      values: ['system-node-critical', 'system-cluster-critical'],
    };
    const matches = (req: Doc) => {
      if (req.scopeName !== 'PriorityClass') return false;
      const pc = pod.priorityClassName;
      switch (req.operator) {
        case 'In':
          return pc !== undefined && req.values.includes(pc);
        case 'NotIn':
          return pc !== undefined && !req.values.includes(pc);
        case 'Exists':
          return pc !== undefined;
        case 'DoesNotExist':
          return pc === undefined;
        default:
          return false;
      }
    };
    if (!matches(LIMITED)) return 'admitted';
    const quotas = all.filter((d) => d.kind === 'ResourceQuota' && d.metadata.namespace === pod.namespace);
    const reqs = (q: Doc): Doc[] => [
      ...(q.spec?.scopes ?? []).map((scopeName: string) => ({ scopeName, operator: 'Exists' })),
      ...(q.spec?.scopeSelector?.matchExpressions ?? []),
    ];
    const covered = quotas.some((q) => reqs(q).some(matches));
    if (!covered) return `insufficient quota to match these scopes: [{PriorityClass In [${LIMITED.values.join(' ')}]}]`;
    for (const q of quotas) {
      const rs = reqs(q);
      if (!rs.every((r) => r.scopeName !== 'PriorityClass' || matches(r))) continue;
      const hard = q.spec?.hard?.pods ?? q.spec?.hard?.['count/pods'];
      if (hard !== undefined && existingPods + 1 > Number(hard))
        return `exceeded quota: ${q.metadata.name}, requested: pods=1, used: pods=${existingPods}, limited: pods=${hard}`;
    }
    return 'admitted';
  }

  test("item 1 (GKE): the node agent's system-node-critical pods pass GKE's priority-class quota rule in their namespace, for clusters up to GKE's 15,000 nodes", () => {
    const ds = find(docs, 'DaemonSet', 'fleetlens-agent');
    const pod = { namespace: ds.metadata.namespace, priorityClassName: podSpec(ds).priorityClassName };
    expect(pod.priorityClassName).toBe('system-node-critical'); // kubelet eviction protection needs a system class
    expect(gkeAdmits(pod, docs)).toBe('admitted');
    expect(gkeAdmits(pod, docs, 14_999)).toBe('admitted');
    // The other workloads use no limited class.
    for (const w of workloads(docs).filter((x) => x !== ds))
      expect(
        gkeAdmits({ namespace: w.metadata.namespace, priorityClassName: podSpec(w).priorityClassName }, docs)
      ).toBe('admitted');
  });

  /**
   * Pod Security Standards as the pod-security-admission library checks them
   * (staging/src/k8s.io/pod-security-admission/policy/check_*.go), the checks these manifests
   * can touch. Baseline: hostNetwork/hostPID/hostIPC (check_hostNamespaces.go), privileged
   * (check_privileged.go), capabilities added beyond the baseline set
   * (check_capabilities_baseline.go), hostPath volumes (check_hostPathVolumes.go), hostPort
   * (check_hostPorts.go), procMount (check_procMount.go), seccomp Unconfined
   * (check_seccompProfile_baseline.go). Restricted also: volume types (check_restrictedVolumes.go),
   * allowPrivilegeEscalation false (check_allowPrivilegeEscalation.go), runAsNonRoot
   * (check_runAsNonRoot.go), runAsUser not 0 (check_runAsUser.go), seccomp RuntimeDefault or
   * Localhost (check_seccompProfile_restricted.go), drop ALL and add at most NET_BIND_SERVICE
   * (check_capabilities_restricted.go). Returns the strictest level the pod meets and why not stricter.
   */
  function podSecurityLevel(spec: Doc): { level: 'restricted' | 'baseline' | 'privileged'; why: string[] } {
    const baseline: string[] = [];
    const restricted: string[] = [];
    const cs: Doc[] = [...(spec.initContainers ?? []), ...spec.containers];
    for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[k]) baseline.push(k);
    const BASE_CAPS = new Set([
      'AUDIT_WRITE',
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'NET_BIND_SERVICE',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'SYS_CHROOT',
    ]);
    const podSc = spec.securityContext ?? {};
    if (podSc.seccompProfile?.type === 'Unconfined') baseline.push('seccomp Unconfined');
    for (const v of spec.volumes ?? []) {
      if (v.hostPath) baseline.push(`hostPath volume ${v.name} (${v.hostPath.path})`);
      const types = Object.keys(v).filter((k) => k !== 'name');
      const allowed = [
        'configMap',
        'csi',
        'downwardAPI',
        'emptyDir',
        'ephemeral',
        'persistentVolumeClaim',
        'projected',
        'secret',
      ];
      if (!types.every((t) => allowed.includes(t))) restricted.push(`volume ${v.name} of type ${types.join(',')}`);
    }
    let allNonRoot = true;
    let allSeccomp = true;
    for (const c of cs) {
      const sc = c.securityContext ?? {};
      if (sc.privileged) baseline.push(`${c.name}: privileged`);
      for (const cap of sc.capabilities?.add ?? []) if (!BASE_CAPS.has(cap)) baseline.push(`${c.name}: adds ${cap}`);
      for (const p of c.ports ?? []) if (p.hostPort) baseline.push(`${c.name}: hostPort ${p.hostPort}`);
      if (sc.procMount && sc.procMount !== 'Default') baseline.push(`${c.name}: procMount`);
      if (sc.seccompProfile?.type === 'Unconfined') baseline.push(`${c.name}: seccomp Unconfined`);
      if (sc.allowPrivilegeEscalation !== false) restricted.push(`${c.name}: allowPrivilegeEscalation not false`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) restricted.push(`${c.name}: does not drop ALL`);
      for (const cap of sc.capabilities?.add ?? [])
        if (cap !== 'NET_BIND_SERVICE') restricted.push(`${c.name}: adds ${cap}`);
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) allNonRoot = false;
      if ((sc.runAsUser ?? podSc.runAsUser) === 0) restricted.push(`${c.name}: runAsUser 0`);
      const sp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
      if (sp !== 'RuntimeDefault' && sp !== 'Localhost') allSeccomp = false;
    }
    if (!allNonRoot) restricted.push('runAsNonRoot not true');
    if (!allSeccomp) restricted.push('seccompProfile not RuntimeDefault/Localhost');
    if (baseline.length) return { level: 'privileged', why: baseline };
    if (restricted.length) return { level: 'baseline', why: restricted };
    return { level: 'restricted', why: [] };
  }

  test("item 8: the namespace's Pod Security label admits every workload in it (the node agent's hostPath volumes need privileged), and no level wider than needed", () => {
    const order = ['restricted', 'baseline', 'privileged'];
    const ns = find(docs, 'Namespace', NS);
    const enforce = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    const levels = workloads(docs).map((w) => ({ w: idOf(w), ...podSecurityLevel(podSpec(w)) }));
    const needed = levels.reduce((a, l) => (order.indexOf(l.level) > order.indexOf(a) ? l.level : a), 'restricted');
    expect(levels.find((l) => l.w.startsWith('DaemonSet/'))).toMatchObject({ level: 'privileged' });
    expect(levels.find((l) => l.w.startsWith('DaemonSet/'))!.why.every((y) => y.startsWith('hostPath volume'))).toBe(
      true
    ); // nothing else than the host paths it reads
    expect(enforce).toBe(needed);
  });

  test('the Pod Security check refuses what pod-security-admission refuses: host namespaces, privileged, added capabilities, no seccomp / root for restricted', () => {
    const c = {
      name: 'c',
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    };
    expect(podSecurityLevel({ containers: [c] }).level).toBe('restricted');
    expect(podSecurityLevel({ hostNetwork: true, containers: [c] }).level).toBe('privileged');
    expect(
      podSecurityLevel({ containers: [{ ...c, securityContext: { ...c.securityContext, privileged: true } }] }).level
    ).toBe('privileged');
    expect(
      podSecurityLevel({
        containers: [
          { ...c, securityContext: { ...c.securityContext, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } },
        ],
      }).level
    ).toBe('privileged');
    expect(podSecurityLevel({ containers: [{ name: 'c' }] })).toMatchObject({ level: 'baseline' });
    expect(podSecurityLevel({ containers: [c], volumes: [{ name: 'h', hostPath: { path: '/' } }] }).level).toBe(
      'privileged'
    );
  });

  test('item 8: the node agent mounts only what it reads — host /proc, /sys, /var/log/pods, /etc/os-release read-only (recursively where supported, no propagation), its own state dir — never the host root, the runtime socket, pod volumes or kubelet credentials', () => {
    const spec = podSpec(find(docs, 'DaemonSet', 'fleetlens-agent'));
    const c = spec.containers[0];
    const env = containerEnv(c);
    const hostPaths = new Map<string, string>(
      (spec.volumes as Doc[]).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath.path])
    );
    expect([...hostPaths.values()].sort()).toEqual([
      '/etc/os-release',
      '/proc',
      '/sys',
      '/var/lib/fleetlens-agent',
      '/var/log/pods',
    ]);
    // What must stay out of reach: a root process with the runtime's socket controls every
    // container (a read-only mount does not stop connect() on a socket), pods' volumes hold their
    // secrets and tokens, the kubelet's files its node credentials.
    const SENSITIVE = [
      '/run/containerd/containerd.sock',
      '/var/run/containerd/containerd.sock',
      '/run/k3s/containerd/containerd.sock',
      '/var/run/crio/crio.sock',
      '/run/crio/crio.sock',
      '/var/run/docker.sock',
      '/run/docker.sock',
      '/var/lib/kubelet/pods',
      '/var/lib/kubelet/pki',
      '/etc/kubernetes',
    ];
    const covers = (dir: string, p: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
    for (const [name, p] of hostPaths)
      for (const s of SENSITIVE) expect({ name, p, s, reaches: covers(p, s) }).toEqual({ name, p, s, reaches: false });
    for (const m of c.volumeMounts as Doc[]) {
      const p = hostPaths.get(m.name);
      if (p === undefined) continue;
      expect({ m: m.name, propagation: m.mountPropagation }).toEqual({ m: m.name, propagation: undefined });
      if (p === '/var/lib/fleetlens-agent') continue; // its spool: written
      expect({ m: m.name, readOnly: m.readOnly }).toEqual({ m: m.name, readOnly: true });
      if (p !== '/etc/os-release')
        expect({ m: m.name, rro: ['IfPossible', 'Enabled'].includes(m.recursiveReadOnly) }).toEqual({
          m: m.name,
          rro: true,
        });
    }
    // Every literal path the agent reads below HOST_ROOT is mounted there.
    const hostRoot = String(env.HOST_ROOT);
    const mountedUnderRoot = (c.volumeMounts as Doc[])
      .map((m: Doc) => String(m.mountPath))
      .filter((mp: string) => mp.startsWith(`${hostRoot}/`))
      .map((mp: string) => mp.slice(hostRoot.length + 1));
    const reads = ['agent/src/collectors/kubernetes/index.ts', 'agent/src/collectors/host/index.ts'].flatMap((f) =>
      [...read(f).matchAll(/join\((?:config|this\.opts)\.hostRoot, '([^']+)'\)/g)].map((m) => m[1])
    );
    expect(reads.sort()).toEqual(['etc/os-release', 'var/log/pods']);
    for (const r of reads)
      expect({ r, mounted: mountedUnderRoot.some((mp) => covers(mp, r)) }).toEqual({ r, mounted: true });
    // The cgroup root (issue 12) lies inside the read-only /sys mount: no mount of its own.
    const cgroupRoot = String(env.FLEETLENS_HOST_CGROUP);
    const sysMount = (c.volumeMounts as Doc[]).find((m: Doc) => hostPaths.get(m.name) === '/sys');
    expect({ cgroupRoot, under: covers(String(sysMount?.mountPath), cgroupRoot) }).toEqual({ cgroupRoot, under: true });
    expect(cgroupRoot.slice(String(sysMount?.mountPath).length)).toBe('/fs/cgroup');
  });

  test('the GKE rule check refuses what GKE refuses: no covering quota (the manifests before), a quota for another class, another namespace, a full quota', () => {
    const pod = { namespace: NS, priorityClassName: 'system-node-critical' };
    const withoutQuota = docs.filter((d) => d.kind !== 'ResourceQuota');
    expect(gkeAdmits(pod, withoutQuota)).toBe(
      'insufficient quota to match these scopes: [{PriorityClass In [system-node-critical system-cluster-critical]}]'
    );
    const quota = (ns: string, values: string[], pods = '10') => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: ns },
      spec: {
        hard: { pods },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values }] },
      },
    });
    expect(gkeAdmits(pod, [...withoutQuota, quota(NS, ['system-cluster-critical'])])).toMatch(/^insufficient quota/);
    expect(gkeAdmits(pod, [...withoutQuota, quota('kube-system', ['system-node-critical'])])).toMatch(
      /^insufficient quota/
    );
    expect(gkeAdmits(pod, [...withoutQuota, quota(NS, ['system-node-critical'], '3')], 3)).toMatch(/^exceeded quota/);
    expect(gkeAdmits({ namespace: NS }, withoutQuota)).toBe('admitted'); // no priority class: not limited
  });
});

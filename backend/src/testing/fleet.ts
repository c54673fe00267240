import { gzipSync } from 'node:zlib';
import type { ContainerReport, IngestBatchInput, WorkloadReport } from '@fleetlens/protocol';

/**
 * A deterministic synthetic fleet, for benchmarks, UI tests and demos. Values follow smooth
 * curves from a seeded generator, so the same spec always yields the same batches.
 */
export interface FleetClusterSpec {
  name: string;
  kind: 'docker' | 'kubernetes';
  environment: 'on-prem' | 'private-cloud' | 'public-cloud';
  nodes: number;
  containersPerNode: number;
}

export interface FleetSpec {
  clusters: FleetClusterSpec[];
  seed?: number;
}

export interface FleetWindow {
  from: number;
  to: number;
  /** Seconds between samples (the agent's interval). */
  interval: number;
  /** Sample intervals carried by one batch (an agent replaying its spool sends many). */
  intervalsPerBatch?: number;
}

const NAMESPACES = ['default', 'payments', 'search', 'monitoring', 'web'];
const IMAGES = ['nginx:1.27', 'redis:7.4', 'postgres:16', 'node:20-alpine', 'python:3.12-slim', 'busybox:1.36'];
const GiB = 1024 ** 3;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ContainerPlan {
  report: Omit<ContainerReport, 'samples'>;
  cpu: number;
  mem: number;
  net: number;
  phase: number;
  running: boolean;
}

interface NodePlan {
  name: string;
  cores: number;
  memory: number;
  fsTotal: number;
  containers: ContainerPlan[];
}

/** Builds the static plan: nodes, containers, their states and usage levels. */
export function planFleet(spec: FleetSpec) {
  const rand = rng(spec.seed ?? 42);
  return spec.clusters.map((c) => {
    const nodes: NodePlan[] = [];
    const workloads: Omit<WorkloadReport, 'ts'>[] = [];
    for (let n = 0; n < c.nodes; n++) {
      const name = `${c.name}-node-${String(n + 1).padStart(2, '0')}`;
      const cores = [4, 8, 16][n % 3];
      const node: NodePlan = { name, cores, memory: cores * 4 * GiB, fsTotal: 200 * GiB, containers: [] };
      for (let i = 0; i < c.containersPerNode; i++) {
        const idx = n * c.containersPerNode + i;
        const state = idx % 10 === 9 ? 'exited' : idx % 37 === 5 ? 'restarting' : 'running';
        const ns = NAMESPACES[idx % NAMESPACES.length];
        const app = `app-${idx % 7}`;
        const k8s =
          c.kind === 'kubernetes'
            ? {
                namespace: ns,
                pod: `${app}-${(idx * 2654435761).toString(36).slice(-5)}`,
                podUid: `uid-${c.name}-${idx}`,
                workloadKind: 'Deployment' as const,
                workloadName: app,
              }
            : null;
        node.containers.push({
          report: {
            id: `${c.name.replace(/[^a-z0-9]/gi, '')}${String(idx).padStart(6, '0')}`.padEnd(64, 'a'),
            nodeName: name,
            name: k8s ? `${app}-c${i}` : `svc-${idx}`,
            image: IMAGES[idx % IMAGES.length],
            state,
            health: idx % 53 === 7 ? 'unhealthy' : 'none',
            statusText: state === 'exited' ? 'Exited (1) 5 minutes ago' : 'Up 3 hours',
            createdAt: 1_700_000_000 + idx * 60,
            startedAt: 1_700_000_100 + idx * 60,
            exitCode: state === 'exited' ? 1 : null,
            oomKilled: false,
            restartCount: idx % 13 === 0 ? 2 : 0,
            hostNetwork: idx % 41 === 11,
            labels: { app },
            kubernetes: k8s,
          },
          cpu: 0.02 + rand() * 0.5,
          mem: (64 + rand() * 900) * 1024 * 1024,
          net: rand() * 200_000,
          phase: rand() * 6.28,
          running: state === 'running' || state === 'restarting',
        });
      }
      nodes.push(node);
    }
    if (c.kind === 'kubernetes')
      for (const ns of NAMESPACES)
        for (let a = 0; a < 7; a++)
          workloads.push({
            kind: 'Deployment',
            namespace: ns,
            name: `app-${a}`,
            desiredReplicas: 3,
            readyReplicas: 3,
            labels: {},
          });
    return { spec: c, nodes, workloads };
  });
}

const wave = (t: number, phase: number) => 1 + 0.3 * Math.sin(t / 900 + phase);

/** Yields ingest batches covering the window: one per node per `intervalsPerBatch` intervals. */
export function* fleetBatches(spec: FleetSpec, w: FleetWindow): Generator<IngestBatchInput> {
  const plan = planFleet(spec);
  const per = w.intervalsPerBatch ?? 1;
  let seq = 0;
  const start = w.from - (w.from % w.interval);
  for (let t0 = start; t0 < w.to; t0 += per * w.interval) {
    const times: number[] = [];
    for (let k = 0; k < per && t0 + k * w.interval < w.to; k++) times.push(t0 + k * w.interval);
    const last = times[times.length - 1];
    for (const c of plan) {
      for (const node of c.nodes) {
        const containers = node.containers.map((p) => ({
          ...p.report,
          samples: p.running
            ? times.map((t) => ({
                ts: t,
                cpuCores: p.cpu * wave(t, p.phase),
                memBytes: Math.round(p.mem * wave(t, p.phase + 1)),
                memLimitBytes: 2 * GiB,
                netRxBps: p.report.hostNetwork ? null : p.net * wave(t, p.phase + 2),
                netTxBps: p.report.hostNetwork ? null : (p.net / 2) * wave(t, p.phase + 3),
                diskReadBps: p.net / 10,
                diskWriteBps: (p.net / 5) * wave(t, p.phase),
                pids: 4,
              }))
            : [],
        }));
        const nodeSamples = times.map((t) => {
          const live = containers.filter((x) => x.samples.length);
          const sample = (f: (s: (typeof live)[number]['samples'][number]) => number | null | undefined) =>
            live.reduce((a, x) => a + (f(x.samples.find((s) => s.ts === t)!) ?? 0), 0);
          return {
            ts: t,
            cpuCores: Math.min(node.cores, 0.1 + sample((s) => s.cpuCores)),
            memUsedBytes: Math.min(node.memory, GiB + sample((s) => s.memBytes)),
            memTotalBytes: node.memory,
            fsUsedBytes: node.fsTotal * (0.3 + (node.cores % 5) / 10),
            fsTotalBytes: node.fsTotal,
            netRxBps: sample((s) => s.netRxBps),
            netTxBps: sample((s) => s.netTxBps),
            diskReadBps: sample((s) => s.diskReadBps),
            diskWriteBps: sample((s) => s.diskWriteBps),
            load1: node.cores * 0.3,
          };
        });
        yield {
          version: 'v1',
          batchId: `fleet-${seq++}`,
          sentAt: last,
          agent: { id: `agent-${node.name}`, version: 'fleet', mode: 'node', hostname: node.name },
          cluster: { name: c.spec.name, kind: c.spec.kind, environment: c.spec.environment, labels: {} },
          nodes: [
            {
              name: node.name,
              role: c.spec.kind === 'kubernetes' ? 'worker' : 'docker-host',
              os: 'Debian GNU/Linux 12',
              kernel: '6.1.0',
              arch: 'amd64',
              cores: node.cores,
              memoryBytes: node.memory,
              bootTime: w.from - 86_400,
              status: 'ready',
              labels: {},
              samples: nodeSamples,
            },
          ],
          containers,
          inventories: [{ nodeName: node.name, ts: last, containerIds: node.containers.map((p) => p.report.id) }],
        };
      }
      if (c.workloads.length && t0 + per * w.interval >= w.to)
        yield {
          version: 'v1',
          batchId: `fleet-${seq++}`,
          sentAt: last,
          agent: {
            id: `agent-${c.spec.name}-cluster`,
            version: 'fleet',
            mode: 'cluster',
            hostname: `${c.spec.name}-cluster`,
          },
          cluster: { name: c.spec.name, kind: c.spec.kind, environment: c.spec.environment, labels: {} },
          workloads: c.workloads.map((x) => ({ ...x, ts: last })),
        };
    }
  }
}

/** Pushes one batch through the ingest API; throws with the backend's message on a non-202. */
export async function pushBatch(url: string, token: string, batch: IngestBatchInput, gzip = true): Promise<void> {
  const body = JSON.stringify(batch);
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? gzipSync(body) : body,
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** Pushes every batch with a few requests in flight. */
export async function pushFleet(url: string, token: string, batches: Iterable<IngestBatchInput>, concurrency = 4) {
  const it = batches[Symbol.iterator]();
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let r = it.next(); !r.done; r = it.next()) {
        await pushBatch(url, token, r.value);
        n++;
      }
    })
  );
  return n;
}

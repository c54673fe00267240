import type { IngestBatchInput } from '@fleetlens/protocol';

/*
 * Service health (issue 16) with known inputs, for the Services, service and Monitoring page tests
 * and the browser test: one Docker cluster `svc-docker`, one node, three services.
 *  - `web`: a container whose access logs (nginx format) gave ten one-minute RequestStats;
 *  - `api`: probe only (a Docker label probe), nine runs up, then the newest down with a 503;
 *  - `checkout`: an https probe (Docker label) whose certificate expires 20 days after the anchor.
 * Every time is relative to an anchor (a whole minute at or before the seeding), which the tests
 * read back (FLEETLENS_TEST_SERVICES_ANCHOR, or the value the seeding returns) to ask for the
 * window [anchor − 600, anchor + 60): nothing depends on "now" when the test asserts (a CI run
 * lasts 25 minutes). The expected figures below are computed by hand from these inputs, following
 * the definitions shared by agent, backend and plugin (the issue-16 contract).
 */

export const SERVICES_CLUSTER = 'svc-docker';
export const SERVICES_NODE = 'svc-node-01';
/**
 * A second cluster with one node and nothing measured, where the editor tests define their probes
 * (the figures of `svc-docker` stay as seeded; the page tests filter by cluster).
 */
export const EDIT_CLUSTER = 'svc-edit';
export const EDIT_NODE = 'svc-edit-node-01';
/** The window the tests ask for, relative to the anchor: [anchor − 600, anchor + 60). */
export const WINDOW_BEFORE = 600;
export const WINDOW_AFTER = 60;

const id = (prefix: string) => prefix.padEnd(64, '0');
export const SERVICE_CONTAINERS = {
  web: { id: id('5e7a'), name: 'web' },
  api: { id: id('5e7b'), name: 'api' },
  checkout: { id: id('5e7c'), name: 'checkout' },
} as const;

export const API_TARGET = 'http://api:8080/healthz';
export const CHECKOUT_TARGET = 'https://checkout:8443/health';

/*
 * web: ten RequestStats of 60 s, ending at anchor − 540, …, anchor (each covers the minute before
 * its ts, so together [anchor − 600, anchor)). Each carries 60 requests:
 *   2xx 54 and 3xx 3 in every minute; 4xx 2 and 5xx 1 in minutes 1–6, 4xx 3 and 5xx 0 in 7–10.
 *   Σ requests = 10 × 60 = 600; Σ 2xx = 540, Σ 3xx = 30, Σ 4xx = 6 × 2 + 4 × 3 = 24, Σ 5xx = 6.
 * Latency (every line carries a duration): per minute the histogram (bounds 0.005 … 10 s, +Inf,
 * not cumulative) is [0, 10, 30, 12, 4, a, 1, b, 0, 0, 0, 0] with (a, b) = (2, 1) in minutes 1–6
 * and (3, 0) in 7–10 (60 per minute), and latencySum = 2.1 s.
 *   Σ buckets: (0.005, 0.01] 100, (0.01, 0.025] 300, (0.025, 0.05] 120, (0.05, 0.1] 40,
 *   (0.1, 0.25] 6 × 2 + 4 × 3 = 24, (0.25, 0.5] 10, (0.5, 1] 6; cumulative 100, 400, 520, 560,
 *   584, 594, 600.
 */
const WEB_MINUTES = Array.from({ length: 10 }, (_, i) => {
  const early = i < 6;
  return {
    status2xx: 54,
    status3xx: 3,
    status4xx: early ? 2 : 3,
    status5xx: early ? 1 : 0,
    latencyBuckets: [0, 10, 30, 12, 4, early ? 2 : 3, 1, early ? 1 : 0, 0, 0, 0, 0],
  };
});

/** api: probe total times (s) of its ten runs, oldest first; the newest (0.100) answered 503. */
export const API_TOTALS = [0.04, 0.01, 0.03, 0.02, 0.05, 0.07, 0.06, 0.09, 0.08, 0.1];
/** checkout: total times (s) of its ten runs, all up. */
export const CHECKOUT_TOTALS = [0.11, 0.13, 0.12, 0.15, 0.14, 0.1, 0.16, 0.12, 0.13, 0.14];

/** The figures the pages must show for the window, by hand. */
export const EXPECTED = {
  web: {
    // 600 requests ÷ 600 s covered by stats.
    requestsPerSecond: 1,
    // 6 × 5xx ÷ 600 × 100.
    errorPercent: 1,
    statusCounts: { '2xx': 540, '3xx': 30, '4xx': 24, '5xx': 6 },
    // Σ latencySum ÷ Σ latencyCount = 10 × 2.1 ÷ 600 = 0.035 s.
    avgSeconds: 0.035,
    // rank 0.5 × 600 = 300 falls in (0.01, 0.025] (cumulative 100 → 400):
    // 0.01 + 0.015 × (300 − 100) ÷ 300 = 0.02 s.
    p50Seconds: 0.02,
    // rank 0.95 × 600 = 570 falls in (0.1, 0.25] (cumulative 560 → 584):
    // 0.1 + 0.15 × (570 − 560) ÷ 24 = 0.1625 s.
    p95Seconds: 0.1625,
    probeStatus: null,
    certNotAfter: null,
    sources: ['logs'],
    latencySource: 'logs',
  },
  api: {
    requestsPerSecond: null,
    errorPercent: null,
    // (40 + 10 + 30 + 20 + 50 + 70 + 60 + 90 + 80 + 100) ms ÷ 10 = 55 ms.
    avgSeconds: 0.055,
    // Sorted 10, 20, …, 100 ms; nearest rank ⌈0.5 × 10⌉ = 5th → 50 ms, ⌈0.95 × 10⌉ = 10th → 100 ms.
    p50Seconds: 0.05,
    p95Seconds: 0.1,
    // The newest run is down.
    probeStatus: 'down',
    // 9 of 10 runs up.
    uptimePercent: 90,
    lastStatusCode: 503,
    certNotAfter: null,
    sources: ['probe'],
    latencySource: 'probe',
  },
  checkout: {
    requestsPerSecond: null,
    errorPercent: null,
    // (110 + 130 + 120 + 150 + 140 + 100 + 160 + 120 + 130 + 140) ms ÷ 10 = 1300 ÷ 10 = 130 ms.
    avgSeconds: 0.13,
    // Sorted 100, 110, 120, 120, 130, 130, 140, 140, 150, 160 ms: 5th → 130 ms, 10th → 160 ms.
    p50Seconds: 0.13,
    p95Seconds: 0.16,
    probeStatus: 'up',
    uptimePercent: 100,
    // anchor + 20 days (certNotAfterOf).
    certDays: 20,
    sources: ['probe'],
    latencySource: 'probe',
  },
  /** The donut over the cluster: only web's access logs carry requests. */
  statusClasses: { total: 600, counts: { '2xx': 540, '3xx': 30, '4xx': 24, '5xx': 6 } },
} as const;

/** The certificate's notAfter for an anchor. */
export function certNotAfterOf(anchor: number): number {
  return anchor + EXPECTED.checkout.certDays * 86_400;
}

/** A whole minute at or before now: the anchor of a seeding. */
export function servicesAnchor(now = Math.floor(Date.now() / 1000)): number {
  return Math.floor(now / 60) * 60;
}

/** The batch a node agent of `svc-docker` would send: the three containers, web's stats and the probe runs. */
export function servicesBatch(anchor: number): IngestBatchInput {
  const containers = Object.values(SERVICE_CONTAINERS);
  const runTs = (k: number) => anchor - 570 + 60 * k;
  return {
    version: 'v1',
    batchId: `services-${anchor}`,
    sentAt: anchor,
    agent: { id: 'agent-svc-node-01', version: 'test', mode: 'node', hostname: SERVICES_NODE },
    cluster: { name: SERVICES_CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [
      { name: SERVICES_NODE, cores: 2, memoryBytes: 4 * 1024 ** 3, samples: [{ ts: anchor - 5, cpuCores: 0.2 }] },
    ],
    containers: containers.map((c) => ({
      id: c.id,
      nodeName: SERVICES_NODE,
      name: c.name,
      image: 'fleetlens-busybox:test',
      state: 'running' as const,
      samples: [{ ts: anchor - 5, cpuCores: 0.01, memBytes: 1024 * 1024 }],
    })),
    requestStats: WEB_MINUTES.map((m, i) => ({
      ts: anchor - 540 + 60 * i,
      intervalSeconds: 60,
      containerId: SERVICE_CONTAINERS.web.id,
      service: { namespace: null, name: 'web' },
      format: 'nginx' as const,
      requests: m.status2xx + m.status3xx + m.status4xx + m.status5xx,
      ...m,
      latencyCount: 60,
      latencySumSeconds: 2.1,
    })),
    probeResults: [
      ...API_TOTALS.map((total, k) => {
        const down = k === API_TOTALS.length - 1;
        return {
          ts: runTs(k),
          key: `ctr:${SERVICE_CONTAINERS.api.id}:${API_TARGET}`,
          source: 'docker-label' as const,
          service: { namespace: null, name: 'api' },
          nodeName: SERVICES_NODE,
          containerId: SERVICE_CONTAINERS.api.id,
          kind: 'http' as const,
          target: API_TARGET,
          up: !down,
          statusCode: down ? 503 : 200,
          error: down ? 'unexpected status 503' : null,
          dnsSeconds: 0.001,
          connectSeconds: 0.002,
          firstByteSeconds: total - 0.001,
          totalSeconds: total,
        };
      }),
      ...CHECKOUT_TOTALS.map((total, k) => ({
        ts: runTs(k),
        key: `ctr:${SERVICE_CONTAINERS.checkout.id}:${CHECKOUT_TARGET}`,
        source: 'docker-label' as const,
        service: { namespace: null, name: 'checkout' },
        nodeName: SERVICES_NODE,
        containerId: SERVICE_CONTAINERS.checkout.id,
        kind: 'http' as const,
        target: CHECKOUT_TARGET,
        up: true,
        statusCode: 200,
        dnsSeconds: 0.001,
        connectSeconds: 0.002,
        tlsSeconds: 0.03,
        firstByteSeconds: total - 0.001,
        totalSeconds: total,
        certNotAfter: certNotAfterOf(anchor),
      })),
    ],
  };
}

/** The node agent of `svc-edit` reporting its node only; `probeResults` as given (a defined probe's runs). */
export function editClusterBatch(ts: number, probeResults: IngestBatchInput['probeResults'] = []): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `services-edit-${ts}-${probeResults?.length ?? 0}`,
    sentAt: ts,
    agent: { id: 'agent-svc-edit-node-01', version: 'test', mode: 'node', hostname: EDIT_NODE },
    cluster: { name: EDIT_CLUSTER, kind: 'docker', environment: 'on-prem', labels: {} },
    nodes: [{ name: EDIT_NODE, cores: 1, memoryBytes: 1024 ** 3, samples: [{ ts: ts - 5, cpuCores: 0.1 }] }],
    containers: [],
    probeResults,
  };
}

/** Pushes one batch to a backend's ingest API with an agent token. */
export async function pushBatch(url: string, agentToken: string, batch: IngestBatchInput): Promise<void> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  if (res.status !== 202) {
    throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
}

/** Seeds both clusters through a backend's ingest API; resolves the anchor used. */
export async function ingestServicesFleet(url: string, agentToken: string, anchor = servicesAnchor()): Promise<number> {
  await pushBatch(url, agentToken, servicesBatch(anchor));
  await pushBatch(url, agentToken, editClusterBatch(anchor));
  return anchor;
}

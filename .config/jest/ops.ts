import './resolveProtocol';
import type { IngestBatchInput } from '@fleetlens/protocol';
import { planFleet, pushBatch, type FleetSpec } from '../../backend/src/testing/fleet';
import { AGENT_TOKEN, startSeededBackend, type StartedBackend } from './fleet';

/**
 * The backend of the alerting, events, logs and admin page tests: a small fleet (ingested like
 * the main one), events and log lines pushed through the same ingest API, four alert rules
 * created through the API, and the evaluator run directly (jobs are off in tests) so that alerts
 * of every severity are firing and some are already resolved.
 */
export const OPS_FLEET: FleetSpec = {
  seed: 3,
  clusters: [
    { name: 'ops-docker', kind: 'docker', environment: 'on-prem', nodes: 2, containersPerNode: 5 },
    { name: 'ops-k8s', kind: 'kubernetes', environment: 'private-cloud', nodes: 2, containersPerNode: 5 },
  ],
};

/** Rules created at setup (all fire at once: forSeconds 0). */
export const OPS_RULES = {
  exited: {
    name: 'Container exited non-zero',
    target: 'container',
    metric: 'exitedNonZero',
    operator: '>',
    threshold: 0,
    severity: 'critical',
    forSeconds: 0,
  },
  nodeMemory: {
    name: 'Node memory above 1 %',
    target: 'node',
    metric: 'memPercent',
    operator: '>',
    threshold: 1,
    severity: 'warning',
    forSeconds: 0,
  },
  restarts: {
    name: 'Restarted more than once',
    target: 'container',
    metric: 'restartCount',
    operator: '>',
    threshold: 1,
    severity: 'info',
    forSeconds: 0,
  },
  // Fires at the first evaluation, is disabled, and resolves at the second: history.
  disk: {
    name: 'Node disk above 1 %',
    target: 'node',
    metric: 'diskPercent',
    operator: '>',
    threshold: 1,
    severity: 'warning',
    forSeconds: 0,
  },
} as const;

const LEVELS = ['info', 'info', 'debug', 'warning', 'error'] as const;

/** Log messages; every fifth mentions a timeout, so keyword search has something to find. */
function logMessage(i: number, level: string): string {
  if (i % 5 === 2) {
    return `upstream request timeout after 30s (attempt ${i})`;
  }
  return `${level} line ${i}: handled GET /api/items/${i} in ${(i * 7) % 90} ms`;
}

/** Events and logs for the fleet, as cluster and node agents would send them. */
function eventAndLogBatches(now: number): IngestBatchInput[] {
  const plan = planFleet(OPS_FLEET);
  const batches: IngestBatchInput[] = [];
  let seq = 0;
  for (const c of plan) {
    const kube = c.spec.kind === 'kubernetes';
    const events: NonNullable<IngestBatchInput['events']> = [];
    const reasons = kube
      ? [
          ['normal', 'Pulled'],
          ['normal', 'Started'],
          ['warning', 'BackOff'],
          ['normal', 'Scheduled'],
          ['warning', 'Unhealthy'],
        ]
      : [
          ['normal', 'start'],
          ['normal', 'stop'],
          ['warning', 'die'],
          ['warning', 'oom'],
        ];
    const containers = c.nodes.flatMap((n) => n.containers.map((x) => ({ node: n.name, ...x.report })));
    for (let i = 0; i < 24; i++) {
      const [type, reason] = reasons[i % reasons.length];
      const x = containers[i % containers.length];
      events.push({
        ts: now - 1500 + i * 60,
        source: kube ? 'kubernetes' : 'docker',
        type: type as 'normal' | 'warning',
        reason,
        message: kube
          ? `${reason} for pod ${x.kubernetes!.pod} (event ${i})`
          : `container ${x.name} ${reason} (event ${i})`,
        objectKind: kube ? 'Pod' : 'container',
        objectName: kube ? x.kubernetes!.pod : x.name,
        namespace: kube ? x.kubernetes!.namespace : null,
        nodeName: x.node,
        containerId: kube ? null : x.id,
        exitCode: reason === 'die' ? 1 : null,
        count: 1,
      });
    }
    // 40 lines for each of the first two containers of the cluster's first node.
    const logs: NonNullable<IngestBatchInput['logs']> = [];
    for (const x of c.nodes[0].containers.slice(0, 2)) {
      for (let i = 0; i < 40; i++) {
        const level = LEVELS[i % LEVELS.length];
        logs.push({
          ts: now - 1200 + i * 30,
          nanos: 0,
          containerId: x.report.id,
          stream: level === 'error' || level === 'warning' ? 'stderr' : 'stdout',
          level,
          message: logMessage(i, level),
        });
      }
    }
    batches.push({
      version: 'v1',
      batchId: `ops-extra-${seq++}`,
      sentAt: now,
      agent: { id: `agent-${c.nodes[0].name}`, version: 'fleet', mode: 'node', hostname: c.nodes[0].name },
      cluster: { name: c.spec.name, kind: c.spec.kind, environment: c.spec.environment, labels: {} },
      events,
      logs,
    } as IngestBatchInput);
  }
  return batches;
}

async function api(url: string, adminKey: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { 'X-Api-Key': adminKey, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** Starts the ops backend: fleet, events, logs, rules, two evaluations. */
export async function startOpsBackend(): Promise<StartedBackend> {
  const started = await startSeededBackend(OPS_FLEET, 900, true);
  const now = Math.floor(Date.now() / 1000);
  for (const batch of eventAndLogBatches(now)) {
    await pushBatch(started.url, AGENT_TOKEN, batch);
  }
  const ids: Record<string, string> = {};
  for (const [key, rule] of Object.entries(OPS_RULES)) {
    ids[key] = ((await api(started.url, started.adminApiKey, 'POST', '/alert-rules', rule)) as { id: string }).id;
  }
  const evaluator = started.backend!.deps.alerts.evaluator;
  await evaluator.evaluate(now);
  await api(started.url, started.adminApiKey, 'PATCH', `/alert-rules/${ids.disk}`, { enabled: false });
  await evaluator.evaluate(now + 1);
  return started;
}

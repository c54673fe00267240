import type { IngestBatchInput } from '@fleetlens/protocol';
import { planFleet, pushBatch, type FleetSpec } from '../../backend/src/testing/fleet';
import { AGENT_TOKEN } from './backend';

/**
 * The Logs page's browser test fleet (issue 14, point 5): 520 Docker containers (svc-0 … svc-519
 * on 13 hosts, more than the 500 one listing page holds) and a small Kubernetes cluster, so lines
 * of the all-containers view come from several nodes and two clusters.
 */
export const LOGS_FLEET: FleetSpec = {
  seed: 9,
  clusters: [
    { name: 'logs-docker', kind: 'docker', environment: 'on-prem', nodes: 13, containersPerNode: 40 },
    { name: 'logs-k8s', kind: 'kubernetes', environment: 'public-cloud', nodes: 2, containersPerNode: 3 },
  ],
};

export const LOG_LEVEL_CYCLE = ['error', 'warning', 'info', 'debug'] as const;

export interface SeededLine {
  ts: number;
  level: string;
  message: string;
  container: string;
  node: string;
  cluster: string;
}

/**
 * Pushes log lines through the ingest API as the node agents would: 300 lines 7 s apart from
 * `base` over many containers of both clusters (levels cycling error, warning, info, debug), and 8
 * error lines of svc-519, the last container seeded. Returns what it pushed.
 */
export async function seedLogLines(url: string, agentToken: string, base: number): Promise<SeededLine[]> {
  const plan = planFleet(LOGS_FLEET);
  const all = plan.flatMap((c) =>
    c.nodes.flatMap((n) => n.containers.map((x) => ({ cluster: c.spec, node: n.name, report: x.report })))
  );
  const lines: Array<SeededLine & { id: string }> = [];
  for (let i = 0; i < 300; i++) {
    const x = all[(i * 37) % all.length];
    const level = LOG_LEVEL_CYCLE[i % 4];
    lines.push({
      ts: base + i * 7,
      level,
      message: `${level} request ${i} on ${x.report.name}`,
      container: x.report.name,
      node: x.node,
      cluster: x.cluster.name,
      id: x.report.id,
    });
  }
  const last = all.find((x) => x.report.name === 'svc-519')!;
  for (let i = 0; i < 8; i++) {
    lines.push({
      ts: base + 100 + i * 200,
      level: 'error',
      message: `last container failure ${i}`,
      container: last.report.name,
      node: last.node,
      cluster: last.cluster.name,
      id: last.report.id,
    });
  }
  for (const c of plan) {
    const mine = lines.filter((l) => l.cluster === c.spec.name);
    const batch = {
      version: 'v1',
      batchId: `logs-e2e-${c.spec.name}-${base}`,
      sentAt: Math.floor(Date.now() / 1000),
      agent: { id: `agent-${c.nodes[0].name}`, version: 'fleet', mode: 'node', hostname: c.nodes[0].name },
      cluster: { name: c.spec.name, kind: c.spec.kind, environment: c.spec.environment, labels: {} },
      logs: mine.map((l) => ({
        ts: l.ts,
        nanos: 0,
        containerId: l.id,
        stream: l.level === 'error' ? 'stderr' : 'stdout',
        level: l.level,
        message: l.message,
      })),
    } as IngestBatchInput;
    await pushBatch(url, agentToken, batch);
  }
  return lines.map(({ id: _id, ...l }) => l);
}

const seeded = new Map<string, Promise<{ base: number; to: number; lines: SeededLine[] }>>();

/**
 * Seeds the lines once per backend (the Grafana lines' tests share it): from a 10-minute boundary
 * 50 minutes ago; `to` ends a 40-minute range that holds them all.
 */
export function seedLogLinesOnce(url: string): Promise<{ base: number; to: number; lines: SeededLine[] }> {
  if (!seeded.has(url)) {
    const base = Math.floor(Date.now() / 1000 / 600) * 600 - 3000;
    seeded.set(
      url,
      seedLogLines(url, AGENT_TOKEN, base).then((lines) => ({ base, to: base + 2399, lines }))
    );
  }
  return seeded.get(url)!;
}

import './resolveProtocol';
import { api, type IngestBatchInput } from '@fleetlens/protocol';
import { pushBatch } from '../../backend/src/testing/fleet';
import { FULL_SCOPE } from '../../backend/src/services/scope';
import { AGENT_TOKEN, startSeededBackend, type StartedBackend } from './fleet';

/** The Compose workload and rule of the autoscaling page tests (decision 37). */
export const AUTOSCALING_RULE = {
  name: 'web cpu',
  cluster: 'as-docker',
  workload: { kind: 'compose' as const, node: 'as-h1', project: 'shop', service: 'web' },
  metric: 'cpuCores' as const,
  target: 0.5,
  minReplicas: 1,
  maxReplicas: 4,
  step: 2,
  cooldownSeconds: 30,
};

/** Node as-h1's batch at `t`: `cpus.length` containers of shop/web, each with one CPU sample. */
function batch(t: number, cpus: number[]): IngestBatchInput {
  return {
    version: 'v1',
    batchId: `as-${t}`,
    sentAt: t,
    agent: { id: 'node:as-h1', version: '1', mode: 'node', hostname: 'as-h1' },
    cluster: { name: 'as-docker', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'as-h1', cores: 4, memoryBytes: 8e9, samples: [] }],
    containers: cpus.map((cpu, i) => ({
      id: `web${i + 1}`.padEnd(64, 'a'),
      nodeName: 'as-h1',
      name: `shop-web-${i + 1}`,
      state: 'running',
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      samples: [{ ts: t, cpuCores: cpu, memBytes: 50e6 }],
    })),
    inventories: [{ nodeName: 'as-h1', ts: t, containerIds: cpus.map((_, i) => `web${i + 1}`.padEnd(64, 'a')) }],
  };
}

/**
 * The backend of the autoscaling page tests: one Compose service whose samples are pushed through
 * the ingest API, one rule, and the evaluator run directly (jobs are off in tests) at the anchor,
 * +30 s and +60 s. By hand: 2 × 0.5 cores is the target (held, tolerance); 2 × 1.0 is ratio 2,
 * ceil(2 × 2) = 4 (applied, 2 → 4); 4 × 0.48 is ratio 0.96 (held, tolerance).
 */
export async function startAutoscalingBackend(): Promise<StartedBackend & { anchor: number }> {
  const b = await startSeededBackend(null, 1800, true);
  const anchor = Math.floor(Date.now() / 1000) - 600;
  const deps = b.backend!.deps;
  await deps.autoscaling.rules.create(
    { actor: 'setup@example.com', actorId: null },
    FULL_SCOPE,
    api.AutoscalingRuleInput.parse(AUTOSCALING_RULE)
  );
  for (const [dt, cpus] of [
    [0, [0.5, 0.5]],
    [30, [1, 1]],
    [60, [0.48, 0.48, 0.48, 0.48]],
  ] as const) {
    await pushBatch(b.url, AGENT_TOKEN, batch(anchor + dt, [...cpus]));
    await deps.autoscaling.autoscaler.evaluate(anchor + dt);
  }
  return { ...b, anchor };
}

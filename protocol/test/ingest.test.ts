import { IngestBatch, fieldIssues } from '@fleetlens/protocol';

const base = {
  version: 'v1',
  batchId: 'b1',
  sentAt: 1_700_000_000,
  agent: { id: 'a', version: '0.1.0', mode: 'node', hostname: 'h1' },
  cluster: { name: 'prod-eu', kind: 'docker', environment: 'on-prem' },
};

describe('ingest batch schema (v1)', () => {
  it('accepts a minimal batch and fills defaults', () => {
    const parsed = IngestBatch.parse(base);
    expect(parsed.nodes).toEqual([]);
    expect(parsed.cluster.labels).toEqual({});
  });

  it('names every bad field by its path', () => {
    const bad = {
      ...base,
      cluster: { name: 'bad name!', kind: 'docker', environment: 'moon' },
      containers: [{ id: 'c1', nodeName: 'n1', name: 'web', state: 'running', samples: [{ ts: 1.5, cpuCores: -1 }] }],
    };
    const result = IngestBatch.safeParse(bad);
    expect(result.success).toBe(false);
    const paths = fieldIssues(result.error!)
      .map((i) => i.path)
      .sort();
    expect(paths).toEqual(
      ['cluster.environment', 'cluster.name', 'containers.0.samples.0.cpuCores', 'containers.0.samples.0.ts'].sort()
    );
  });

  it('rejects fractional epoch seconds and negative rates (canonical units)', () => {
    const r = IngestBatch.safeParse({
      ...base,
      nodes: [{ name: 'n1', cores: 2, memoryBytes: 1024, samples: [{ ts: 1_700_000_000, netRxBps: -5 }] }],
    });
    expect(r.success).toBe(false);
    expect(fieldIssues(r.error!)[0].path).toBe('nodes.0.samples.0.netRxBps');
  });

  it('rejects a metric beyond a 64-bit counter (1e308 would overflow the sums of every window query)', () => {
    const sample = (v: number) => ({
      ...base,
      containers: [
        { id: 'c1', nodeName: 'n1', name: 'web', state: 'running', samples: [{ ts: 1_700_000_000, cpuCores: v }] },
      ],
    });
    const r = IngestBatch.safeParse(sample(1e308));
    expect(r.success).toBe(false);
    expect(fieldIssues(r.error!).map((i) => i.path)).toEqual(['containers.0.samples.0.cpuCores']);
    // An 8 EiB reading is still one.
    expect(IngestBatch.safeParse(sample(8 * 2 ** 60)).success).toBe(true);
  });
});

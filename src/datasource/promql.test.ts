import type { DataFrame } from '@grafana/data';
import { backendGet, backendUrl } from '../test/harness';
import { toPromql } from './promql';
import { installDatasource, installTemplates, request } from './testing/harness';
import type { FleetlensQuery } from './types';

/**
 * The PromQL the query editor offers for Grafana alert rules asks the backend's
 * Prometheus-compatible API for the same numbers the datasource shows: both paths run against
 * the real seeded backend (TEST_FLEET) and must agree bucket by bucket.
 */

type PromMatrix = {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
};

function promRange(query: string, start: number, end: number, step: number): Promise<PromMatrix> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  return backendGet<PromMatrix>(`/query_range?${params}`, 'fleet', '/prometheus/api/v1');
}

const STEP = 30;

describe('PromQL equivalent of a time-series query (for Grafana alerting)', () => {
  test('is only offered for time series', () => {
    expect(toPromql({ refId: 'A', queryType: 'top' })).toBeUndefined();
    expect(toPromql({ refId: 'A', queryType: 'events' })).toBeUndefined();
    expect(toPromql({ refId: 'A', kind: 'node', metric: 'pids' })).toBeUndefined();
  });

  test('filters, name globs and template variables become label matchers', () => {
    const q = toPromql({
      refId: 'A',
      kind: 'container',
      metric: 'memBytes',
      agg: 'max',
      cluster: 'aws-k8s',
      namespace: 'payments, web',
      node: '$node',
      name: 'app-*,db?',
    })!;
    expect(q).toContain('fleetlens_container_memory_working_set_bytes{');
    expect(q).toContain('cluster="aws-k8s"');
    expect(q).toContain('namespace=~"payments|web"');
    expect(q).toContain('node=~"$node"');
    expect(q).toContain('container=~"app-.*|db."');
    expect(q).toMatch(/^max_over_time\(.*\[\$__interval\]\)$/);
  });

  // Buckets early in the seeded 30-minute window, so that a long test run still finds data there.
  const now = Math.floor(Date.now() / 1000);
  const from = now - 1700 - ((now - 1700) % STEP);
  const to = from + 5 * STEP;

  test.each<[string, Partial<FleetlensQuery>]>([
    ['node memory, per node', { kind: 'node', metric: 'memBytes', agg: 'avg', groupBy: 'entity' }],
    ['node CPU summed per cluster', { kind: 'node', metric: 'cpuCores', agg: 'sum', groupBy: 'cluster' }],
    ['namespace CPU (max), one cluster', { kind: 'namespace', metric: 'cpuCores', agg: 'max', cluster: 'aws-k8s' }],
    [
      'workload memory averaged per namespace',
      { kind: 'workload', metric: 'memBytes', agg: 'avg', groupBy: 'namespace' },
    ],
    ['container memory (min), glob, per entity', { kind: 'container', metric: 'memBytes', agg: 'min', name: 'app-1*' }],
    [
      'pod network (max) overall',
      { kind: 'pod', metric: 'netRxBps', agg: 'max', groupBy: 'none', namespace: 'payments' },
    ],
  ])('%s: the Prometheus API gives the datasource’s values', async (_name, query) => {
    installTemplates();
    const { ds } = installDatasource({ backendUrl: backendUrl('fleet') });
    const res = await ds.query(
      request([query], { fromSec: from, toSec: to, intervalMs: STEP * 1000, maxDataPoints: 1000 })
    );
    const frames = res.data as DataFrame[];
    // The datasource's bucket [b, b + 30) holds the samples the PromQL window (b − 1, b + 29] holds.
    const promql = toPromql({ refId: 'A', ...query })!.replace(/\$__interval/g, `${STEP}s`);
    const prom = await promRange(promql, from + STEP - 1, to - 1, STEP);
    expect(prom.status).toBe('success');

    const mine = new Map<string, number>();
    for (const f of frames) {
      const times = f.fields.find((x) => x.type === 'time')!.values as number[];
      const field = f.fields.find((x) => x.type === 'number')!;
      const labels = field.labels ?? {};
      (field.values as Array<number | null>).forEach((v, i) => {
        if (v !== null && times[i] / 1000 >= from && times[i] / 1000 < to) {
          mine.set(`${JSON.stringify(labels)}@${times[i] / 1000}`, v);
        }
      });
    }
    const theirs = new Map<string, number>();
    const frameLabels = frames.map((f) => f.fields.find((x) => x.type === 'number')!.labels ?? {});
    for (const s of prom.data.result) {
      // The frame whose labels agree with the PromQL series on every label both have.
      const matches = frameLabels.filter((l) => Object.keys(l).every((k) => !(k in s.metric) || s.metric[k] === l[k]));
      expect({ series: s.metric, frames: matches.length }).toEqual({ series: s.metric, frames: 1 });
      for (const [t, v] of s.values) {
        theirs.set(`${JSON.stringify(matches[0])}@${t - STEP + 1}`, Number(v));
      }
    }
    expect(mine.size).toBeGreaterThan(0);
    expect([...theirs.keys()].sort()).toEqual([...mine.keys()].sort());
    for (const [k, v] of mine) {
      expect({ k, v: theirs.get(k)! }).toEqual({ k, v: expect.closeTo(v, 6) });
    }
  });
});

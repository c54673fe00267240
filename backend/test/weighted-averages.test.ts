import { api } from '@fleetlens/protocol';
import { RollupService } from '../src/services/rollup';
import { DIALECTS } from './helpers/databases';
import { liveBackend, type Live } from './helpers/backend';

/*
 * Time-weighted averages (issue 12): a busy host's agent skips ticks, so its samples cover 2 s or
 * 6 s, and short samples carry the bursts. Every average the backend answers (raw buckets, the
 * 1-minute and 1-hour tiers, the rollup-backed PromQL path) must weigh each sample by the seconds
 * it covers. The expected values are computed here, by hand, from the generated samples.
 */

const HOUR = 3600;
/** An hour boundary three hours ago: the data is complete and old enough to be rolled up. */
const T0 = Math.floor(Date.now() / 1000 / HOUR) * HOUR - 3 * HOUR;
/** Spans between the agent's readings (seconds): ticks of 2 s, with some skipped (6 s). */
const PATTERN = [2, 2, 2, 6, 2, 6, 6, 2, 2, 2, 2, 6, 6, 6, 2];
/** Weight rules under test (docs/decisions.md #20): the entity's first sample, and the cap. */
const NOMINAL = 10;
const MAX_SPAN = 300;

interface Point {
  ts: number;
  /** Container: no interval sent (an older agent); the backend takes the gap since the previous sample. */
  rx: number;
  /** Node: the agent's own interval, sent as intervalSeconds (not a whole number of seconds). */
  nodeRx: number;
  interval: number;
  /** Hand-computed weights. */
  wContainer: number;
  wNode: number;
}

/** Samples from T0 − 2 to past T0 + 1 h, then a 20-minute outage, then ten more minutes. */
function generate(): Point[] {
  const times: number[] = [];
  let t = T0 - 2;
  for (let k = 0; t < T0 + HOUR + 120; k++) {
    times.push(t);
    t += PATTERN[k % PATTERN.length];
  }
  t += 20 * 60; // agent down: the first sample after it weighs at most MAX_SPAN
  for (let k = 0, end = t + 600; t < end; k++) {
    times.push(t);
    t += PATTERN[k % PATTERN.length];
  }
  return times.map((ts, k) => {
    const gap = k === 0 ? null : ts - times[k - 1];
    // Bursts land in short samples (the receive rate the issue measured +22 % from).
    const burst = gap === 2;
    const rx = burst ? 90e6 + (k % 5) * 1e6 : 40e6 + (k % 7) * 1e6;
    // The agent's own clock: a little off the whole seconds of the timestamps.
    const interval = (gap ?? 2) + (burst ? -0.1 : 0.25);
    return {
      ts,
      rx,
      nodeRx: rx / 2,
      interval,
      wContainer: gap === null ? NOMINAL : Math.min(MAX_SPAN, gap),
      wNode: Math.min(MAX_SPAN, interval),
    };
  });
}

const POINTS = generate();

/** Hand computation: the weighted and the plain mean of the samples stamped in [from, to). */
function means(from: number, to: number, pick: (p: Point) => [number, number]) {
  const inside = POINTS.filter((p) => p.ts >= from && p.ts < to);
  let ws = 0;
  let w = 0;
  let s = 0;
  for (const p of inside) {
    const [v, weight] = pick(p);
    ws += v * weight;
    w += weight;
    s += v;
  }
  return { weighted: ws / w, plain: s / inside.length, n: inside.length };
}
const containerPick = (p: Point): [number, number] => [p.rx, p.wContainer];
const nodePick = (p: Point): [number, number] => [p.nodeRx, p.wNode];

function batches() {
  const out: unknown[] = [];
  for (let i = 0; i < POINTS.length; i += 15) {
    const part = POINTS.slice(i, i + 15);
    out.push({
      version: 'v1',
      batchId: `w-${i}`,
      sentAt: part[part.length - 1].ts,
      agent: { id: 'agent-w', version: '1', mode: 'node', hostname: 'busy' },
      cluster: { name: 'weighted', kind: 'docker', environment: 'on-prem' },
      nodes: [
        {
          name: 'busy',
          cores: 2,
          memoryBytes: 1e9,
          samples: part.map((p) => ({ ts: p.ts, intervalSeconds: p.interval, netRxBps: p.nodeRx })),
        },
      ],
      containers: [
        {
          id: 'w'.repeat(64),
          nodeName: 'busy',
          name: 'bursty',
          state: 'running',
          samples: part.map((p) => ({ ts: p.ts, netRxBps: p.rx })),
        },
      ],
    });
  }
  return out;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe.each(DIALECTS)('time-weighted averages on %s', (dialect) => {
  let live: Live;
  let containerId: string;
  let nodeId: string;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    const all = batches();
    for (const b of all) expect((await live.ingest(b)).status).toBe(202);
    // A replayed batch (the agent resends what it was not sure was stored) changes nothing.
    expect((await live.ingest(all[7])).status).toBe(202);
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(POINTS[POINTS.length - 1].ts + 300);
    containerId = (await live.get('/api/v1/containers')).items[0].id;
    nodeId = (await live.get('/api/v1/nodes')).items[0].id;
  });
  afterAll(async () => {
    await live?.close();
  });

  const series = async (kind: string, id: string, from: number, to: number, step: number, tier: string) => {
    const r = api.SeriesReply.parse(
      await live.get(
        `/api/v1/series?kind=${kind}&id=${id}&metrics=netRxBps&from=${from}&to=${to}&step=${step}&tier=${tier}`
      )
    );
    return r.series[0].points;
  };

  it('30 s buckets of raw samples are the interval-weighted mean, not the plain one', async () => {
    let worstPlain = 0;
    for (const [kind, id, pick] of [
      ['container', () => containerId, containerPick],
      ['node', () => nodeId, nodePick],
    ] as const) {
      const points = await series(kind, id(), T0, T0 + HOUR, 30, 'raw');
      expect(points).toHaveLength(120);
      for (const [b, v] of points) {
        const m = means(b, b + 30, pick);
        expect(m.n).toBeGreaterThan(3);
        expect(rel(v!, m.weighted)).toBeLessThan(1e-9);
        worstPlain = Math.max(worstPlain, rel(m.plain, m.weighted));
      }
    }
    // The data makes the difference visible: the plain mean is off by more than 10 % somewhere.
    expect(worstPlain).toBeGreaterThan(0.1);
  });

  it('the 1-minute and 1-hour tiers give the same weighted means as raw samples', async () => {
    for (const [kind, id, pick] of [
      ['container', () => containerId, containerPick],
      ['node', () => nodeId, nodePick],
    ] as const) {
      const minutes = await series(kind, id(), T0, T0 + HOUR, 60, '1m');
      expect(minutes).toHaveLength(60);
      for (const [b, v] of minutes) expect(rel(v!, means(b, b + 60, pick).weighted)).toBeLessThan(1e-9);
      const hour = means(T0, T0 + HOUR, pick);
      expect(rel(hour.plain, hour.weighted)).toBeGreaterThan(0.05);
      for (const tier of ['raw', '1m', '1h']) {
        const [[b, v]] = await series(kind, id(), T0, T0 + HOUR, HOUR, tier);
        expect(b).toBe(T0);
        expect(rel(v!, hour.weighted)).toBeLessThan(1e-9);
      }
    }
  });

  it('the first sample after an outage weighs at most 5 minutes; an entity’s first sample the nominal 10 s', async () => {
    const after = POINTS.find((p, i) => i > 0 && p.ts - POINTS[i - 1].ts > MAX_SPAN)!;
    const b = after.ts - (after.ts % 60);
    const [[, v]] = await series('container', containerId, b, b + 60, 60, '1m');
    expect(rel(v!, means(b, b + 60, containerPick).weighted)).toBeLessThan(1e-9);
    const first = POINTS[0].ts - (POINTS[0].ts % 60);
    const [[, f]] = await series('container', containerId, first, first + 60, 60, 'raw');
    expect(rel(f!, means(first, first + 60, containerPick).weighted)).toBeLessThan(1e-9);
  });

  it('a cluster series on the minute tier sums its nodes’ weighted minute means', async () => {
    const clusterId = (await live.get('/api/v1/clusters')).items[0].id;
    const minutes = await series('cluster', clusterId, T0, T0 + 600, 60, '1m');
    for (const [b, v] of minutes) expect(rel(v!, means(b, b + 60, nodePick).weighted)).toBeLessThan(1e-9);
  });

  it('PromQL on the rollup path is weighted; on raw samples avg_over_time stays Prometheus’ plain mean', async () => {
    const q = encodeURIComponent;
    const prom = async (query: string, start: number, end: number, step: number) => {
      const r = await fetch(
        `${live.backend.url}/prometheus/api/v1/query_range?query=${q(query)}&start=${start}&end=${end}&step=${step}`,
        { headers: live.admin }
      );
      expect(r.status).toBe(200);
      const body = (await r.json()) as { data: { result: { values: [number, string][] }[] } };
      return body.data.result[0].values;
    };
    const metric = 'fleetlens_container_network_receive_bytes_per_second';
    // Over two hours with 1-minute steps the 1-minute rollup answers: a bucket is one sample, stamped
    // at its end, whose value is the minute's weighted mean.
    const start = T0 + 60;
    const end = T0 + 2 * HOUR;
    const rolled = await prom(metric, start, end, 60);
    let checked = 0;
    for (const [t, v] of rolled) {
      if (t > T0 + HOUR) break;
      expect(rel(Number(v), means(t - 60, t, containerPick).weighted)).toBeLessThan(1e-9);
      checked++;
    }
    expect(checked).toBe(60);
    const avg5 = await prom(`avg_over_time(${metric}[5m])`, T0 + 300, end, 60);
    for (const [t, v] of avg5.filter(([t]) => t <= T0 + HOUR))
      expect(rel(Number(v), means(t - 300, t, containerPick).weighted)).toBeLessThan(1e-9);
    // Under an hour with 15 s steps: raw samples, where Prometheus' avg_over_time is the plain mean
    // of the samples in (t − 1m, t] (its tests compare with a real Prometheus).
    const raw = await prom(`avg_over_time(${metric}[1m])`, T0 + 60, T0 + 1800, 15);
    expect(raw.length).toBeGreaterThan(100);
    for (const [t, v] of raw) expect(rel(Number(v), means(t - 59, t + 1, containerPick).plain)).toBeLessThan(1e-9);
  });
});

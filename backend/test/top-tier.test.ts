/**
 * Top-N over 10 minutes or more reads the 1-minute tier up to the rollup watermark and raw samples
 * after it, so containers busy in the newest minutes rank as they should while the rollup lags
 * (or while no leader runs it), and the answer equals a hand computation from the samples.
 */
import { api } from '@fleetlens/protocol';
import { RollupService } from '../src/services/rollup';
import { liveBackend, type Live } from './helpers/backend';
import { DIALECTS } from './helpers/databases';

const NOW = Math.floor(Date.now() / 1000);
/** 30 minutes of 10 s samples, the newest 20 s ago. */
const END = NOW - (NOW % 10) - 20;
const TIMES: number[] = [];
for (let t = END - 1800; t <= END; t += 10) TIMES.push(t);
/** "steady" uses half a core throughout; "burst" a tenth, then three cores for its last seven minutes. */
const steady = () => 0.5;
const burst = (t: number) => (t > END - 420 ? 3 : 0.1);

function batch(times: number[]) {
  const container = (id: string, name: string, cpu: (t: number) => number) => ({
    id: id.repeat(64),
    nodeName: 'n1',
    name,
    state: 'running',
    samples: times.map((ts) => ({ ts, cpuCores: cpu(ts) })),
  });
  return {
    version: 'v1',
    batchId: `top-${times[0]}`,
    sentAt: times[times.length - 1],
    agent: { id: 'agent-top', version: '1', mode: 'node', hostname: 'n1', intervalSeconds: 10 },
    cluster: { name: 'top', kind: 'docker', environment: 'on-prem' },
    nodes: [{ name: 'n1', cores: 4, memoryBytes: 8e9, samples: times.map((ts) => ({ ts, cpuCores: 1 })) }],
    containers: [container('a', 'steady', steady), container('b', 'burst', burst)],
  };
}

/** The mean over the window's samples at `now`: from its start (on the tier, from its minute) to now. */
function expected(cpu: (t: number) => number, now: number, window: number, onMinute: boolean) {
  const from = now - window - (onMinute ? (now - window) % 60 : 0);
  const xs = TIMES.filter((t) => t >= from && t <= now).map(cpu);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe.each(DIALECTS)('top-N over the minute tier and the newest raw samples on %s', (dialect) => {
  let live: Live;
  beforeAll(async () => {
    live = await liveBackend(dialect);
    for (let i = 0; i < TIMES.length; i += 60)
      expect((await live.ingest(batch(TIMES.slice(i, i + 60)))).status).toBe(202);
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  /** Top-2 by CPU over 20 minutes, with the backend's clock read before and after. */
  const top = async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = api.TopReply.parse(await live.get('/api/v1/top?metric=cpuCores&window=1200&limit=2'));
    return { r, times: [before, Math.floor(Date.now() / 1000)] };
  };
  const expectValues = ({ r, times }: Awaited<ReturnType<typeof top>>) => {
    for (const item of r.items) {
      const cpu = item.name === 'burst' ? burst : steady;
      const candidates = times.map((now) => expected(cpu, now, 1200, r.tier !== 'raw'));
      const diff = Math.min(...candidates.map((c) => Math.abs(c - item.value)));
      expect({ name: item.name, value: item.value, diff: diff < 1e-9 }).toEqual({
        name: item.name,
        value: item.value,
        diff: true,
      });
    }
  };

  it('before any rollup: raw samples over the whole window', async () => {
    const t = await top();
    expect(t.r.tier).toBe('raw');
    expect(t.r.items.map((i) => i.name)).toEqual(['burst', 'steady']);
    expectValues(t);
  });

  it('while the rollup lags five minutes: the tier, then raw samples for the burst it has not reached', async () => {
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(END - 300);
    const wm = Number(
      (await live.backend.db('rollup_state').where('name', 'container_1m').first('watermark')).watermark
    );
    // The burst began before the watermark and goes on after it: both parts are needed.
    expect(wm).toBeGreaterThan(END - 420);
    expect(wm).toBeLessThan(END - 300);
    const t = await top();
    expect(t.r.tier).toBe('1m');
    expect(t.r.items.map((i) => i.name)).toEqual(['burst', 'steady']);
    expectValues(t);
  });

  it('once the rollup has caught up: the same ranking and values', async () => {
    await new RollupService({ knex: live.backend.db, dialect, describe: '' }).run(NOW + 120);
    const t = await top();
    expect(t.r.tier).toBe('1m');
    expect(t.r.items.map((i) => i.name)).toEqual(['burst', 'steady']);
    expectValues(t);
  });
});

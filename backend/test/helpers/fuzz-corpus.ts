import { gzipSync } from 'node:zlib';

// A seeded corpus of hostile ingest bodies and read requests for the fault suite: every case must
// be answered below 500 (a 4xx naming what is wrong, or a 2xx for what happens to be valid).

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const HOSTILE_VALUES: unknown[] = [
  null,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  'NaN',
  'Infinity',
  '',
  'x'.repeat(100_000),
  '\u0000\uffff\ud800',
  '../../etc/passwd',
  "'; DROP TABLE node_samples; --",
  [],
  [1, 2, 3],
  {},
  { __proto__: { admin: true } },
  JSON.parse('{"__proto__":{"polluted":1}}'),
  true,
  { constructor: { prototype: { x: 1 } } },
];

/** A valid one-node, one-container batch of cluster `fuzz` at `now`. */
export function validFuzzBatch(now: number, i: number): Record<string, unknown> {
  return {
    version: 'v1',
    batchId: `fuzz-${i}`,
    sentAt: now,
    agent: { id: `fuzz-agent-${i % 3}`, version: '1', mode: 'node', hostname: 'fz' },
    cluster: { name: 'fuzz', kind: 'docker', environment: 'on-prem', labels: { a: 'b' } },
    nodes: [{ name: `fz-${i % 5}`, cores: 2, memoryBytes: 4e9, samples: [{ ts: now - (i % 50), cpuCores: 0.5 }] }],
    containers: [
      {
        id: 'f'.repeat(60) + String(i % 10).padStart(4, '0'),
        nodeName: `fz-${i % 5}`,
        name: 'fz',
        image: 'busybox',
        state: 'running',
        samples: [{ ts: now - (i % 50), cpuCores: 0.1, memBytes: 1e6 }],
      },
    ],
    logs: [{ ts: now, nanos: i, containerId: 'f'.repeat(60) + '0000', stream: 'stdout', level: 'info', message: 'm' }],
    events: [],
  };
}

/** Every path (as key lists) into a JSON value, to aim mutations at. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(x, p, out);
    }
  }
  return out;
}

function setPath(root: Record<string, unknown>, path: (string | number)[], value: unknown, del: boolean) {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (del) delete o[last];
  else o[last] = value;
}

/** One ingest request of the corpus. */
export interface IngestCase {
  name: string;
  body: Buffer | string;
  headers: Record<string, string>;
}

/** `n` hostile ingest requests from the seeded source (mutated fields, bad timestamps, broken framing). */
export function ingestCorpus(r: Rand, n: number, now: number, token: string): IngestCase[] {
  const base = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const out: IngestCase[] = [];
  for (let i = 0; i < n; i++) {
    const b = validFuzzBatch(now, i);
    const kind = pick(r, ['field', 'field', 'field', 'delete', 'ts', 'framing', 'deep', 'extra'] as const);
    if (kind === 'field' || kind === 'delete') {
      const p = pick(r, paths(b));
      setPath(b, p, pick(r, HOSTILE_VALUES), kind === 'delete');
      out.push({ name: `${kind} ${p.join('.')}`, body: JSON.stringify(b), headers: base });
    } else if (kind === 'ts') {
      const ts = pick(r, [0, -1, 1, 4102444800, now + 100_000, now - 400 * 86400, 1.5, 1e15, now + 301]);
      const where = pick(r, ['sentAt', 'node', 'container', 'log'] as const);
      if (where === 'sentAt') b.sentAt = ts;
      else if (where === 'node') (b.nodes as Array<{ samples: Array<{ ts: number }> }>)[0].samples[0].ts = ts;
      else if (where === 'container') (b.containers as Array<{ samples: Array<{ ts: number }> }>)[0].samples[0].ts = ts;
      else (b.logs as Array<{ ts: number }>)[0].ts = ts;
      out.push({ name: `ts ${where}=${ts}`, body: JSON.stringify(b), headers: base });
    } else if (kind === 'framing') {
      const text = JSON.stringify(b);
      const f = pick(r, ['truncated', 'garbage', 'empty', 'gzip-lie', 'gzip-garbage', 'text-plain', 'no-auth', 'bom', 'array', 'nul'] as const); // prettier-ignore
      const cases: Record<typeof f, IngestCase> = {
        truncated: { name: f, body: text.slice(0, Math.floor(r() * text.length)), headers: base },
        garbage: {
          name: f,
          body: Buffer.from(Array.from({ length: 200 }, () => Math.floor(r() * 256))),
          headers: base,
        },
        empty: { name: f, body: '', headers: base },
        'gzip-lie': { name: f, body: text, headers: { ...base, 'content-encoding': 'gzip' } },
        'gzip-garbage': {
          name: f,
          body: gzipSync(text).subarray(0, 30),
          headers: { ...base, 'content-encoding': 'gzip' },
        },
        'text-plain': { name: f, body: text, headers: { ...base, 'content-type': 'text/plain' } },
        'no-auth': {
          name: f,
          body: text,
          headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
        },
        bom: { name: f, body: `\ufeff${text}`, headers: base },
        array: { name: f, body: `[${text}]`, headers: base },
        nul: { name: f, body: text.replace('"fuzz"', '"fu\\u0000zz"'), headers: base },
      };
      out.push(cases[f]);
    } else if (kind === 'deep') {
      const depth = pick(r, [31, 33, 64, 5000]);
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      out.push({ name: `deep ${depth}`, body: JSON.stringify(b).replace('"labels":{"a":"b"}', `"labels":${nested}`), headers: base }); // prettier-ignore
    } else {
      const p = pick(
        r,
        paths(b).filter((x) => typeof x[x.length - 1] === 'string')
      );
      setPath(b, [...p.slice(0, -1), pick(r, ['__proto__', 'constructor', 'zzz', 'prototype'])], pick(r, HOSTILE_VALUES), false); // prettier-ignore
      out.push({ name: `extra at ${p.slice(0, -1).join('.')}`, body: JSON.stringify(b), headers: base });
    }
  }
  return out;
}

const READ_PARAMS = ['from', 'to', 'step', 'metrics', 'metric', 'kind', 'tier', 'cluster', 'node', 'namespace', 'id', 'ids', 'limit', 'offset', 'sort', 'order', 'q', 'search', 'state', 'n', 'window', 'level', 'containerId', 'type']; // prettier-ignore
const READ_VALUES = ['', '0', '-1', '1', '60', '3600', '1e309', 'NaN', '4102444800', '9999999999999999999', 'all', 'node', 'container', 'raw', '1m', '1h', 'cpuCores', 'cpuCores,memBytes', 'memBytes,nope', 'asc', 'desc', '%00', '(((', "' OR 1=1 --", 'x'.repeat(5000), '[]', '{}', 'fuzz', '__proto__']; // prettier-ignore
const PROMQL = ['up', 'fleetlens_node_cpu_cores', 'fleetlens_container_cpu_cores', 'fleetlens_container_memory_working_set_bytes', '{__name__=~".+"}', '{pod=~"ku(.*.*)*Z"}', '{namespace!~"(a|b)*c"}', 'rate(fleetlens_container_cpu_cores[5m])', 'sum by (node) (fleetlens_node_cpu_cores)', 'topk(3, fleetlens_container_cpu_cores)', 'absent(x)', '1 + ', ')))', 'count_over_time(up[1y])', 'histogram_quantile(0.9, x)', '{a="\\u0000"}', 'sum(', 'x offset -10y', 'label_replace(up, "a", "$1", "b", "(.*)")', 'vector(1) / 0']; // prettier-ignore

/** `n` random read requests over `paths` (":id" filled with hostile ids) and the PromQL API. */
export function readCorpus(r: Rand, n: number, readPaths: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (r() < 0.3) {
      const api = pick(r, ['query', 'query_range', 'series', 'labels', 'label/pod/values', 'label/__name__/values', 'metadata']); // prettier-ignore
      const q = new URLSearchParams();
      const expr = pick(r, PROMQL) + (r() < 0.3 ? ` ${pick(r, ['+', 'and', 'or', '/'])} ${pick(r, PROMQL)}` : '');
      q.set(api === 'series' ? 'match[]' : 'query', expr);
      if (r() < 0.7) q.set('start', pick(r, READ_VALUES));
      if (r() < 0.7) q.set('end', pick(r, READ_VALUES));
      if (r() < 0.7) q.set('step', pick(r, READ_VALUES));
      if (r() < 0.3) q.set('time', pick(r, READ_VALUES));
      out.push(`/prometheus/api/v1/${api}?${q}`);
      continue;
    }
    const path = pick(r, readPaths).replace(/:[a-zA-Z]+/g, () =>
      encodeURIComponent(pick(r, ['x', 'node:fuzz:fz-1', '..%2F..', '0'.repeat(300), '__proto__', '%00', "'"]))
    );
    const q = new URLSearchParams();
    const k = Math.floor(r() * 5);
    for (let j = 0; j < k; j++) q.append(pick(r, READ_PARAMS), pick(r, READ_VALUES));
    out.push(`/api/v1${path}${k ? `?${q}` : ''}`);
  }
  return out;
}

import { withConflictRetry, type Db } from '../db/connection';
import { metricsOf, TABLES, type SampleFamily } from '../db/metrics';
import { ident } from '../db/writes';
import { weightedSql, weightedTerms } from './tiers';

/** Seconds a minute bucket stays open for late samples before it is rolled up. */
const GRACE = 30;
/** Seconds of raw data per rollup statement, to keep each transaction small. */
const CHUNK = 3600;

const floorTo = (t: number, s: number) => t - (t % s);

/**
 * Builds the 1-minute tier from raw samples and the 1-hour tier from the minute tier (min, max,
 * sum, count, and the time-weighted sum and seconds per metric: tiers.ts weightedSql). Late data
 * flagged by ingest is rolled up again.
 */
export class RollupService {
  constructor(
    private readonly db: Db,
    /** One line per retried deadlock (MariaDB). */
    private readonly warn: (line: string) => void = () => {}
  ) {}

  /** Rolls up everything complete as of `now` for both families; returns rows written per tier. */
  async run(now: number): Promise<{ m1: number; h1: number }> {
    let m1 = 0;
    let h1 = 0;
    for (const family of ['node', 'container'] as const) {
      const r = await this.runFamily(family, now);
      m1 += r.m1;
      h1 += r.h1;
    }
    return { m1, h1 };
  }

  private async runFamily(family: SampleFamily, now: number) {
    const k = this.db.knex;
    const upto = floorTo(now - GRACE, 60);
    const wm = await this.watermark(`${family}_1m`, family);
    const dirty = await k('rollup_dirty').where('family', family).min({ ts: 'ts_from' }).max({ id: 'id' }).first();
    const from = floorTo(Math.min(wm, dirty?.ts != null ? Number(dirty.ts) : Infinity), 60);
    // Start at the oldest raw sample in the range, not at a watermark or dirty mark far before it
    // (a sample stamped 1970 once made this walk 56 years of empty hours).
    const start = await this.nextData(TABLES[family].raw, from, upto, 60);
    let m1 = 0;
    let h1 = 0;
    if (from < upto) {
      for (let t = start; t < upto;) {
        const end = Math.min(t + CHUNK, upto);
        const n = await this.rollMinute(family, t, end);
        m1 += n;
        if (family === 'node') m1 += await this.rollClusterMinutes(t, end);
        // Skip empty stretches (an agent down for a day) straight to the next raw sample.
        t = n === 0 ? await this.nextData(TABLES[family].raw, end, upto, 60) : end;
      }
      await k('rollup_state')
        .where('name', `${family}_1m`)
        .update({ watermark: Math.max(wm, upto) });
    }
    if (dirty?.id != null) await k('rollup_dirty').where('family', family).where('id', '<=', dirty.id).del();
    // Hours are rebuilt from the minute tier for every hour the minute pass touched.
    const hw = await this.watermark(`${family}_1h`, family);
    const hUpto = floorTo(Math.max(wm, upto, start), 3600);
    const hStart = await this.nextData(TABLES[family]['1m'], floorTo(Math.min(hw, start), 3600), hUpto, 3600);
    if (hStart < hUpto) {
      for (let t = hStart; t < hUpto;) {
        const end = Math.min(t + CHUNK * 24, hUpto);
        const n = await this.rollHour(family, t, end);
        h1 += n;
        t = n === 0 ? await this.nextData(TABLES[family]['1m'], end, hUpto, 3600) : end;
      }
      await k('rollup_state')
        .where('name', `${family}_1h`)
        .update({ watermark: Math.max(hw, hUpto) });
    }
    return { m1, h1 };
  }

  /**
   * The bucket (of `unit` seconds) of the oldest row of `table` in [from, upto), or `upto` when
   * there is none. Only asked when the walk is more than a chunk away from `upto`: the steady
   * state (a minute behind) never pays for it.
   */
  private async nextData(table: string, from: number, upto: number, unit: number): Promise<number> {
    if (upto - from <= CHUNK) return from;
    const row = await this.db.knex(table).where('ts', '>=', from).where('ts', '<', upto).min({ ts: 'ts' }).first();
    return row?.ts != null ? Math.max(from, floorTo(Number(row.ts), unit)) : upto;
  }

  /** The watermark of a tier: everything before it is rolled up. Starts at the oldest raw sample. */
  private async watermark(name: string, family: SampleFamily): Promise<number> {
    const k = this.db.knex;
    const row = await k('rollup_state').where('name', name).first('watermark');
    if (row) return Number(row.watermark);
    const oldest = await k(TABLES[family].raw).min({ ts: 'ts' }).first();
    const wm = floorTo(oldest?.ts != null ? Number(oldest.ts) : Math.floor(Date.now() / 1000), 3600);
    await k('rollup_state').insert({ name, watermark: wm }).onConflict('name').ignore();
    return Number((await k('rollup_state').where('name', name).first('watermark')).watermark);
  }

  private async rollMinute(family: SampleFamily, from: number, to: number): Promise<number> {
    const cols = metricsOf(family).map((m) => m.column);
    const select = cols
      .map((c) => {
        const w = weightedSql('raw', c);
        return `MIN(${c}), MAX(${c}), SUM(${c}), COUNT(${c}), ${w.wsum}, ${w.secs}`;
      })
      .join(', ');
    return this.upsertSelect(
      family,
      TABLES[family]['1m'],
      cols,
      `SELECT entity_id, ts - (ts % 60) AS b, ${select}
      FROM ${TABLES[family].raw} WHERE ts >= ? AND ts < ? GROUP BY entity_id, b`,
      [from, to]
    );
  }

  /**
   * Per-cluster minute rows in the node tier (entity = cluster id): the sum over the cluster's
   * nodes of each node's (time-weighted) minute average, so a cluster's trend over days reads one
   * row per minute instead of one per node and minute; each such row weighs one (second), so that
   * hours average their minutes evenly. Written right after the node minutes they sum.
   */
  private async rollClusterMinutes(from: number, to: number): Promise<number> {
    const cols = metricsOf('node').map((m) => m.column);
    const per = (c: string) => {
      const w = weightedTerms('1m', c, 'm');
      return `SUM(${w.wsum} / NULLIF(${w.secs}, 0))`;
    };
    const has = (c: string) => `CASE WHEN SUM(m.${c}_cnt) > 0 THEN 1 ELSE 0 END`;
    const select = cols.map((c) => `${per(c)}, ${per(c)}, ${per(c)}, ${has(c)}, ${per(c)}, ${has(c)}`).join(', ');
    return this.upsertSelect(
      'node',
      TABLES.node['1m'],
      cols,
      `SELECT n.cluster_id, m.ts AS b, ${select}
      FROM ${TABLES.node['1m']} m JOIN nodes n ON n.id = m.entity_id WHERE m.ts >= ? AND m.ts < ? GROUP BY n.cluster_id, m.ts`,
      [from, to]
    );
  }

  private async rollHour(family: SampleFamily, from: number, to: number): Promise<number> {
    const cols = metricsOf(family).map((m) => m.column);
    const select = cols
      .map((c) => {
        const w = weightedSql('1h', c);
        return `MIN(${c}_min), MAX(${c}_max), SUM(${c}_sum), SUM(${c}_cnt), ${w.wsum}, ${w.secs}`;
      })
      .join(', ');
    return this.upsertSelect(
      family,
      TABLES[family]['1h'],
      cols,
      `SELECT entity_id, ts - (ts % 3600) AS b, ${select}
      FROM ${TABLES[family]['1m']} WHERE ts >= ? AND ts < ? GROUP BY entity_id, b`,
      [from, to]
    );
  }

  private async upsertSelect(_family: SampleFamily, table: string, cols: string[], select: string, bindings: number[]) {
    const target = [
      'entity_id',
      'ts',
      ...cols.flatMap((c) => [`${c}_min`, `${c}_max`, `${c}_sum`, `${c}_cnt`, `${c}_wsum`, `${c}_secs`]),
    ];
    const updates = target.slice(2);
    const q = (s: string) => ident(this.db, s);
    const tail =
      this.db.dialect === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${updates.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',')}`
        : `ON CONFLICT(ts, entity_id) DO UPDATE SET ${updates.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
    const sql = `INSERT INTO ${q(table)} (${target.map(q).join(',')}) ${select} ${tail}`;
    const res = await withConflictRetry('rollup statement', () => this.db.knex.raw(sql, bindings), this.warn);
    return this.db.dialect === 'mysql' ? Number(res[0]?.affectedRows ?? 0) : Number(res?.changes ?? 0);
  }
}

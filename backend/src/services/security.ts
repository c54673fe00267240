import type { api, RiskKind } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { QueryContext } from './context';
import { escapeLike } from './inventory';
import { RISK_KINDS } from './posture';
import { applyScope, narrow, type Scope } from './scope';
import { containerJoins, selectContainerColumns, toContainerRow } from './shapes';

const SORT: Record<api.RiskySortKey, string> = {
  risks: 'c.risk_count',
  name: 'c.name',
  cluster: 'cl.name',
  namespace: 'c.namespace',
  node: 'n.name',
  image: 'c.image',
};

/** Risky containers and counts per risk, within the caller's scope (applied here, in SQL). */
export class SecurityQueries {
  constructor(private readonly ctx: QueryContext) {}

  private get knex() {
    return this.ctx.db.knex;
  }

  /** Containers not gone, within scope narrowed by the cluster/namespace/node filters. */
  private base(scope: Scope, q: { cluster?: string[]; namespace?: string[]; node?: string[] }): Knex.QueryBuilder {
    const s = narrow(scope, { clusters: q.cluster, namespaces: q.namespace, nodes: q.node });
    return applyScope(containerJoins(this.knex).whereNull('c.gone_at'), s, {
      clusterName: 'cl.name',
      nodeName: 'n.name',
      namespace: 'c.namespace',
    });
  }

  /** Containers with at least one risk (or with every risk asked for), sorted and paged. */
  async risky(scope: Scope, q: api.RiskyContainerQuery): Promise<api.ContainerListReply> {
    const now = this.ctx.now();
    const filtered = () => {
      const qb = this.base(scope, q).where('c.risk_count', '>', 0);
      for (const r of q.risk ?? []) qb.where('c.risks', 'like', `%,${r},%`);
      if (q.q) {
        const like = `%${escapeLike(q.q)}%`;
        qb.where((w) =>
          w
            .whereRaw(`LOWER(c.name) LIKE LOWER(?) ESCAPE '!'`, [like])
            .orWhereRaw(`LOWER(c.image) LIKE LOWER(?) ESCAPE '!'`, [like])
        );
      }
      return qb;
    };
    const [{ n }] = await filtered().count({ n: '*' });
    const order = q.order === 'asc' ? 'asc' : 'desc';
    const col = SORT[q.sort];
    const rows = await selectContainerColumns(this.knex, filtered(), now - this.ctx.staleAfter)
      .orderByRaw(`${col} IS NULL, ${col} ${order}, c.name asc, c.id asc`)
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize);
    return {
      total: Number(n),
      page: q.page,
      pageSize: q.pageSize,
      items: rows.map((r: Record<string, unknown>) => toContainerRow(r, now, this.ctx.staleAfter)),
    };
  }

  /** How many containers have each risk; one statement. */
  async counts(scope: Scope, q: api.RiskCountsQuery): Promise<api.RiskCountsReply> {
    const sums = RISK_KINDS.map((k, i) => `SUM(CASE WHEN c.risks LIKE '%,${k},%' THEN 1 ELSE 0 END) as r${i}`).join(
      ', '
    );
    const [row] = await this.base(scope, q).select(
      this.knex.raw(
        `SUM(CASE WHEN c.security IS NOT NULL THEN 1 ELSE 0 END) as assessed, SUM(CASE WHEN c.risk_count > 0 THEN 1 ELSE 0 END) as risky, ${sums}`
      )
    );
    const byRisk = {} as Record<RiskKind, number>;
    RISK_KINDS.forEach((k, i) => (byRisk[k] = Number(row?.[`r${i}`] ?? 0)));
    return { assessed: Number(row?.assessed ?? 0), risky: Number(row?.risky ?? 0), byRisk };
  }
}

import Router from '@koa/router';
import { alerts as wire } from '@fleetlens/protocol';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { HttpError, parseJson, readBody, validate } from '../http';
import { InvalidFieldsError } from '../services/alerts';
import type { Scope } from '../services/scope';
import type { Endpoint } from './query';

/** Roles in increasing power; a request without a resolved caller counts as admin (service key only). */
const RANK: Record<string, number> = { viewer: 1, editor: 2, admin: 3 };

export type MinRole = 'viewer' | 'editor' | 'admin';

/** The caller's role: `ctx.state.caller.role`, set by the access middleware; none means the bare service key (admin). */
export function callerRole(ctx: Context): string {
  const caller = ctx.state.caller as { role?: string } | undefined;
  return caller ? String(caller.role ?? '') : 'admin';
}

/** Refuses the request with 403 unless the caller has at least `min`. */
export function requireRole(ctx: Context, min: MinRole) {
  const role = callerRole(ctx);
  if ((RANK[role] ?? 0) < RANK[min])
    throw new HttpError(403, `this needs the ${min} role (you are ${role || 'unknown'})`);
}

/** Who made a change, for `createdBy` fields. */
export function callerName(ctx: Context): string | null {
  const c = ctx.state.caller as { actor?: string; email?: string; login?: string } | undefined;
  return c ? String(c.actor ?? c.email ?? c.login ?? '') || null : null;
}

/** One write endpoint (POST/PUT/PATCH/DELETE): the router and the OpenAPI document both come from these. */
export interface WriteEndpoint {
  method: 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  minRole: MinRole;
  body?: z.ZodType;
  /** Reply schema; none means 204 No Content. */
  reply?: z.ZodType;
  status?: number;
  /** Audit entry for the change: action name, target type, and the target as it was before (secrets masked). */
  audit: {
    action: string;
    targetType: string;
    before?: (deps: AppDeps, params: Record<string, string>) => Promise<unknown>;
  };
  handle(deps: AppDeps, req: WriteRequest): Promise<unknown>;
}

/** What a write handler gets: the caller's scope, the validated body, path parameters and the request. */
export interface WriteRequest {
  scope: Scope;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, string>;
  ctx: Context;
}

/** Registers write endpoints under /api/v1: role check, body validation (400 naming each bad field), handler. */
export function writeRoutes(deps: AppDeps, endpoints: WriteEndpoint[]) {
  const r = new Router({ prefix: '/api/v1' });
  for (const e of endpoints) {
    r[e.method](e.path, async (ctx) => {
      requireRole(ctx, e.minRole);
      let body: unknown = undefined;
      if (e.body) body = validate(e.body, parseJson(await readBody(ctx, 1024 * 1024)), 'body');
      const params = ctx.params as Record<string, string>;
      try {
        const before = e.audit.before ? await e.audit.before(deps, params).catch(() => null) : null;
        const out = await e.handle(deps, { scope: ctx.state.scope as Scope, body, params, ctx });
        const caller = ctx.state.caller as { actor?: string; userId?: string | null } | undefined;
        await deps.access.audit.record(
          deps.db.knex,
          { actor: caller?.actor ?? 'service-key', actorId: caller?.userId ?? null },
          e.audit.action,
          e.audit.targetType,
          params.id ?? (out as { id?: string } | undefined)?.id ?? null,
          before,
          e.method === 'delete' && !e.reply ? null : (out ?? null)
        );
        if (e.reply) {
          ctx.status = e.status ?? 200;
          ctx.body = out;
        } else ctx.status = 204;
      } catch (err) {
        if (err instanceof InvalidFieldsError) throw new HttpError(400, 'invalid body', err.issues);
        throw err;
      }
    });
  }
  return r;
}

/** Alerts: list, statistics, detail. (`/alerts/stats` precedes `/alerts/:id`.) */
export const ALERT_READS: Endpoint[] = [
  {
    path: '/alerts',
    summary: 'Alerts (pending, firing and resolved history) in scope, newest first',
    query: wire.AlertListQuery,
    reply: wire.AlertListReply,
    handle: (d, s, q) => d.alerts.queries.list(s, q),
  },
  {
    path: '/alerts/stats',
    summary: 'Firing alerts by severity and alerts resolved in the period, each against the previous period',
    query: wire.AlertStatsQuery,
    reply: wire.AlertStatsReply,
    handle: (d, s, q) => d.alerts.queries.stats(s, q, d.alerts.now()),
  },
  {
    path: '/alerts/:id',
    summary: 'One alert with its state transitions and notification deliveries',
    reply: wire.AlertDetailReply,
    handle: (d, s, _q, p) => d.alerts.queries.get(s, p.id),
  },
];

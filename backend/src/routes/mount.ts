import Router from '@koa/router';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { HttpError, parseJson, readBody, validate } from '../http';
import { requireRole, type Caller, type Role } from '../services/access';
import { InvalidFieldsError } from '../services/alerts';

/** What a handler gets: validated query and body, path parameters, and a few request facts. */
export interface RouteInput {
  query: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, string>;
  ip: string | null;
  bearer: string | null;
}

/**
 * One API route with its schemas. Routers and the OpenAPI document are both built from these
 * lists, so the validation and the documentation cannot drift apart. (The read-only query API
 * has its own table, `ENDPOINTS` in query.ts.)
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Under /api/v1, with `:param` segments. */
  path: string;
  summary: string;
  /** `public`: no credentials; `caller`: any authenticated caller; a role: at least that role (403 otherwise). */
  access: 'public' | 'caller' | Role;
  query?: z.ZodObject;
  body?: z.ZodType;
  reply?: z.ZodType;
  /** Success status (default 200, or 204 without a reply). */
  status?: number;
  /** Extra documented answers, e.g. `{ '409': 'last admin' }`. */
  responses?: Record<string, string>;
  /**
   * An audit entry the router records once the handler succeeds: action, target type, and the
   * target as it was before (secrets masked). Routes without one audit in their service.
   */
  audit?: {
    action: string;
    targetType: string;
    before?: (deps: AppDeps, params: Record<string, string>) => Promise<unknown>;
  };
  handle(deps: AppDeps, caller: Caller | null, input: RouteInput): Promise<unknown> | unknown;
}

/**
 * Mounts route specs under /api/v1: role check, query and body validation (400 naming each bad
 * field), handler, audit entry. Authentication has already put the caller in ctx.state (except on
 * public routes). `bodyLimit` is the largest request body in bytes (413 beyond).
 */
export function mountRoutes(deps: AppDeps, specs: RouteSpec[], { bodyLimit = 64 * 1024 } = {}) {
  const r = new Router({ prefix: '/api/v1' });
  for (const s of specs) {
    r[s.method](s.path, async (ctx) => {
      const caller = (ctx.state.caller as Caller | undefined) ?? null;
      if (s.access !== 'public') requireRole(caller ?? undefined, s.access === 'caller' ? 'viewer' : s.access);
      const query = s.query ? validate(s.query, ctx.query, 'query') : {};
      let body: unknown = undefined;
      if (s.body) {
        const raw = await readBody(ctx, bodyLimit);
        if (!raw.length) throw new HttpError(400, 'a JSON body is required', [{ path: '(root)', message: 'required' }]);
        body = validate(s.body, parseJson(raw), 'body');
      }
      const bearer = ctx.get('authorization').match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
      const params = ctx.params as Record<string, string>;
      try {
        const before = s.audit?.before ? await s.audit.before(deps, params).catch(() => null) : null;
        const out = await s.handle(deps, caller, { query, body, params, ip: ctx.ip || null, bearer });
        if (s.audit) {
          await deps.access.audit.record(
            deps.db.knex,
            { actor: caller?.actor ?? 'service-key', actorId: caller?.userId ?? null },
            s.audit.action,
            s.audit.targetType,
            params.id ?? (out as { id?: string } | undefined)?.id ?? null,
            before,
            s.method === 'delete' && !s.reply ? null : (out ?? null)
          );
        }
        if (s.reply) {
          ctx.status = s.status ?? 200;
          ctx.body = out;
        } else ctx.status = s.status ?? 204;
      } catch (err) {
        if (err instanceof InvalidFieldsError) throw new HttpError(400, 'invalid body', err.issues);
        throw err;
      }
    });
  }
  return r;
}

/** Who made a change, for `createdBy` fields. */
export function callerName(caller: Caller | null): string | null {
  return caller ? caller.actor || null : null;
}

import Router from '@koa/router';
import { access } from '@fleetlens/protocol';
import type { z } from 'zod';
import type { AppDeps } from '../app';
import { HttpError, parseJson, readBody, validate } from '../http';
import { me, requireRole, type Caller, type Role } from '../services/access';
import { AUDIT_ROUTES } from './audit';
import { TOKEN_ROUTES } from './tokens';
import { USER_ROUTES } from './users';

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
 * lists, so the validation and the documentation cannot drift apart.
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
  handle(deps: AppDeps, caller: Caller | null, input: RouteInput): Promise<unknown> | unknown;
}

const BODY_LIMIT = 64 * 1024;

/** Mounts route specs; authentication has already put the caller in ctx.state (except on public routes). */
export function mountRoutes(deps: AppDeps, specs: RouteSpec[]) {
  const r = new Router({ prefix: '/api/v1' });
  for (const s of specs) {
    r[s.method](s.path, async (ctx) => {
      const caller = (ctx.state.caller as Caller | undefined) ?? null;
      if (s.access !== 'public') requireRole(caller ?? undefined, s.access === 'caller' ? 'viewer' : s.access);
      const query = s.query ? validate(s.query, ctx.query, 'query') : {};
      let body: unknown = undefined;
      if (s.body) {
        const raw = await readBody(ctx, BODY_LIMIT);
        if (!raw.length) throw new HttpError(400, 'a JSON body is required', [{ path: '(root)', message: 'required' }]);
        body = validate(s.body, parseJson(raw), 'body');
      }
      const bearer = ctx.get('authorization').match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
      const out = await s.handle(deps, caller, {
        query,
        body,
        params: ctx.params as Record<string, string>,
        ip: ctx.ip || null,
        bearer,
      });
      if (s.reply) {
        ctx.status = s.status ?? 200;
        ctx.body = out;
      } else ctx.status = s.status ?? 204;
    });
  }
  return r;
}

/** Login, logout and the caller's own identity. */
export const AUTH_ROUTES: RouteSpec[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Log in with e-mail and password; answers a short-lived bearer token',
    access: 'public',
    body: access.LoginRequest,
    reply: access.LoginReply,
    responses: {
      '401': 'Wrong e-mail or password',
      '429': 'Too many failed logins for this e-mail or address; see Retry-After',
    },
    handle: (d, _c, i) => d.access.identity.login(i.body.email, i.body.password, i.ip),
  },
  {
    method: 'post',
    path: '/auth/logout',
    summary: 'Ends the session of the bearer token presented',
    access: 'caller',
    handle: async (d, _c, i) => {
      if (i.bearer) await d.access.identity.logout(i.bearer);
    },
  },
  {
    method: 'get',
    path: '/me',
    summary: 'The caller: role, scopes in force and how it was identified',
    access: 'caller',
    reply: access.MeReply,
    handle: (_d, c) => me(c!),
  },
];

/** Every identity and access route (mounted by the app, documented by the OpenAPI document). */
export const ACCESS_ROUTES: RouteSpec[] = [...AUTH_ROUTES, ...USER_ROUTES, ...TOKEN_ROUTES, ...AUDIT_ROUTES];

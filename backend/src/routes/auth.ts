import { access } from '@fleetlens/protocol';
import { me } from '../services/access';
import type { RouteSpec } from './mount';
import { AUDIT_ROUTES } from './audit';
import { TOKEN_ROUTES } from './tokens';
import { USER_ROUTES } from './users';

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

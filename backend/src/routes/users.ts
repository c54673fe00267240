import { access } from '@fleetlens/protocol';
import { actorOf } from '../services/access';
import type { RouteSpec } from './mount';

/** Users CRUD, admins only. */
export const USER_ROUTES: RouteSpec[] = [
  {
    method: 'get',
    path: '/users',
    summary: 'Users (admin)',
    access: 'admin',
    query: access.UserListQuery,
    reply: access.UserListReply,
    handle: (d, _c, i) => d.access.users.list(i.query),
  },
  {
    method: 'post',
    path: '/users',
    summary: 'Create a user (admin); a password enables direct login',
    access: 'admin',
    body: access.UserCreate,
    reply: access.User,
    status: 201,
    responses: { '409': 'E-mail or login already used' },
    handle: (d, c, i) => d.access.users.create(actorOf(c!), i.body),
  },
  {
    method: 'get',
    path: '/users/:id',
    summary: 'One user (admin)',
    access: 'admin',
    reply: access.User,
    handle: (d, _c, i) => d.access.users.get(i.params.id),
  },
  {
    method: 'patch',
    path: '/users/:id',
    summary: 'Change a user (admin): role, scopes, active, password, …',
    access: 'admin',
    body: access.UserUpdate,
    reply: access.User,
    responses: { '409': 'Would leave no active admin, or e-mail/login already used' },
    handle: (d, c, i) => d.access.users.update(actorOf(c!), i.params.id, i.body),
  },
  {
    method: 'delete',
    path: '/users/:id',
    summary: 'Delete a user (admin); their sessions end and their API keys are revoked',
    access: 'admin',
    responses: { '409': 'Would leave no active admin' },
    handle: (d, c, i) => d.access.users.remove(actorOf(c!), i.params.id),
  },
];

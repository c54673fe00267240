import { access } from '@fleetlens/protocol';
import { HttpError } from '../http';
import { actorOf } from '../services/access';
import type { RouteSpec } from './mount';

/** Agent tokens and API keys, admins only. Secrets appear once, in the create reply. */
export const TOKEN_ROUTES: RouteSpec[] = [
  {
    method: 'get',
    path: '/agent-tokens',
    summary: 'Agent tokens with their cluster and last use (admin)',
    access: 'admin',
    reply: access.AgentTokenListReply,
    handle: (d) => d.access.agentTokens.list(),
  },
  {
    method: 'post',
    path: '/agent-tokens',
    summary: 'Create an agent token bound to one cluster (admin); the token is shown only in this reply',
    access: 'admin',
    body: access.AgentTokenCreate,
    reply: access.AgentTokenCreated,
    status: 201,
    handle: (d, c, i) => d.access.agentTokens.create(actorOf(c!), i.body.name, i.body.cluster),
  },
  {
    method: 'delete',
    path: '/agent-tokens/:id',
    summary: 'Revoke an agent token (admin); its agents get 401 from then on',
    access: 'admin',
    reply: access.AgentToken,
    handle: (d, c, i) => d.access.agentTokens.revoke(actorOf(c!), i.params.id),
  },
  {
    method: 'get',
    path: '/api-keys',
    summary: 'API keys with their owner and last use (admin)',
    access: 'admin',
    reply: access.ApiKeyListReply,
    handle: (d) => d.access.apiKeys.list(),
  },
  {
    method: 'post',
    path: '/api-keys',
    summary: 'Create an API key acting as a user (default: the caller) (admin); the key is shown only in this reply',
    access: 'admin',
    body: access.ApiKeyCreate,
    reply: access.ApiKeyCreated,
    status: 201,
    handle: (d, c, i) => {
      const owner = i.body.userId ?? c!.userId;
      if (!owner)
        throw new HttpError(400, 'invalid body', [
          { path: 'userId', message: 'required when the caller is not a user' },
        ]);
      return d.access.apiKeys.create(actorOf(c!), i.body.name, owner);
    },
  },
  {
    method: 'delete',
    path: '/api-keys/:id',
    summary: 'Revoke an API key (admin); it stops working at once',
    access: 'admin',
    reply: access.ApiKey,
    handle: (d, c, i) => d.access.apiKeys.revoke(actorOf(c!), i.params.id),
  },
];

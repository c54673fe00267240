import type { access } from '@fleetlens/protocol';
import { FULL_SCOPE, type Scope } from '../scope';

export type Role = access.Role;
export type Scopes = access.Scopes;

/** A refusal from the access services; the HTTP layer answers it with `status` (and Retry-After for 429). */
export class AccessError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429 | 503,
    message: string,
    readonly retryAfter?: number
  ) {
    super(message);
  }
}

/** Who is calling, as identified by the identity service. Role and scope come from the user record. */
export interface Caller {
  userId: string | null;
  email: string | null;
  displayName: string | null;
  role: Role;
  /** The scope every read service applies (FULL_SCOPE for admins). */
  scope: Scope;
  via: access.AuthVia;
  /** The name audit entries carry for this caller. */
  actor: string;
  /** The API key that authenticated the request (its owner's role and scopes are the ceiling). */
  apiKey?: access.MeReply['apiKey'];
  /** What became of X-Grafana-Id (`/me` shows it). */
  grafanaId?: access.MeReply['grafanaId'];
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** The lower of two roles. */
export const lowerRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** True when `role` has at least the rights of `min`. */
export const roleAtLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

/** The scope in force for a role with stored scopes: admins see everything. */
export const effectiveScope = (role: Role, scopes: Scopes): Scope => (role === 'admin' ? FULL_SCOPE : scopes);

/** Refuses a caller below `min` with 403. */
export function requireRole(caller: Caller | undefined, min: Role): Caller {
  if (!caller) throw new AccessError(401, 'authentication required');
  if (!roleAtLeast(caller.role, min)) throw new AccessError(403, `this needs the ${min} role (you are ${caller.role})`);
  return caller;
}

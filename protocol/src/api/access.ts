import { z } from 'zod';
import { Name } from '../v1/common';

/**
 * Identity and access API (backend ↔ plugin admin pages, scripts), version v1: users, roles,
 * scopes, login, API keys, agent tokens and the audit log. Request schemas validate what the
 * backend accepts (400 naming the field); reply schemas document what it answers. Secrets
 * (passwords, tokens, keys) are never part of a reply except once, in the reply that creates them.
 */

const Num = z.number();
const NullableNum = z.number().nullable();
const Id = z.string().min(1).max(64);

/** admin: users, tokens, channels, everything; editor: rules, silences, container actions; viewer: read. */
export const Role = z.enum(['admin', 'editor', 'viewer']);

/**
 * What a user may see: clusters, Kubernetes namespaces and nodes, by name. `null` on a dimension
 * means "no restriction"; a list means "only these" (an empty list means none). Dimensions are
 * combined with AND. Admins always see everything, whatever is stored here.
 */
export const Scopes = z.object({
  clusters: z.array(Name).max(1000).nullable(),
  namespaces: z.array(Name).max(1000).nullable(),
  nodes: z.array(Name).max(1000).nullable(),
});

/** The scopes of a user nobody has granted anything yet: sees nothing. */
export const NO_SCOPES: z.infer<typeof Scopes> = { clusters: [], namespaces: null, nodes: null };

const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((s) => s.toLowerCase());
const Password = z.string().min(8, 'must be at least 8 characters').max(1024);
const DisplayName = z.string().trim().min(1).max(200);
const Login = z.string().trim().min(1).max(190);

export const User = z.object({
  id: z.string(),
  email: z.string(),
  /** Grafana login this record is matched by (besides the e-mail), if any. */
  login: z.string().nullable(),
  displayName: z.string(),
  role: Role,
  active: z.boolean(),
  scopes: Scopes,
  /** True when the user can log in directly with a password. */
  hasPassword: z.boolean(),
  createdAt: Num,
  lastSeenAt: NullableNum,
});

export const UserCreate = z.strictObject({
  email: Email,
  displayName: DisplayName,
  role: Role,
  login: Login.nullable().optional(),
  active: z.boolean().default(true),
  password: Password.optional(),
  scopes: Scopes.default(NO_SCOPES),
});

export const UserUpdate = z
  .strictObject({
    email: Email,
    displayName: DisplayName,
    role: Role,
    login: Login.nullable(),
    active: z.boolean(),
    /** A new password; `null` removes direct login. */
    password: Password.nullable(),
    scopes: Scopes,
  })
  .partial()
  .refine((u) => Object.keys(u).length > 0, { message: 'at least one field is required' });

export const UserListQuery = z.object({
  q: z.string().max(200).optional(),
  role: Role.optional(),
  active: z.enum(['true', 'false']).optional(),
});

export const UserListReply = z.object({ items: z.array(User) });

/**
 * How the caller was identified: `service-key` (the bare service key, only where
 * SERVICE_KEY_ANONYMOUS_ROLE allows it), `grafana` (the service key naming a Grafana user: the
 * app's proxy route), `token` (a login token), `api-key` (an API key alone: a datasource, a
 * script), `grafana-id` (an API key refined by a verified X-Grafana-Id: the Grafana user,
 * narrowed by the key).
 */
export const AuthVia = z.enum(['service-key', 'grafana', 'token', 'api-key', 'grafana-id']);

/** The API key a request came with; its owner's role and scopes are the most it may do and see. */
export const MeApiKey = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  ownerEmail: z.string(),
  ownerRole: Role,
  /** The owner's scopes in force (all `null` for an admin owner). */
  ownerScopes: Scopes,
});

/**
 * What the backend did with X-Grafana-Id: `verified` (checked against Grafana's signing keys;
 * a user narrows the key to their own role and scopes), `ignored` (no GRAFANA_URL configured,
 * so it cannot be verified; the credential alone decides), `not-sent`.
 */
export const MeGrafanaId = z.object({
  status: z.enum(['verified', 'ignored', 'not-sent']),
  /** The token's `sub` (e.g. `user:ad5u8t2q3w7gc`) when verified. */
  subject: z.string().nullable(),
  message: z.string(),
});

export const MeReply = z.object({
  userId: z.string().nullable(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  role: Role,
  /** The scopes in force for this caller (all `null` for admins). */
  scopes: Scopes,
  via: AuthVia,
  /** Set when an API key authenticated the request (e.g. a datasource's key). */
  apiKey: MeApiKey.nullable().optional(),
  grafanaId: MeGrafanaId.optional(),
});

export const LoginRequest = z.strictObject({
  email: Email,
  password: z.string().min(1).max(1024),
});

export const LoginReply = z.object({
  token: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: Num,
  user: MeReply,
});

export const ApiKeyCreate = z.strictObject({
  name: z.string().trim().min(1).max(128),
  /** Owner; defaults to the caller. The key acts with its owner's current role and scopes. */
  userId: Id.optional(),
});

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  userEmail: z.string().nullable(),
  /** The first characters of the key, to tell keys apart (not enough to use it). */
  prefix: z.string(),
  createdAt: Num,
  lastUsedAt: NullableNum,
  revokedAt: NullableNum,
});

/** The reply to a create: the only time the key itself is shown. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string() });
export const ApiKeyListReply = z.object({ items: z.array(ApiKey) });

export const AgentTokenCreate = z.strictObject({
  name: z.string().trim().min(1).max(128),
  /** The cluster name this token may send data for (agents of other clusters get 403). */
  cluster: z.string().trim().min(1).max(128),
});

export const AgentToken = z.object({
  id: z.string(),
  name: z.string(),
  cluster: z.string().nullable(),
  createdAt: Num,
  lastUsedAt: NullableNum,
  revokedAt: NullableNum,
});

/** The reply to a create: the only time the token itself is shown. */
export const AgentTokenCreated = AgentToken.extend({ token: z.string() });
export const AgentTokenListReply = z.object({ items: z.array(AgentToken) });

export const AuditEntry = z.object({
  id: Num,
  ts: Num,
  /** Who did it: an e-mail, or `service-key`, or `grafana:<login>` for a Grafana user without a record. */
  actor: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});

export const AuditQuery = z.object({
  actor: z.string().max(254).optional(),
  action: z.string().max(64).optional(),
  targetType: z.string().max(64).optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const AuditListReply = z.object({
  total: Num,
  page: Num,
  pageSize: Num,
  items: z.array(AuditEntry),
});

export type Role = z.infer<typeof Role>;
export type Scopes = z.infer<typeof Scopes>;
export type User = z.infer<typeof User>;
export type UserCreate = z.infer<typeof UserCreate>;
export type UserCreateInput = z.input<typeof UserCreate>;
export type UserUpdate = z.infer<typeof UserUpdate>;
export type UserUpdateInput = z.input<typeof UserUpdate>;
export type UserListQuery = z.infer<typeof UserListQuery>;
export type UserListReply = z.infer<typeof UserListReply>;
export type AuthVia = z.infer<typeof AuthVia>;
export type MeReply = z.infer<typeof MeReply>;
export type MeApiKey = z.infer<typeof MeApiKey>;
export type MeGrafanaId = z.infer<typeof MeGrafanaId>;
export type LoginRequest = z.infer<typeof LoginRequest>;
export type LoginReply = z.infer<typeof LoginReply>;
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;
export type ApiKey = z.infer<typeof ApiKey>;
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;
export type ApiKeyListReply = z.infer<typeof ApiKeyListReply>;
export type AgentTokenCreate = z.infer<typeof AgentTokenCreate>;
export type AgentToken = z.infer<typeof AgentToken>;
export type AgentTokenCreated = z.infer<typeof AgentTokenCreated>;
export type AgentTokenListReply = z.infer<typeof AgentTokenListReply>;
export type AuditEntry = z.infer<typeof AuditEntry>;
export type AuditQuery = z.infer<typeof AuditQuery>;
export type AuditListReply = z.infer<typeof AuditListReply>;

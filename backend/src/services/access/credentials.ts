import type { access } from '@fleetlens/protocol';
import type { Db } from '../../db/connection';
import type { Actor, AuditLog } from './audit';
import { AccessError } from './errors';
import { newId, newSecret, secretHash } from './secrets';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Login sessions: a random bearer token, stored as its SHA-256 hash with an expiry. Kept in the
 * database (not signed and stateless) so every replica accepts them without sharing a signing
 * key, and so logout, deactivation and password changes end them at once.
 */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly ttlSeconds: number
  ) {}

  async create(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = newSecret('fls_');
    const now = this.now();
    const expiresAt = now + this.ttlSeconds;
    await this.db
      .knex('sessions')
      .insert({ id: newId(), token_hash: secretHash(token), user_id: userId, created_at: now, expires_at: expiresAt });
    // Expired sessions are dropped as new ones are made: the table stays small without a job.
    await this.db.knex('sessions').where('expires_at', '<=', now).delete();
    return { token, expiresAt };
  }

  /** The user row behind an unexpired token, or null. */
  async verify(token: string): Promise<Row | null> {
    if (!token) return null;
    const row = await this.db
      .knex('sessions as s')
      .join('users as u', 'u.id', 's.user_id')
      .where('s.token_hash', secretHash(token))
      .where('s.expires_at', '>', this.now())
      .select('u.*')
      .first();
    return row ?? null;
  }

  async revoke(token: string): Promise<void> {
    await this.db.knex('sessions').where('token_hash', secretHash(token)).delete();
  }
}

const toApiKey = (r: Row): access.ApiKey => ({
  id: String(r.id),
  name: String(r.name),
  userId: String(r.user_id),
  userEmail: r.user_email ?? null,
  prefix: String(r.prefix),
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/** What the audit log keeps of a key: no key, no hash, no prefix. */
const keyAudit = (k: access.ApiKey) => ({ id: k.id, name: k.name, userId: k.userId, revokedAt: k.revokedAt });

/** API keys for scripts: act as their owner (current role and scopes), stored hashed, revocable. */
export class ApiKeyService {
  private lastTouch = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number
  ) {}

  private list_() {
    return this.db
      .knex('api_keys as k')
      .leftJoin('users as u', 'u.id', 'k.user_id')
      .select('k.*', 'u.email as user_email');
  }

  async list(): Promise<access.ApiKeyListReply> {
    return { items: (await this.list_().orderBy('k.created_at', 'desc').orderBy('k.id')).map(toApiKey) };
  }

  async create(who: Actor, name: string, userId: string): Promise<access.ApiKeyCreated> {
    const key = newSecret('flk_');
    const id = newId();
    return this.db.knex.transaction(async (trx) => {
      const owner = await trx('users').where('id', userId).first();
      if (!owner) throw new AccessError(404, `user ${userId} not found`);
      await trx('api_keys').insert({
        id,
        name,
        user_id: userId,
        key_hash: secretHash(key),
        prefix: key.slice(0, 12),
        created_at: this.now(),
        last_used_at: null,
        revoked_at: null,
      });
      const created = toApiKey({ ...(await trx('api_keys').where('id', id).first()), user_email: owner.email });
      await this.audit.record(trx, who, 'apikey.create', 'api_key', id, null, keyAudit(created));
      return { ...created, key };
    });
  }

  async revoke(who: Actor, id: string): Promise<access.ApiKey> {
    return this.db.knex.transaction(async (trx) => {
      const row = await trx('api_keys').where('id', id).first();
      if (!row) throw new AccessError(404, `API key ${id} not found`);
      const before = toApiKey(row);
      if (before.revokedAt !== null) return before;
      await trx('api_keys').where('id', id).update({ revoked_at: this.now() });
      const after = toApiKey(await trx('api_keys').where('id', id).first());
      await this.audit.record(trx, who, 'apikey.revoke', 'api_key', id, keyAudit(before), keyAudit(after));
      return after;
    });
  }

  /** The owner row of an unrevoked key, or null. Checked against the database on every request. */
  async verify(key: string): Promise<Row | null> {
    if (!key) return null;
    const row = await this.db
      .knex('api_keys as k')
      .join('users as u', 'u.id', 'k.user_id')
      .where('k.key_hash', secretHash(key))
      .whereNull('k.revoked_at')
      .select('u.*', 'k.id as key_id', 'k.name as key_name')
      .first();
    if (!row) return null;
    const now = this.now();
    if ((this.lastTouch.get(row.key_id) ?? -Infinity) <= now - 60) {
      this.lastTouch.set(row.key_id, now);
      await this.db.knex('api_keys').where('id', row.key_id).update({ last_used_at: now });
    }
    return row;
  }
}

const toAgentToken = (r: Row): access.AgentToken => ({
  id: String(r.id),
  name: String(r.name),
  cluster: r.cluster_name ?? null,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/** Admin-managed agent tokens (verified at ingest by AgentAuth): ingest only, bound to one cluster. */
export class AgentTokenService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number,
    /** Called once a revocation has committed (AgentAuth stops trusting the token). */
    private readonly revoked: (id: string) => void = () => {}
  ) {}

  async list(): Promise<access.AgentTokenListReply> {
    return {
      items: (await this.db.knex('agent_tokens').select('*').orderBy('created_at', 'desc').orderBy('id')).map(
        toAgentToken
      ),
    };
  }

  async create(who: Actor, name: string, cluster: string): Promise<access.AgentTokenCreated> {
    const token = newSecret('fla_');
    const id = newId();
    return this.db.knex.transaction(async (trx) => {
      await trx('agent_tokens').insert({
        id,
        name,
        cluster_name: cluster,
        token_hash: secretHash(token),
        created_at: this.now(),
        last_used_at: null,
        revoked_at: null,
      });
      const created = toAgentToken(await trx('agent_tokens').where('id', id).first());
      await this.audit.record(trx, who, 'agent_token.create', 'agent_token', id, null, created);
      return { ...created, token };
    });
  }

  async revoke(who: Actor, id: string): Promise<access.AgentToken> {
    const after = await this.db.knex.transaction(async (trx) => {
      const row = await trx('agent_tokens').where('id', id).first();
      if (!row) throw new AccessError(404, `agent token ${id} not found`);
      const before = toAgentToken(row);
      if (before.revokedAt !== null) return before;
      await trx('agent_tokens').where('id', id).update({ revoked_at: this.now() });
      const after = toAgentToken(await trx('agent_tokens').where('id', id).first());
      await this.audit.record(trx, who, 'agent_token.revoke', 'agent_token', id, before, after);
      return after;
    });
    this.revoked(id);
    return after;
  }
}

/**
 * Failed logins, counted per e-mail and per client address within a sliding window in the
 * database (so the limit holds across replicas). At the limit, logins answer 429 until the
 * oldest failure in the window ages out.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly max: number,
    private readonly window: number
  ) {}

  private subjects(email: string, ip: string | null) {
    return [['email', email.toLowerCase()], ...(ip ? [['ip', ip]] : [])] as [string, string][];
  }

  /** Seconds until another attempt is allowed, or null when allowed now. */
  async retryAfter(email: string, ip: string | null): Promise<number | null> {
    const now = this.now();
    let wait = 0;
    for (const [kind, subject] of this.subjects(email, ip)) {
      const rows = await this.db
        .knex('login_failures')
        .where({ kind, subject: subject.slice(0, 254) })
        .where('ts', '>', now - this.window)
        .orderBy('ts', 'asc')
        .select('ts');
      if (rows.length >= this.max) wait = Math.max(wait, Number(rows[rows.length - this.max].ts) + this.window - now);
    }
    return wait > 0 ? wait : null;
  }

  async fail(email: string, ip: string | null): Promise<void> {
    const now = this.now();
    await this.db
      .knex('login_failures')
      .insert(this.subjects(email, ip).map(([kind, subject]) => ({ kind, subject: subject.slice(0, 254), ts: now })));
    await this.db
      .knex('login_failures')
      .where('ts', '<=', now - this.window)
      .delete();
  }

  /** A successful login clears the e-mail's failures (not the address's). */
  async clear(email: string): Promise<void> {
    await this.db
      .knex('login_failures')
      .where({ kind: 'email', subject: email.toLowerCase().slice(0, 254) })
      .delete();
  }
}

import { access } from '@fleetlens/protocol';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import { type Actor, type AuditLog } from './audit';
import { AccessError, type Role, type Scopes } from './errors';
import { hashPassword, newId } from './secrets';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Parses stored scopes; anything unreadable means "sees nothing" (fail closed). */
export function parseScopes(s: unknown): Scopes {
  try {
    const r = access.Scopes.safeParse(typeof s === 'string' ? JSON.parse(s) : s);
    return r.success ? r.data : { ...access.NO_SCOPES };
  } catch {
    return { ...access.NO_SCOPES };
  }
}

/** A user row as the API shows it (never the password hash). */
export function toUser(r: Row): access.User {
  return {
    id: String(r.id),
    email: String(r.email),
    login: r.login ?? null,
    displayName: String(r.display_name),
    role: r.role as Role,
    active: !!r.active,
    scopes: parseScopes(r.scopes),
    hasPassword: !!r.password_hash,
    createdAt: Number(r.created_at),
    lastSeenAt: r.last_seen_at === null || r.last_seen_at === undefined ? null : Number(r.last_seen_at),
  };
}

/** What the audit log keeps of a user: no hash, no secrets, no volatile last-seen time. */
const auditView = (u: access.User) => {
  const { lastSeenAt: _l, ...rest } = u;
  return rest;
};

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/i.test(e?.message ?? '')
  );
};

/** Users CRUD. At least one active admin always remains; every change is audited. */
export class UserService {
  private lastTouch = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => number
  ) {}

  private get knex() {
    return this.db.knex;
  }

  async list(q: access.UserListQuery = {}): Promise<access.UserListReply> {
    const qb = this.knex('users').select('*').orderBy('email');
    if (q.role) qb.where('role', q.role);
    if (q.active) qb.where('active', q.active === 'true');
    if (q.q) {
      const like = `%${q.q.toLowerCase().replace(/[!%_]/g, (m) => `!${m}`)}%`;
      qb.where((w) =>
        w
          .whereRaw(`LOWER(email) LIKE ? ESCAPE '!'`, [like])
          .orWhereRaw(`LOWER(display_name) LIKE ? ESCAPE '!'`, [like])
          .orWhereRaw(`LOWER(login) LIKE ? ESCAPE '!'`, [like])
      );
    }
    return { items: (await qb).map(toUser) };
  }

  async get(id: string): Promise<access.User> {
    const row = await this.knex('users').where('id', id).first();
    if (!row) throw new AccessError(404, `user ${id} not found`);
    return toUser(row);
  }

  /** The raw row (with the hash) by e-mail, for login. */
  rowByEmail(email: string): Promise<Row | undefined> {
    return this.knex('users').where('email', email.toLowerCase()).first();
  }

  rowById(id: string): Promise<Row | undefined> {
    return this.knex('users').where('id', id).first();
  }

  /** The record a Grafana identity maps to: by e-mail first, then by login (as login or as e-mail). */
  async rowForGrafana(login: string | null, email: string | null): Promise<Row | undefined> {
    if (email) {
      const r = await this.knex('users').where('email', email.toLowerCase()).first();
      if (r) return r;
    }
    if (login) {
      const r = await this.knex('users').where('login', login).first();
      if (r) return r;
      if (login.includes('@')) return this.knex('users').where('email', login.toLowerCase()).first();
    }
    return undefined;
  }

  /** Notes that a user was seen, at most once a minute per user per process. */
  async touch(id: string): Promise<void> {
    const now = this.now();
    if ((this.lastTouch.get(id) ?? -Infinity) > now - 60) return;
    this.lastTouch.set(id, now);
    await this.knex('users').where('id', id).update({ last_seen_at: now });
  }

  async create(who: Actor, input: access.UserCreate, action = 'user.create'): Promise<access.User> {
    const hash = input.password ? await hashPassword(input.password) : null;
    const now = this.now();
    const id = newId();
    try {
      return await this.knex.transaction(async (trx) => {
        await this.assertFree(trx, input.email, input.login ?? null, null);
        await trx('users').insert({
          id,
          email: input.email,
          login: input.login ?? null,
          display_name: input.displayName,
          role: input.role,
          active: input.active,
          password_hash: hash,
          scopes: JSON.stringify(input.scopes),
          created_at: now,
          updated_at: now,
          last_seen_at: null,
        });
        const user = toUser(await trx('users').where('id', id).first());
        await this.audit.record(trx, who, action, 'user', id, null, auditView(user));
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AccessError(409, 'e-mail or login is already used by another user');
      throw err;
    }
  }

  async update(who: Actor, id: string, patch: access.UserUpdate): Promise<access.User> {
    const hash = patch.password ? await hashPassword(patch.password) : patch.password === null ? null : undefined;
    try {
      return await this.knex.transaction(async (trx) => {
        const admins = await this.lockAdmins(trx);
        const row = await this.lockedRow(trx, id);
        const before = toUser(row);
        const demoted = patch.role !== undefined && patch.role !== 'admin';
        const deactivated = patch.active === false;
        if (before.role === 'admin' && before.active && (demoted || deactivated))
          this.assertAnotherAdmin(admins, id, deactivated ? 'deactivate' : 'demote');
        await this.assertFree(trx, patch.email ?? null, patch.login ?? null, id);
        const changes: Row = { updated_at: this.now() };
        if (patch.email !== undefined) changes.email = patch.email;
        if (patch.login !== undefined) changes.login = patch.login;
        if (patch.displayName !== undefined) changes.display_name = patch.displayName;
        if (patch.role !== undefined) changes.role = patch.role;
        if (patch.active !== undefined) changes.active = patch.active;
        if (patch.scopes !== undefined) changes.scopes = JSON.stringify(patch.scopes);
        if (hash !== undefined) changes.password_hash = hash;
        await trx('users').where('id', id).update(changes);
        // A deactivated user, or one whose password changed, is logged out everywhere.
        if (deactivated || hash !== undefined) await trx('sessions').where('user_id', id).delete();
        const after = toUser(await trx('users').where('id', id).first());
        await this.audit.record(trx, who, 'user.update', 'user', id, auditView(before), {
          ...auditView(after),
          ...(patch.password !== undefined ? { passwordChanged: true } : {}),
        });
        return after;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AccessError(409, 'e-mail or login is already used by another user');
      throw err;
    }
  }

  async remove(who: Actor, id: string): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const admins = await this.lockAdmins(trx);
      const row = await this.lockedRow(trx, id);
      const before = toUser(row);
      if (before.role === 'admin' && before.active) this.assertAnotherAdmin(admins, id, 'delete');
      await trx('sessions').where('user_id', id).delete();
      const keys = await trx('api_keys').where('user_id', id).whereNull('revoked_at').select('id');
      await trx('api_keys').where('user_id', id).whereNull('revoked_at').update({ revoked_at: this.now() });
      await trx('users').where('id', id).delete();
      await this.audit.record(trx, who, 'user.delete', 'user', id, auditView(before), {
        revokedApiKeys: keys.map((k: Row) => String(k.id)),
      });
    });
  }

  /** Row locks on MySQL; SQLite serialises write transactions anyway (and knex warns on FOR UPDATE there). */
  private forUpdate<Q extends Knex.QueryBuilder>(qb: Q): Q {
    return this.db.dialect === 'mysql' ? (qb.forUpdate() as Q) : qb;
  }

  private async lockedRow(trx: Knex.Transaction, id: string): Promise<Row> {
    const row = await this.forUpdate(trx('users').where('id', id)).first();
    if (!row) throw new AccessError(404, `user ${id} not found`);
    return row;
  }

  /**
   * The active admins, locked (MySQL) before anything else in a change, always in id order: two
   * concurrent demotions then queue behind each other instead of both passing (or deadlocking).
   */
  private async lockAdmins(trx: Knex.Transaction): Promise<string[]> {
    const rows = await this.forUpdate(trx('users').where({ role: 'admin', active: true }).orderBy('id')).select('id');
    return rows.map((r: Row) => String(r.id));
  }

  /** Refuses (409) a change that would leave no active admin. */
  private assertAnotherAdmin(admins: string[], id: string, what: string) {
    if (!admins.some((a) => a !== id))
      throw new AccessError(409, `cannot ${what} the last active admin: make another user an active admin first`);
  }

  private async assertFree(trx: Knex.Transaction, email: string | null, login: string | null, self: string | null) {
    if (email) {
      const hit = await trx('users')
        .where('email', email)
        .modify((q) => (self ? q.whereNot('id', self) : q))
        .first();
      if (hit) throw new AccessError(409, `e-mail ${email} is already used by another user`);
    }
    if (login) {
      const hit = await trx('users')
        .where('login', login)
        .modify((q) => (self ? q.whereNot('id', self) : q))
        .first();
      if (hit) throw new AccessError(409, `login ${login} is already used by another user`);
    }
  }
}

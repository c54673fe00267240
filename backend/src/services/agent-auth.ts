import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/connection';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** An agent token's grant: may ingest, for one cluster or (bootstrap token) any. */
export interface AgentGrant {
  tokenId: string;
  cluster: string | null;
}

/**
 * Checks agent tokens: the bootstrap token from configuration, or an admin-created token stored
 * as a SHA-256 hash (tokens are long random strings, so a fast hash is enough; passwords use argon2id).
 */
export class AgentAuth {
  private lastTouch = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly bootstrapToken?: string
  ) {}

  /** The grant for a presented token, or null. */
  async verify(token: string): Promise<AgentGrant | null> {
    if (!token) return null;
    if (this.bootstrapToken && sameSecret(token, this.bootstrapToken)) return { tokenId: 'bootstrap', cluster: null };
    const hash = sha256(token).toString('hex');
    const row = await this.db.knex('agent_tokens').where('token_hash', hash).whereNull('revoked_at').first();
    if (!row) return null;
    const now = Math.floor(Date.now() / 1000);
    // Touch last_used_at at most once a minute per token: not a write on every batch.
    if ((this.lastTouch.get(row.id) ?? 0) < now - 60) {
      this.lastTouch.set(row.id, now);
      await this.db.knex('agent_tokens').where('id', row.id).update({ last_used_at: now });
    }
    return { tokenId: row.id, cluster: row.cluster_name ?? null };
  }
}

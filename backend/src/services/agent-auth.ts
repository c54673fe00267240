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
 * How long a verified token is trusted without reading its row again (decision 40): a revocation
 * made on another replica takes effect within this; one made on this replica at once.
 */
export const VERIFIED_TOKEN_SECONDS = 5;
/** Tokens remembered at most (the cache is emptied beyond: there are few tokens, many pushes). */
const MAX_REMEMBERED = 10_000;

/**
 * Checks agent tokens: the bootstrap token from configuration, or an admin-created token stored
 * as a SHA-256 hash (tokens are long random strings, so a fast hash is enough; passwords use argon2id).
 * A stored token, once verified, is trusted for VERIFIED_TOKEN_SECONDS, so that every agent's push
 * does not read `agent_tokens`; tokens not found are never remembered (a new one works at once).
 */
export class AgentAuth {
  private readonly lastTouch = new Map<string, number>();
  /** Per token hash: its grant and until when it is trusted. */
  private readonly verified = new Map<string, { grant: AgentGrant; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly bootstrapToken: string | undefined,
    private readonly now: () => number
  ) {}

  /** The grant for a presented token, or null. */
  async verify(token: string): Promise<AgentGrant | null> {
    if (!token) return null;
    if (this.bootstrapToken && sameSecret(token, this.bootstrapToken)) return { tokenId: 'bootstrap', cluster: null };
    const hash = sha256(token).toString('hex');
    const now = this.now();
    const known = this.verified.get(hash);
    if (known && known.until > now) return known.grant;
    const row = await this.db.knex('agent_tokens').where('token_hash', hash).whereNull('revoked_at').first();
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    const grant = { tokenId: String(row.id), cluster: row.cluster_name ?? null };
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.set(hash, { grant, until: now + VERIFIED_TOKEN_SECONDS });
    // Touch last_used_at at most once a minute per token: not a write on every batch.
    if ((this.lastTouch.get(grant.tokenId) ?? 0) < now - 60) {
      this.lastTouch.set(grant.tokenId, now);
      await this.db.knex('agent_tokens').where('id', grant.tokenId).update({ last_used_at: now });
    }
    return grant;
  }

  /** Stops trusting a token at once (it was revoked on this replica). */
  forget(tokenId: string): void {
    for (const [hash, v] of this.verified) if (v.grant.tokenId === tokenId) this.verified.delete(hash);
  }
}

import { createHash, randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';

/** A new random id (16 hex characters). */
export const newId = () => randomBytes(8).toString('hex');

/** A new random secret with a recognisable prefix (`fls_` session, `flk_` API key, `fla_` agent token). */
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

/** SHA-256 hex of a long random secret (tokens and keys; passwords use argon2id). */
export const secretHash = (s: string) => createHash('sha256').update(s).digest('hex');

/** argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes): an encoded `$argon2id$…` string. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

// Verified against when the e-mail is unknown, so that a miss takes as long as a wrong password.
let dummy: Promise<string> | null = null;

/** Checks a password against an encoded hash; with no hash, burns the same time and answers false. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

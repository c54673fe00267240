import { randomUUID } from 'node:crypto';
import type { FieldIssue } from '@fleetlens/protocol';

/** A new opaque id (32 hex characters). */
export const newId = () => randomUUID().replace(/-/g, '');

/** Raised when input passes its schema but refers to something that does not exist (answered 400, naming the field). */
export class InvalidFieldsError extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

/** Parses a JSON column, falling back when it is not valid JSON. */
export function parseJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

/** A glob (`*` any run, `?` one character) as an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Returns `next`, but reuses the objects of `prev` wherever the two are deeply equal, so that a
 * refresh that brings the same numbers keeps the same references and memoised rows, cards and
 * charts skip rendering (the idea of react-query's structural sharing).
 */
export function structuralShare<T>(prev: T, next: T): T {
  if (Object.is(prev, next)) {
    return prev;
  }
  if (Array.isArray(prev) && Array.isArray(next)) {
    let same = prev.length === next.length;
    const out = next.map((item, i) => {
      const shared = i < prev.length ? structuralShare(prev[i], item) : item;
      same = same && shared === prev[i];
      return shared;
    });
    return (same ? prev : out) as T;
  }
  if (isPlainObject(prev) && isPlainObject(next)) {
    const prevKeys = Object.keys(prev);
    const nextKeys = Object.keys(next);
    let same = prevKeys.length === nextKeys.length;
    const out: Record<string, unknown> = {};
    for (const key of nextKeys) {
      const shared = structuralShare(prev[key], next[key]);
      out[key] = shared;
      same = same && key in prev && shared === prev[key];
    }
    return (same ? prev : out) as T;
  }
  return next;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

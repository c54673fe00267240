import { z } from 'zod';

/** A comma-separated query parameter as its trimmed, non-empty items ("a, b,," → ["a", "b"]). */
export const csvList = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
);

/** An optional comma-separated list of names (clusters, namespaces, nodes, …). */
export const csv = csvList.optional();

/** An optional comma-separated list whose every item must parse as `item`. */
export const csvOf = <T extends z.ZodType<unknown, string>>(item: T) => csvList.pipe(z.array(item)).optional();

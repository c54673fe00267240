import type { z } from 'zod';

/** One bad field: its dotted path in the input and what is wrong with it. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Flattens a zod error into one entry per bad field, named by its path (e.g. `containers.3.samples.0.ts`). */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
}

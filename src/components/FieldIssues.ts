import type { ApiError, ApiIssue } from '../api/errors';

/**
 * The backend's 400 issues by field: `issueFor(error, 'threshold')` is the message for that
 * field (or a nested one, e.g. `filters.clusters.0` under `filters.clusters`), for a form to show
 * next to the field.
 */
export function issueFor(error: ApiError | undefined, path: string): string | undefined {
  const issues: ApiIssue[] = error?.issues ?? [];
  const hit = issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
  return hit.length ? hit.map((i) => i.message).join('; ') : undefined;
}

/** The `invalid` and `error` props of a Field showing the issue at `path`, if any. */
export function fieldProps(error: ApiError | undefined, path: string): { invalid: boolean; error?: string } {
  const issue = issueFor(error, path);
  return { invalid: !!issue, error: issue };
}

/** Issues no field of the form shows (so they are listed in the form's error banner instead). */
export function otherIssues(error: ApiError | undefined, shown: string[]): ApiIssue[] {
  return (error?.issues ?? []).filter(
    (i) => !shown.some((p) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`))
  );
}

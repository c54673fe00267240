import React from 'react';
import { EmptyState } from '@grafana/ui';

interface Props {
  /** What is missing, e.g. "No containers yet". */
  message: string;
  /** What to do about it; defaults to installing an agent. */
  children?: React.ReactNode;
}

/** The empty state: says why nothing shows and what to do next. */
export function NoData({ message, children }: Props) {
  return (
    <EmptyState variant="call-to-action" message={message}>
      {children ?? (
        <>
          Fleetlens shows what its agents report. Install the Fleetlens agent on your Docker hosts, or its DaemonSet on
          your Kubernetes clusters, with an agent token from the Fleetlens backend. Data appears here within a few
          seconds of the first push.
        </>
      )}
    </EmptyState>
  );
}

/** Empty state for filters that match nothing (data exists, the filter excludes it all). */
export function NoMatches({ what }: { what: string }) {
  return (
    <EmptyState variant="not-found" message={`No ${what} match these filters`}>
      Clear the text search, pick another cluster or state, or widen the time range.
    </EmptyState>
  );
}

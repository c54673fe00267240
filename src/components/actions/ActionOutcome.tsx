import React from 'react';
import { Alert as Banner } from '@grafana/ui';
import type { ActionState } from './useActionState';

/**
 * Why a requested action did not happen: the agent's message when it failed or expired, or the
 * backend's answer when it could not be requested. `what` names it ("Scaling shop/web").
 */
export function ActionOutcome({ what, state }: { what: string; state: Pick<ActionState, 'action' | 'error'> }) {
  const { action, error } = state;
  return (
    <>
      {action && (action.state === 'failed' || action.state === 'expired') && (
        <Banner severity="error" title={`${what} ${action.state}`}>
          {action.message ?? ''}
        </Banner>
      )}
      {error && (
        <Banner severity="error" title={`${what} could not be requested`}>
          {error.message}
        </Banner>
      )}
    </>
  );
}

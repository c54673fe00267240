import React, { useState } from 'react';
import { Alert as Banner, Button, Stack } from '@grafana/ui';
import type { ContainerDetailReply } from '@fleetlens/protocol/api';
import { useMe } from '../../api/useMe';
import { ConfirmAction } from './ConfirmAction';
import { kindsFor, LABEL, needsConfirmation, STATE_TEXT, type Kind } from './kinds';
import { useContainerAction } from './useContainerAction';

/**
 * Start / Stop / Restart / Pause / Resume / Remove for a Docker container (issue 15), for editors
 * and admins. Stop and remove ask for confirmation naming the container; remove offers "also
 * remove volumes" (off by default). The requested action's state is read until it finishes.
 */
export function ContainerActions({ container }: { container: ContainerDetailReply }) {
  const me = useMe();
  const [confirm, setConfirm] = useState<Kind | null>(null);
  const { action, error, pending, request } = useContainerAction(container);

  // Kubernetes containers and gone ones have no actions (yet); viewers see none.
  const kinds = kindsFor(container);
  if (!me.canEdit || !kinds.length) {
    return null;
  }

  const ask = (kind: Kind) => (needsConfirmation(kind) ? setConfirm(kind) : void request(kind));

  return (
    <section aria-label="Container actions">
      <Stack gap={1} wrap="wrap" alignItems="center">
        {kinds.map((k) => (
          <Button
            key={k}
            size="sm"
            variant={needsConfirmation(k) ? 'destructive' : 'secondary'}
            disabled={pending}
            onClick={() => ask(k)}
          >
            {LABEL[k]}
          </Button>
        ))}
        {action && (
          <span role="status" aria-label="Action state">
            {LABEL[action.kind as Kind] ?? action.kind}: {STATE_TEXT[action.state]}
          </span>
        )}
      </Stack>
      {action && (action.state === 'failed' || action.state === 'expired') && (
        <Banner severity="error" title={`${LABEL[action.kind as Kind] ?? action.kind} ${container.name} ${action.state}`}>
          {action.message ?? ''}
        </Banner>
      )}
      {error && (
        <Banner severity="error" title="The action could not be requested">
          {error.message}
        </Banner>
      )}
      <ConfirmAction
        container={container}
        kind={confirm}
        onConfirm={(kind, removeVolumes) => {
          setConfirm(null);
          void request(kind, removeVolumes);
        }}
        onDismiss={() => setConfirm(null)}
      />
    </section>
  );
}

import React, { useState } from 'react';
import { Alert as Banner, Button, Stack } from '@grafana/ui';
import type { ContainerDetailReply } from '@fleetlens/protocol/api';
import { useMe } from '../../api/useMe';
import { ConfirmAction } from './ConfirmAction';
import { kindsFor, LABEL, labelOf, needsConfirmation, type Kind } from './kinds';
import { STATE_TEXT } from './useActionState';
import { useContainerAction } from './useContainerAction';

/**
 * Start / Stop / Restart / Pause / Resume / Remove for a Docker container, Restart (delete the
 * pod) for a Kubernetes one (issue 15), for editors and admins. Stop, remove and a pod's restart
 * ask for confirmation naming the target; remove offers "also remove volumes" (off by default).
 * The requested action's state is read until it finishes.
 */
export function ContainerActions({ container }: { container: ContainerDetailReply }) {
  const me = useMe();
  const [confirm, setConfirm] = useState<Kind | null>(null);
  const { action, error, pending, request } = useContainerAction(container);

  // Gone containers have no actions, a Kubernetes one only restart; viewers see none.
  const kinds = kindsFor(container, { kubernetes: true });
  if (!me.canEdit || !kinds.length) {
    return null;
  }

  const ask = (kind: Kind) => (needsConfirmation(kind, container) ? setConfirm(kind) : void request(kind));

  return (
    <section aria-label="Container actions">
      <Stack gap={1} wrap="wrap" alignItems="center">
        {kinds.map((k) => (
          <Button
            key={k}
            size="sm"
            variant={k === 'stop' || k === 'remove' ? 'destructive' : 'secondary'}
            disabled={pending}
            onClick={() => ask(k)}
          >
            {LABEL[k]}
          </Button>
        ))}
        {action && (
          <span role="status" aria-label="Action state">
            {labelOf(action.kind)}: {STATE_TEXT[action.state]}
          </span>
        )}
      </Stack>
      {action && (action.state === 'failed' || action.state === 'expired') && (
        <Banner severity="error" title={`${labelOf(action.kind)} ${container.name} ${action.state}`}>
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

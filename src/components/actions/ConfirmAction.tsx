import React, { useState } from 'react';
import { Checkbox, ConfirmModal, Stack } from '@grafana/ui';
import type { ContainerRow } from '@fleetlens/protocol/api';
import type { Kind } from './kinds';

interface Props {
  container: Pick<ContainerRow, 'name' | 'nodeName' | 'state' | 'pod' | 'podUid' | 'workloadKind' | 'workloadName'>;
  /** The kind to confirm (stop, remove, or a Kubernetes container's restart); null: closed. */
  kind: Kind | null;
  onConfirm(kind: Kind, removeVolumes: boolean): void;
  onDismiss(): void;
}

/**
 * The confirmation of a stop or a remove, naming the container and its node; remove offers
 * "Also remove volumes", off each time the dialog opens. A Kubernetes container's restart names
 * the pod it deletes and the workload that recreates it.
 */
export function ConfirmAction({ kind, ...rest }: Props) {
  // Keyed by the kind, so each opening starts with the box unticked.
  return kind ? <ConfirmDialog key={kind} kind={kind} {...rest} /> : null;
}

function ConfirmDialog({ container, kind, onConfirm, onDismiss }: Omit<Props, 'kind'> & { kind: Kind }) {
  const [removeVolumes, setRemoveVolumes] = useState(false);
  if (kind === 'restart' && container.podUid) {
    return (
      <ConfirmModal
        isOpen
        title={`Restart pod ${container.pod}?`}
        body={`Pod ${container.pod} (container ${container.name}) will be deleted; its ${container.workloadKind} ${container.workloadName} creates a new one.`}
        confirmText="Delete pod"
        onConfirm={() => onConfirm(kind, false)}
        onDismiss={onDismiss}
      />
    );
  }
  const remove = kind === 'remove';
  return (
    <ConfirmModal
      isOpen
      title={remove ? `Remove container ${container.name}?` : `Stop container ${container.name}?`}
      body={
        remove ? (
          <Stack direction="column" gap={1} alignItems="flex-start">
            <span>
              {container.name} on {container.nodeName} will be removed
              {container.state === 'running' ? ' (it is running and will be killed first)' : ''}. This cannot be undone.
            </span>
            <Checkbox
              label="Also remove volumes"
              value={removeVolumes}
              onChange={(e) => setRemoveVolumes(e.currentTarget.checked)}
            />
          </Stack>
        ) : (
          `${container.name} on ${container.nodeName} will be stopped.`
        )
      }
      confirmText={remove ? 'Remove' : 'Stop'}
      onConfirm={() => onConfirm(kind, remove && removeVolumes)}
      onDismiss={onDismiss}
    />
  );
}

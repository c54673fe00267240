import React, { useState } from 'react';
import { Button, ConfirmModal, Stack } from '@grafana/ui';
import type { Action, WorkloadRow } from '@fleetlens/protocol/api';
import { useMe } from '../../api/useMe';
import { useFleetlens } from '../FleetlensContext';
import { ActionOutcome } from './ActionOutcome';
import { STATE_TEXT, useActionState } from './useActionState';

/** The kinds a rollout restart applies to (RestartableWorkloadKind). */
const RESTARTABLE = new Set<WorkloadRow['kind']>(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * Restart (a rollout restart: every pod replaced by its controller) for a Deployment, StatefulSet
 * or DaemonSet (issue 15), for editors and admins only, after a confirmation naming the workload.
 */
export function RestartWorkloadButton({
  workload,
}: {
  workload: Pick<WorkloadRow, 'id' | 'kind' | 'namespace' | 'name'>;
}) {
  const { client } = useFleetlens();
  const me = useMe();
  const state = useActionState();
  const { action, pending, request } = state;
  const [confirm, setConfirm] = useState(false);
  if (!me.canEdit || !RESTARTABLE.has(workload.kind)) {
    return null;
  }
  const target = `${workload.kind} ${workload.namespace}/${workload.name}`;
  const run = () => {
    setConfirm(false);
    void request(() => client.send<Action>('POST', `/k8s/workloads/${encodeURIComponent(workload.id)}/restart`, {}));
  };
  return (
    <span>
      <Stack gap={1} alignItems="center">
        <Button
          size="sm"
          variant="secondary"
          disabled={pending}
          onClick={() => setConfirm(true)}
          aria-label={`Restart ${target}`}
        >
          Restart
        </Button>
        {action && (
          <span role="status" aria-label={`Restarting ${target}`}>
            restart: {STATE_TEXT[action.state]}
          </span>
        )}
      </Stack>
      <ActionOutcome what={`Restarting ${target}`} state={state} />
      <ConfirmModal
        isOpen={confirm}
        title={`Restart ${target}?`}
        body={`Every pod of ${workload.namespace}/${workload.name} is replaced by a new one, a few at a time (a rollout restart).`}
        confirmText="Restart"
        onConfirm={run}
        onDismiss={() => setConfirm(false)}
      />
    </span>
  );
}

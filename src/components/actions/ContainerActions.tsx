import React, { useEffect, useState } from 'react';
import { Alert as Banner, Button, Checkbox, ConfirmModal, Stack } from '@grafana/ui';
import type { Action, ContainerActionRequestInput, ContainerDetailReply } from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../../api/errors';
import { useMe } from '../../api/useMe';
import { useFleetlens } from '../FleetlensContext';

type Kind = ContainerActionRequestInput['kind'];

/** How often the action's state is read until it finishes. */
const POLL_MS = 1000;

const LABEL: Record<Kind, string> = {
  start: 'Start',
  stop: 'Stop',
  restart: 'Restart',
  pause: 'Pause',
  unpause: 'Resume',
  remove: 'Remove',
};

/** The actions a container's reported state allows, in button order. */
export function allowedKinds(state: ContainerDetailReply['state']): Kind[] {
  switch (state) {
    case 'running':
      return ['stop', 'restart', 'pause', 'remove'];
    case 'paused':
      return ['unpause', 'stop', 'remove'];
    case 'restarting':
      return ['stop', 'remove'];
    case 'created':
    case 'exited':
    case 'dead':
      return ['start', 'remove'];
    default:
      return [];
  }
}

const finished = (a: Action) => a.state === 'done' || a.state === 'failed' || a.state === 'expired';

const STATE_TEXT: Record<Action['state'], string> = {
  queued: 'queued, waiting for the agent',
  running: 'running on the agent',
  done: 'done',
  failed: 'failed',
  expired: 'expired',
};

/**
 * Start / Stop / Restart / Pause / Resume / Remove for a Docker container (issue 15), for editors
 * and admins. Stop and remove ask for confirmation naming the container; remove offers "also
 * remove volumes" (off by default). The requested action's state is read until it finishes.
 */
export function ContainerActions({ container }: { container: ContainerDetailReply }) {
  const { client, refreshNow } = useFleetlens();
  const me = useMe();
  const [confirm, setConfirm] = useState<Kind | null>(null);
  const [removeVolumes, setRemoveVolumes] = useState(false);
  const [action, setAction] = useState<Action | null>(null);
  const [error, setError] = useState<ApiError>();

  const pending = action !== null && !finished(action);
  useEffect(() => {
    if (!action || finished(action)) {
      return undefined;
    }
    const timer = setTimeout(() => {
      client
        .get<Action>(`/actions/${encodeURIComponent(action.id)}`)
        .then((a) => {
          setAction(a);
          if (finished(a)) {
            refreshNow();
          }
        })
        .catch((err) => setError(toApiError(err)));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [action, client, refreshNow]);

  // Kubernetes containers and gone ones have no actions (yet); viewers see none.
  const kinds = container.podUid || container.goneAt !== null ? [] : allowedKinds(container.state);
  if (!me.canEdit || !kinds.length) {
    return null;
  }

  const run = async (kind: Kind) => {
    setConfirm(null);
    setError(undefined);
    const live = container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
    const body: ContainerActionRequestInput =
      kind === 'remove' ? { kind, options: { removeVolumes, force: live } } : { kind };
    try {
      setAction(await client.send<Action>('POST', `/containers/${encodeURIComponent(container.id)}/actions`, body));
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const ask = (kind: Kind) => {
    if (kind === 'stop' || kind === 'remove') {
      setRemoveVolumes(false);
      setConfirm(kind);
    } else {
      void run(kind);
    }
  };

  return (
    <section aria-label="Container actions">
      <Stack gap={1} wrap="wrap" alignItems="center">
        {kinds.map((k) => (
          <Button
            key={k}
            size="sm"
            variant={k === 'remove' || k === 'stop' ? 'destructive' : 'secondary'}
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
      <ConfirmModal
        isOpen={confirm !== null}
        title={confirm === 'remove' ? `Remove container ${container.name}?` : `Stop container ${container.name}?`}
        body={
          confirm === 'remove' ? (
            <Stack direction="column" gap={1}>
              <span>
                {container.name} on {container.nodeName} will be removed
                {container.state === 'running' ? ' (it is running and will be killed first)' : ''}. This cannot be
                undone.
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
        confirmText={confirm === 'remove' ? 'Remove' : 'Stop'}
        onConfirm={() => {
          if (confirm) {
            void run(confirm);
          }
        }}
        onDismiss={() => setConfirm(null)}
      />
    </section>
  );
}

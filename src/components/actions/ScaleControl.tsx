import React, { useState } from 'react';
import { Button, ConfirmModal, Input, Stack } from '@grafana/ui';
import type { Action } from '@fleetlens/protocol/api';
import { useMe } from '../../api/useMe';
import { ActionOutcome } from './ActionOutcome';
import { STATE_TEXT, useActionState } from './useActionState';

/** The wire's bound on replicas (ActionOptions.replicas). */
const MAX_REPLICAS = 1000;

interface Props {
  /** What is scaled as a person reads it ("shop/web", "shop/Deployment/api"); the confirmation names it. */
  target: string;
  /** Where it runs, for the confirmation ("on h1 (dock)"). */
  where: string;
  /** Replicas it has now (running containers, desired pods); null when not known. */
  current: number | null;
  /** What scaling down from `from` to `to` does, for the confirmation. */
  downText(from: number, to: number): string;
  /** Sends the scale request; resolves with the queued action. */
  scale(replicas: number): Promise<Action>;
}

/**
 * Current replicas, a number input and Scale (issue 15), for editors and admins only. Scaling
 * down asks for confirmation naming the target (to 0 especially: it stops the service); the
 * queued action's state is read until it finishes.
 */
export function ScaleControl({ target, where, current, downText, scale }: Props) {
  const me = useMe();
  const state = useActionState();
  const { action, pending, request } = state;
  // null: follow the current count (refreshes update it) until the user types a number.
  const [typed, setTyped] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  if (!me.canEdit) {
    return null;
  }
  const text = typed ?? (current === null ? '' : String(current));
  const wanted = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  const valid = Number.isInteger(wanted) && wanted >= 0 && wanted <= MAX_REPLICAS;

  const run = async (replicas: number) => {
    setConfirm(null);
    await request(() => scale(replicas));
    setTyped(null);
  };
  const ask = () => {
    if (!valid) {
      return;
    }
    if (current !== null && wanted < current) {
      setConfirm(wanted);
    } else {
      void run(wanted);
    }
  };

  return (
    <div aria-label={`Scale ${target}`} role="group">
      <Stack gap={1} alignItems="center" wrap="wrap">
        <span>{current === null ? 'replicas unknown' : `${current} now`}</span>
        <Input
          type="number"
          min={0}
          max={MAX_REPLICAS}
          width={8}
          aria-label={`Replicas of ${target}`}
          value={text}
          invalid={text !== '' && !valid}
          onChange={(e) => setTyped(e.currentTarget.value)}
        />
        <Button size="sm" variant="secondary" disabled={pending || !valid || wanted === current} onClick={ask}>
          Scale
        </Button>
        {action && (
          <span role="status" aria-label={`Scaling ${target}`}>
            to {action.options.replicas ?? '?'}: {STATE_TEXT[action.state]}
          </span>
        )}
      </Stack>
      {text !== '' && !valid && <span role="alert">A whole number from 0 to {MAX_REPLICAS}</span>}
      <ActionOutcome what={`Scaling ${target}`} state={state} />
      <ConfirmModal
        isOpen={confirm !== null}
        title={`Scale down ${target}?`}
        body={confirm === null || current === null ? '' : `${target} ${where}: ${downText(current, confirm)}`}
        confirmText={confirm === 0 ? 'Scale to 0' : 'Scale down'}
        onConfirm={() => {
          if (confirm !== null) {
            void run(confirm);
          }
        }}
        onDismiss={() => setConfirm(null)}
      />
    </div>
  );
}

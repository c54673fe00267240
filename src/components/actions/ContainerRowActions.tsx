import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Dropdown, IconButton, Menu, useStyles2 } from '@grafana/ui';
import type { ContainerRow } from '@fleetlens/protocol/api';
import { ConfirmAction } from './ConfirmAction';
import { kindsFor, LABEL, labelOf, needsConfirmation, type Kind } from './kinds';
import { STATE_TEXT } from './useActionState';
import { useContainerAction } from './useContainerAction';

/**
 * A table row's container actions (issue 15): a "⋮" button opening a menu of what the container's
 * state allows (Docker containers only; nothing for Kubernetes ones yet), the same confirmation
 * as the container page for stop and remove, and the action's state in the row (queued, running,
 * done, failed or expired; the longer wording in its tooltip) with the engine's message on failure. The page shows it to editors and admins only.
 */
export function ContainerRowActions({ container }: { container: ContainerRow }) {
  const styles = useStyles2(getStyles);
  const [confirm, setConfirm] = useState<Kind | null>(null);
  const { action, error, pending, request } = useContainerAction(container);
  const kinds = kindsFor(container);
  if (!kinds.length && !action && !error) {
    return null;
  }

  const ask = (kind: Kind) => (needsConfirmation(kind) ? setConfirm(kind) : void request(kind));
  const failed = action && (action.state === 'failed' || action.state === 'expired');
  const menu = (
    <Menu>
      {kinds.map((k) => (
        <Menu.Item key={k} label={LABEL[k]} destructive={needsConfirmation(k)} onClick={() => ask(k)} />
      ))}
    </Menu>
  );

  return (
    <span className={styles.cell}>
      {kinds.length > 0 && (
        <Dropdown overlay={menu} placement="bottom-end">
          <IconButton name="ellipsis-v" aria-label={`Actions for ${container.name}`} disabled={pending} />
        </Dropdown>
      )}
      {action && (
        <span
          role="status"
          aria-label={`Action state of ${container.name}`}
          className={failed ? styles.failed : styles.state}
          title={`${labelOf(action.kind)}: ${STATE_TEXT[action.state]}${action.message ? `: ${action.message}` : ''}`}
        >
          {labelOf(action.kind)}: {action.state}
          {failed && action.message ? `: ${action.message}` : ''}
        </span>
      )}
      {error && (
        <span role="alert" className={styles.failed}>
          Could not ask: {error.message}
        </span>
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
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  cell: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(1) }),
  // Short in the row (the table fits 1,440 px); the whole text is the tooltip.
  state: css({ color: theme.colors.text.secondary }),
  failed: css({
    color: theme.colors.error.text,
    maxWidth: 220,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
});

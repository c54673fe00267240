import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ClipboardButton, useStyles2 } from '@grafana/ui';

/** A new secret (agent token, API key) shown once, with a copy button and a plain warning. */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone(): void }) {
  const styles = useStyles2(getStyles);
  return (
    <Alert title={title} severity="success">
      <p>
        <strong>Copy it now: you won’t see it again.</strong> Fleetlens stores only a hash; if it is lost, revoke it and
        create a new one.
      </p>
      <div className={styles.row}>
        <code className={styles.code} data-testid="secret-once">
          {secret}
        </code>
        <ClipboardButton icon="copy" variant="primary" getText={() => secret} aria-label="Copy to clipboard">
          Copy
        </ClipboardButton>
        <Button variant="secondary" onClick={onDone}>
          I have copied it
        </Button>
      </div>
    </Alert>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', flexWrap: 'wrap' }),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    wordBreak: 'break-all',
  }),
});

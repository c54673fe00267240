import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** What a panel shows instead of data: why, and what query it needs. */
export function PanelMessage({ title, children }: { title: string; children?: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.box} role="status">
      <strong>{title}</strong>
      {children && <div className={styles.hint}>{children}</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    padding: theme.spacing(2),
    textAlign: 'center',
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});

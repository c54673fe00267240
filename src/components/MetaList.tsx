import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** A definition list of an entity's facts (name → value), laid out in columns. */
export function MetaList({ items, label }: { items: Array<[string, React.ReactNode]>; label: string }) {
  const styles = useStyles2(getStyles);
  return (
    <dl className={styles.list} aria-label={label}>
      {items.map(([k, v]) => (
        <div key={k} className={styles.item}>
          <dt className={styles.key}>{k}</dt>
          <dd className={styles.value}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Labels as small key=value chips. */
export function LabelList({ labels }: { labels: Record<string, string> }) {
  const styles = useStyles2(getStyles);
  const entries = Object.entries(labels);
  if (entries.length === 0) {
    return <span className={styles.key}>none</span>;
  }
  return (
    <div className={styles.labels}>
      {entries.map(([k, v]) => (
        <code key={k} className={styles.label}>
          {k}={v}
        </code>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))',
    gap: theme.spacing(1, 2),
    margin: theme.spacing(0, 0, 2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
  }),
  item: css({ minWidth: 0 }),
  key: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ margin: 0, overflowWrap: 'anywhere' }),
  labels: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
  label: css({ fontSize: theme.typography.bodySmall.fontSize }),
});

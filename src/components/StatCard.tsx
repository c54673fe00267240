import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface Props {
  title: string;
  value: string;
  /** A second line: breakdown or context, e.g. "of 64 cores". */
  sub?: React.ReactNode;
  /** Colour hint for values that need attention. */
  tone?: 'normal' | 'good' | 'warning' | 'bad';
  testId?: string;
}

/** One number with its title, like a stat panel. */
export const StatCard = React.memo(function StatCard({ title, value, sub, tone = 'normal', testId }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <section className={styles.card} aria-label={title} data-testid={testId}>
      <h3 className={styles.title}>{title}</h3>
      <div className={cx(styles.value, styles[tone])}>{value}</div>
      {sub && <div className={styles.sub}>{sub}</div>}
    </section>
  );
});

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
    minWidth: 0,
  }),
  title: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightMedium,
    margin: 0,
    marginBottom: theme.spacing(0.5),
  }),
  value: css({
    fontSize: theme.typography.h2.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    fontVariantNumeric: 'tabular-nums',
    lineHeight: 1.2,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  sub: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
  normal: css({}),
  good: css({ color: theme.colors.success.text }),
  warning: css({ color: theme.colors.warning.text }),
  bad: css({ color: theme.colors.error.text }),
});

/** A responsive grid of cards. */
export function CardGrid({ children, min = 180 }: { children: React.ReactNode; min?: number }) {
  const styles = useStyles2(getGridStyles, min);
  return <div className={styles.grid}>{children}</div>;
}

const getGridStyles = (theme: GrafanaTheme2, min: number) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fill, minmax(${min}px, 1fr))`,
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  }),
});

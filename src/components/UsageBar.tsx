import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Thresholds } from '../types';
import { formatPercent } from '../utils/format';

export type UsageLevel = 'ok' | 'warn' | 'crit' | 'none';

/** Which band a percentage falls into: green below warn, yellow below crit, red from crit. */
export function usageLevel(percent: number | null | undefined, t: Thresholds): UsageLevel {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) {
    return 'none';
  }
  return percent >= t.crit ? 'crit' : percent >= t.warn ? 'warn' : 'ok';
}

/** The theme colour of a usage band. */
export function levelColor(theme: GrafanaTheme2, level: UsageLevel): string {
  switch (level) {
    case 'crit':
      return theme.colors.error.main;
    case 'warn':
      return theme.colors.warning.main;
    case 'ok':
      return theme.colors.success.main;
    default:
      return theme.colors.text.disabled;
  }
}

interface Props {
  /** 0–100, or null when unknown. */
  percent: number | null | undefined;
  thresholds: Thresholds;
  /** The absolute value shown after the percentage, e.g. "1.2 GiB". */
  detail?: string;
  /**
   * Shown first instead of the percentage, when the column sorts by an absolute quantity (e.g.
   * "0.25 cores"); the percentage then follows it as the detail does.
   */
  value?: string;
  /** The text on a line of its own under the bar, for narrow table columns. */
  stacked?: boolean;
  /** Accessible name, e.g. "CPU". */
  label: string;
}

/** A horizontal usage bar coloured green / yellow / red at the configured thresholds. */
export const UsageBar = React.memo(function UsageBar({ percent, thresholds, detail, label, value, stacked }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const level = usageLevel(percent, thresholds);
  const width = percent === null || percent === undefined ? 0 : Math.max(0, Math.min(100, percent));
  const text = formatPercent(percent);
  return (
    <div
      className={cx(styles.wrap, stacked && styles.stacked)}
      title={detail ? `${label}: ${text} (${detail})` : `${label}: ${text}`}
    >
      <div
        className={styles.track}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
        data-level={level}
      >
        <div className={styles.fill} style={{ width: `${width}%`, background: levelColor(theme, level) }} />
      </div>
      {value !== undefined ? (
        <span className={styles.text}>
          {value}
          <span className={styles.detail}>
            {' '}
            · {text}
            {detail ? ` ${detail}` : ''}
          </span>
        </span>
      ) : (
        <span className={styles.text}>
          {text}
          {detail && <span className={styles.detail}> · {detail}</span>}
        </span>
      )}
    </div>
  );
});

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), minWidth: 140 }),
  stacked: css({
    flexWrap: 'wrap',
    rowGap: theme.spacing(0.25),
    minWidth: 110,
    '& > span': { flexBasis: '100%' },
  }),
  track: css({
    flex: '1 1 60px',
    minWidth: 50,
    height: 8,
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    overflow: 'hidden',
  }),
  fill: css({ height: '100%', transition: 'width 0.3s ease' }),
  text: css({
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  detail: css({ color: theme.colors.text.secondary }),
});

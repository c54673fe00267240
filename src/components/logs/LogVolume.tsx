import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { LogVolumeReply } from '@fleetlens/protocol/api/alerts';
import { formatTime } from '../../utils/format';
import { LOG_LEVELS } from '../../utils/viewState';

type Level = (typeof LOG_LEVELS)[number];

/** Stacking order, bottom up: the levels that matter most sit on the baseline. */
const STACK: Level[] = ['error', 'warning', 'info', 'debug', 'unknown'];

interface Props {
  volume: LogVolumeReply;
  /** A bar was clicked: narrow the time range to its bucket (epoch seconds, inclusive). */
  onPick?(from: number, to: number): void;
}

/** Log lines per time bucket, stacked by level; each bar is a button that narrows the range to its bucket. */
export function LogVolume({ volume, onPick }: Props) {
  const styles = useStyles2(getStyles);
  const max = Math.max(1, ...volume.buckets.map((b) => b.total));
  const describe = (b: LogVolumeReply['buckets'][number]) => {
    const parts = STACK.filter((l) => b[l] > 0).map((l) => `${l} ${b[l]}`);
    return `${formatTime(b.ts)}: ${b.total} line${b.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  };
  return (
    <figure className={styles.figure} data-testid="log-volume" aria-label="Log volume">
      <div className={styles.axis}>
        <span>{max}</span>
        <span>0</span>
      </div>
      <div className={styles.bars} role="list" aria-label="Log volume by time">
        {volume.buckets.map((b) => (
          <button
            key={b.ts}
            type="button"
            role="listitem"
            className={styles.bar}
            data-testid="volume-bar"
            data-ts={b.ts}
            data-count={b.total}
            aria-label={describe(b)}
            title={`${describe(b)}${onPick ? ' — click to show this time only' : ''}`}
            onClick={onPick ? () => onPick(b.ts, b.ts + volume.step - 1) : undefined}
            disabled={!onPick || b.total === 0}
          >
            {STACK.filter((l) => b[l] > 0).map((l) => (
              <span
                key={l}
                className={`${styles.segment} ${styles[l]}`}
                style={{ height: `${(b[l] / max) * 100}%` }}
                data-level={l}
              />
            ))}
          </button>
        ))}
      </div>
      <figcaption className={styles.caption}>
        <span>{formatTime(volume.buckets[0]?.ts ?? volume.from)}</span>
        <span className={styles.legend} data-testid="log-volume-totals">
          {volume.totals.total} lines in range
          {STACK.filter((l) => volume.totals[l] > 0).map((l) => (
            <span key={l} className={styles.key}>
              <span className={`${styles.swatch} ${styles[l]}`} />
              {l} {volume.totals[l]}
            </span>
          ))}
          <span className={styles.step}>· {stepLabel(volume.step)} per bar</span>
        </span>
        <span>{formatTime(volume.to)}</span>
      </figcaption>
    </figure>
  );
}

function stepLabel(s: number): string {
  if (s % 86_400 === 0) {
    return `${s / 86_400} d`;
  }
  if (s % 3600 === 0) {
    return `${s / 3600} h`;
  }
  if (s % 60 === 0) {
    return `${s / 60} min`;
  }
  return `${s} s`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css({
    margin: theme.spacing(0, 0, 1),
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    gridTemplateRows: '80px auto',
    columnGap: theme.spacing(0.5),
  }),
  axis: css({
    display: 'flex',
    flexDirection: 'column',
    justifyContent: 'space-between',
    textAlign: 'right',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  bars: css({
    display: 'flex',
    alignItems: 'stretch',
    gap: 1,
    borderBottom: `1px solid ${theme.colors.border.medium}`,
  }),
  bar: css({
    flex: '1 1 0',
    minWidth: 2,
    display: 'flex',
    flexDirection: 'column-reverse',
    justifyContent: 'flex-start',
    padding: 0,
    border: 'none',
    background: 'transparent',
    cursor: 'pointer',
    '&:hover:not(:disabled)': { background: theme.colors.action.hover },
    '&:disabled': { cursor: 'default' },
  }),
  segment: css({ display: 'block', width: '100%', flex: 'none' }),
  caption: css({
    gridColumn: 2,
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  legend: css({ display: 'flex', gap: theme.spacing(1), flexWrap: 'wrap', justifyContent: 'center' }),
  key: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  swatch: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 1 }),
  step: css({}),
  error: css({ background: theme.colors.error.main }),
  warning: css({ background: theme.colors.warning.main }),
  info: css({ background: theme.colors.info.main }),
  debug: css({ background: theme.colors.text.disabled }),
  unknown: css({ background: theme.colors.secondary.main }),
});

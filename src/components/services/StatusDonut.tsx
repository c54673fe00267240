import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { StatusClass } from '@fleetlens/protocol/api';
import { formatUnit } from '../../utils/format';
import { STATUS_CLASSES } from './api';
import { formatShare } from './format';

const COLORS: Record<StatusClass, string> = { '2xx': 'green', '3xx': 'blue', '4xx': 'orange', '5xx': 'red' };

const R = 40;
const CIRCUMFERENCE = 2 * Math.PI * R;

/**
 * Requests per HTTP status class as a donut (@grafana/ui exports no pie chart in 12.4 or 13.2):
 * one stroked circle per class whose dash is its share of the ring, an aria-label with the counts,
 * and a legend with counts and percentages beside it.
 */
export function StatusDonut({
  counts,
  total,
  title,
  testId,
}: {
  counts: Partial<Record<StatusClass, number>>;
  total: number;
  title: string;
  testId?: string;
}) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const value = (c: StatusClass) => counts[c] ?? 0;
  const share = (c: StatusClass) => (total > 0 ? (value(c) / total) * 100 : 0);
  const label = `${title}: ${STATUS_CLASSES.map((c) => `${value(c)} ${c}`).join(', ')} of ${total} requests`;
  let offset = 0;
  return (
    <div className={styles.wrap} data-testid={testId}>
      <svg viewBox="0 0 100 100" width={160} height={160} role="img" aria-label={label}>
        <circle cx={50} cy={50} r={R} fill="none" stroke={theme.colors.border.weak} strokeWidth={14} />
        {total > 0 &&
          STATUS_CLASSES.filter((c) => value(c) > 0).map((c) => {
            const len = (value(c) / total) * CIRCUMFERENCE;
            const el = (
              <circle
                key={c}
                cx={50}
                cy={50}
                r={R}
                fill="none"
                stroke={theme.visualization.getColorByName(COLORS[c])}
                strokeWidth={14}
                strokeDasharray={`${len} ${CIRCUMFERENCE - len}`}
                strokeDashoffset={-offset}
                // Start at 12 o'clock, clockwise.
                transform="rotate(-90 50 50)"
              />
            );
            offset += len;
            return el;
          })}
        <text x={50} y={54} textAnchor="middle" className={styles.total}>
          {total}
        </text>
      </svg>
      <ul className={styles.legend} aria-label={`${title} legend`}>
        {STATUS_CLASSES.map((c) => (
          <li key={c} className={styles.item} data-testid={`status-${c}`}>
            <span className={styles.swatch} style={{ background: theme.visualization.getColorByName(COLORS[c]) }} />
            <span className={styles.cls}>{c}</span>
            <span className={styles.count}>{formatUnit('short', value(c))}</span>
            <span className={styles.pct}>{formatShare(share(c))}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(3), flexWrap: 'wrap' }),
  total: css({ fill: theme.colors.text.primary, fontSize: 14, fontWeight: theme.typography.fontWeightMedium }),
  legend: css({ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: theme.spacing(0.5) }),
  item: css({
    display: 'grid',
    gridTemplateColumns: '12px 3em 5em 5em',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontVariantNumeric: 'tabular-nums',
  }),
  swatch: css({ width: 12, height: 12, borderRadius: 2 }),
  cls: css({ fontWeight: theme.typography.fontWeightMedium }),
  count: css({ textAlign: 'right' }),
  pct: css({ textAlign: 'right', color: theme.colors.text.secondary }),
});
